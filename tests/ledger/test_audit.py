"""The audit names exactly what someone with database access altered; key rotation keeps trust.

The ledger is built and checkpointed through the service, then tampered with in plain SQL as
an insider would, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from soai.crypto import service as crypto
from soai.db import transaction
from soai.ledger import audit, bundles, keys, merkle, note, service
from soai.ledger.models import LedgerCheckpoint
from soai.ledger.schemas import AuditReport
from soai.ledger.verify import verify
from soai.settings import Settings
from tests.ledger.factories import (
    append,
    delete_entry,
    execute,
    proof_at_latest,
    replace_entry,
    set_node,
    sign,
    stored_entries,
)


@pytest.fixture
def ledger(instance: Settings, sessions: sessionmaker[Session]) -> dict[int, int]:
    """13 entries, checkpoints at sizes 3, 5 and 13; returns {size: checkpoint id}."""
    ids = {}
    for batch in (3, 2, 8):
        append(sessions, batch)
        record = sign(instance, sessions)
        ids[record.size] = record.id
    return ids


def _audit(settings: Settings, sessions: sessionmaker[Session]) -> AuditReport:
    with transaction(sessions) as session:
        return audit.audit(session, vkeys=keys.vkeys(settings))


def _where(report: AuditReport) -> list[str]:
    return [problem.where for problem in report.problems]


def _body(sessions: sessionmaker[Session], position: int) -> bytes:
    with transaction(sessions) as session:
        return service.entry(session, position=position).body


def _altered(body: bytes) -> bytes:
    return body.replace(b'"n":', b'"n":1', 1)  # {"n":4} becomes {"n":14}, still canonical JSON


def test_an_untouched_ledger_has_no_problems(
    instance: Settings, sessions: sessionmaker[Session], ledger: dict[int, int]
) -> None:
    report = _audit(instance, sessions)
    assert report.ok and report.problems == []
    assert (report.size, report.entries_checked, report.checkpoints_checked) == (13, 13, 3)
    assert (
        report.nodes_checked == len(merkle.compute_all([b"\0" * 32] * 13)) == 23
    )  # 13 leaves + 6 + 3 + 1


def test_an_altered_entry_is_named(
    instance: Settings, sessions: sessionmaker[Session], ledger: dict[int, int]
) -> None:
    altered = _altered(_body(sessions, 4))
    assert json.loads(altered)["data"] == {"n": 14}
    replace_entry(sessions, 4, altered)
    report = _audit(instance, sessions)
    entries = [p for p in report.problems if p.what == "entry"]
    assert [(p.where, p.detail) for p in entries] == [
        ("entry 4", "its content no longer matches the leaf hash recorded for it: altered")
    ]
    assert not report.ok


def test_an_altered_node_is_named(
    instance: Settings, sessions: sessionmaker[Session], ledger: dict[int, int]
) -> None:
    set_node(sessions, 2, 1, bytes(32))
    report = _audit(instance, sessions)
    assert [(p.what, p.where) for p in report.problems] == [("node", "node 2/1")]
    assert report.problems[0].detail == "differs from the hash of its children: altered"


def test_a_deleted_entry_is_reported_missing(
    instance: Settings, sessions: sessionmaker[Session], ledger: dict[int, int]
) -> None:
    delete_entry(sessions, 6)  # one of the 13 entries still waiting for their bundle
    report = _audit(instance, sessions)
    assert [(p.where, p.detail) for p in report.problems] == [("entry 6", "missing (deleted?)")]
    assert report.entries_checked == 13


def test_an_entry_cut_out_of_a_sealed_bundle_is_reported(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    append(sessions, 300)  # bundle 0 sealed, entries 256-299 waiting
    delete_entry(sessions, 6)  # the entries after it in the bundle move up one place
    report = _audit(instance, sessions)
    details = {p.where: p.detail for p in report.problems}
    altered = "its content no longer matches the leaf hash recorded for it: altered"
    assert all(details[f"entry {n}"] == altered for n in range(6, 255))
    assert details["entry 255"] == "missing (deleted?)"
    assert "entry 5" not in details and "entry 256" not in details
    assert not report.ok


def test_a_lost_bundle_reports_each_of_its_entries_missing(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    append(sessions, 300)  # bundle 0 full, bundle 1 with 44 entries
    sign(instance, sessions)
    execute(sessions, "DELETE FROM ledger_bundles WHERE bundle = 0")
    report = _audit(instance, sessions)
    assert [(p.where, p.detail) for p in report.problems] == [
        (f"entry {n}", "missing (deleted?)") for n in range(256)
    ]
    assert report.entries_checked == 300


def test_entries_added_behind_the_logs_back_are_named_and_cost_nothing(
    instance: Settings, sessions: sessionmaker[Session], ledger: dict[int, int]
) -> None:
    forged = bundles.pack([b'{"type":"x"}'] * 300)
    execute(sessions, "INSERT INTO ledger_bundles (bundle, data) VALUES (9999999, :d)", d=forged)
    report = _audit(instance, sessions)
    assert [(p.where, p.detail) for p in report.problems] == [
        ("bundle 9999999", "lies beyond the head's 13 entries: inserted")
    ]
    assert report.entries_checked == 13


def test_a_bundle_that_no_longer_splits_into_entries_is_named(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    append(sessions, 300)
    execute(sessions, "UPDATE ledger_bundles SET data = :d WHERE bundle = 0", d=b"\x00\x00\x01")
    report = _audit(instance, sessions)
    assert [(p.what, p.where) for p in report.problems] == [("entry", "entries 0-255")]
    assert report.problems[0].detail.startswith("their bundle no longer splits into entries")


def test_deleting_the_last_entry_is_reported(
    instance: Settings, sessions: sessionmaker[Session], ledger: dict[int, int]
) -> None:
    delete_entry(sessions, 12)
    report = _audit(instance, sessions)
    details = {p.where: p.detail for p in report.problems}
    assert details["ledger head"] == "the head says 13 entries but 12 are stored"
    assert details[f"checkpoint {ledger[13]} (size 13)"] == (
        "signed for more entries than are stored"
    )


@pytest.mark.parametrize("part", ["size", "root", "signature"])
def test_a_changed_checkpoint_note_fails_its_signature(
    instance: Settings, sessions: sessionmaker[Session], ledger: dict[int, int], part: str
) -> None:
    with transaction(sessions) as session:
        text = session.scalar(select(LedgerCheckpoint.note).where(LedgerCheckpoint.id == ledger[5]))
    assert text is not None
    origin, size, root, blank, signature, _end = text.split("\n")
    if part == "size":
        size = "4"
    elif part == "root":
        root = note.checkpoint_body(origin, 5, bytes(32)).split("\n")[2]
    else:
        head, encoded = signature.rsplit(" ", 1)
        signature = f"{head} {encoded[:-6]}AAAAA="
    forged = "\n".join([origin, size, root, blank, signature, ""])
    assert forged != text
    execute(
        sessions, "UPDATE ledger_checkpoints SET note = :n WHERE id = :i", n=forged, i=ledger[5]
    )
    report = _audit(instance, sessions)
    assert _where(report) == [f"checkpoint {ledger[5]} (size 5)"]
    assert report.problems[0].detail.startswith("signature does not verify: ")


def test_rewritten_history_is_caught_by_the_signed_checkpoints(
    instance: Settings, sessions: sessionmaker[Session], ledger: dict[int, int]
) -> None:
    # An insider changes entry 4 and recomputes every node, so entries and nodes agree again.
    replace_entry(sessions, 4, _altered(_body(sessions, 4)))
    bodies = [entry.body for entry in stored_entries(sessions)]
    nodes = merkle.compute_all([merkle.leaf_hash(b) for b in bodies])
    for (level, position), digest in nodes.items():
        set_node(sessions, level, position, digest)
    report = _audit(instance, sessions)
    # The checkpoint of size 3 does not cover entry 4 and still holds; the later ones do not.
    assert _where(report) == [
        f"checkpoint {ledger[5]} (size 5)",
        f"checkpoint {ledger[13]} (size 13)",
    ]
    assert {p.detail for p in report.problems} == {
        "the entries no longer produce the root that was signed: history rewritten"
    }


def test_checkpoints_signed_before_a_key_rotation_still_verify(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    append(sessions, 6)
    before = sign(instance, sessions)
    old_proof = proof_at_latest(instance, sessions, 2).model_dump(mode="json")
    old_vkey = keys.vkeys(instance)[0]

    new_key = crypto.rotate(instance)

    vkeys = keys.vkeys(instance)
    assert vkeys[0] != old_vkey and vkeys[1:] == [old_vkey]
    assert note.open_note(before.note, vkeys)
    verify(old_proof, vkeys)
    append(sessions, 3)
    after = sign(instance, sessions)
    assert after.key_id == new_key.kid != before.key_id
    assert note.open_note(after.note, [vkeys[0]])  # signed by the new key alone
    with pytest.raises(note.NoteError, match="no signature by a trusted key"):
        note.open_note(after.note, [old_vkey])
    with pytest.raises(note.NoteError, match="no signature by a trusted key"):
        note.open_note(before.note, [vkeys[0]])
    for position in range(9):
        verify(proof_at_latest(instance, sessions, position).model_dump(mode="json"), vkeys)
    report = _audit(instance, sessions)
    assert report.ok and report.checkpoints_checked == 2


def test_entries_stuffed_into_a_bundle_are_named_and_the_rest_still_checks(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    append(sessions, 300)
    bodies = [entry.body for entry in stored_entries(sessions)][:256]
    stuffed = bundles.pack(bodies + [b'{"type":"x"}'] * 7)  # 263 entries in bundle 0
    execute(sessions, "UPDATE ledger_bundles SET data = :d WHERE bundle = 0", d=stuffed)
    execute(sessions, "INSERT INTO ledger_open_entries (position, body) VALUES (300, :b)", b=b"{}")
    report = _audit(instance, sessions)
    assert [(p.where, p.detail) for p in report.problems] == [
        ("bundle 0", "holds 263 entries where the head counts 256: inserted"),
        ("entry 300", "stored beyond the head or twice: inserted"),
    ]
    assert report.entries_checked == 300

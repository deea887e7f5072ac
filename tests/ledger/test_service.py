"""Ledger use cases on real SQLite and PostgreSQL: append, checkpoint, inclusion and consistency.

Every proof the service gives is checked by the offline verifier (``soai.ledger.verify``) with
the log's real Ed25519 verifier keys, exactly as a citizen with a proof file would check it.
"""

from __future__ import annotations

import json
import random
import re

import pytest
from sqlalchemy.orm import Session, sessionmaker

from soai.crypto.jcs import canonicalize
from soai.crypto.keyring import Signer
from soai.db import transaction
from soai.errors import InvalidInput, NotFound
from soai.ledger import keys, merkle, note, service, tiles
from soai.ledger.models import LedgerEntry
from soai.ledger.verify import LedgerVerificationError, verify
from soai.settings import Settings
from tests.ledger.factories import (
    KIND,
    append,
    counts,
    empty_ledger,
    proof_at_latest,
    sign,
    stored_entries,
)

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _stored(sessions: sessionmaker[Session]) -> list[LedgerEntry]:
    return stored_entries(sessions)


def _uneven(size: int, seed: int) -> list[int]:
    """Batch sizes adding up to ``size``: singles, pairs and bigger runs, in a random order."""
    rng = random.Random(seed)
    batches: list[int] = []
    while sum(batches) < size:
        batches.append(min(rng.choice([1, 1, 2, 3, 5, 8]), size - sum(batches)))
    return batches


def test_append_and_append_many_return_consecutive_positions(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions, write=True) as session:
        assert service.append(session, kind="admin.notice", data={"a": 1}) == 0
    with transaction(sessions, write=True) as session:
        assert service.append_many(session, [(KIND, {"i": i}) for i in range(4)]) == [1, 2, 3, 4]
        assert service.append(session, kind=KIND, data={}) == 5  # same transaction, next slot
        assert service.append_many(session, []) == []
    assert append(sessions, 3) == [6, 7, 8]
    assert counts(sessions)[:2] == (9, 9)


def test_each_entry_is_the_canonical_json_of_type_time_and_data(
    sessions: sessionmaker[Session],
) -> None:
    data = {"zeta": [3, 1.5, None], "title": "សេចក្តីជូនដំណឹង", "alpha": {"b": True, "a": "é"}}
    with transaction(sessions, write=True) as session:
        service.append(session, kind="admin.notice", data=data)
    (stored,) = _stored(sessions)
    event = json.loads(stored.body)
    assert list(event) == ["data", "time", "type"]  # JCS orders keys
    assert event["type"] == stored.kind == "admin.notice"
    assert event["data"] == data
    assert TIME.match(event["time"]), event["time"]
    assert stored.body == canonicalize(
        {"type": "admin.notice", "time": event["time"], "data": data}
    )
    assert "សេចក្តីជូនដំណឹង".encode() in stored.body  # UTF-8, not \u escapes
    with transaction(sessions) as session:
        leaf = service.node_reader(session)(0, 0)
        assert leaf == merkle.leaf_hash(stored.body)
        shown = service.entry(session, position=0)
        assert shown.body == stored.body


@pytest.mark.parametrize(
    "kind", ["Admin.Notice", "ab", "1st.event", "admin notice", "", "a" * 65, "admin/notice"]
)
def test_a_bad_event_type_is_refused_and_nothing_is_written(
    sessions: sessionmaker[Session], kind: str
) -> None:
    append(sessions, 1)
    with pytest.raises(InvalidInput) as refused, transaction(sessions, write=True) as session:
        service.append_many(session, [(KIND, {"ok": True}), (kind, {"ok": False})])
    assert refused.value.field == "type"
    assert "is not a ledger event type" in str(refused.value)
    assert counts(sessions)[:2] == (1, 1)


@pytest.mark.parametrize("data", [[1, 2], "text", None, 3, ["a"]])
def test_data_that_is_not_a_json_object_is_refused_and_nothing_is_written(
    sessions: sessionmaker[Session], data: object
) -> None:
    events = [(KIND, {"ok": True}), (KIND, data)]
    with pytest.raises(InvalidInput) as refused, transaction(sessions, write=True) as session:
        service.append_many(session, events)  # type: ignore[arg-type]
    assert refused.value.field == "data"
    assert str(refused.value) == "Ledger event data must be a JSON object."
    assert counts(sessions)[:2] == (0, 0)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**60, {1, 2}])
def test_data_that_has_no_canonical_json_is_refused_as_invalid_input(
    sessions: sessionmaker[Session], value: object
) -> None:
    append(sessions, 2)
    with pytest.raises(InvalidInput) as refused, transaction(sessions, write=True) as session:
        service.append(session, kind=KIND, data={"value": value})
    assert refused.value.field == "data"
    assert str(refused.value) == "Ledger event data must be a JSON object."
    assert counts(sessions)[:2] == (2, 2)


def test_checkpoint_is_a_signed_note_of_the_current_tree_and_is_reused_when_unchanged(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    vkeys = keys.vkeys(instance)
    empty = sign(instance, sessions)
    assert note.parse_checkpoint(note.open_note(empty.note, vkeys)).root == merkle.EMPTY_ROOT

    append(sessions, 3, 4)
    first = sign(instance, sessions)
    signed = note.parse_checkpoint(note.open_note(first.note, vkeys))
    assert signed.origin == keys.origin(instance)
    assert signed.size == first.size == 7
    leaves = [merkle.leaf_hash(e.body) for e in _stored(sessions)]
    tree = merkle.compute_all(leaves)
    assert signed.root == first.root == merkle.root(7, lambda lv, p: tree[(lv, p)])
    assert first.key_id == keys.signer(instance).kid
    assert first.note.startswith(f"{signed.origin}\n7\n")
    assert f"\n\n— {signed.origin} " in first.note  # C2SP signature line, em dash

    again = sign(instance, sessions)
    assert (again.id, again.note) == (first.id, first.note)
    assert counts(sessions)[2] == 2

    append(sessions, 1)
    later = sign(instance, sessions)
    assert later.id != first.id and later.size == 8
    assert note.parse_checkpoint(note.open_note(later.note, vkeys)).root != signed.root


def test_inclusion_proofs_verify_for_every_entry_of_trees_of_1_to_40_built_in_uneven_batches(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    vkeys = keys.vkeys(instance)
    for size in range(1, 41):
        empty_ledger(sessions)
        append(sessions, *_uneven(size, seed=size))
        at = sign(instance, sessions)
        assert at.size == size
        leaves = [merkle.leaf_hash(e.body) for e in _stored(sessions)]
        with transaction(sessions) as session:
            stored = {(lv, pos): h for lv, pos, h in tiles.stored_nodes(session)}
            assert stored == merkle.compute_all(leaves), f"size {size}: nodes differ"
            for position in range(size):
                proof = service.inclusion_proof(session, position=position, at=at)
                assert proof.leaf_index == position and proof.tree_size == size
                assert proof.leaf_hash == leaves[position].hex()
                assert proof.entry == {**proof.entry, "data": {"n": position}}
                what = verify(proof.model_dump(mode="json"), vkeys)
                assert what == f"entry {position} is in {keys.origin(instance)} at size {size}"


def test_proof_at_latest_signs_a_checkpoint_only_when_none_covers_the_entry(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    vkeys = keys.vkeys(instance)
    append(sessions, 5)
    proof = proof_at_latest(instance, sessions, 2)
    assert proof.tree_size == 5 and counts(sessions)[2] == 1
    verify(proof.model_dump(), vkeys)

    append(sessions, 6)
    old = proof_at_latest(instance, sessions, 4)  # covered by the checkpoint of size 5
    assert old.tree_size == 5 and old.checkpoint == proof.checkpoint
    assert counts(sessions)[2] == 1
    new = proof_at_latest(instance, sessions, 9)  # not covered: a checkpoint of 11 is signed
    assert new.tree_size == 11 and counts(sessions)[2] == 2
    for position in range(11):
        verify(proof_at_latest(instance, sessions, position).model_dump(), vkeys)
    assert counts(sessions)[2] == 2


def test_a_proof_of_an_unknown_entry_is_not_found_naming_the_size(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    append(sessions, 5)
    at = sign(instance, sessions)
    for position in (5, 6, 1000):
        with pytest.raises(NotFound) as missing:
            proof_at_latest(instance, sessions, position)
        assert str(missing.value) == f"The ledger has no entry {position} (it holds 5)."
        unknown = pytest.raises(NotFound, match=r"\(it holds 5\)")
        with unknown, transaction(sessions) as session:
            service.inclusion_proof(session, position=position, at=at)
    assert counts(sessions) == (5, 5, 1)  # no checkpoint was signed for the unknown entries

    append(sessions, 2)
    uncovered = pytest.raises(InvalidInput, match="Checkpoint of size 5 does not cover entry 6")
    with uncovered, transaction(sessions) as session:
        service.inclusion_proof(session, position=6, at=at)


def test_consistency_proofs_verify_for_every_pair_of_sizes(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    vkeys = keys.vkeys(instance)
    signed: dict[int, str] = {}
    for batch in _uneven(30, seed=99):
        append(sessions, batch)
        record = sign(instance, sessions)
        signed[record.size] = record.note
    with transaction(sessions) as session:
        for new in range(31):
            for old in range(new + 1):
                proof = service.consistency_proof(session, old=old, new=new)
                assert (proof.size1, proof.size2) == (old, new)
                assert proof.checkpoint == signed.get(new)
                what = verify(proof.model_dump(mode="json"), vkeys)
                assert what == f"the log at size {new} extends the log at size {old}"
        proof = service.consistency_proof(session, old=3, new=30).model_dump()
    assert proof["checkpoint"] is not None
    for field in ("root1", "root2"):
        forged = {**proof, field: "00" * 32}
        with pytest.raises(LedgerVerificationError):
            verify(forged, vkeys)
    with pytest.raises(LedgerVerificationError, match="does not match"):
        verify({**proof, "proof": [*proof["proof"][:-1], "11" * 32]}, vkeys)


@pytest.mark.parametrize(("old", "new"), [(5, 4), (0, 11), (-1, 3), (11, 12)])
def test_consistency_between_impossible_sizes_is_a_clear_invalid_input(
    sessions: sessionmaker[Session], old: int, new: int
) -> None:
    append(sessions, 4, 6)
    with pytest.raises(InvalidInput) as refused, transaction(sessions) as session:
        service.consistency_proof(session, old=old, new=new)
    assert str(refused.value) == (
        f"Sizes must satisfy 0 ≤ old ≤ new ≤ 10 (the ledger's size); got {old} and {new}."
    )


def test_reading_the_latest_checkpoint_needs_no_key_when_nothing_is_new(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    append(sessions, 3)
    first = sign(instance, sessions)

    def no_key() -> Signer:
        raise AssertionError("the signing key was opened although nothing was new")

    with transaction(sessions, write=True) as session:
        again = service.checkpoint(session, signer=no_key, origin=keys.origin(instance))
        assert again.id == first.id and again.size == 3


def test_a_rolled_back_append_leaves_nothing_behind_for_the_next_one(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    """Tiles reach the process's cache only on commit: a failed use case does not poison it."""

    class Failed(Exception):
        pass

    append(sessions, 10)
    with pytest.raises(Failed), transaction(sessions, write=True) as session:
        service.append_many(session, [(KIND, {"n": "rolled back"})])
        raise Failed
    append(sessions, 3)  # "ledger tile (0, 0) has 11 hashes, expected 10" before the fix
    record = sign(instance, sessions)
    assert record.size == 13
    with transaction(sessions) as session:
        leaves = [merkle.leaf_hash(e.body) for e in service.entries(session)]
        assert merkle.root(13, service.node_reader(session)) == record.root
    assert merkle.root(13, lambda lv, p: merkle.compute_all(leaves)[(lv, p)]) == record.root
    assert all(e.event["data"]["n"] != "rolled back" for e in stored_entries(sessions))

"""Issuing, rebuilding, revoking and suspending credentials, status lists and key rotation,
on both database engines, checked by soai's verifier and by the independent one."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import rfc8785
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from soai.credentials import service
from soai.credentials.models import IssuedCredential, StatusList
from soai.credentials.service import issuer_for
from soai.credentials.status import MIN_SIZE
from soai.credentials.verify import CredentialVerificationError
from soai.credentials.verify import verify as soai_verify
from soai.crypto import service as crypto
from soai.db import transaction
from soai.errors import InvalidInput
from soai.settings import Settings
from tests.credentials import factories
from tests.credentials import independent_verifier as independent

EMAIL = "Sokha.Chan@Example.org"


def both_reject(
    credential: dict[str, Any],
    did: dict[str, Any],
    lists: list[Any],
    reason: str,
    now: datetime | None = None,
) -> None:
    with pytest.raises(CredentialVerificationError, match=reason):
        soai_verify(credential, did_document=did, status_lists=lists, now=now)
    with pytest.raises(ValueError, match=reason):
        independent.verify(credential, did, lists, now=now)


def both_accept(
    credential: dict[str, Any], did: dict[str, Any], lists: list[Any], now: datetime | None = None
) -> None:
    result = soai_verify(credential, did_document=did, status_lists=lists, now=now)
    assert result.status_checked == ["revocation", "suspension"]
    independent.verify(credential, did, lists, now=now)


def test_issued_credential_is_an_open_badge_that_hides_the_address(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    credential = factories.issue(instance, sessions, EMAIL)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"]["id"] == "did:web:" + issuer_for(instance).domain
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"]["id"].endswith("/achievements/ceasai-fundamentals")
    (identity,) = subject["identifier"]
    assert identity["type"] == "IdentityObject" and identity["hashed"] is True
    assert identity["identityType"] == "emailAddress"
    expected = hashlib.sha256((EMAIL.lower() + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == "sha256$" + expected
    assert len(identity["salt"]) >= 16
    assert EMAIL.lower() not in json.dumps(credential).lower()
    with transaction(sessions) as session:
        row = session.execute(text("SELECT * FROM credentials")).one()
        ledger = " ".join(body for _kind, body in factories.ledger_events(sessions))
    assert "sokha" not in " ".join(str(value) for value in row).lower()
    assert "sokha" not in ledger.lower()
    # The default validity is the achievement's (two years for Fundamentals).
    start = datetime.fromisoformat(credential["validFrom"])
    assert datetime.fromisoformat(credential["validUntil"]) == start.replace(year=start.year + 2)
    both_accept(
        credential, factories.did_document(instance), factories.status_lists(instance, sessions)
    )


def test_rebuild_reproduces_the_issued_credential_exactly(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    issued = factories.issue_many(instance, sessions, ["a@example.org", "b@example.org"])
    with transaction(sessions) as session:
        for credential in issued:
            record = service.get(session, credential_id=credential["id"])
            rebuilt = service.rebuild(session, record=record, domain=issuer_for(instance).domain)
            assert rfc8785.dumps(rebuilt) == rfc8785.dumps(credential)
            assert rebuilt == credential


def test_credential_ids_are_version_7_uuids_in_the_order_of_issuance(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    """Time-ordered ids (RFC 9562 §5.7) keep the credentials' key index append-only."""
    first = factories.issue_many(instance, sessions, [f"v{i}@example.org" for i in range(3)])
    time.sleep(0.002)  # the next batch is issued at least a millisecond later
    later = factories.issue_many(instance, sessions, ["later@example.org"])
    ids = [credential["id"] for credential in first + later]
    assert len(set(ids)) == 4
    for credential_id in ids:
        assert credential_id.startswith("urn:uuid:")
        value = uuid.UUID(credential_id.removeprefix("urn:uuid:"))
        assert value.version == 7 and value.variant == uuid.RFC_4122
        issued_ms = value.int >> 80
        assert abs(issued_ms / 1000 - time.time()) < 600
    assert max(ids[:3]) < ids[3]


def test_revoke_suspend_reinstate_show_in_the_status_list_and_the_ledger(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    credential, other = factories.issue_many(instance, sessions, ["x@example.org", EMAIL])
    did = factories.did_document(instance)
    factories.change_status(sessions, "suspend", credential["id"], "under investigation")
    both_reject(credential, did, factories.status_lists(instance, sessions), "suspended")
    factories.change_status(sessions, "reinstate", credential["id"], "cleared")
    both_accept(credential, did, factories.status_lists(instance, sessions))
    factories.change_status(sessions, "revoke", credential["id"], "exam misconduct")
    lists = factories.status_lists(instance, sessions)
    both_reject(credential, did, lists, "revoked")
    both_accept(other, did, lists)  # its neighbour in the same list is untouched
    with transaction(sessions) as session:
        assert service.get(session, credential_id=credential["id"]).revocation_reason == (
            "exam misconduct"
        )
    kinds = [kind for kind, _body in factories.ledger_events(sessions)]
    assert kinds == ["credential.issued"] * 2 + [
        "credential.suspended",
        "credential.reinstated",
        "credential.revoked",
    ]
    issued = [json.loads(body)["data"] for _kind, body in factories.ledger_events(sessions)[:2]]
    for event, signed in zip(issued, [credential, other], strict=True):
        assert event["credential"] == signed["id"]
        unsigned = {key: value for key, value in signed.items() if key != "proof"}
        assert event["documentHash"] == hashlib.sha256(rfc8785.dumps(unsigned)).hexdigest()
    revoked = json.loads(factories.ledger_events(sessions)[-1][1])["data"]
    assert revoked["reason"] == "exam misconduct"
    assert revoked["statusIndex"] == int(credential["credentialStatus"][0]["statusListIndex"])


def test_revoking_twice_or_without_a_reason_is_refused_and_not_logged(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    credential = factories.issue(instance, sessions)
    for action in ("revoke", "suspend"):
        with pytest.raises(InvalidInput, match="reason"):
            factories.change_status(sessions, action, credential["id"], "   ")
    factories.change_status(sessions, "revoke", credential["id"], "fraud")
    with pytest.raises(InvalidInput, match="already revoked"):
        factories.change_status(sessions, "revoke", credential["id"], "fraud again")
    assert factories.counts(sessions) == (1, 2)  # issued + one revocation


def test_status_list_is_gzip_base64url_of_at_least_131072_bits(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    credential = factories.issue(instance, sessions)
    factories.change_status(sessions, "revoke", credential["id"], "test")
    revocation_list, suspension_list = factories.status_lists(instance, sessions)
    assert revocation_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert revocation_list["id"] == credential["credentialStatus"][0]["statusListCredential"]
    encoded = revocation_list["credentialSubject"]["encodedList"]
    assert encoded.startswith("u") and "=" not in encoded
    compressed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert compressed[:2] == b"\x1f\x8b"  # GZIP, not bare zlib/deflate
    bits = gzip.decompress(compressed)
    assert len(bits) * 8 >= 131_072 == MIN_SIZE
    index = int(credential["credentialStatus"][0]["statusListIndex"])
    assert bits[index // 8] == 0x80 >> (index % 8) and sum(bits) == bits[index // 8]
    assert not any(
        gzip.decompress(
            base64.urlsafe_b64decode(suspension_list["credentialSubject"]["encodedList"][1:] + "==")
        )
    )


def test_a_full_status_list_makes_way_for_a_new_one(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    with transaction(sessions, write=True) as session:  # list 1 has two free places left
        session.execute(insert(StatusList).values(id=1, size=MIN_SIZE, next_index=MIN_SIZE - 2))
    issued = factories.issue_many(instance, sessions, [f"p{i}@example.org" for i in range(5)])
    places = [
        (entry["statusListCredential"].split("/")[-2], int(entry["statusListIndex"]))
        for entry in (c["credentialStatus"][0] for c in issued)
    ]
    assert places == [("1", MIN_SIZE - 2), ("1", MIN_SIZE - 1), ("2", 0), ("2", 1), ("2", 2)]
    with transaction(sessions) as session:
        lists = {s.id: (s.size, s.next_index) for s in session.scalars(select(StatusList))}
    assert lists == {1: (MIN_SIZE, MIN_SIZE), 2: (MIN_SIZE, 3)}
    # The very last bit of list 1 (index 131,071) is revoked; verify across both lists.
    factories.change_status(sessions, "revoke", issued[1]["id"], "last bit")
    did = factories.did_document(instance)
    snapshots = factories.status_lists(instance, sessions, (1, 2))
    both_reject(issued[1], did, snapshots, "revoked")
    for credential in (issued[0], *issued[2:]):
        both_accept(credential, did, snapshots)


def test_rotation_keeps_earlier_credentials_valid_and_refuses_later_old_key_proofs(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    before = factories.issue(instance, sessions, "before@example.org")
    crypto.rotate(instance)
    did = factories.did_document(instance)
    old, new = did["verificationMethod"]
    assert "expires" in old and "expires" not in new
    assert before["proof"]["verificationMethod"] == old["id"]
    lists = factories.status_lists(instance, sessions)  # signed by the new key
    assert lists[0]["proof"]["verificationMethod"] == new["id"]
    both_accept(before, did, lists)
    after = factories.issue(instance, sessions, "after@example.org")
    assert after["proof"]["verificationMethod"] == new["id"]
    both_accept(after, did, lists)
    # A process still holding a key retired an hour ago: what it signs now is refused.
    stale = issuer_for(instance)
    crypto.rotate(instance, now=datetime.now(UTC) - timedelta(hours=1))
    late = factories.issue(instance, sessions, "late@example.org", issuer=stale)
    assert late["proof"]["verificationMethod"] == new["id"]
    both_reject(late, factories.did_document(instance), [], "retired")


def test_rotation_in_the_same_second_as_an_issue_keeps_it_valid(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    """Regression: proofs and retirements are written to the second, so a credential signed
    earlier in the second of a rotation used to be refused as signed by a retired key."""
    credential = factories.issue(instance, sessions)
    signed = datetime.fromisoformat(credential["proof"]["created"])
    crypto.rotate(instance, now=signed + timedelta(microseconds=999_000))
    both_accept(
        credential, factories.did_document(instance), factories.status_lists(instance, sessions)
    )


def test_expired_and_not_yet_valid_credentials_are_refused(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    credential = factories.issue(instance, sessions, valid_until=until)
    assert credential["validUntil"] == until.strftime("%Y-%m-%dT%H:%M:%SZ")
    did, lists = factories.did_document(instance), factories.status_lists(instance, sessions)
    both_accept(credential, did, lists)
    both_reject(credential, did, [], "expired", now=until)
    both_reject(credential, did, [], "expired", now=until + timedelta(days=400))
    future = factories.issue_many(
        instance, sessions, ["later@example.org"], valid_from=until + timedelta(days=1)
    )[0]
    both_reject(future, did, [], "not", now=until)


def test_issuing_on_29_february_ends_on_28_february(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    """Regression: ``replace(year=...)`` on 29 February crashed every issue on a leap day."""
    leap_day = datetime(2028, 2, 29, 9, 0, tzinfo=UTC)
    for key, end in [("ceasai-fundamentals", "2030-02-28"), ("watchdog-analyst", "2029-02-28")]:
        (credential,) = factories.issue_many(
            instance, sessions, ["leap@example.org"], achievement=key, valid_from=leap_day
        )
        assert credential["validUntil"].startswith(end)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"achievement": "ceasai-grandmaster"}, "ceasai-expert, ceasai-fundamentals"),
        ({"emails": ["ok@example.org", "not-an-address"]}, "not a valid e-mail"),
        ({"valid_until": datetime(2020, 1, 1, tzinfo=UTC)}, "expire before it starts"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    instance: Settings, sessions: sessionmaker[Session], change: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {"emails": ["ok@example.org"], **change}
    with pytest.raises(InvalidInput, match=message):
        factories.issue_many(instance, sessions, arguments.pop("emails"), **arguments)
    assert factories.counts(sessions) == (0, 0)
    with transaction(sessions) as session:
        assert session.scalars(select(StatusList)).all() == []
        assert session.scalars(select(IssuedCredential)).all() == []


def test_suspending_twice_or_reinstating_an_active_credential_is_refused(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    credential = factories.issue(instance, sessions)
    with pytest.raises(InvalidInput, match="not suspended"):
        factories.change_status(sessions, "reinstate", credential["id"], "nothing to lift")
    with pytest.raises(InvalidInput, match="reason"):
        factories.change_status(sessions, "reinstate", credential["id"], " ")
    factories.change_status(sessions, "suspend", credential["id"], "under investigation")
    with pytest.raises(InvalidInput, match="already suspended"):
        factories.change_status(sessions, "suspend", credential["id"], "again")
    factories.change_status(sessions, "revoke", credential["id"], "misconduct")
    with pytest.raises(InvalidInput, match="already revoked"):
        factories.change_status(sessions, "reinstate", credential["id"], "too late")
    assert factories.counts(sessions) == (1, 3)  # issued, suspended, revoked

"""The council protocol with real Ed25519 keys: votes, rejections, equivocation, certificates."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from soai.council.protocol import (
    CHOICES,
    FAULTS,
    MAX_RATIONALE,
    QUORUM,
    SEATS,
    Ballot,
    EquivocationEvidence,
    InvalidCertificate,
    QuorumCertificate,
    SeatKey,
    SignedVote,
    VoteRejected,
    VoteStatement,
    sign,
    statement,
    verify_certificate,
    verify_equivocation,
)
from soai.errors import InvalidInput

KEYS = {
    seat: Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"seat {seat}".encode()).digest())
    for seat in range(1, SEATS + 1)
}
SUBJECT = hashlib.sha256(b"evidence bundle").hexdigest()
OTHER_SUBJECT = hashlib.sha256(b"another bundle").hexdigest()
DEADLINE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NOW = DEADLINE - timedelta(hours=1)
CONTEXT: dict[str, Any] = {
    "council": "kh-national",
    "epoch": 4,
    "session": "S-2026-0042",
    "subject_digest": SUBJECT,
    "round": 1,
}


def seat_key(seat: int, **options: Any) -> SeatKey:
    return SeatKey(seat, KEYS[seat].public_key().public_bytes_raw(), **options)


def roster(changed: SeatKey | None = None, *, without: int | None = None) -> dict[int, SeatKey]:
    seats = {seat: seat_key(seat) for seat in KEYS if seat != without}
    if changed is not None:
        seats[changed.seat] = changed
    return seats


def vote(
    seat: int, choice: str = "approve", *, confidence: float = 0.9, **fields: Any
) -> SignedVote:
    rationale = fields.pop("rationale", f"Seat {seat}: the evidence supports {choice}.")
    made = statement(
        **{**CONTEXT, **fields}, choice=choice, confidence=confidence, rationale=rationale
    )
    return sign(KEYS[seat], seat, made, rationale)


def raw_vote(seat: int, made: VoteStatement, rationale: str) -> SignedVote:
    """A vote signed without the checks of ``sign`` (as a faulty member's client might)."""
    return SignedVote(seat, made, KEYS[seat].sign(made.canonical()), rationale)


def ballot(seats: dict[int, SeatKey] | None = None, **options: Any) -> Ballot:
    return Ballot(**CONTEXT, deadline=DEADLINE, roster=seats or roster(), **options)


def test_the_quorum_is_safe_and_live_and_21_is_not_safe() -> None:
    assert (SEATS, FAULTS, QUORUM) == (33, 10, 22)
    assert 2 * QUORUM - SEATS > FAULTS  # two quorums share an honest seat
    assert 2 * (QUORUM - 1) - SEATS <= FAULTS  # two quorums of 21 may share only faulty seats
    assert SEATS - FAULTS >= QUORUM  # ten silent seats cannot block a decision


def test_a_statement_signs_exactly_the_architecture_fields_in_canonical_json() -> None:
    signed = vote(7, "reject", confidence=0.75, rationale="ស្ថិតិមិនគ្រប់គ្រាន់")
    document = signed.statement.to_json()
    assert sorted(document) == sorted([*CONTEXT, "choice", "confidence", "rationale_digest"])
    assert document["rationale_digest"] == hashlib.sha256("ស្ថិតិមិនគ្រប់គ្រាន់".encode()).hexdigest()
    assert signed.statement.canonical() == rfc8785.dumps(document)
    assert signed.verify(KEYS[7].public_key().public_bytes_raw())
    assert not signed.verify(KEYS[8].public_key())


@settings(max_examples=200, deadline=None)
@given(
    confidence=st.floats(0, 1),
    council=st.text(min_size=1, max_size=20),
    session=st.text(min_size=1, max_size=20),
)
def test_canonical_bytes_match_the_reference_jcs(
    confidence: float, council: str, session: str
) -> None:
    made = VoteStatement(council, 3, session, SUBJECT, 2, "escalate", confidence, "a" * 64)
    assert made.canonical() == rfc8785.dumps(made.to_json())


def test_signed_votes_seat_keys_and_statements_round_trip_through_json() -> None:
    signed = vote(3, "escalate", confidence=1)
    text = json.dumps(signed.to_json())
    assert SignedVote.from_json(json.loads(text)) == signed
    encoded = signed.to_json()["signature"]
    assert len(encoded) == 86 and "=" not in encoded and "+" not in encoded and "/" not in encoded
    key = SeatKey(3, bytes(range(32)), "retired", 2, 5)
    assert SeatKey.from_json(json.loads(json.dumps(key.to_json()))) == key
    assert VoteStatement.from_json(signed.statement.to_json()) == signed.statement


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**vote(1).statement.to_json(), "confidence": 1.5}, "confidence"),
        ({**vote(1).statement.to_json(), "subject_digest": SUBJECT.upper()}, "subject_digest"),
        ({**vote(1).statement.to_json(), "epoch": True}, "epoch"),
        ({**vote(1).statement.to_json(), "extra": 1}, "statement"),
        ({**vote(1).to_json(), "signature": "AAAA"}, "signature"),
    ],
)
def test_malformed_json_is_refused_with_the_field_named(data: dict[str, Any], field: str) -> None:
    parse = SignedVote.from_json if "seat" in data else VoteStatement.from_json
    with pytest.raises(InvalidInput) as caught:
        parse(data)
    assert caught.value.field == field


def test_sign_refuses_a_rationale_that_is_not_the_digested_one_or_an_unknown_choice() -> None:
    made = statement(**CONTEXT, choice="approve", confidence=0.5, rationale="the real reason")
    with pytest.raises(InvalidInput, match="SHA-256 of this rationale"):
        sign(KEYS[1], 1, made, "another reason")
    odd = dataclasses.replace(made, choice="abstain")
    with pytest.raises(InvalidInput, match="approve, reject, escalate"):
        sign(KEYS[1], 1, odd, "the real reason")


LONG = "x" * (MAX_RATIONALE + 1)
REJECTIONS: list[tuple[str, Callable[[], tuple[Ballot, SignedVote, datetime]]]] = [
    ("bad_signature", lambda: (ballot(), dataclasses.replace(vote(2), seat=3), NOW)),
    ("unknown_seat", lambda: (ballot(roster(without=4)), vote(4), NOW)),
    ("inactive_seat", lambda: (ballot(roster(seat_key(5, status="suspended"))), vote(5), NOW)),
    ("inactive_seat", lambda: (ballot(roster(seat_key(5, status="retired"))), vote(5), NOW)),
    ("inactive_seat", lambda: (ballot(roster(seat_key(5, valid_from_epoch=5))), vote(5), NOW)),
    ("inactive_seat", lambda: (ballot(roster(seat_key(5, valid_until_epoch=3))), vote(5), NOW)),
    ("wrong_council", lambda: (ballot(), vote(6, council="kh-other"), NOW)),
    ("wrong_epoch", lambda: (ballot(), vote(6, epoch=3), NOW)),
    ("wrong_session", lambda: (ballot(), vote(6, session="S-2026-0041"), NOW)),
    ("wrong_subject", lambda: (ballot(), vote(6, subject_digest=OTHER_SUBJECT), NOW)),
    ("wrong_round", lambda: (ballot(), vote(6, round=2), NOW)),
    ("after_deadline", lambda: (ballot(), vote(6), DEADLINE + timedelta(seconds=1))),
    ("rationale_too_long", lambda: (ballot(), raw_vote(6, statement(**CONTEXT, choice="approve", confidence=0.5, rationale=LONG), LONG), NOW)),
    ("rationale_mismatch", lambda: (ballot(), dataclasses.replace(vote(6), rationale="edited later"), NOW)),
    ("invalid_choice", lambda: (ballot(), raw_vote(6, statement(**CONTEXT, choice="abstain", confidence=0.5, rationale="r"), "r"), NOW)),
    ("conflicted", lambda: (ballot(conflicted={6}), vote(6), NOW)),
]  # fmt: skip


@pytest.mark.parametrize(("code", "case"), REJECTIONS, ids=[code for code, _ in REJECTIONS])
def test_each_invalid_vote_is_rejected_with_its_code_and_a_message_and_never_counted(
    code: str, case: Callable[[], tuple[Ballot, SignedVote, datetime]]
) -> None:
    coordinator, signed, now = case()
    with pytest.raises(VoteRejected) as caught:
        coordinator.submit(signed, now=now)
    assert caught.value.code == caught.value.reason == code
    assert f"seat {signed.seat}" in str(caught.value).lower()
    status = coordinator.status(now=NOW)
    assert signed.seat not in status.voted and sum(status.counts.values()) == 0


def test_a_replayed_vote_is_rejected_as_duplicate_and_counted_once() -> None:
    coordinator, signed = ballot(), vote(9)
    assert coordinator.submit(signed, now=NOW).counted
    with pytest.raises(VoteRejected) as caught:
        coordinator.submit(signed, now=NOW)
    assert caught.value.code == "duplicate"
    assert coordinator.status(now=NOW).counts["approve"] == 1


def test_a_vote_first_sent_with_the_wrong_rationale_counts_when_resent_right() -> None:
    coordinator, signed = ballot(), vote(9)
    with pytest.raises(VoteRejected, match="not the one its signed statement digests"):
        coordinator.submit(dataclasses.replace(signed, rationale="typo"), now=NOW)
    assert coordinator.submit(signed, now=NOW).counted


def test_two_different_votes_of_one_seat_are_evidence_and_the_seat_stops_counting() -> None:
    coordinator = ballot()
    first, second = vote(12, "approve"), vote(12, "reject", confidence=0.6)
    assert coordinator.submit(first, now=NOW).counted
    outcome = coordinator.submit(second, now=NOW)
    assert not outcome.counted and outcome.suspend
    evidence = outcome.equivocation
    assert evidence is not None and evidence.seat == 12
    assert verify_equivocation(evidence, KEYS[12].public_key().public_bytes_raw())
    assert not verify_equivocation(evidence, KEYS[13].public_key())
    again = EquivocationEvidence.from_json(json.loads(json.dumps(evidence.to_json())))
    assert again == evidence == EquivocationEvidence.of(second, first)
    status = coordinator.status(now=NOW)
    assert status.equivocators == (12,) and status.counts == dict.fromkeys(CHOICES, 0)
    assert 12 not in status.missing and 12 not in coordinator.eligible()
    with pytest.raises(VoteRejected) as caught:
        coordinator.submit(first, now=NOW)
    assert caught.value.code == "duplicate"


def test_equivocation_is_caught_even_when_the_second_vote_comes_after_the_deadline() -> None:
    coordinator = ballot()
    coordinator.submit(vote(1, "approve"), now=NOW)
    outcome = coordinator.submit(vote(1, "reject"), now=DEADLINE + timedelta(days=1))
    assert outcome.suspend and coordinator.evidence == [outcome.equivocation]


def test_forged_or_tampered_evidence_does_not_verify() -> None:
    first, second = vote(20, "approve"), vote(20, "reject")
    forged = dataclasses.replace(second, signature=KEYS[21].sign(second.statement.canonical()))
    public = KEYS[20].public_key()
    assert not verify_equivocation(EquivocationEvidence.of(first, forged), public)
    assert not verify_equivocation(EquivocationEvidence(first, first), public)
    with pytest.raises(InvalidInput):
        EquivocationEvidence.of(first, vote(20, "reject", round=2))  # another round: no proof


def vote_until(coordinator: Ballot, count: int, choice: str = "approve") -> None:
    for seat in range(1, count + 1):
        coordinator.submit(vote(seat, choice, confidence=seat / 40), now=NOW)


def test_21_signatures_are_not_a_certificate_and_22_are() -> None:
    coordinator = ballot()
    vote_until(coordinator, QUORUM - 1)
    assert coordinator.certificate() is None
    status = coordinator.status(now=NOW)
    assert status.decided is None and not status.must_escalate and len(status.missing) == 12
    outcome = coordinator.submit(vote(QUORUM, "approve"), now=NOW)
    assert outcome.decided == "approve"
    qc = coordinator.certificate()
    assert qc is not None and qc.choice == "approve" and qc.seats == list(range(1, 23))
    verify_certificate(qc, roster())
    parsed = QuorumCertificate.from_json(json.loads(json.dumps(qc.to_json())))
    assert parsed == qc
    verify_certificate(parsed, roster())


def test_an_equivocating_seat_cannot_complete_a_quorum() -> None:
    coordinator = ballot()
    vote_until(coordinator, QUORUM)
    assert coordinator.certificate() is not None
    coordinator.submit(vote(QUORUM, "reject"), now=NOW)
    assert coordinator.certificate() is None


def test_the_session_must_escalate_after_the_deadline_or_when_no_choice_can_reach_22() -> None:
    coordinator = ballot()
    vote_until(coordinator, 12, "approve")
    assert not coordinator.status(now=NOW).must_escalate
    assert coordinator.status(now=DEADLINE + timedelta(seconds=1)).must_escalate
    for seat in range(13, SEATS + 1):
        coordinator.submit(vote(seat, "reject"), now=NOW)
    status = coordinator.status(now=NOW)
    assert status.counts == {"approve": 12, "reject": 21, "escalate": 0}
    assert status.missing == () and status.must_escalate and status.decided is None
    assert coordinator.status(now=NOW).to_json()["must_escalate"] is True


def certificate() -> QuorumCertificate:
    coordinator = ballot()
    vote_until(coordinator, QUORUM)
    qc = coordinator.certificate()
    assert qc is not None
    return qc


def test_verify_certificate_rejects_too_few_duplicate_unknown_inactive_and_forged() -> None:
    qc = certificate()
    cases: list[tuple[str, QuorumCertificate, dict[int, SeatKey]]] = [
        ("too_few", dataclasses.replace(qc, votes=qc.votes[:-1]), roster()),
        ("duplicate_seat", dataclasses.replace(qc, votes=(*qc.votes[:-1], qc.votes[0])), roster()),
        ("unknown_seat", qc, roster(without=9)),
        ("inactive_seat", qc, roster(seat_key(9, status="suspended"))),
        ("inactive_seat", qc, roster(seat_key(9, valid_until_epoch=3))),
        ("bad_signature", dataclasses.replace(qc, choice="reject"), roster()),
        ("bad_signature", dataclasses.replace(qc, session="S-2026-0043"), roster()),
        (
            "bad_signature",
            dataclasses.replace(
                qc, votes=(dataclasses.replace(qc.votes[0], confidence=0.99), *qc.votes[1:])
            ),
            roster(),
        ),
    ]
    for reason, candidate, seats in cases:
        with pytest.raises(InvalidCertificate) as caught:
            verify_certificate(candidate, seats)
        assert caught.value.reason == reason, reason


def test_a_certificate_is_built_only_from_votes_on_one_statement() -> None:
    votes = [vote(seat) for seat in range(1, QUORUM)] + [vote(QUORUM, "reject")]
    with pytest.raises(InvalidCertificate) as caught:
        QuorumCertificate.from_votes(votes)
    assert caught.value.reason == "mixed_statements"


def test_a_malformed_certificate_json_is_refused() -> None:
    data = certificate().to_json()
    for broken in (
        {**data, "type": "other"},
        {**data, "votes": [{**data["votes"][0], "confidence": "high"}]},
        {**data, "votes": [{**data["votes"][0], "signature": "not base64!"}]},
    ):
        with pytest.raises(InvalidCertificate) as caught:
            QuorumCertificate.from_json(broken)
        assert caught.value.reason == "malformed"


def test_a_council_name_equal_to_the_template_marker_still_verifies() -> None:
    name = "\x00soai-confidence\x00"
    coordinator = Ballot(**{**CONTEXT, "council": name}, deadline=DEADLINE, roster=roster())
    for seat in range(1, QUORUM + 1):
        coordinator.submit(vote(seat, council=name), now=NOW)
    qc = coordinator.certificate()
    assert qc is not None
    verify_certificate(qc, roster())

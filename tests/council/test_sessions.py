"""Council sessions as the regulator, members and a verifier meet them: the seated council,
diversity rules, agents' signed votes, the quorum certificate, equivocation, escalation to the
human panel, and the decision file checked offline against the DID document."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from soai.assurance import demo_data
from soai.assurance import service as assurance
from soai.assurance.inputs import Spec
from soai.council import evidence, export, keys, protocol, seating, service
from soai.council.models import Equivocation, Vote
from soai.council.verify import CouncilVerificationError, verify
from soai.crypto import service as crypto
from soai.crypto.did import did_web, method_id
from soai.db import transaction, utcnow
from soai.errors import Conflict, InvalidInput
from soai.ledger import keys as ledger_keys
from soai.ledger import service as ledger
from soai.settings import Settings
from tests.pdca.test_cycle import high_risk_cycle

COUNCIL = "urn:soai:council:cambodia"
DOMAIN = "ai.mptc.gov.kh"
PASSPHRASE = b"council-test-passphrase"


@pytest.fixture
def seated(instance: Settings, sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with transaction(sessions, write=True) as session:
        seating.seat_default(session, council=COUNCIL, passphrase=PASSPHRASE, actor_id=None)
    return sessions


def open_on_biased_system(sessions: sessionmaker[Session], tmp_path: Path, **kw: Any) -> str:
    """A session on the bank's credit-scoring cycle, whose fairness test fails by province."""
    cycle_id, _bank = high_risk_cycle(sessions)
    data = demo_data.write_csv(tmp_path / "credit.csv", rows=3_000)
    spec = Spec(data, label="repaid", prediction="approved", sensitive=("province",))
    outcome = assurance.plan(spec, ["fairness"])["fairness"]
    with transaction(sessions, write=True) as session:
        from soai.pdca import service as pdca

        system_id = pdca.get(
            session, cycle_id=cycle_id, scope=pdca.Scope(everything=True)
        ).system_id
        assurance.record(session, kind="fairness", outcome=outcome, error=None,
                         input_name="credit.csv", parameters={}, user_id=None, system_id=system_id)  # fmt: skip
        bundle = evidence.assessment(session, cycle_id=cycle_id, country="KH")
        found = service.open_session(
            session, council=COUNCIL, subject_type="assessment",
            subject_ref=bundle["subject"]["id"], title=bundle["subject"]["title"],
            bundle=bundle, actor_id=None, now=utcnow(), **kw,
        )  # fmt: skip
        return found.id


def decision_file(
    settings: Settings, sessions: sessionmaker[Session], session_id: str
) -> dict[str, Any]:
    with transaction(sessions, write=True) as session:
        cs = service.get(session, session_id=session_id)
        return export.export(
            session, cs=cs, council=COUNCIL, issuer=did_web(DOMAIN),
            prove=lambda position: ledger_keys.proof(session, settings, position=position),
        )  # fmt: skip


def test_the_built_in_council_has_33_diverse_seats_recorded_in_the_ledger(
    seated: sessionmaker[Session],
) -> None:
    with transaction(seated) as session:
        seats = seating.seats(session)
        assert [s.seat for s in seats] == list(range(1, 34))
        assert {s.kind for s in seats} == {"guardian", "arbiter", "scribe"}
        assert all(sum(s.kind == k for s in seats) == 11 for k in ("guardian", "arbiter", "scribe"))
        families = {s.member.family for s in seats}
        assert len(families) >= 4
        assert max(sum(s.member.family == f for s in seats) for f in families) <= 10
        entry = json.loads(ledger.entry(session, position=ledger.size(session) - 1).body)
        assert entry["type"] == "council.epoch" and entry["data"]["epoch"] == 1
        assert entry["data"]["roster_digest"] == seating.roster_digest(
            seating.roster(session, council=COUNCIL, epoch=1)
        )
    with (
        transaction(seated, write=True) as session,
        pytest.raises(Conflict, match="already seated"),
    ):
        seating.seat_default(session, council=COUNCIL, passphrase=PASSPHRASE, actor_id=None)


def test_a_change_that_breaks_diversity_is_refused_and_nothing_changes(
    seated: sessionmaker[Session],
) -> None:
    with transaction(seated, write=True) as session:
        seats = seating.seats(session)
        family = seats[0].member.family
        count = sum(s.member.family == family for s in seats)
        others = [s for s in seats if s.member.family != family][: 11 - count]
        clones = [seating.add_member(session, kind="ai", name=f"clone {n}", family=family,
                                     secret=PASSPHRASE) for n in range(len(others))]  # fmt: skip
        with pytest.raises(InvalidInput, match="would hold 11 seats; at most 10"):
            seating.change(session, council=COUNCIL, reason="test", actor_id=None,
                           seat_member=[(o.seat, o.lens, c) for o, c in zip(others, clones, strict=True)])  # fmt: skip
    with transaction(seated, write=True) as session:
        people = [seating.add_member(session, kind="human", name=f"Expert {n}", family=f"human:{n}",
                                     organisation="Royal University of Phnom Penh",
                                     stakeholder_group="academia", secret=b"pw-" + bytes([65 + n]))
                  for n in range(9)]  # fmt: skip
        targets = seating.seats(session)[:9]
        with pytest.raises(
            InvalidInput, match="would hold 9 seats; no organisation may hold more than 25%"
        ):
            seating.change(session, council=COUNCIL, reason="test", actor_id=None,
                           seat_member=[(t.seat, t.lens, p) for t, p in zip(targets, people, strict=True)])  # fmt: skip
    with transaction(seated) as session:
        assert seating.current_epoch(session) == 1


def test_the_agents_vote_and_a_decision_is_verified_offline(
    instance: Settings, seated: sessionmaker[Session], tmp_path: Path
) -> None:
    session_id = open_on_biased_system(seated, tmp_path)
    with transaction(seated, write=True) as session:
        cs = service.get(session, session_id=session_id)
        assert service.run_agents(session, cs=cs, council=COUNCIL, passphrase=PASSPHRASE,
                                  now=utcnow()) == 33  # fmt: skip
        votes = service.votes(session, session_id=session_id)
        assert len(votes) == 33 and all(v.accepted for v in votes)
        assert all(v.rationale and v.citations for v in votes), (
            "each vote says why, citing evidence"
        )
        fairness = [v for v in votes if "fairness" in v.rationale.lower() and v.choice != "approve"]
        assert fairness, "the failing fairness test is noticed"
        status, decision = cs.status, cs.decision
    assert status in ("decided", "escalated")
    if status == "escalated":
        with transaction(seated, write=True) as session:
            cs = service.get(session, session_id=session_id)
            signer = crypto.keyring(instance).signer()
            service.panel_decide(
                session, cs=cs, council=COUNCIL, analysts=[(1, "Sreymom Pich")], choice="reject",
                rationale="Bias by province must be corrected first.", sign=signer.sign,
                kid=method_id(did_web(DOMAIN), signer.kid), now=utcnow(),
            )  # fmt: skip
    document = decision_file(instance, seated, session_id)
    did_document = crypto.did_document(instance, did_web(DOMAIN))
    checks = verify(json.loads(json.dumps(document)), did_document)
    assert any("recorded in the ledger" in c for c in checks)
    if decision is not None:
        assert document["certificate"]["choice"] == decision
        assert len(document["certificate"]["votes"]) >= 22
    tampered = json.loads(json.dumps(document))
    tampered["bundle"]["assurance"] = []
    with pytest.raises(CouncilVerificationError, match="does not hash to the subject digest"):
        verify(tampered, did_document)
    forged = json.loads(json.dumps(document))
    forged["session"]["decision"] = (
        "approve" if document["session"]["decision"] != "approve" else "reject"
    )
    with pytest.raises(CouncilVerificationError):
        verify(forged, did_document)


def test_bad_votes_are_rejected_with_the_reason_and_never_counted(
    seated: sessionmaker[Session], tmp_path: Path
) -> None:
    session_id = open_on_biased_system(seated, tmp_path)
    outsider = keys.new_key()
    with transaction(seated, write=True) as session:
        cs = service.get(session, session_id=session_id)
        seat = seating.member_of_seat(session, seat=5)
        real = keys.decrypt(seat.member.encrypted_key or "", PASSPHRASE)

        def vote(key: Any, seat_no: int = 5, choice: str = "approve", **over: Any) -> Vote:
            fields = dict(council=COUNCIL, epoch=cs.epoch, session=cs.id,
                          subject_digest=cs.subject_digest, round=cs.round, choice=choice,
                          confidence=0.7, rationale="Read the evidence.")  # fmt: skip
            fields.update(over)
            signed = protocol.sign(key, seat_no, protocol.statement(**fields), "Read the evidence.")
            return service.submit(session, cs=cs, council=COUNCIL, vote=signed, now=utcnow())

        assert vote(outsider).rejection == "bad_signature"
        assert vote(real, epoch=cs.epoch + 1).rejection == "wrong_epoch"
        late = service.submit(
            session, cs=cs, council=COUNCIL, now=cs.deadline + timedelta(seconds=1),
            vote=protocol.sign(real, 5, protocol.statement(
                council=COUNCIL, epoch=cs.epoch, session=cs.id, subject_digest=cs.subject_digest,
                round=cs.round, choice="approve", confidence=0.7, rationale="late"), "late"),
        )  # fmt: skip
        assert late.rejection == "after_deadline"
        assert vote(real).accepted
        assert vote(real).rejection == "duplicate", "a replay is not counted twice"
        evidence_row = vote(real, choice="reject")
        assert evidence_row.rejection == "equivocation"
        found = session.scalars(select(Equivocation)).one()
        assert found.seat == 5 and found.ledger_position is not None
        assert seating.member_of_seat(session, seat=5).status == "suspended"
        rows = service.votes(session, session_id=session_id)
        assert not any(v.accepted for v in rows if v.seat == 5)
        assert all(v.rejection_message for v in rows if not v.accepted)


def test_a_human_member_votes_with_a_password_protected_key_and_conflicts_are_respected(
    seated: sessionmaker[Session], tmp_path: Path
) -> None:
    with transaction(seated, write=True) as session:
        expert = seating.add_member(session, kind="human", name="Dr. Chan Sophea",
                                    family="human:1", organisation="Institute of Technology of Cambodia",
                                    stakeholder_group="academia", secret=b"sophea-password")  # fmt: skip
        seating.change(session, council=COUNCIL, reason="rotation", actor_id=None,
                       seat_member=[(7, "fairness", expert)])  # fmt: skip
        with pytest.raises(InvalidInput, match="password is wrong"):
            keys.decrypt(expert.encrypted_key or "", b"not-her-password")
    session_id = open_on_biased_system(seated, tmp_path)
    with transaction(seated, write=True) as session:
        cs = service.get(session, session_id=session_id)
        service.declare_conflict(session, cs=cs, seat=7, reason="I advised the bank in 2025.")
        key = keys.decrypt(expert.encrypted_key or "", b"sophea-password")
        statement = protocol.statement(council=COUNCIL, epoch=cs.epoch, session=cs.id,
                                       subject_digest=cs.subject_digest, round=cs.round,
                                       choice="reject", confidence=0.9, rationale="Biased.")  # fmt: skip
        row = service.submit(session, cs=cs, council=COUNCIL, now=utcnow(),
                             vote=protocol.sign(key, 7, statement, "Biased."))  # fmt: skip
        assert row.rejection == "conflicted" and not row.accepted


def test_without_a_quorum_by_the_deadline_the_panel_decides_and_that_is_verifiable(
    instance: Settings, seated: sessionmaker[Session], tmp_path: Path
) -> None:
    session_id = open_on_biased_system(seated, tmp_path, hours=1)
    with transaction(seated, write=True) as session:
        cs = service.get(session, session_id=session_id)
        with pytest.raises(Conflict, match="Only an escalated session"):
            service.panel_decide(session, cs=cs, council=COUNCIL, analysts=[(1, "A")],
                                 choice="reject", rationale="r", sign=lambda b: b, kid="k",
                                 now=utcnow())  # fmt: skip
        assert (
            service.escalate_overdue(session, council=COUNCIL, now=utcnow() + timedelta(hours=2))
            == 1
        )
        assert cs.status == "escalated"
        signer = crypto.keyring(instance).signer()
        service.panel_decide(
            session, cs=cs, council=COUNCIL, analysts=[(1, "Sreymom Pich")], choice="reject",
            rationale="Selection rates by province differ beyond the four-fifths rule.",
            sign=signer.sign, kid=method_id(did_web(DOMAIN), signer.kid), now=utcnow(),
        )  # fmt: skip
    document = decision_file(instance, seated, session_id)
    checks = verify(document, crypto.did_document(instance, did_web(DOMAIN)))
    assert "human panel decision signed by a key of the DID document" in checks
    document["panel"]["statement"]["choice"] = "approve"
    with pytest.raises(CouncilVerificationError, match="panel decision differs"):
        verify(document, crypto.did_document(instance, did_web(DOMAIN)))


def test_22_matching_signatures_decide_and_the_certificate_verifies_offline(
    instance: Settings, seated: sessionmaker[Session], tmp_path: Path
) -> None:
    session_id = open_on_biased_system(seated, tmp_path)
    with transaction(seated, write=True) as session:
        cs = service.get(session, session_id=session_id)
        for view in seating.seats(session)[:22]:
            key = keys.decrypt(view.member.encrypted_key or "", PASSPHRASE)
            rationale = f"Seat {view.seat}: the province bias must be corrected first."
            statement = protocol.statement(
                council=COUNCIL, epoch=cs.epoch, session=cs.id, subject_digest=cs.subject_digest,
                round=cs.round, choice="reject", confidence=0.9, rationale=rationale,
            )  # fmt: skip
            assert cs.status == "open", "undecided until the 22nd signature"
            service.submit(session, cs=cs, council=COUNCIL, now=utcnow(),
                           vote=protocol.sign(key, view.seat, statement, rationale))  # fmt: skip
        assert (cs.status, cs.decision, cs.decided_by) == ("decided", "reject", "council")
        assert len(cs.certificate["votes"]) == 22  # type: ignore[index]
    document = decision_file(instance, seated, session_id)
    checks = verify(document, crypto.did_document(instance, did_web(DOMAIN)))
    assert (
        "quorum certificate: 22 valid signatures of distinct active seats (quorum 22) for reject"
        in checks
    )
    document["certificate"]["votes"] = document["certificate"]["votes"][:21]
    with pytest.raises(
        CouncilVerificationError, match="certificate differs from the one in the ledger"
    ):
        verify(document, crypto.did_document(instance, did_web(DOMAIN)))

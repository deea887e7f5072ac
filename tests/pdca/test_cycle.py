"""A whole SOAI-PDCA cycle on SQLite and PostgreSQL: gates, evidence, assessments, score, next cycle."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.errors import Conflict, InvalidInput
from soai.ledger import service as ledger
from soai.pdca import evidence as evidence_items
from soai.pdca import service, signoff
from soai.pdca.evidence_store import EvidenceStore
from soai.pdca.models import Control, Cycle, Finding, Risk
from soai.registry import service as registry
from soai.settings import Settings
from tests.identity.factories import make_user
from tests.registry.factories import make_organisation, register

PDF = b"%PDF-1.4\n% risk management policy\n%%EOF\n"


def high_risk_cycle(sessions: sessionmaker[Session]) -> tuple[int, int]:
    bank = make_organisation(sessions, name="Angkor Commercial Bank")
    system = register(sessions, bank)
    with transaction(sessions) as session:
        cycle = service.start(session, system_id=system.id, user_id=None)
        return cycle.id, bank.id


def cycle_of(session: Session, cycle_id: int) -> Cycle:
    return session.get_one(Cycle, cycle_id)


def test_a_cycle_starts_with_its_statement_of_applicability_and_seeded_risks(
    sessions: sessionmaker[Session],
) -> None:
    cycle_id, _ = high_risk_cycle(sessions)
    with transaction(sessions) as session:
        cycle = cycle_of(session, cycle_id)
        assert (cycle.number, cycle.phase, cycle.risk_tier) == (1, "plan", "high")
        assert cycle.council_review == "pending", "no fake council approval"
        controls = session.scalars(select(Control).where(Control.cycle_id == cycle_id)).all()
        urns = {c.urn for c in controls}
        assert "urn:soai:eu-ai-act:art-9" in urns, "the high-risk provider's obligations"
        assert sum(1 for c in controls if c.source == "annex-a") == 38, "all Annex A controls"
        assert any(c.framework == "nist-ai-rmf" for c in controls), "crosswalked subcategories"
        risks = session.scalars(select(Risk).where(Risk.cycle_id == cycle_id)).all()
        assert risks and all(1 <= r.likelihood <= 5 and 1 <= r.impact <= 5 for r in risks)
        with pytest.raises(Conflict):
            service.start(session, system_id=cycle.system_id, user_id=None)


def test_the_plan_gate_says_what_is_missing_then_passes_and_is_logged(
    sessions: sessionmaker[Session],
) -> None:
    cycle_id, _ = high_risk_cycle(sessions)
    with transaction(sessions) as session:
        cycle = cycle_of(session, cycle_id)
        with pytest.raises(signoff.GateBlocked) as blocked:
            signoff.sign(session, cycle=cycle, phase="plan", user_id=None, signer="Dara")
        messages = [message for message, _ in blocked.value.missing]
        assert "The scope is not written." in messages
        assert "{count} risk(s) have no owner." in messages
    with transaction(sessions) as session:
        cycle = cycle_of(session, cycle_id)
        service.update_plan(
            session,
            cycle=cycle,
            version=cycle.version,
            values={"scope": "Retail lending", "objectives": "Conformity", "roles": "CRO owns"},
        )
        for risk in session.scalars(select(Risk).where(Risk.cycle_id == cycle_id)):
            risk.owner = "Head of credit risk"
        size = ledger.size(session)
        gate = signoff.sign(
            session, cycle=cycle_of(session, cycle_id), phase="plan", user_id=None, signer="Dara"
        )
        assert gate.ledger_position == size
        assert cycle_of(session, cycle_id).phase == "do"
        with pytest.raises(Conflict):
            signoff.sign(
                session,
                cycle=cycle_of(session, cycle_id),
                phase="plan",
                user_id=None,
                signer="Dara",
            )


def test_a_stale_edit_is_refused_instead_of_overwriting(sessions: sessionmaker[Session]) -> None:
    cycle_id, _ = high_risk_cycle(sessions)
    with transaction(sessions) as session:
        control = session.scalars(select(Control).where(Control.cycle_id == cycle_id)).first()
        assert control is not None
        read_version = control.version
        cycle = cycle_of(session, cycle_id)
        service.update_control(
            session, cycle=cycle, control_id=control.id, version=read_version, values={"owner": "A"}
        )
        with pytest.raises(Conflict, match="Someone else changed this"):
            service.update_control(
                session,
                cycle=cycle,
                control_id=control.id,
                version=read_version,
                values={"owner": "B"},
            )
        with pytest.raises(InvalidInput) as caught:
            service.update_control(
                session,
                cycle=cycle,
                control_id=control.id,
                version=read_version + 1,
                values={"applicable": False, "justification": " "},
            )
        assert caught.value.field == "justification"


def run_full_cycle(sessions: sessionmaker[Session], tmp_path: Path) -> int:
    cycle_id, bank_id = high_risk_cycle(sessions)
    analyst = make_user(sessions, "analyst")
    store = EvidenceStore(tmp_path / "evidence")
    with transaction(sessions) as session:
        cycle = cycle_of(session, cycle_id)
        service.update_plan(
            session, cycle=cycle, version=cycle.version,
            values={"scope": "Retail lending", "objectives": "Conformity", "roles": "CRO"},
        )  # fmt: skip
        for risk in session.scalars(select(Risk).where(Risk.cycle_id == cycle_id)):
            risk.owner = "CRO"
        signoff.sign(
            session, cycle=cycle_of(session, cycle_id), phase="plan", user_id=None, signer="Vuthy"
        )
        controls = session.scalars(select(Control).where(Control.cycle_id == cycle_id)).all()
        policy = next(c for c in controls if c.urn == "urn:soai:iso-42001:a-2-2")
        for control in controls:
            control.implementation, control.owner = "implemented", "CRO"
        evidence_items.add_file_evidence(
            session, store=store, cycle=cycle_of(session, cycle_id), title="AI policy",
            filename="policy.pdf", chunks=[PDF], control_ids=[policy.id], user_id=None,
        )  # fmt: skip
        gaps = signoff.missing(session, cycle=cycle_of(session, cycle_id))
        assert gaps and gaps[0][0] == "{count} implemented control(s) have no evidence."
        evidence_items.add_link_evidence(
            session, cycle=cycle_of(session, cycle_id), title="Model documentation",
            url="https://bank.example.org/docs", kind="link",
            control_ids=[c.id for c in controls if c.id != policy.id], user_id=None,
        )  # fmt: skip
        signoff.sign(
            session, cycle=cycle_of(session, cycle_id), phase="do", user_id=None, signer="Vuthy"
        )
        for control in session.scalars(select(Control).where(Control.cycle_id == cycle_id)):
            verdict = "partly" if control.urn == "urn:soai:eu-ai-act:art-10" else "effective"
            service.assess(
                session, cycle=cycle_of(session, cycle_id), control_id=control.id,
                version=control.version, assessment=verdict, reasoning="Checked the records.",
                analyst_id=analyst.id,
            )  # fmt: skip
        signoff.sign(
            session,
            cycle=cycle_of(session, cycle_id),
            phase="check",
            user_id=analyst.id,
            signer="Sreymom",
        )
        finding = service.raise_finding(
            session, cycle=cycle_of(session, cycle_id), control_urn="urn:soai:eu-ai-act:art-10",
            description="Training data under-represents rural borrowers.", severity="major",
        )  # fmt: skip
        with pytest.raises(signoff.GateBlocked):
            signoff.sign(
                session, cycle=cycle_of(session, cycle_id), phase="act", user_id=None, signer="Dara"
            )
        service.plan_action(
            session, cycle=cycle_of(session, cycle_id), finding_id=finding.id,
            root_cause="Branch data only", action="Add microfinance repayment data",
            owner="Data team", due_date=date(2027, 3, 31),
        )  # fmt: skip
        service.update_plan(
            session, cycle=cycle_of(session, cycle_id), version=cycle_of(session, cycle_id).version,
            values={"management_review": "Board reviewed.", "lessons_learned": "Start data work earlier."},
        )  # fmt: skip
        signoff.sign(
            session, cycle=cycle_of(session, cycle_id), phase="act", user_id=None, signer="Dara"
        )
        del bank_id
    return cycle_id


def test_a_full_cycle_scores_closes_and_carries_open_actions_into_the_next(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    cycle_id = run_full_cycle(sessions, tmp_path)
    with transaction(sessions) as session:
        closed = cycle_of(session, cycle_id)
        assert closed.phase == "closed" and closed.closed_at is not None
        assert closed.score is not None and 90 <= closed.score < 100, "one control partly effective"
        assert closed.maturity == "platinum", "an analyst outside the bank assessed it"
        assert set(closed.scores) >= {"eu-ai-act", "iso-42001"}
        assert closed.scores["eu-ai-act"] < 100 == closed.scores["iso-42001"]
        following = service.open_cycle_of(session, system_id=closed.system_id)
        assert following is not None and following.number == 2 and following.phase == "plan"
        carried = session.scalars(select(Finding).where(Finding.cycle_id == following.id)).all()
        assert [f.description for f in carried] == [
            "Training data under-represents rural borrowers."
        ]
        assert carried[0].action == "Add microfinance repayment data"
        assert (
            session.scalars(select(Risk).where(Risk.cycle_id == following.id)).first() is not None
        )
        history = signoff.history(session, system_id=closed.system_id)
        assert [(n, level) for n, _score, level in history] == [(1, "platinum"), (2, None)]


def test_an_assessment_by_a_member_of_the_provider_is_not_independent(
    sessions: sessionmaker[Session],
) -> None:
    cycle_id, bank_id = high_risk_cycle(sessions)
    insider = make_user(sessions, "analyst")
    with transaction(sessions) as session:
        registry.add_member(session, organisation_id=bank_id, user_id=insider.id)
        cycle = cycle_of(session, cycle_id)
        cycle.phase = "check"
        for control in session.scalars(select(Control).where(Control.cycle_id == cycle_id)):
            service.assess(
                session, cycle=cycle, control_id=control.id, version=control.version,
                assessment="effective", reasoning="ok", analyst_id=insider.id,
            )  # fmt: skip
        result = signoff.score(session, cycle=cycle)
        assert result.overall == 100.0
        assert result.maturity == "silver" and result.capped


def test_a_gate_is_reopened_only_with_a_reason_and_the_reopening_is_logged(
    sessions: sessionmaker[Session],
) -> None:
    cycle_id, _ = high_risk_cycle(sessions)
    with transaction(sessions) as session:
        cycle = cycle_of(session, cycle_id)
        service.update_plan(
            session, cycle=cycle, version=cycle.version,
            values={"scope": "S", "objectives": "O", "roles": "R"},
        )  # fmt: skip
        for risk in session.scalars(select(Risk).where(Risk.cycle_id == cycle_id)):
            risk.owner = "CRO"
        signoff.sign(
            session, cycle=cycle_of(session, cycle_id), phase="plan", user_id=None, signer="D"
        )
        with pytest.raises(InvalidInput):
            signoff.reopen(
                session, cycle=cycle_of(session, cycle_id), phase="plan", reason=" ", user_id=None
            )
        size = ledger.size(session)
        gate = signoff.reopen(
            session,
            cycle=cycle_of(session, cycle_id),
            phase="plan",
            reason="Scope missed a branch",
            user_id=None,
        )
        assert gate.reopen_reason == "Scope missed a branch" and gate.reopen_ledger_position == size
        assert cycle_of(session, cycle_id).phase == "plan"


def test_an_attestation_is_refused_while_the_council_is_pending_and_revoked_on_regression(
    sessions: sessionmaker[Session], tmp_path: Path, settings: Settings
) -> None:
    from soai.credentials import service as credentials
    from soai.instance import service as instance
    from soai.pdca import attestation

    instance.initialise(settings, "cambodia")
    issuer = credentials.issuer_for(settings)
    cycle_id = run_full_cycle(sessions, tmp_path)
    with transaction(sessions) as session:
        closed = cycle_of(session, cycle_id)
        with pytest.raises(Conflict, match="council review is pending"):
            attestation.attest(
                session, cycle=closed, issuer=issuer, email="cro@bank.example.org", user_id=None
            )
        closed.council_review = "decided"  # what the council part will record
        credential = attestation.attest(
            session, cycle=closed, issuer=issuer, email="cro@bank.example.org", user_id=None
        )
        assert "OpenBadgeCredential" in credential["type"]
        assert (
            credential["credentialSubject"]["achievement"]["name"]
            == "SOAI-PDCA Platinum attestation"
        )
        with pytest.raises(Conflict):
            attestation.attest(
                session, cycle=closed, issuer=issuer, email="x@example.org", user_id=None
            )
        following = service.open_cycle_of(session, system_id=closed.system_id)
        assert following is not None
        following.maturity, following.number = "silver", 2
        revoked = attestation.on_new_score(session, cycle=following)
        assert [a.credential_id for a in revoked] == [credential["id"]]
        assert attestation.active(session, system_id=closed.system_id) == []


def test_two_people_signing_the_same_gate_at_once_pass_it_once(
    sessions: sessionmaker[Session],
) -> None:
    import threading

    cycle_id, _ = high_risk_cycle(sessions)
    with transaction(sessions) as session:
        cycle = cycle_of(session, cycle_id)
        service.update_plan(
            session, cycle=cycle, version=cycle.version,
            values={"scope": "S", "objectives": "O", "roles": "R"},
        )  # fmt: skip
        for risk in session.scalars(select(Risk).where(Risk.cycle_id == cycle_id)):
            risk.owner = "CRO"
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def press(name: str) -> None:
        barrier.wait()
        try:
            with transaction(sessions, write=True) as session:
                signoff.sign(
                    session,
                    cycle=cycle_of(session, cycle_id),
                    phase="plan",
                    user_id=None,
                    signer=name,
                )
            outcomes.append("signed")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=press, args=(name,)) for name in ("Dara", "Sokha")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "signed"]
    with transaction(sessions) as session:
        assert [g.phase for g in signoff.gates_of(session, cycle=cycle_of(session, cycle_id))] == [
            "plan"
        ]
        assert cycle_of(session, cycle_id).phase == "do"

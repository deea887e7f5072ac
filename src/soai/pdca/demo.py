"""Demo compliance cycles (``soai demo``): the bank's credit scoring through a whole cycle with a
nonconformity and its corrective action, other demo systems at earlier phases. Idempotent."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.errors import NotFound
from soai.identity import service as identity
from soai.pdca import evidence as evidence_items
from soai.pdca import service, signoff
from soai.pdca.evidence_store import EvidenceStore
from soai.pdca.models import Control, Cycle, Risk
from soai.registry import listing
from soai.registry import service as registry

ANALYST = "analyst@demo.example.org"
POLICY = """# Angkor Commercial Bank — AI risk management policy (demo)

Every AI system that affects customers is registered, classified and reviewed every year.
Credit models are validated before use and monitored monthly for drift and unfair outcomes.
"""


def _system(session: Session, name: str) -> int | None:
    found = listing.search(session, scope=registry.Scope(everything=True), query=name, limit=5)
    return next((s.id for s, _o in found.rows if s.name == name), None)


def _plan(session: Session, cycle: Cycle, scope: str) -> None:
    service.update_plan(
        session,
        cycle=cycle,
        version=cycle.version,
        values={
            "scope": scope,
            "objectives": "Meet the EU AI Act duties of the system's tier and ISO/IEC 42001 Annex A.",
            "roles": "Head of compliance owns the cycle; the data science lead owns the controls.",
        },
    )
    session.refresh(cycle)
    for risk in session.scalars(select(Risk).where(Risk.cycle_id == cycle.id)):
        risk.owner = "Head of compliance"
    session.flush()


def seed(session: Session, *, home: Path) -> int:
    """Add the demo cycles once; returns the number of cycles opened."""
    opened = 0
    credit = _system(session, "Retail credit scoring v3")
    if credit is not None and not service.cycles(
        session, scope=service.Scope(everything=True), system_id=credit
    ):
        _full_cycle(session, credit, home=home)
        opened += 2
    for name, sign_plan in (
        ("Khmer customer-service chatbot", True),
        ("Benefit eligibility triage", False),
    ):
        system_id = _system(session, name)
        if system_id is None or service.cycles(
            session, scope=service.Scope(everything=True), system_id=system_id
        ):
            continue
        cycle = service.start(session, system_id=system_id, user_id=None)
        opened += 1
        if sign_plan:
            _plan(session, cycle, "The chatbot on the website and in the app.")
            signoff.sign(session, cycle=cycle, phase="plan", user_id=None, signer="Vuthy Sok")
    return opened


def _full_cycle(session: Session, system_id: int, *, home: Path) -> None:
    try:
        analyst = identity.get_user(session, email=ANALYST).id
    except NotFound:
        return
    cycle = service.start(session, system_id=system_id, user_id=None)
    _plan(session, cycle, "Retail and small-business credit scoring in every branch and the app.")
    signoff.sign(session, cycle=cycle, phase="plan", user_id=None, signer="Vuthy Sok")
    controls = list(session.scalars(select(Control).where(Control.cycle_id == cycle.id)))
    for control in controls:
        control.implementation, control.owner = "implemented", "Data science lead"
    session.flush()
    policy = next(c.id for c in controls if c.urn == "urn:soai:iso-42001:a-2-2")
    evidence_items.add_file_evidence(
        session,
        store=EvidenceStore(home / "evidence"),
        cycle=cycle,
        title="AI risk management policy",
        filename="ai-policy.md",
        chunks=[POLICY.encode()],
        control_ids=[policy],
        user_id=None,
    )
    evidence_items.add_link_evidence(
        session,
        cycle=cycle,
        title="Model card and validation report",
        url="https://bank.demo.example.org/model-card",
        kind="link",
        control_ids=[c.id for c in controls if c.id != policy],
        user_id=None,
    )
    signoff.sign(session, cycle=cycle, phase="do", user_id=None, signer="Vuthy Sok")
    for control in session.scalars(select(Control).where(Control.cycle_id == cycle.id)):
        weak = control.urn == "urn:soai:eu-ai-act:art-10"
        service.assess(
            session,
            cycle=cycle,
            control_id=control.id,
            version=control.version,
            assessment="partly" if weak else "effective",
            reasoning=(
                "Training data under-represents rural borrowers without a credit file."
                if weak
                else "Records and interviews show the control works."
            ),
            analyst_id=analyst,
        )
    signoff.sign(session, cycle=cycle, phase="check", user_id=analyst, signer="Sreymom Pich")
    finding = service.raise_finding(
        session,
        cycle=cycle,
        control_urn="urn:soai:eu-ai-act:art-10",
        description="Training data under-represents rural borrowers without a credit file.",
        severity="major",
    )
    service.plan_action(
        session,
        cycle=cycle,
        finding_id=finding.id,
        root_cause="Only branch loan histories were used for training.",
        action="Add microfinance repayment data and re-test fairness by province.",
        owner="Data science lead",
        due_date=date(2027, 3, 31),
    )
    session.refresh(cycle)
    service.update_plan(
        session,
        cycle=cycle,
        version=cycle.version,
        values={
            "management_review": "The board reviewed the cycle on 20 November 2026.",
            "lessons_learned": "Start the data representativeness work in the Plan phase.",
        },
    )
    session.refresh(cycle)
    signoff.sign(session, cycle=cycle, phase="act", user_id=None, signer="Dara Keo")

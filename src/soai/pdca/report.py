"""The compliance report of one SOAI-PDCA cycle, as a PDF in English or Khmer.

Made like every soai report: :func:`gather` reads the cycle's facts in one transaction into
plain data, :func:`render_html` tells them in the reader's language (catalogue titles, labels,
dates in the profile's timezone), and :func:`render_pdf` turns that into PDF with WeasyPrint.
The score of a closed cycle is the one signed at its Act gate and written to the ledger; an
open cycle shows its score as it stands, marked provisional.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from soai.catalog import service as catalog
from soai.db import transaction, utcnow
from soai.i18n import Translator
from soai.i18n.markers import N_
from soai.pdca import evidence as evidence_items
from soai.pdca import risk_library, scoring, service, signoff
from soai.pdca.models import Control, Cycle, Evidence, Finding, Risk
from soai.profiles.schema import Profile
from soai.registry import service as registry
from soai.registry.explain import RISK_LABELS
from soai.registry.submissions import ROLES, SECTORS
from soai.reports.charts import bar_chart_svg, svg_data_uri
from soai.reports.pdf import html_to_pdf
from soai.web.templating import build_environment, render_to_string

TEMPLATE = "pdca/report_print.html"
EVERYTHING = registry.Scope(everything=True)
LABELS: dict[str, dict[str, str]] = {
    "phase": {
        "plan": N_("Plan"),
        "do": N_("Do"),
        "check": N_("Check"),
        "act": N_("Act"),
        "closed": N_("Closed"),
    },
    "implementation": {
        "not_started": N_("Not started"),
        "in_progress": N_("In progress"),
        "implemented": N_("Implemented"),
    },
    "assessment": {
        "effective": N_("Effective"),
        "partly": N_("Partly effective"),
        "not_effective": N_("Not effective"),
        "not_applicable": N_("Not applicable"),
    },
    "maturity": {
        "bronze": N_("Bronze"),
        "silver": N_("Silver"),
        "gold": N_("Gold"),
        "platinum": N_("Platinum"),
    },
    "level": {
        "low": N_("Low"),
        "medium": N_("Medium"),
        "high": N_("High"),
        "critical": N_("Critical"),
    },
    "risk_status": {"open": N_("Open"), "treated": N_("Treated"), "accepted": N_("Accepted")},
    "finding_status": {"open": N_("Open"), "verified": N_("Verified")},
    "severity": {"minor": N_("Minor"), "major": N_("Major")},
    "council": {"pending": N_("Pending"), "not_required": N_("Not required")},
    "tier": RISK_LABELS,
    "role": ROLES,
    "sector": SECTORS,
}
# Fill of each risk level in the heat map (the portal's heat-* colours).
HEAT_COLOURS = {"low": "#d9efdf", "medium": "#fff0c2", "high": "#f9c9a6", "critical": "#e88b86"}


def gather(session: Session, *, cycle: Cycle, country: str) -> dict[str, Any]:
    """Everything the report says about ``cycle``, as plain data (no database rows)."""
    system = registry.get(session, system_id=cycle.system_id, scope=EVERYTHING)
    organisation = registry.organisation(
        session, organisation_id=system.organisation_id, scope=EVERYTHING
    )
    controls = list(
        session.scalars(select(Control).where(Control.cycle_id == cycle.id).order_by(Control.id))
    )
    risks = list(session.scalars(select(Risk).where(Risk.cycle_id == cycle.id).order_by(Risk.id)))
    evidenced = evidence_items.evidence_for(session, cycle=cycle)
    return {
        "system": {
            "name": system.name,
            "reference": registry.reference(country, system.id),
            "organisation": organisation.name,
            "tier": cycle.risk_tier,
            "role": cycle.role,
            "sector": system.sector,
        },
        "cycle": {
            "id": cycle.id,
            "number": cycle.number,
            "phase": cycle.phase,
            "started_at": cycle.started_at,
            "closed_at": cycle.closed_at,
            "target_date": cycle.target_date,
            "scope": cycle.scope,
            "objectives": cycle.objectives,
            "roles": cycle.roles,
            "management_review": cycle.management_review,
            "lessons_learned": cycle.lessons_learned,
            "council_review": cycle.council_review,
        },
        "risks": [_risk(r) for r in risks],
        "heat_map": risk_library.heat_map_counts((r.likelihood, r.impact) for r in risks),
        "controls": [_control(c, len(evidenced.get(c.id, []))) for c in controls],
        "evidence": _evidence(session, cycle, controls, evidenced),
        "findings": [_finding(f) for f in _findings(session, cycle)],
        "gates": [
            {
                "phase": g.phase,
                "signer": g.signer_name,
                "signed_at": g.signed_at,
                "ledger_position": g.ledger_position,
                "reopened_at": g.reopened_at,
                "reopen_reason": g.reopen_reason,
                "reopen_ledger_position": g.reopen_ledger_position,
            }
            for g in signoff.gates_of(session, cycle=cycle)
        ],
        "score": _score(session, cycle),
        "history": [
            {"number": number, "score": value, "maturity": level}
            for number, value, level in signoff.history(session, system_id=cycle.system_id)
        ],
    }


def _risk(risk: Risk) -> dict[str, Any]:
    residual = (risk.residual_likelihood, risk.residual_impact)
    return {
        "hazard": risk.hazard,
        "affected_group": risk.affected_group,
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "level": risk_library.level(risk.likelihood, risk.impact),
        "residual": residual if None not in residual else None,
        "treatment": risk.treatment,
        "owner": risk.owner,
        "status": risk.status,
        "carried": risk.carried_from is not None,
    }


def _ref(urn: str) -> str:
    requirement = catalog.catalogue().requirements.get(urn)
    return requirement.ref if requirement else urn


def _control(control: Control, evidence: int) -> dict[str, Any]:
    return {
        "urn": control.urn,
        "ref": _ref(control.urn),
        "framework": control.framework,
        "applicable": control.applicable,
        "justification": control.justification,
        "implementation": control.implementation,
        "owner": control.owner,
        "assessment": control.assessment,
        "reasoning": control.reasoning,
        "evidence": evidence,
    }


def _evidence(
    session: Session,
    cycle: Cycle,
    controls: list[Control],
    evidenced: dict[int, list[Evidence]],
) -> list[dict[str, Any]]:
    """Each piece of evidence with the controls it serves (crosswalks counted), in SoA order."""
    served: dict[int, list[Control]] = {}
    for c in controls:
        for item in evidenced.get(c.id, []):
            served.setdefault(item.id, []).append(c)
    rows = session.scalars(
        select(Evidence).where(Evidence.cycle_id == cycle.id).order_by(Evidence.id)
    )
    return [
        {
            "title": e.title,
            "kind": e.kind,
            "sha256": e.sha256,
            "size": e.size,
            "media_type": e.media_type,
            "filename": e.filename,
            "url": e.url,
            "added_at": e.added_at,
            "controls": [_ref(c.urn) for c in served.get(e.id, [])],
        }
        for e in rows
    ]


def _findings(session: Session, cycle: Cycle) -> list[Finding]:
    query = select(Finding).where(Finding.cycle_id == cycle.id).order_by(Finding.id)
    return list(session.scalars(query))


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "control_urn": finding.control_urn,
        "description": finding.description,
        "severity": finding.severity,
        "root_cause": finding.root_cause,
        "action": finding.action,
        "owner": finding.owner,
        "due_date": finding.due_date,
        "status": finding.status,
        "verification": finding.verification,
        "carried": finding.carried_from is not None,
    }


def _score(session: Session, cycle: Cycle) -> dict[str, Any]:
    if cycle.phase == "closed" and cycle.score is not None:
        # As signed at the Act gate (and logged); a cap shows as a level below the score's.
        return {
            "overall": cycle.score,
            "by_framework": dict(cycle.scores),
            "maturity": cycle.maturity,
            "capped": cycle.maturity != scoring.maturity(cycle.score),
            "final": True,
        }
    now = signoff.score(session, cycle=cycle)
    return {
        "overall": now.overall,
        "by_framework": dict(now.by_framework),
        "maturity": now.maturity,
        "capped": now.capped,
        "final": False,
    }


def _chart_src(scores: dict[str, float], *, title: str, colour: str) -> str | None:
    """The score-by-framework bar chart as a data URL (``None`` when nothing is scored yet)."""
    if not scores:
        return None
    frameworks = catalog.catalogue().frameworks
    names = [frameworks[f].short if f in frameworks else f for f in scores]
    svg = bar_chart_svg(names, list(scores.values()), title=title, colour=colour)
    return svg_data_uri(svg)


def render_html(
    data: dict[str, Any], *, profile: Profile, language: str, generated_at: datetime
) -> str:
    """The report in ``language``, dates in the profile's timezone, ready for WeasyPrint."""
    t = Translator(language, profile.timezone)
    catalogue = catalog.catalogue()
    context = {
        **data,
        "profile": profile,
        "t": t,
        "lang": language,
        "generated_at": generated_at,
        "labels": LABELS,
        "requirements": catalogue.requirements,  # control titles in the report's language
        "frameworks": {key: f.short for key, f in catalogue.frameworks.items()},
        "heat_colours": HEAT_COLOURS,
        "level": risk_library.level,
        "chart_src": _chart_src(
            data["score"]["by_framework"],
            title=t.gettext("Score by framework (%)"),
            colour=profile.brand.primary_colour,
        ),
    }
    return render_to_string(build_environment(), TEMPLATE, context)


def render_pdf(
    sessions: sessionmaker[Session],
    *,
    cycle_id: int,
    scope: service.Scope,
    profile: Profile,
    language: str,
    generated_at: datetime | None = None,
) -> bytes:
    """The PDF report of a cycle that ``scope`` may see (:class:`~soai.errors.NotFound` if not)."""
    with transaction(sessions) as session:
        cycle = service.get(session, cycle_id=cycle_id, scope=scope)
        data = gather(session, cycle=cycle, country=profile.country.code)
    html = render_html(
        data, profile=profile, language=language, generated_at=generated_at or utcnow()
    )
    return html_to_pdf(html)

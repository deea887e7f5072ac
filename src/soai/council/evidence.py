"""The evidence bundle a council session is bound to: what the agents and members read, as
plain JSON, whose SHA-256 (of its RFC 8785 canonical form) every vote signs.

An assessment bundle gathers, through the other parts' services, the system's register entry
and latest classification (with its trace), the PDCA cycle's risk register, Statement of
Applicability and control assessments, the system's assurance test results, and the cycle's
written documentation (scope, objectives, roles, reviews, evidence titles).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from soai.assurance import service as assurance
from soai.catalog import service as catalog
from soai.crypto.jcs import canonicalize
from soai.pdca import report as pdca_report
from soai.pdca import service as pdca
from soai.registry import service as registry

EVERYTHING_PDCA = pdca.Scope(everything=True)
EVERYTHING = registry.Scope(everything=True)


def digest(bundle: dict[str, Any]) -> str:
    return hashlib.sha256(canonicalize(bundle)).hexdigest()


def assessment(session: Session, *, cycle_id: int, country: str) -> dict[str, Any]:
    """The bundle of a compliance cycle's assessment."""
    cycle = pdca.get(session, cycle_id=cycle_id, scope=EVERYTHING_PDCA)
    data = pdca_report.gather(session, cycle=cycle, country=country)
    system = registry.get(session, system_id=cycle.system_id, scope=EVERYTHING)
    latest = registry.latest(session, system_id=system.id)
    requirements = catalog.catalogue().requirements
    documents = [
        {"title": title, "text": str(data["cycle"][key]), "language": "en"}
        for key, title in (("scope", "Scope"), ("objectives", "Objectives"), ("roles", "Roles"),
                           ("management_review", "Management review"),
                           ("lessons_learned", "Lessons learned"))
        if data["cycle"][key]
    ]  # fmt: skip
    documents.insert(0, {"title": "Intended purpose", "text": system.purpose, "language": "en"})
    titles = [e["title"] for e in data["evidence"] if e.get("title")]
    if titles:
        documents.append({"title": "Evidence", "text": "\n".join(titles), "language": "en"})
    return _plain(
        {
            "subject": {
                "type": "assessment",
                "id": f"pdca-cycle-{cycle.id}",
                "title": f"{system.name} — SOAI-PDCA cycle {cycle.number}",
            },
            "system": {
                "reference": data["system"]["reference"],
                "organisation": data["system"]["organisation"],
                **{
                    k: getattr(system, k)
                    for k in (
                        "name",
                        "purpose",
                        "sector",
                        "role",
                        "deployment_context",
                        "data_categories",
                        "affected_groups",
                        "autonomy",
                        "human_oversight",
                        "model_basis",
                    )
                },
            },
            "classification": {
                k: (latest.result if latest else {}).get(k)
                for k in ("risk", "gpai", "high_risk_route", "obligations", "citations", "trace")
            },
            "risks": [
                {
                    "id": str(n),
                    "title": r["hazard"],
                    "likelihood": r["likelihood"],
                    "impact": r["impact"],
                    "level": r["level"],
                    "treatment": r["treatment"],
                    "status": r["status"],
                    "affected_group": r["affected_group"],
                }
                for n, r in enumerate(data["risks"], start=1)
            ],
            "controls": [
                {
                    "urn": c["urn"],
                    "ref": c["ref"],
                    "title": requirements[c["urn"]].title.get("en", "")
                    if c["urn"] in requirements
                    else "",
                    "applicable": c["applicable"],
                    "justification": c["justification"],
                    "implementation": c["implementation"],
                    "assessment": c["assessment"],
                    "evidence_count": c["evidence"],
                }
                for c in data["controls"]
            ],
            "assurance": assurance.summaries_for_system(session, system_id=system.id),
            "documents": documents,
        }
    )


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO text, tuples as lists, floats that are whole kept as floats."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value

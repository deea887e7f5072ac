"""What the public incident page shows: decided reports with their redacted summary and
outcome (never the reporter's own words or contact), and counts and trends by kind of harm,
sector and month."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.incidents import handling
from soai.incidents.models import Incident

PUBLISHED = ("decided", "closed")


def published(session: Session, *, limit: int = 100) -> list[dict[str, Any]]:
    from soai.registry.models import AISystem

    rows = session.execute(
        select(Incident, AISystem.name, AISystem.sector)
        .outerjoin(AISystem, AISystem.id == Incident.system_id)
        .where(Incident.status.in_(PUBLISHED))
        .order_by(Incident.decided_at.desc()).limit(limit)
    ).all()  # fmt: skip
    return [{"code": i.code, "harm": i.harm, "system": name, "sector": sector,
             "outcome": i.outcome, "summary": i.public_summary, "received": i.created_at,
             "decided": i.decided_at} for i, name, sector in rows]  # fmt: skip


def counts(session: Session) -> dict[str, Any]:
    """Reports by harm, by sector (of the linked system; "unknown" otherwise), by month of
    arrival, by outcome, and how many were decided within their time limit. Merged duplicates
    are not counted twice."""
    from soai.registry.models import AISystem

    rows = session.execute(
        select(Incident.harm, Incident.created_at, Incident.status, Incident.outcome,
               Incident.decided_at, Incident.due_at, AISystem.sector)
        .outerjoin(AISystem, AISystem.id == Incident.system_id)
        .where(Incident.status != "merged")
    ).all()  # fmt: skip
    by_harm: Counter[str] = Counter()
    by_sector: Counter[str] = Counter()
    by_month: Counter[str] = Counter()
    by_outcome: Counter[str] = Counter()
    decided = in_time = 0
    for harm, created, _status, outcome, decided_at, due_at, sector in rows:
        by_harm[harm] += 1
        by_sector[sector or "unknown"] += 1
        by_month[created.strftime("%Y-%m")] += 1
        if outcome:
            by_outcome[outcome] += 1
        if decided_at is not None:
            decided += 1
            in_time += int(due_at is None or decided_at <= due_at)
    return {
        "total": len(rows), "open": sum(1 for r in rows if r[2] in handling.OPEN),
        "by_harm": dict(by_harm.most_common()), "by_sector": dict(by_sector.most_common()),
        "by_month": dict(sorted(by_month.items())), "by_outcome": dict(by_outcome),
        "decided": decided,
        "in_time_percent": round(100.0 * in_time / decided, 1) if decided else None,
    }  # fmt: skip


def about_system(session: Session, system_id: int) -> dict[str, int]:
    """Reports about one AI system (merged duplicates not counted): all, open, substantiated —
    for the system's compliance cycle (the Check phase's monitoring)."""
    from sqlalchemy import func

    rows = session.execute(
        select(Incident.status, Incident.outcome, func.count())
        .where(Incident.system_id == system_id, Incident.status != "merged")
        .group_by(Incident.status, Incident.outcome)
    ).all()  # fmt: skip
    return {
        "total": sum(n for _, _, n in rows),
        "open": sum(n for status, _, n in rows if status in handling.OPEN),
        "substantiated": sum(n for _, outcome, n in rows if outcome == "substantiated"),
    }

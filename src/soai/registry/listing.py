"""Finding registered systems: the public register and one's own systems, filtered and paged.

Read-only queries over the register (the use cases that change it are in :mod:`service`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from soai.registry.models import AISystem, Organisation
from soai.registry.service import Scope


@dataclass(frozen=True)
class Page:
    rows: list[tuple[AISystem, Organisation]]
    total: int


def search(
    session: Session,
    *,
    scope: Scope | None,
    query: str = "",
    risk: str | None = None,
    sector: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page:
    """Systems in ``scope`` (``None``: the public register) matching the filters, newest first."""
    statement = select(AISystem, Organisation).join(
        Organisation, Organisation.id == AISystem.organisation_id
    )
    if scope is None:
        statement = statement.where(AISystem.is_public.is_(True))
    elif not scope.everything:
        statement = statement.where(AISystem.organisation_id.in_(scope.organisations))
    words = query.split()
    for word in words:
        pattern = f"%{word.lower()}%"
        statement = statement.where(
            or_(
                func.lower(AISystem.name).like(pattern),
                func.lower(AISystem.purpose).like(pattern),
                func.lower(Organisation.name).like(pattern),
                Organisation.name_km.like(f"%{word}%"),
            )
        )
    if risk:
        statement = statement.where(AISystem.risk == risk)
    if sector:
        statement = statement.where(AISystem.sector == sector)
    if status:
        statement = statement.where(AISystem.status == status)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.execute(
        statement.order_by(AISystem.id.desc()).offset(max(offset, 0)).limit(min(limit, 200))
    ).all()
    return Page(rows=[(system, owner) for system, owner in rows], total=total)


def counts_by_risk(session: Session, *, public_only: bool) -> dict[str, int]:
    statement = select(AISystem.risk, func.count()).group_by(AISystem.risk)
    if public_only:
        statement = statement.where(AISystem.is_public.is_(True))
    return {risk: count for risk, count in session.execute(statement).all()}


def registered_names(session: Session) -> set[tuple[int, str]]:
    """(organisation id, system name) of every registered system."""
    rows = session.execute(select(AISystem.organisation_id, AISystem.name)).all()
    return {(organisation, name) for organisation, name in rows}

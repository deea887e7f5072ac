"""JSON API of the watchdog under /api/v1/incidents: the public statistics and the decided
reports' outcomes (the same redacted facts as the public page; no personal data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from soai.db import transaction
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.incidents import statistics
from soai.web.state import app_state

router = APIRouter(prefix="/incidents", tags=["incidents"])
PUBLIC = [Depends(require(Permission.PUBLIC_READ))]


@router.get("/statistics", name="api:incidents:statistics", dependencies=PUBLIC)
def counts(request: Request) -> dict[str, Any]:
    """Reports by kind of harm, sector, month and outcome, and the share decided in time."""
    with transaction(app_state(request).sessions) as session:
        return statistics.counts(session)


@router.get("/outcomes", name="api:incidents:outcomes", dependencies=PUBLIC)
def outcomes(request: Request, limit: int = 100) -> list[dict[str, Any]]:
    """The decided reports, newest first: reference, harm, system, sector, outcome, summary."""
    with transaction(app_state(request).sessions) as session:
        found = statistics.published(session, limit=max(1, min(limit, 1000)))
    return [{**r, "received": r["received"].isoformat(),
             "decided": r["decided"].isoformat() if r["decided"] else None} for r in found]  # fmt: skip

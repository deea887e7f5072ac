"""JSON API of the programme under /api/v1/programme: the live key figures and the roadmap's
status (what the public programme page and the press kit show), for dashboards and the press."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request

from soai.db import transaction
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.programme import steering
from soai.web.state import app_state

router = APIRouter(prefix="/programme", tags=["programme"])
PUBLIC = [Depends(require(Permission.PUBLIC_READ))]


def _status(request: Request) -> steering.Status:
    state = app_state(request)
    today = datetime.now(ZoneInfo(state.profile.timezone)).date()
    with transaction(state.sessions) as session:
        return steering.status(session, profile=state.profile, today=today)


@router.get("/figures", name="api:programme:figures", dependencies=PUBLIC)
def figures(request: Request) -> dict[str, Any]:
    """The live key figures; ``null`` where a part cannot give one (never an estimate)."""
    return asdict(_status(request).figures)


@router.get("/roadmap", name="api:programme:roadmap", dependencies=PUBLIC)
def roadmap(request: Request) -> dict[str, Any]:
    """Each phase's dates, progress and status, and each milestone's indicator and sign-off."""
    status = _status(request)
    return {
        "today": status.today.isoformat(),
        "phases": [{
            "id": p.id, "number": p.number, "title": p.title.model_dump(), "months": p.months,
            "start": p.start.isoformat() if p.start else None,
            "end": p.end.isoformat() if p.end else None, "current": p.current,
            "progress": p.progress, "status": p.risk,
            "milestones": [{
                "id": m.id, "title": m.title.model_dump(), "kpi": m.kpi, "target": m.target,
                "value": m.value, "due": m.due.isoformat() if m.due else None,
                "status": m.risk,
                "signed_off": None if m.signoff is None else {
                    "at": m.signoff.signed_at.isoformat(), "ledger_entry": m.signoff.ledger_entry},
            } for m in p.milestones],
        } for p in status.phases],
    }  # fmt: skip

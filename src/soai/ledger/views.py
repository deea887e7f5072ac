"""Public pages of the ledger: the latest checkpoint, any entry with its proof, the log's key."""

from __future__ import annotations

import json
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from soai.db import transaction
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.ledger import keys, service
from soai.ledger.schemas import CheckpointOut, InclusionProof
from soai.web.pages import render
from soai.web.state import app_state

router = APIRouter()
PUBLIC = [Depends(require(Permission.PUBLIC_READ))]
RECENT = 20


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _proof(request: Request, position: int) -> InclusionProof:
    state = app_state(request)
    with transaction(state.sessions, write=True) as session:
        return keys.proof(session, state.settings, position=position)


@router.get("/ledger", response_class=HTMLResponse, name="ledger:home", dependencies=PUBLIC)
def home(request: Request, position: int | None = None) -> Response:
    if position is not None:
        return RedirectResponse(f"/ledger/entries/{position}", status_code=303)
    state = app_state(request)
    with transaction(state.sessions, write=True) as session:
        # Sign a checkpoint of everything recorded so far, so the page never shows a stale one.
        latest = keys.checkpoint(session, state.settings)
        size = service.size(session)
        recent = service.recent_entries(session, limit=RECENT)
        context = {
            "checkpoint": CheckpointOut.model_validate(latest) if latest else None,
            "size": size,
            "recent": [(e.position, e.kind, _time(e.event.get("time"))) for e in recent],
            "vkeys": keys.vkeys(state.settings),
        }
    return render(request, "ledger/home.html", context)


@router.get(
    "/ledger/entries/{position}",
    response_class=HTMLResponse,
    name="ledger:entry",
    dependencies=PUBLIC,
)
def entry(request: Request, position: int) -> HTMLResponse:
    proof = _proof(request, position)
    return render(
        request,
        "ledger/entry.html",
        {
            "proof": proof,
            "entry_json": json.dumps(proof.entry, ensure_ascii=False, indent=2),
            "vkeys": keys.vkeys(app_state(request).settings),
        },
    )


@router.get("/ledger/entries/{position}/proof.json", name="ledger:proof_file", dependencies=PUBLIC)
def proof_file(request: Request, position: int) -> Response:
    proof = _proof(request, position)
    return Response(
        json.dumps(proof.model_dump(mode="json"), ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="ledger-proof-{position}.json"'},
    )


@router.get("/ledger/vkey", name="ledger:vkey", dependencies=PUBLIC)
def vkey_file(request: Request) -> Response:
    return Response(
        "\n".join(keys.vkeys(app_state(request).settings)) + "\n",
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ledger.vkey"'},
    )

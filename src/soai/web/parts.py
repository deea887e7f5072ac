"""The home page of a part of the framework whose own features are not built yet.

Each part (registry, catalogue, PDCA, ...) owns its routes; until a part ships its features,
its home says plainly what it will do and that it is not available yet: no invented figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.web.pages import render


@dataclass(frozen=True)
class PartInfo:
    slug: str
    title: str
    summary: str
    pending: bool = False
    """True while the part has no features of its own yet (its home says "Not available yet")."""


def home_router(part: PartInfo) -> APIRouter:
    router = APIRouter()

    @router.get(
        f"/{part.slug}",
        response_class=HTMLResponse,
        name=f"{part.slug}:home",
        dependencies=[Depends(require(Permission.PUBLIC_READ))],
    )
    def part_home(request: Request) -> HTMLResponse:
        return render(request, "web/part_pending.html", {"part": part})

    return router

"""The OpenAPI document and its browsable page, served from vendored files (no CDN)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.web.pages import render

router = APIRouter(include_in_schema=False)
PUBLIC = [Depends(require(Permission.PUBLIC_READ))]


def openapi_document(request: Request) -> dict[str, Any]:
    """The OpenAPI document of the JSON API (portal pages are left out of it)."""
    schema: dict[str, Any] = request.app.openapi()
    return schema


@router.get("/api/openapi.json", dependencies=PUBLIC, name="api:openapi")
def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(openapi_document(request))


@router.get("/api/docs", dependencies=PUBLIC, response_class=HTMLResponse, name="api:docs")
def api_docs(request: Request) -> HTMLResponse:
    return render(request, "web/api_docs.html")

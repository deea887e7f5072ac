"""HTML routes of the catalogue: browse frameworks, search requirements, follow crosswalks."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from soai.catalog import service
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.web.pages import render, translator_for
from soai.web.parts import PartInfo
from soai.web.state import app_state

PART = PartInfo(
    slug="catalog",
    title=N_("Requirements catalogue"),
    summary=N_(
        "The EU AI Act, ISO/IEC 42001, the NIST AI RMF, the ASEAN Guide and national law"
        " as one catalogue, with crosswalks between them."
    ),
)

KIND_LABELS = {
    "article": N_("Article"),
    "paragraph": N_("Paragraph"),
    "point": N_("Point"),
    "chapter": N_("Chapter"),
    "clause": N_("Clause"),
    "objective": N_("Objective"),
    "control": N_("Control"),
    "function": N_("Function"),
    "category": N_("Category"),
    "subcategory": N_("Subcategory"),
    "principle": N_("Principle"),
    "duty": N_("Duty"),
    "measure": N_("Measure"),
    "phase": N_("Phase"),
    "goal": N_("Goal"),
}
STATUS_LABELS = {
    "in-force": N_("In force"),
    "anticipated": N_("Anticipated (draft)"),
    "guidance": N_("Guidance / voluntary"),
}
PAGE_SIZE = 100

router = APIRouter()
PUBLIC = [Depends(require(Permission.PUBLIC_READ))]


@router.get("/catalog", response_class=HTMLResponse, name="catalog:home", dependencies=PUBLIC)
def home(request: Request, q: str = "", framework: str = "", kind: str = "") -> HTMLResponse:
    catalogue = service.catalogue()
    language = translator_for(request).language
    framework = framework if framework in catalogue.frameworks else ""
    kind = kind if kind in KIND_LABELS else ""
    searching = bool(q.strip() or framework or kind)
    found = (
        service.search(query=q, framework=framework or None, kind=kind or None, language=language)
        if searching
        else []
    )
    counts = {fid: len(catalogue.of_framework(fid)) for fid in catalogue.frameworks}
    return render(
        request,
        "catalog/home.html",
        {
            "part": PART,
            "catalogue": catalogue,
            "counts": counts,
            "q": q,
            "framework": framework,
            "kind": kind,
            "kinds": KIND_LABELS,
            "statuses": STATUS_LABELS,
            "searching": searching,
            "results": found[:PAGE_SIZE],
            "total": len(found),
            "timeline": app_state(request).profile.classification.timeline,
        },
    )


@router.get(
    "/catalog/requirements/{urn}",
    response_class=HTMLResponse,
    name="catalog:requirement",
    dependencies=PUBLIC,
)
def requirement(request: Request, urn: str) -> HTMLResponse:
    catalogue = service.catalogue()
    item = catalogue.get(urn)
    related = [catalogue.requirements[u] for u in catalogue.related(urn)]
    by_framework: dict[str, list[object]] = {}
    for other in related:
        by_framework.setdefault(other.framework, []).append(other)
    framework = catalogue.framework(item.framework)
    return render(
        request,
        "catalog/requirement.html",
        {
            "item": item,
            "framework": framework,
            "catalogue": catalogue,
            "parent": catalogue.requirements.get(item.parent) if item.parent else None,
            "children": [catalogue.requirements[u] for u in catalogue.children(urn)],
            "related": by_framework,
            "crosswalks": catalogue.crosswalks_of(urn),
            "kinds": KIND_LABELS,
            "statuses": STATUS_LABELS,
            "timeline": app_state(request).profile.classification.timeline,
        },
    )


@router.get(service.OSCAL_CATALOG_PATH, name="catalog:oscal", dependencies=PUBLIC)
def oscal_catalog(lang: str = "en") -> JSONResponse:
    """The whole catalogue as an OSCAL 1.1 catalog (``?lang=km`` for Khmer titles and text)."""
    language = lang if lang in ("en", "km") else "en"
    return JSONResponse(
        service.oscal_catalog(language=language),
        headers={"Content-Disposition": f'attachment; filename="soai-catalog-{language}.json"'},
    )

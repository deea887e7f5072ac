"""JSON API of the catalogue under /api/v1/catalog: frameworks, requirements, search."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from soai.catalog import service
from soai.catalog.catalogue import Requirement
from soai.catalog.schemas import FrameworkOut, RequirementOut
from soai.identity.guard import require
from soai.identity.policy import Permission

router = APIRouter(prefix="/catalog", tags=["catalog"])
PUBLIC = [Depends(require(Permission.PUBLIC_READ))]


def requirement_out(item: Requirement) -> RequirementOut:
    return RequirementOut(
        urn=item.urn,
        framework=item.framework,
        ref=item.ref,
        kind=item.kind,
        parent=item.parent,
        title=dict(item.title),
        summary=dict(item.summary),
        citation=item.citation,
        status=item.status,
        applies_from=dict(item.applies_from),
        roles=list(item.roles),
        risks=list(item.risks),
        related=list(service.catalogue().related(item.urn)),
    )


@router.get("/frameworks", name="api:catalog:frameworks", dependencies=PUBLIC)
def frameworks() -> list[FrameworkOut]:
    """The frameworks in the catalogue, with the version of each data file."""
    catalogue = service.catalogue()
    return [
        FrameworkOut(
            id=f.id,
            short=f.short,
            title=dict(f.title),
            kind=f.kind,
            publisher=f.publisher,
            citation=f.citation,
            url=f.url,
            data_version=f.data_version,
            requirements=len(catalogue.of_framework(f.id)),
        )
        for f in catalogue.frameworks.values()
    ]


@router.get("/requirements", name="api:catalog:requirements", dependencies=PUBLIC)
def requirements(
    q: str = "", framework: str | None = None, kind: str | None = None, lang: str = "en"
) -> list[RequirementOut]:
    """Requirements matching every word of ``q`` (English or Khmer), filtered by framework/kind."""
    found = service.search(query=q, framework=framework, kind=kind, language=lang)
    return [requirement_out(item) for item in found]


@router.get("/requirements/{urn}", name="api:catalog:requirement", dependencies=PUBLIC)
def requirement(urn: str) -> RequirementOut:
    """One requirement with the URNs its crosswalks link to."""
    return requirement_out(service.catalogue().get(urn))

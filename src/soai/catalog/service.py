"""Use cases of the catalogue: the shipped catalogue, browsing and searching it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from soai.catalog import oscal
from soai.catalog.catalogue import Catalogue, Requirement, load
from soai.catalog.search import matches
from soai.db import utcnow

OSCAL_CATALOG_PATH = "/catalog/oscal/catalog.json"


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The catalogue shipped with this version of soai (read once per process)."""
    return load()


def search(
    *,
    query: str = "",
    framework: str | None = None,
    kind: str | None = None,
    language: str = "en",
    limit: int | None = None,
) -> list[Requirement]:
    """Requirements matching every word of ``query`` (in English or Khmer), best first."""
    found = matches(catalogue(), query=query, framework=framework, kind=kind, language=language)
    return found[:limit] if limit is not None else found


def oscal_catalog(*, language: str = "en") -> dict[str, Any]:
    """The whole catalogue as an OSCAL catalog document."""
    return oscal.catalog_document(catalogue(), language=language, generated_at=utcnow())


def oscal_profile(*, title: str, urns: Sequence[str], version: str) -> dict[str, Any]:
    """An OSCAL profile selecting ``urns`` from the catalog at :data:`OSCAL_CATALOG_PATH`."""
    return oscal.profile_document(
        title=title,
        urns=urns,
        catalogue=catalogue(),
        catalog_href=OSCAL_CATALOG_PATH,
        generated_at=utcnow(),
        version=version,
    )


def with_crosswalks(urns: Sequence[str]) -> list[str]:
    """``urns`` and every requirement a crosswalk links to them, in catalogue order."""
    wanted = set(urns)
    for urn in urns:
        wanted.update(catalogue().related(urn))
    return [urn for urn in catalogue().requirements if urn in wanted]

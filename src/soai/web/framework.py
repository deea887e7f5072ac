"""The eight working parts of the framework, in the order the portal presents them."""

from __future__ import annotations

from fastapi import APIRouter

from soai.academy import views as academy
from soai.assurance import views as assurance
from soai.catalog import views as catalog
from soai.council import views as council
from soai.incidents import views as incidents
from soai.pdca import views as pdca
from soai.programme import views as programme
from soai.registry import views as registry
from soai.web.parts import PartInfo

_MODULES = (registry, catalog, pdca, assurance, council, academy, programme, incidents)

PARTS: list[PartInfo] = [module.PART for module in _MODULES]
PART_ROUTERS: list[APIRouter] = [
    part_router
    for module in _MODULES
    for part_router in getattr(module, "routers", [module.router])
]

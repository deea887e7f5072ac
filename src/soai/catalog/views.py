"""HTML routes of the catalog part."""

from soai.i18n.markers import N_
from soai.web.parts import PartInfo, home_router

PART = PartInfo(
    slug="catalog",
    title=N_("Requirements catalogue"),
    summary=N_(
        "The EU AI Act, ISO/IEC 42001, the NIST AI RMF, the ASEAN Guide and national law"
        " as one catalogue, with crosswalks between them."
    ),
)

router = home_router(PART)

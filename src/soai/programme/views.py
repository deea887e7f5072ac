"""HTML routes of the programme part."""

from soai.i18n.markers import N_
from soai.web.parts import PartInfo, home_router

PART = PartInfo(
    slug="programme",
    title=N_("National programme"),
    summary=N_(
        "The four-phase roadmap with live indicators, the readiness assessment, the "
        "training giveaway and the press kit."
    ),
)

router = home_router(PART)

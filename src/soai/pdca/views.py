"""HTML routes of the pdca part."""

from soai.i18n.markers import N_
from soai.web.parts import PartInfo, home_router

PART = PartInfo(
    slug="pdca",
    title=N_("SOAI-PDCA compliance cycles"),
    summary=N_(
        "Plan-Do-Check-Act cycles that take each AI system to conformity, leaving "
        "evidence and a score."
    ),
)

router = home_router(PART)

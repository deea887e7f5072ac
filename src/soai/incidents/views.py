"""HTML routes of the incidents part."""

from soai.i18n.markers import N_
from soai.web.parts import PartInfo, home_router

PART = PartInfo(
    slug="incidents",
    title=N_("Watchdog and recourse"),
    summary=N_("Report harm caused by an AI system and follow how it is handled."),
    pending=True,
)

router = home_router(PART)

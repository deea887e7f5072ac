"""HTML routes of the academy part."""

from soai.i18n.markers import N_
from soai.web.parts import PartInfo, home_router

PART = PartInfo(
    slug="academy",
    title=N_("CEASAI academy"),
    summary=N_("Curriculum, secure exams and verifiable certificates for AI safety analysts."),
)

router = home_router(PART)

"""HTML routes of the council part."""

from soai.i18n.markers import N_
from soai.web.parts import PartInfo, home_router

PART = PartInfo(
    slug="council",
    title=N_("Byzantine council"),
    summary=N_(
        "Thirty-three members, AI agents and human experts, decide by signed votes; 22 "
        "signatures make a decision."
    ),
)

router = home_router(PART)

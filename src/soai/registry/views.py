"""HTML routes of the registry part."""

from soai.i18n.markers import N_
from soai.web.parts import PartInfo, home_router

PART = PartInfo(
    slug="registry",
    title=N_("AI system register"),
    summary=N_(
        "Organisations and their AI systems, each classified by risk with an explanation "
        "that cites the law."
    ),
)

router = home_router(PART)

"""HTML routes of the assurance part."""

from soai.i18n.markers import N_
from soai.web.parts import PartInfo, home_router

PART = PartInfo(
    slug="assurance",
    title=N_("Technical assurance"),
    summary=N_(
        "Fairness, performance, robustness, explainability and data-quality tests of "
        "models and their predictions."
    ),
)

router = home_router(PART)

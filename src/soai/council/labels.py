"""Names of the council's terms in the reader's language (translated in the portal)."""

from __future__ import annotations

from typing import Any

from soai.i18n.markers import N_

STATUS = {
    "open": N_("open"), "decided": N_("decided"), "escalated": N_("escalated to the human panel"),
    "closed": N_("closed"), "active": N_("active"), "suspended": N_("suspended"),
    "retired": N_("retired"),
}  # fmt: skip
CHOICES = {"approve": N_("approve"), "reject": N_("reject"), "escalate": N_("escalate")}
KINDS = {"guardian": N_("Guardian"), "arbiter": N_("Arbiter"), "scribe": N_("Scribe")}
LENSES = {
    "safety": N_("safety"), "security": N_("security"), "privacy": N_("privacy"),
    "fairness": N_("fairness"), "transparency": N_("transparency"),
    "accountability": N_("accountability"), "documentation": N_("documentation"),
    "compliance": N_("compliance"), "reporting": N_("reporting"),
}  # fmt: skip
GROUPS = {
    "government": N_("government"), "industry": N_("industry"), "academia": N_("academia"),
    "civil_society": N_("civil society"),
}  # fmt: skip
DECIDERS = {"council": N_("the council (quorum certificate)"), "panel": N_("the human panel")}


def context() -> dict[str, Any]:
    return {"status_names": STATUS, "choice_names": CHOICES, "kind_names": KINDS,
            "lens_names": LENSES, "decider_names": DECIDERS, "group_names": GROUPS}  # fmt: skip

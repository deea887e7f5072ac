"""A stored classification, told in the reader's language: labels, trace, obligations, changes.

Results are stored as the engine's JSON (English). Each trace step also carries its message id
and parameters (or, for a national overlay, its own text in every language), so the portal can
explain a classification in Khmer years after it was made, exactly as it was made.
"""

from __future__ import annotations

from typing import Any

from soai.catalog import service as catalog
from soai.errors import NotFound
from soai.i18n import Translator
from soai.i18n.markers import N_
from soai.registry.submissions import (
    AUTONOMY,
    DATA_CATEGORIES,
    ORGANISATION_KINDS,
    ROLES,
    SECTORS,
    STATUSES,
)

RISK_LABELS: dict[str, str] = {
    "prohibited": N_("Prohibited"),
    "high": N_("High risk"),
    "limited": N_("Limited risk (transparency)"),
    "minimal": N_("Minimal risk"),
    "out_of_scope": N_("Outside the AI Act"),
}
GPAI_LABELS: dict[str, str] = {
    "none": N_("Not a general-purpose AI model"),
    "gpai": N_("General-purpose AI model"),
    "gpai_systemic": N_("General-purpose AI model with systemic risk"),
}
OUTCOME_LABELS: dict[str, str] = {
    "applies": N_("applies"),
    "does_not_apply": N_("does not apply"),
    "decides": N_("decides"),
}
REASON_LABELS: dict[str, str] = {
    "registered": N_("Registered"),
    "answers_changed": N_("Answers changed"),
    "rules_changed": N_("Rules changed"),
}
FIELD_LABELS: dict[str, str] = {
    "risk": N_("Risk tier"),
    "gpai": N_("General-purpose AI status"),
    "high_risk_route": N_("High-risk route"),
    "rules_version": N_("Rules version"),
    "catalogue_version": N_("Catalogue version"),
    "timeline": N_("Timeline"),
    "transparency": N_("Transparency duties"),
    "overlays": N_("National overlays"),
    "obligations": N_("Obligations"),
    "obligations.applies_from": N_("Application dates"),
}


def step_text(step: dict[str, Any], t: Translator) -> str:
    """A trace step's explanation in the reader's language."""
    text = step.get("text")
    if isinstance(text, dict):
        return str(text.get(t.language) or text.get("en") or step.get("explanation", ""))
    message = step.get("message")
    if isinstance(message, str):
        params = step.get("params") or {}
        try:
            return t.gettext(message).format(**params)
        except (KeyError, IndexError, ValueError):
            return message.format(**params)
    return str(step.get("explanation", ""))


def _obligation(item: dict[str, Any], language: str) -> dict[str, Any]:
    try:
        title = catalog.catalogue().get(item["urn"]).text(language)
    except NotFound:  # a requirement since removed from the catalogue: keep the stored title
        title = item.get("title", item["urn"])
    return {**item, "title": title}


def result(stored: dict[str, Any], t: Translator) -> dict[str, Any]:
    """What the portal shows of a classification result."""
    return {
        "risk": stored["risk"],
        "risk_label": t.gettext(RISK_LABELS.get(stored["risk"], stored["risk"])),
        "gpai": stored["gpai"],
        "gpai_label": t.gettext(GPAI_LABELS.get(stored["gpai"], stored["gpai"])),
        "route": stored.get("high_risk_route"),
        "transparency": stored.get("transparency", []),
        "obligations": [_obligation(o, t.language) for o in stored.get("obligations", [])],
        "citations": stored.get("citations", []),
        "trace": [
            {
                **step,
                "text": step_text(step, t),
                "outcome_label": t.gettext(OUTCOME_LABELS.get(step.get("outcome", ""), "")),
            }
            for step in stored.get("trace", [])
        ],
        "rules_version": stored.get("rules_version"),
        "timeline": stored.get("timeline"),
    }


def change(item: dict[str, Any], t: Translator) -> str:
    """One line of a reclassification's list of changes."""
    name = item["field"]
    if name.startswith("answers."):
        label = t.gettext(N_("Answer {key}")).format(key=name.removeprefix("answers."))
    else:
        label = t.gettext(FIELD_LABELS.get(name, name))
    if "added" in item:
        return t.gettext(N_("{label}: added {added}; removed {removed}")).format(
            label=label,
            added=", ".join(map(str, item["added"])) or "—",
            removed=", ".join(map(str, item["removed"])) or "—",
        )
    if "moved" in item:
        moved = "; ".join(
            f"{m['urn'].rsplit(':', 1)[-1]} {m['before']} → {m['after']}" for m in item["moved"]
        )
        return f"{label}: {moved}"
    before, after = item.get("before"), item.get("after")
    if name == "risk":
        before = t.gettext(RISK_LABELS.get(str(before), str(before)))
        after = t.gettext(RISK_LABELS.get(str(after), str(after)))
    return (
        f"{label}: {before if before is not None else '—'} → {after if after is not None else '—'}"
    )


def labels() -> dict[str, Any]:
    """The label tables the register's templates use."""
    return {
        "reason_labels": REASON_LABELS,
        "sectors": SECTORS,
        "roles": ROLES,
        "statuses": STATUSES,
        "data_categories": DATA_CATEGORIES,
        "autonomy_levels": AUTONOMY,
        "organisation_kinds": ORGANISATION_KINDS,
        "risks": RISK_LABELS,
        "gpai_labels": GPAI_LABELS,
    }

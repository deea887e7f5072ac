"""What changed between two classifications of one AI system, and why.

Pure logic: given the answers and results of the previous and the new classification, list
each difference a regulator cares about (risk tier, GPAI status, route, obligations,
transparency duties, the answers themselves, the rules version) with before and after.
"""

from __future__ import annotations

from typing import Any

RESULT_FIELDS = ("risk", "gpai", "high_risk_route")


def _obligations(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["urn"]: item for item in result.get("obligations", [])}


def compare(
    *,
    before_inputs: dict[str, Any],
    before: dict[str, Any],
    after_inputs: dict[str, Any],
    after: dict[str, Any],
) -> list[dict[str, Any]]:
    """Every difference, each ``{"field", "before", "after"}`` or ``{"field", "added", "removed"}``."""
    changes: list[dict[str, Any]] = []
    for key in sorted(set(before_inputs) | set(after_inputs)):
        if before_inputs.get(key) != after_inputs.get(key):
            changes.append(
                {
                    "field": f"answers.{key}",
                    "before": before_inputs.get(key),
                    "after": after_inputs.get(key),
                }
            )
    for key in ("rules_version", "catalogue_version", "timeline", *RESULT_FIELDS):
        if before.get(key) != after.get(key):
            changes.append({"field": key, "before": before.get(key), "after": after.get(key)})
    for key in ("transparency", "overlays"):
        old, new = set(before.get(key) or []), set(after.get(key) or [])
        if old != new:
            changes.append({"field": key, "added": sorted(new - old), "removed": sorted(old - new)})
    old_obligations, new_obligations = _obligations(before), _obligations(after)
    added = [urn for urn in new_obligations if urn not in old_obligations]
    removed = [urn for urn in old_obligations if urn not in new_obligations]
    if added or removed:
        changes.append({"field": "obligations", "added": added, "removed": removed})
    moved = [
        {
            "urn": urn,
            "before": old_obligations[urn].get("applies_from"),
            "after": item.get("applies_from"),
        }
        for urn, item in new_obligations.items()
        if urn in old_obligations
        and old_obligations[urn].get("applies_from") != item.get("applies_from")
    ]
    if moved:
        changes.append({"field": "obligations.applies_from", "moved": moved})
    return changes


def deciding_step(result: dict[str, Any]) -> dict[str, Any] | None:
    """The trace step that decided the risk tier: the 'why' of a change of tier."""
    decided = [step for step in result.get("trace", []) if step.get("outcome") == "decides"]
    return decided[0] if decided else None

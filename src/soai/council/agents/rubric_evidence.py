"""What the ``rubric`` family knows and reads: its own table of which controls serve which
lens, and the checks every lens shares (controls, test runs, the risk register).

A finding is a (message, citation) pair filed as a blocker (reject), a gap (escalate) or a
support (approve) of an :class:`Audit`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from soai.council.agents.base import Bundle

_EU, _ISO, _NIST, _ASEAN, _KH = (
    "urn:soai:eu-ai-act:", "urn:soai:iso-42001:", "urn:soai:nist-ai-rmf:",
    "urn:soai:asean-guide:", "urn:soai:kh:",
)  # fmt: skip
CONTROLS: dict[str, tuple[str, ...]] = {
    "safety": (_EU + "art-9", _EU + "art-15", _ISO + "a-6-2-4", _NIST + "measure-2-6",
               _NIST + "manage-2-4", _ASEAN + "security-safety"),
    "security": (_EU + "art-15", _NIST + "measure-2-7", _ASEAN + "security-safety",
                 _ISO + "a-4-5", _KH + "pdpl-breach-notification"),
    "privacy": (_KH + "pdpl-principles", _KH + "pdpl-lawful-basis", _KH + "pdpl-sensitive-data",
                _KH + "pdpl-data-subject-rights", _KH + "pdpl-dpia", _KH + "pdpl-dpo",
                _KH + "pdpl-cross-border", _ASEAN + "privacy-data-governance",
                _NIST + "measure-2-10"),
    "fairness": (_EU + "art-10", _ISO + "a-7-4", _ISO + "a-5-4", _NIST + "measure-2-11",
                 _ASEAN + "fairness-equity"),
    "transparency": (_EU + "art-13", _EU + "art-50", _EU + "art-50-1", _EU + "art-50-2",
                     _EU + "art-50-3", _EU + "art-50-4", _ISO + "a-8-2", _NIST + "measure-2-8",
                     _NIST + "measure-2-9", _ASEAN + "transparency-explainability"),
    "accountability": (_EU + "art-14", _EU + "art-17", _ISO + "a-3-2", _NIST + "govern-2-1",
                       _NIST + "govern-3-2", _ASEAN + "accountability-integrity"),
    "documentation": (_EU + "art-11", _EU + "art-12", _ISO + "a-6-2-3", _ISO + "a-6-2-7",
                      _ISO + "a-6-2-8", _NIST + "measure-2-1"),
    "compliance": (),  # every applicable control
    "reporting": (_EU + "art-72", _EU + "art-73", _ISO + "a-8-3", _ISO + "a-8-4",
                  _ISO + "a-8-5", _NIST + "manage-4-3", _KH + "pdpl-breach-notification"),
}  # fmt: skip


@dataclass
class Audit:
    blockers: list[tuple[str, str]] = field(default_factory=list)
    gaps: list[tuple[str, str]] = field(default_factory=list)
    supports: list[tuple[str, str]] = field(default_factory=list)


def items(bundle: Bundle, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    value = bundle.get(key)
    for index, item in enumerate(value if isinstance(value, list) else []):
        if isinstance(item, dict):
            yield index, item


def control_ref(index: int, control: dict[str, Any]) -> str:
    urn = control.get("urn")
    if isinstance(urn, str) and urn.startswith("urn:") and "]" not in urn:
        return f"controls[{urn}]"
    return f"controls[{index}]"


def classification_of(bundle: Bundle) -> dict[str, Any]:
    found = bundle.get("classification")
    return found if isinstance(found, dict) else {}


def urns_of(values: Any) -> list[str]:
    """The URNs of a list of URNs or of obligations (``{"urn": ...}``)."""
    found = []
    for value in values if isinstance(values, list) else []:
        urn = value.get("urn") if isinstance(value, dict) else value
        if isinstance(urn, str):
            found.append(urn)
    return found


def controls_of(bundle: Bundle, urns: tuple[str, ...], audit: Audit) -> None:
    """Each control of the lens: not effective blocks, partly or unproven is a gap."""
    for index, control in items(bundle, "controls"):
        if control.get("urn") not in urns:
            continue
        ref, name = control_ref(index, control), control.get("ref") or control.get("urn")
        if control.get("applicable") is False:
            if not str(control.get("justification") or "").strip():
                audit.gaps.append((f"{name} is excluded without a justification.", ref))
            continue
        assessment, implementation = control.get("assessment"), control.get("implementation")
        if assessment == "not_effective":
            audit.blockers.append((f"{name} was assessed not effective.", ref))
        elif assessment == "partly":
            audit.gaps.append((f"{name} is only partly effective.", ref))
        elif implementation != "implemented":
            audit.gaps.append((f"{name} is not implemented ({implementation}).", ref))
        elif not control.get("evidence_count"):
            audit.gaps.append((f"{name} is said to be implemented but has no evidence.", ref))
        else:
            audit.supports.append((f"{name} is implemented with evidence.", ref))


def runs(bundle: Bundle, audit: Audit, kind: str, *, fail_blocks: bool = True) -> bool:
    """Judge the assurance runs of ``kind``; whether there was one."""
    seen = False
    for index, run in items(bundle, "assurance"):
        if run.get("kind") != kind:
            continue
        seen = True
        verdict, ref = run.get("verdict"), f"assurance[{index}]"
        listed = run.get("verdicts")
        verdicts = listed if isinstance(listed, list) else []
        failing = next(
            (
                n
                for n, v in enumerate(verdicts)
                if isinstance(v, dict) and v.get("verdict") == "fail"
            ),
            None,
        )
        if failing is not None:
            ref = f"assurance[{index}].verdicts[{failing}]"
        if verdict == "fail":
            target = audit.blockers if fail_blocks else audit.gaps
            target.append((f"The {kind} test failed.", ref))
        elif verdict == "warn":
            audit.gaps.append((f"The {kind} test gave a warning.", ref))
        elif verdict == "pass":
            audit.supports.append((f"The {kind} test passed.", ref))
        elif verdict == "info":
            audit.supports.append((f"The {kind} analysis is on record.", ref))
    return seen


def open_risks(bundle: Bundle, audit: Audit, words: re.Pattern[str] | None = None) -> None:
    handled: list[str] = []
    still_open: list[tuple[str, str]] = []
    for index, risk in items(bundle, "risks"):
        title = str(risk.get("title") or "")
        if words is not None and not words.search(title):
            continue
        level, treated = risk.get("level"), risk.get("status") in ("treated", "accepted", "closed")
        ref, planned = f"risks[{index}]", bool(str(risk.get("treatment") or "").strip())
        if level == "critical" and not treated and not planned:
            audit.blockers.append((f"A critical risk is untreated: {_clip(title)}.", ref))
        elif level in ("critical", "high") and not treated:
            still_open.append((title, ref))
        elif level in ("critical", "high"):
            handled.append(ref)
    if still_open:  # one finding for all of them, naming the first, citing each
        first = _clip(still_open[0][0])
        more = f" and {len(still_open) - 1} more" if len(still_open) > 1 else ""
        message = f"{len(still_open)} high or critical risk(s) still open: {first}{more}."
        audit.gaps.append((message, still_open[0][1]))
        audit.gaps.extend(("", ref) for _title, ref in still_open[1:])
    if handled:
        audit.supports.append((f"{len(handled)} high or critical risks are treated or accepted.",
                               "risks" if len(handled) > 1 else handled[0]))  # fmt: skip


def system_of(bundle: Bundle) -> dict[str, Any]:
    system = bundle.get("system")
    return system if isinstance(system, dict) else {}


def about_system(bundle: Bundle) -> str:
    """Where a gap about the system is cited: the system entry, or the subject without one."""
    return "system" if isinstance(bundle.get("system"), dict) else "subject"


def is_high(bundle: Bundle) -> bool:
    return classification_of(bundle).get("risk") == "high"


def evidence_share(bundle: Bundle, audit: Audit, *, minimum: float) -> None:
    applicable = [c for _, c in items(bundle, "controls") if c.get("applicable") is not False]
    if not applicable:
        return
    share = sum(1 for c in applicable if c.get("evidence_count")) / len(applicable)
    if share < minimum:
        audit.gaps.append(
            (f"Only {share:.0%} of the applicable controls have evidence.", "controls")
        )  # fmt: skip


def _clip(text: str, limit: int = 90) -> str:
    """A title short enough for a rationale, cut at a word with an ellipsis."""
    text = " ".join(text.split()).rstrip(".")
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"

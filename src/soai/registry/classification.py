"""What the classification engine returns: the risk tier, the obligations and the trace that explains them.

Trace steps keep their explanation translatable: a built-in step holds an English msgid (marked
with ``N_`` where it is written, in ``rules.py``) and its parameters; a step that a data file
brings (a national overlay's rule, a note on an Annex III point) holds its own text in every
language. :meth:`Classification.to_json` renders English and keeps both, so a stored result can
be shown in Khmer later, exactly as it was made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any, Literal

Label = Mapping[str, str]
"""A short text in every language of the data: ``{"en": ..., "km": ...}``."""
Outcome = Literal["applies", "does_not_apply", "decides"]
NO_PARAMS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Obligation:
    """A catalogue requirement that falls on the profile's party, as the classification lists it."""

    urn: str
    ref: str
    title: Label
    role: str
    applies_from: date | None
    status: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "ref": self.ref,
            "title": self.title["en"],
            "role": self.role,
            "applies_from": self.applies_from.isoformat() if self.applies_from else None,
            "status": self.status,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One rule the engine looked at, what came of it and why, citing its article.

    Steps are immutable and shared between classifications; their number is their position.
    """

    rule: str
    article: str
    outcome: Outcome
    message: str = ""
    """English msgid with ``{named}`` parameters (empty when ``text`` is given)."""
    params: Mapping[str, str] = field(default_factory=lambda: NO_PARAMS)
    text: Label | None = None
    """The explanation in every language, for steps that data files bring."""
    citations: tuple[str, ...] = ()
    """Full legal citations the step adds to the classification's ``citations``."""

    def explanation(self, language: str = "en", gettext: Callable[[str], str] | None = None) -> str:
        """The explanation in ``language`` (``gettext`` translates built-in messages)."""
        if self.text is not None:
            return self.text.get(language) or self.text["en"]
        template = gettext(self.message) if gettext else self.message
        try:
            return template.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return self.message.format(**self.params)

    def to_json(self, number: int) -> dict[str, Any]:
        step: dict[str, Any] = {
            "step": number,
            "rule": self.rule,
            "article": self.article,
            "outcome": self.outcome,
            "explanation": self.explanation(),
        }
        if self.text is not None:
            step["text"] = dict(self.text)
        else:
            step["message"] = self.message
            step["params"] = dict(self.params)
        return step


@dataclass(frozen=True, slots=True)
class Classification:
    """The EU AI Act classification of one AI system profile, with its national overlays."""

    risk: str
    gpai: str
    high_risk_route: str | None
    transparency: tuple[str, ...]
    obligations: tuple[Obligation, ...]
    citations: tuple[str, ...]
    trace: tuple[TraceStep, ...]
    rules_version: str
    catalogue_version: str
    timeline: str
    overlays: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON (``soai classify --json``), explanations in English."""
        return {
            "risk": self.risk,
            "gpai": self.gpai,
            "high_risk_route": self.high_risk_route,
            "transparency": list(self.transparency),
            "obligations": [obligation.to_json() for obligation in self.obligations],
            "citations": list(self.citations),
            "trace": [step.to_json(number) for number, step in enumerate(self.trace, start=1)],
            "rules_version": self.rules_version,
            "catalogue_version": self.catalogue_version,
            "timeline": self.timeline,
            "overlays": list(self.overlays),
        }

"""What every council agent shares: the lenses, the shape of an evaluation, and citations.

An agent reads an evidence bundle (a JSON-ready dict, see ``soai.council.evidence``) through
one *lens* and answers with an :class:`Evaluation`: approve, reject or escalate, a confidence,
a plain-English rationale and citations. A citation points at something that exists:

- a path into the bundle: ``system.purpose``, ``classification.trace[3]``,
  ``assurance[2].verdicts[0]``, ``documents[0]``; a list item may also be picked by its
  ``urn``, ``id`` or ``run_id`` (``controls[urn:soai:eu-ai-act:art-10]``, ``risks[R-3]``);
- or a requirement of the catalogue by its URN (``urn:soai:eu-ai-act:art-14``).

Only the types and :func:`resolves` live here. Each agent family reads the bundle with its own
code on purpose: families are independent failure domains (ARCHITECTURE.md, decision 7), so a
bug in one family's reading of the evidence cannot flip another family's votes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, Protocol, runtime_checkable

from soai.catalog.catalogue import Catalogue, load

Bundle = Mapping[str, Any]
Choice = Literal["approve", "reject", "escalate"]
CHOICES: tuple[Choice, ...] = ("approve", "reject", "escalate")
KINDS: Mapping[str, tuple[str, ...]] = {
    "guardian": ("safety", "security", "privacy"),
    "arbiter": ("fairness", "transparency", "accountability"),
    "scribe": ("documentation", "compliance", "reporting"),
}
LENSES: tuple[str, ...] = tuple(lens for lenses in KINDS.values() for lens in lenses)
MAX_RATIONALE = 4000
URN_PREFIX = "urn:soai:"
ITEM_KEYS = ("urn", "id", "run_id")
"""The fields by which ``list[key]`` picks an item of a list in the bundle."""


def kind_of(lens: str) -> str:
    """``guardian``, ``arbiter`` or ``scribe``: the kind of seat that looks through ``lens``."""
    for kind, lenses in KINDS.items():
        if lens in lenses:
            return kind
    raise ValueError(f"unknown lens {lens!r}; the lenses are: {', '.join(LENSES)}")


@dataclass(frozen=True)
class Evaluation:
    """One agent's judgement of one bundle through one lens."""

    choice: Choice
    confidence: float
    rationale: str
    citations: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.choice not in CHOICES:
            raise ValueError(f"choice must be one of {', '.join(CHOICES)}, not {self.choice!r}")
        if isinstance(self.confidence, bool) or not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be a number from 0 to 1, not {self.confidence!r}")
        if not self.rationale.strip():
            raise ValueError("an evaluation needs a rationale")
        if len(self.rationale) > MAX_RATIONALE:
            raise ValueError(f"the rationale is longer than {MAX_RATIONALE} characters")
        if not all(isinstance(c, str) and c for c in self.citations):
            raise ValueError("citations must be non-empty strings")

    @classmethod
    def escalate(
        cls, reason: str, *, confidence: float = 0.9, citations: tuple[str, ...] = ()
    ) -> Evaluation:
        """Hand the question to people, saying why (evidence missing, agent failed ...).
        Without a more precise pointer it cites the ``subject`` it could not judge."""
        return cls("escalate", confidence, shorten(reason), citations or ("subject",))

    def to_json(self) -> dict[str, Any]:
        return {
            "choice": self.choice,
            "confidence": round(self.confidence, 4),
            "rationale": self.rationale,
            "citations": list(self.citations),
        }


@runtime_checkable
class Agent(Protocol):
    """An AI member of the council: one family's code (or model) looking through one lens."""

    @property
    def family(self) -> str: ...

    @property
    def lens(self) -> str: ...

    def evaluate(self, bundle: Bundle) -> Evaluation: ...


def shorten(text: str, limit: int = MAX_RATIONALE) -> str:
    """``text`` cut at a word boundary to fit ``limit`` characters, marked with an ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


@lru_cache(maxsize=1)
def shipped_catalogue() -> Catalogue:
    """The requirements catalogue shipped with soai, read once per process."""
    return load()


_STEP = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]+)\]")


def resolves(bundle: Bundle, citation: str, catalogue: Catalogue | None = None) -> bool:
    """Whether ``citation`` points at something in ``bundle`` or in the catalogue."""
    if citation.startswith(URN_PREFIX):
        return citation in (catalogue or shipped_catalogue()).requirements
    try:
        lookup(bundle, citation)
    except LookupError:
        return False
    return True


def lookup(bundle: Bundle, citation: str) -> Any:
    """What a path citation points at; :class:`LookupError` when it points at nothing."""
    node: Any = bundle
    position = 0
    while position < len(citation):
        step = _STEP.match(citation, position)
        if step is None or (position == 0 and citation.startswith(".")):
            raise LookupError(f"{citation!r} is not a path")
        name, key = step.group(1), step.group(2)
        if name is not None:
            if not isinstance(node, Mapping) or name not in node:
                raise LookupError(f"{citation!r}: no {name!r}")
            node = node[name]
        else:
            node = _item(node, key, citation)
        position = step.end()
    if position == 0:
        raise LookupError("an empty citation")
    return node


def _item(node: Any, key: str, citation: str) -> Any:
    if isinstance(node, Mapping):
        if key in node:
            return node[key]
        raise LookupError(f"{citation!r}: no {key!r}")
    if not isinstance(node, list | tuple):
        raise LookupError(f"{citation!r}: {key!r} indexes something that is not a list")
    if key.isdigit():
        index = int(key)
        if index < len(node):
            return node[index]
        raise LookupError(f"{citation!r}: index {index} is past the end")
    for item in node:
        if item == key or (
            isinstance(item, Mapping) and any(str(item.get(f)) == key for f in ITEM_KEYS)
        ):
            return item
    raise LookupError(f"{citation!r}: no item {key!r}")

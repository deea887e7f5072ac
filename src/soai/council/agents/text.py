"""The ``text`` family: what the written record says, read with models shipped in wheels.

Each lens asks for documentation topics (:data:`LENS_TOPICS`, after EU AI Act Annex IV) and
looks for problems the record itself admits (a test that failed, a group penalised, a control
not effective). An admitted serious problem in the lens's own topic rejects, a weaker one
(not yet, under-represented, partly effective) escalates, a topic nobody wrote about escalates,
and full coverage approves. Language detection (``py3langid``) decides how each document is
read and catches documents that are not in the language they claim; readability (Flesch, with
``pyphen`` syllables) is part of transparency. See ``soai.council.agents.reading``.
"""

from __future__ import annotations

from collections.abc import Sequence

from soai.council.agents.base import LENSES, Bundle, Evaluation, shorten
from soai.council.agents.reading import ANNEX_IV, Reading, Sentence, read, sources

FAMILY = "text"
LENS_TOPICS: dict[str, tuple[str, ...]] = {
    "safety": ("risk_management", "accuracy_robustness"),
    "security": ("security", "accuracy_robustness"),
    "privacy": ("personal_data", "data_governance"),
    "fairness": ("bias", "data_governance"),
    "transparency": ("intended_purpose", "explanation"),
    "accountability": ("human_oversight", "roles"),
    "documentation": ANNEX_IV,
    "compliance": ("conformity", "risk_management"),
    "reporting": ("logging", "monitoring", "incident_reporting"),
}
HARD_TO_READ = 10.0
"""Flesch reading ease below which English documentation is too hard for its readers."""
LABELS = {topic: topic.replace("_", " ") for topics in LENS_TOPICS.values() for topic in topics}


class TextAgent:
    """Reads the bundle's prose through one lens."""

    family = FAMILY

    def __init__(self, lens: str) -> None:
        if lens not in LENSES:
            raise ValueError(f"unknown lens {lens!r}")
        self.lens = lens

    def evaluate(self, bundle: Bundle) -> Evaluation:
        found = sources(bundle)
        head = f"Reading of the written record for {self.lens}:"
        if not found:
            return Evaluation.escalate(f"{head} the bundle holds no text to read.")
        reading = read(found)
        if self.lens == "documentation":
            return _documentation(head, reading)
        return _topics(self.lens, head, reading)


def _topics(lens: str, head: str, reading: Reading) -> Evaluation:
    wanted = LENS_TOPICS[lens]
    covered = {topic: reading.covering(topic) for topic in wanted}
    present = [t for t in wanted if covered[t]]
    absent = [LABELS[t] for t in wanted if not covered[t]]
    scoped = reading.sentences if lens == "compliance" else [
        s for s in reading.sentences if s.topics & set(wanted)
    ]  # fmt: skip
    strong = [s for s in scoped if s.strong]
    weak = [s for s in scoped if s.weak and not s.strong]
    if strong and lens != "compliance":
        return Evaluation("reject", min(0.9, 0.65 + 0.05 * len(strong)),
                          shorten(f"{head} the record itself reports problems: {_quote(strong)}"),
                          _cite(strong))  # fmt: skip
    if strong or weak:
        problems = strong + weak
        return Evaluation("escalate", min(0.85, 0.6 + 0.05 * len(problems)),
                          shorten(f"{head} the record admits open issues: {_quote(problems)}"),
                          _cite(problems))  # fmt: skip
    if not present:
        return Evaluation.escalate(
            f"{head} nothing written addresses {' or '.join(absent)}, so the lens cannot be "
            "judged from the documentation.",
            confidence=0.8,
        )
    support = [s for t in present for s in _examples(covered[t])]
    if absent:
        return Evaluation("escalate", 0.65,
                          shorten(f"{head} the record covers {', '.join(LABELS[t] for t in present)} "
                                  f"but not {', '.join(absent)}. {_quote(support)}"),
                          _cite(support))  # fmt: skip
    notes = _transparency(reading) if lens == "transparency" else ("", None)
    if notes[1] is not None:
        return Evaluation.escalate(f"{head} {notes[0]}", confidence=0.7, citations=notes[1])
    confidence = 0.55 + 0.4 * min(1.0, len(support) / (3 * len(wanted)))
    return Evaluation("approve", round(confidence, 3),
                      shorten(f"{head} every topic is addressed ({', '.join(LABELS[t] for t in wanted)}) "
                              f"and no problem is admitted.{notes[0]} {_quote(support)}"),
                      _cite(support))  # fmt: skip


def _transparency(reading: Reading) -> tuple[str, tuple[str, ...] | None]:
    """Readability of the English documents, and whether there is a Khmer one."""
    english = [d for d in reading.documents if d.flesch is not None and d.words >= 30]
    khmer = [d.citation for d in reading.documents if d.language == "km"]
    note = f" A Khmer version is at {khmer[0]}." if khmer else " No Khmer version was found."
    if english:
        words = sum(d.words for d in english)
        score = sum((d.flesch or 0.0) * d.words for d in english) / words
        if score < HARD_TO_READ:
            return (
                f"the English documentation is very hard to read (Flesch reading ease "
                f"{score:.0f}, below {HARD_TO_READ:.0f}).{note}",
                tuple(d.citation for d in english),
            )
        note = f" Flesch reading ease of the English documentation: {score:.0f}.{note}"
    return note, None


def _documentation(head: str, reading: Reading) -> Evaluation:
    documents = reading.documents
    if not documents:
        return Evaluation.escalate(f"{head} the bundle holds no documents.")
    words = sum(d.words for d in documents)
    cited = tuple(d.citation for d in documents)
    mismatched = [
        d for d in documents
        if d.declared and d.language != d.declared and d.probability >= 0.9 and d.words >= 20
    ]  # fmt: skip
    if mismatched:
        wrong = ", ".join(
            f"{d.citation} says {d.declared} but reads as {d.language}" for d in mismatched
        )
        return Evaluation.escalate(
            f"{head} {wrong}.", citations=tuple(d.citation for d in mismatched)
        )
    if words < 80:
        return Evaluation.escalate(
            f"{head} the documents hold only {words} words, too little to document the system.",
            citations=cited,
        )
    covered = [t for t in ANNEX_IV if reading.covering(t)]
    missing = [LABELS[t] for t in ANNEX_IV if t not in covered]
    languages = ", ".join(sorted({d.language for d in documents}))
    summary = (
        f"{len(documents)} documents, {words} words ({languages}), "
        f"{sum(d.headings for d in documents)} headings; {len(covered)} of {len(ANNEX_IV)} "
        f"Annex IV topics are described" + (f", missing: {', '.join(missing)}." if missing else ".")
    )
    support = [s for t in covered for s in reading.covering(t)[:1]]
    citations = tuple(dict.fromkeys([*cited, *(s.citation for s in support)]))[:16]
    if len(covered) >= 6:
        return Evaluation("approve", round(0.5 + 0.45 * len(covered) / len(ANNEX_IV), 3),
                          shorten(f"{head} {summary}"), citations)  # fmt: skip
    if len(covered) >= 4:
        return Evaluation("escalate", 0.65, shorten(f"{head} {summary}"), citations)
    return Evaluation("reject", round(0.6 + 0.05 * (4 - len(covered)), 3),
                      shorten(f"{head} {summary}"), citations)  # fmt: skip


def _examples(sentences: list[Sentence], count: int = 3) -> list[Sentence]:
    """Sentences to quote, whole sentences before headings."""
    return sorted(sentences, key=lambda s: s.text.startswith("#"))[:count]


def _quote(sentences: Sequence[Sentence], limit: int = 4) -> str:
    return " ".join(f"[{s.citation}] “{s.text[:200]}”" for s in sentences[:limit])


def _cite(sentences: Sequence[Sentence]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s.citation for s in sentences))[:16]

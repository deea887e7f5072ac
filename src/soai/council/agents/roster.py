"""The default seating of the council's AI agents, and evaluating a bundle with all of them.

33 seats: 1–11 Guardian, 12–22 Arbiter, 23–33 Scribe. Within a kind the three lenses take
4, 4 and 3 seats. Families rotate seat by seat (rubric, statistics, text, retrieval, ...), so
they hold 9, 8, 8 and 8 seats — never more than f = 10 (ARCHITECTURE.md, decision 7) — every
kind has all four families, and every lens is seen by three or four different families.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from soai.council.agents.base import (
    KINDS,
    Agent,
    Bundle,
    Evaluation,
    kind_of,
    shipped_catalogue,
)
from soai.council.agents.retrieval import RetrievalAgent
from soai.council.agents.rubric import RubricAgent
from soai.council.agents.statistics import StatisticsAgent
from soai.council.agents.text import TextAgent

SEATS = 33
MAX_PER_FAMILY = 10
FAMILIES: tuple[str, ...] = ("rubric", "statistics", "text", "retrieval")
_LENS_SEATS = (4, 4, 3)
_BUILDERS: dict[str, Callable[[str], Agent]] = {
    "rubric": RubricAgent,
    "statistics": StatisticsAgent,
    "text": TextAgent,
    "retrieval": RetrievalAgent,
}
LLM_PREFIX = "llm:"


@dataclass(frozen=True)
class SeatSpec:
    seat: int
    kind: str
    lens: str
    family: str
    member: str = "ai"  # "ai" or "human"

    def __post_init__(self) -> None:
        if kind_of(self.lens) != self.kind:
            raise ValueError(f"lens {self.lens!r} belongs to {kind_of(self.lens)}, not {self.kind}")


def default_roster() -> list[SeatSpec]:
    """The 33 AI seats of a new council."""
    seats: list[SeatSpec] = []
    for kind, lenses in KINDS.items():
        for lens, count in zip(lenses, _LENS_SEATS, strict=True):
            for _ in range(count):
                number = len(seats) + 1
                family = FAMILIES[(number - 1) % len(FAMILIES)]
                seats.append(SeatSpec(number, kind, lens, family))
    return seats


def check(roster: Sequence[SeatSpec]) -> None:
    """Refuse a roster where one family holds more than f seats or a seat number repeats."""
    numbers = [s.seat for s in roster]
    if len(set(numbers)) != len(numbers):
        raise ValueError("a seat number is used twice")
    for family in {s.family for s in roster if s.member == "ai"}:
        held = sum(1 for s in roster if s.family == family)
        if held > MAX_PER_FAMILY:
            raise ValueError(f"family {family} holds {held} seats; at most {MAX_PER_FAMILY} may")


def agent_for(spec: SeatSpec, *, llm: Callable[[str, str], Agent] | None = None) -> Agent:
    """The agent sitting in ``spec``. An ``llm:<model>`` family needs ``llm(model, lens)``
    (for instance ``functools.partial(LLMAgent.for_model, base_url=..., api_key=...)``)."""
    if spec.member != "ai":
        raise ValueError(f"seat {spec.seat} is held by a person, not an agent")
    if spec.family.startswith(LLM_PREFIX):
        if llm is None:
            raise ValueError(f"seat {spec.seat}: the {spec.family} family needs an endpoint")
        return llm(spec.family.removeprefix(LLM_PREFIX), spec.lens)
    return _builtin(spec.family, spec.lens)


def agent_for_member(
    family: str, lens: str, *, llm: Callable[[str, str], Agent] | None = None
) -> Agent:
    """The agent of an AI member of ``family`` sitting with ``lens``; its :meth:`evaluate`
    never raises: a failure becomes an escalation that says what went wrong."""
    try:
        agent = agent_for(SeatSpec(0, kind_of(lens), lens, family), llm=llm)
    except ValueError as exc:
        return _Broken(family, lens, exc)
    return Guarded(agent)


class Guarded:
    """An agent whose failures become escalations (confidence 0), so one broken family
    cannot stop a council session."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.family, self.lens = agent.family, agent.lens

    def evaluate(self, bundle: Bundle) -> Evaluation:
        try:
            return self.agent.evaluate(bundle)
        except Exception as exc:  # any bug of one family becomes that family's escalation
            return _failure(self.family, self.lens, exc)


class _Broken:
    def __init__(self, family: str, lens: str, problem: Exception) -> None:
        self.family, self.lens, self.problem = family, lens, problem

    def evaluate(self, bundle: Bundle) -> Evaluation:
        return _failure(self.family, self.lens, self.problem)


def _failure(family: str, lens: str, exc: Exception) -> Evaluation:
    return Evaluation.escalate(
        f"The {family} agent for {lens} failed ({type(exc).__name__}: {exc}); "
        "the question goes to people.",
        confidence=0.0,
    )


@lru_cache(maxsize=64)
def _builtin(family: str, lens: str) -> Agent:
    try:
        return _BUILDERS[family](lens)
    except KeyError:
        raise ValueError(f"unknown agent family {family!r}") from None


def evaluate_all(
    bundle: Bundle,
    roster: Sequence[SeatSpec],
    *,
    llm: Callable[[str, str], Agent] | None = None,
) -> list[tuple[int, Evaluation]]:
    """Every AI seat's evaluation of ``bundle``, in seat order. Human seats are skipped; an
    agent that fails votes escalate with the reason, so one broken family cannot stop the
    council."""
    results = []
    for spec in sorted(roster, key=lambda s: s.seat):
        if spec.member != "ai":
            continue
        agent = agent_for_member(spec.family, spec.lens, llm=llm)
        results.append((spec.seat, agent.evaluate(bundle)))
    return results


def warm_up() -> float:
    """Load the catalogue index and the language model now, not in the first council session;
    returns the seconds it took."""
    from soai.council.agents import reading, retrieval

    started = time.perf_counter()
    retrieval.index()
    requirements = shipped_catalogue().requirements.values()
    reading.warm(text for r in requirements for text in (r.title["en"], r.summary["en"]))
    return time.perf_counter() - started

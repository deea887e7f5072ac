"""The national AI readiness assessment (Phase 1 of the roadmap): questionnaire, score and gaps.

Pure logic (no database, no web). ``data/readiness.yaml`` is read, checked and frozen into a
:class:`Questionnaire`: six pillars (policy and law, institutions, skills, infrastructure, data,
sector adoption), the national questions, and one questionnaire per sector for organisations.
Every question is answered with a maturity level of the shared scale (0 none, 1 initial,
2 developing, 3 established, 4 advanced) or left empty ("don't know").

Scoring method. A pillar's readiness index is the mean of the levels answered for its
questions, divided by the top level (4) and multiplied by 100, so it runs from 0 to 100; empty
answers are left out of the mean, and a pillar with no answer at all has no index ("not
available"), never 0. The overall index is the mean of the pillar indexes that exist, each
weighted by its pillar's ``weight`` (equal weights by default), and has no value when no pillar
has an index. Coverage is the share of the scope's questions that were answered (0 to 1): it
says how much of the index rests on evidence. Only the pillars that have questions in the scope
(national, or one sector) are scored, and the numbers are not rounded.

Gaps. Every answered question below its ``target`` level is a gap of ``target - level``
levels; every empty answer is a gap of unknown size ("to be assessed"). Each gap carries the
roadmap action of its question and the roadmap phase (1–4) it belongs to. Gaps are sorted by
phase, then by shortfall (largest first, unknown ones after the known ones), then by id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from soai.errors import ConfigurationError, InvalidInput, NotFound
from soai.i18n import datafiles
from soai.i18n.markers import N_

DEFAULT_PATH = Path(__file__).parent / "data" / "readiness.yaml"
NATIONAL = "national"
ID = datafiles.ID
LEVELS = (0, 1, 2, 3, 4)
KHMER = datafiles.KHMER


class ReadinessError(ConfigurationError):
    code = "readiness_invalid"
    hint = "Fix the readiness questionnaire file named above; nothing was changed."


# --- file format --------------------------------------------------------------------------


_Model = datafiles.Frozen
Text = datafiles.Text


class Level(_Model):
    value: int = Field(strict=True)
    label: Text


class Pillar(_Model):
    id: str = Field(pattern=ID)
    title: Text
    description: Text
    weight: float = Field(default=1.0, gt=0, allow_inf_nan=False)
    sources: tuple[str, ...] = Field(min_length=1)


class Question(_Model):
    id: str = Field(pattern=ID)
    pillar: str
    scale: Literal["maturity"] = "maturity"
    text: Text
    guidance: Text
    action: Text
    phase: int = Field(ge=1, le=4, strict=True)  # the roadmap phase of the action
    target: int = Field(ge=LEVELS[1], le=LEVELS[-1], strict=True)  # the level deemed ready


class Sector(_Model):
    id: str = Field(pattern=ID)
    title: Text
    questions: tuple[Question, ...] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _not_national(cls, value: str) -> str:
        if value == NATIONAL:
            raise ValueError(f"{value!r} is reserved for the national questionnaire")
        return value


class Questionnaire(_Model):
    version: str
    title: Text
    levels: tuple[Level, ...]
    pillars: tuple[Pillar, ...] = Field(min_length=1)
    national: tuple[Question, ...] = Field(min_length=1)
    sectors: tuple[Sector, ...] = ()

    @field_validator("levels")
    @classmethod
    def _contiguous(cls, levels: tuple[Level, ...]) -> tuple[Level, ...]:
        found = tuple(level.value for level in levels)
        if found != LEVELS:
            shown = ", ".join(map(str, found)) or "none"
            raise ValueError(f"the values must be 0, 1, 2, 3, 4 in this order (found {shown})")
        return levels

    @property
    def scopes(self) -> tuple[str, ...]:
        return (NATIONAL, *(sector.id for sector in self.sectors))

    def questions(self, scope: str) -> tuple[Question, ...]:
        """The questions of ``scope``: ``"national"`` or a sector id."""
        if scope == NATIONAL:
            return self.national
        for sector in self.sectors:
            if sector.id == scope:
                return sector.questions
        raise NotFound(
            N_("No readiness questionnaire {scope!r} (known: {known})."),
            field="scope",
            scope=scope,
            known=", ".join(self.scopes),
        )


# --- results (as_dict: JSON-ready) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PillarScore:
    pillar: str
    weight: float
    answered: int
    total: int
    index: float | None  # 0–100; None: no answer, "not available"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Result:
    scope: str
    pillars: tuple[PillarScore, ...]  # the pillars with questions in the scope, in file order
    index: float | None
    answered: int
    total: int
    coverage: float  # answered / total, 0–1

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "pillars": [p.as_dict() for p in self.pillars]}


@dataclass(frozen=True, slots=True)
class Gap:
    question: str
    pillar: str
    level: int | None  # None: not answered ("unknown — to be assessed")
    target: int
    shortfall: int | None  # target - level; None when the level is unknown
    phase: int
    action: Text

    @property
    def status(self) -> Literal["below-target", "unknown"]:
        return "unknown" if self.level is None else "below-target"

    def as_dict(self) -> dict[str, Any]:
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return {**fields, "status": self.status, "action": self.action.model_dump()}


# --- loading ------------------------------------------------------------------------------


def load(path: Path | None = None) -> Questionnaire:
    """The questionnaire in ``path`` (default: the shipped file, read once and cached)."""
    return _default() if path is None else _load(path)


@lru_cache(maxsize=1)
def _default() -> Questionnaire:
    return _load(DEFAULT_PATH)


def _load(path: Path) -> Questionnaire:
    file = str(path)
    raw = datafiles.read(path, kind="readiness", error=ReadinessError)
    questionnaire = datafiles.validate(Questionnaire, raw, label=file, kind="readiness",
                                       error=ReadinessError)  # fmt: skip
    _check_ids(file, questionnaire)
    return questionnaire


def _check_ids(file: str, q: Questionnaire) -> None:
    """Unique ids (question ids across all scopes), and every question's pillar exists."""
    everything = [*q.national, *(question for s in q.sectors for question in s.questions)]
    for kind, entries in (("pillar", q.pillars), ("sector", q.sectors), ("question", everything)):
        seen: set[str] = set()
        for entry in entries:
            if entry.id in seen:
                raise ReadinessError(
                    N_("{file}: {kind} {id!r}: id: defined twice"),
                    file=file,
                    kind=kind,
                    id=entry.id,
                )
            seen.add(entry.id)
    pillars = [p.id for p in q.pillars]
    for question in everything:
        if question.pillar not in pillars:
            raise ReadinessError(
                N_(
                    "{file}: question {id!r}: pillar: {pillar!r} is not a pillar (pillars: {known})"
                ),
                file=file,
                id=question.id,
                pillar=question.pillar,
                known=", ".join(pillars),
            )


# --- answers, score and gaps --------------------------------------------------------------


def check_answers(
    questionnaire: Questionnaire, scope: str, answers: Mapping[str, int | None]
) -> dict[str, int | None]:
    """Every question of ``scope`` with its level, or None when not answered ("don't know").

    Refuses an answer to a question outside the scope and a level that is not a whole number
    of the scale."""
    questions = questionnaire.questions(scope)
    known = {question.id for question in questions}
    for qid, value in answers.items():
        problem = None
        if qid not in known:
            problem = N_("Question {question!r} is not in the {scope} readiness questionnaire.")
        elif value is None:
            continue
        elif isinstance(value, bool) or not isinstance(value, int):
            problem = N_(
                "Question {question!r}: the answer must be a whole number from {low} to {high} "
                "or empty, not {value!r}."
            )
        elif value not in LEVELS:
            problem = N_(
                "Question {question!r}: level {value} is outside the scale {low} to {high}."
            )
        if problem:
            raise InvalidInput(
                problem,
                field=str(qid),
                question=qid,
                scope=scope,
                value=value,
                low=LEVELS[0],
                high=LEVELS[-1],
            )
    return {question.id: answers.get(question.id) for question in questions}


def score(questionnaire: Questionnaire, scope: str, answers: Mapping[str, int | None]) -> Result:
    """The readiness index of ``scope`` per pillar and overall (method: module docstring)."""
    checked = check_answers(questionnaire, scope, answers)
    questions = questionnaire.questions(scope)
    pillars: list[PillarScore] = []
    for pillar in questionnaire.pillars:
        levels = [checked[q.id] for q in questions if q.pillar == pillar.id]
        if not levels:
            continue  # no question of this pillar in the scope
        given = [level for level in levels if level is not None]
        index = sum(given) / len(given) / LEVELS[-1] * 100 if given else None
        pillars.append(PillarScore(pillar.id, pillar.weight, len(given), len(levels), index))
    scored = [(p.weight, p.index) for p in pillars if p.index is not None]
    overall = sum(w * i for w, i in scored) / sum(w for w, _ in scored) if scored else None
    answered, total = sum(p.answered for p in pillars), len(questions)
    return Result(scope, tuple(pillars), overall, answered, total, answered / total)


def gaps(questionnaire: Questionnaire, scope: str, answers: Mapping[str, int | None]) -> list[Gap]:
    """The questions of ``scope`` below their target or not answered, in roadmap order."""
    checked = check_answers(questionnaire, scope, answers)
    found: list[Gap] = []
    for q in questionnaire.questions(scope):
        level = checked[q.id]
        if level is None or level < q.target:
            shortfall = None if level is None else q.target - level
            found.append(Gap(q.id, q.pillar, level, q.target, shortfall, q.phase, q.action))
    # by phase, then the largest shortfall first (unknown ones after the known), then by id
    return sorted(
        found, key=lambda g: (g.phase, g.shortfall is None, -(g.shortfall or 0), g.question)
    )

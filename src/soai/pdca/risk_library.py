"""The risk library: typical AI risks by sector and risk tier, to seed a cycle's risk register.

Pure logic (no database, no web). ``data/risks.yaml`` holds illustrative expert judgement, to be
reviewed by the regulator, not statistics: each entry names a hazard, who it hurts, its inherent
likelihood and impact on the common 5×5 matrix, the usual treatment and the catalogue requirements
it relates to. The file is read once, checked (unknown keys, ratings outside 1–5, missing Khmer,
unknown sectors, tiers or URNs are refused, naming the file, the entry and the field) and frozen
into a :class:`RiskLibrary`. :meth:`RiskLibrary.for_system` picks the entries for one AI system.

Risk levels follow the common 5×5 risk-matrix convention: the score is likelihood × impact
(1–25), banded low (1–4), medium (5–9), high (10–16) and critical (20–25).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator

from soai.catalog.catalogue import Catalogue, CatalogueError
from soai.catalog.service import catalogue as shipped_catalogue
from soai.i18n import datafiles
from soai.i18n.markers import N_
from soai.registry.schemas import RISKS
from soai.registry.submissions import SECTORS

DEFAULT = Path(__file__).parent / "data" / "risks.yaml"
ANY = "any"
SCALE = 5
"""Likelihood and impact are rated 1..SCALE."""

Level = Literal["low", "medium", "high", "critical"]
LEVELS: tuple[Level, ...] = ("low", "medium", "high", "critical")
# (lowest score of the band, band), highest band first.
_BANDS: tuple[tuple[int, Level], ...] = ((20, "critical"), (10, "high"), (5, "medium"), (1, "low"))
_KHMER = re.compile("[\u1780-\u17ff]")
_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"


# --- The file ----------------------------------------------------------------------------------


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Sentence = Annotated[str, Field(strict=True, min_length=1, pattern=r"\S")]
Rating = Annotated[int, Field(strict=True, ge=1, le=SCALE)]


class BilingualText(_FileModel):
    en: Sentence
    km: Sentence

    @field_validator("km")
    @classmethod
    def _is_khmer(cls, value: str) -> str:
        if not _KHMER.search(value):
            raise ValueError("has no Khmer script (U+1780–U+17FF)")
        return value

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "km": self.km}


class Applies(_FileModel):
    sectors: list[StrictStr] = Field(min_length=1)
    tiers: list[StrictStr] = Field(min_length=1)

    @field_validator("sectors")
    @classmethod
    def _known_sectors(cls, value: list[str]) -> list[str]:
        return _vocabulary(value, SECTORS, "sector")

    @field_validator("tiers")
    @classmethod
    def _known_tiers(cls, value: list[str]) -> list[str]:
        return _vocabulary(value, RISKS, "tier")


class RiskEntry(_FileModel):
    id: str = Field(strict=True, pattern=_ID, max_length=80)
    hazard: BilingualText
    affected_group: BilingualText
    likelihood: Rating
    impact: Rating
    treatment: BilingualText
    urns: list[StrictStr] = Field(min_length=1)
    applies: Applies

    @field_validator("urns")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        repeated = sorted({urn for urn in value if value.count(urn) > 1})
        if repeated:
            raise ValueError(f"{', '.join(repeated)} listed more than once")
        return value


class RiskFile(_FileModel):
    data_version: str = Field(strict=True, min_length=1)
    risks: list[RiskEntry] = Field(min_length=1)

    @field_validator("risks")
    @classmethod
    def _unique_ids(cls, value: list[RiskEntry]) -> list[RiskEntry]:
        ids = [entry.id for entry in value]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"risk id(s) defined more than once: {', '.join(repeated)}")
        return value


def _vocabulary(value: list[str], known: Collection[str], what: str) -> list[str]:
    unknown = [item for item in value if item != ANY and item not in known]
    if unknown:
        raise ValueError(f"unknown {what}(s) {', '.join(unknown)}; known: {', '.join(known)}")
    if ANY in value and len(value) > 1:
        raise ValueError(f"'{ANY}' must stand alone")
    if len(set(value)) != len(value):
        raise ValueError(f"a {what} is listed more than once")
    return value


# --- The library -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RiskTemplate:
    """One typical risk, as it seeds a risk register (ratings are inherent, before treatment)."""

    id: str
    hazard: Mapping[str, str]
    affected_group: Mapping[str, str]
    likelihood: int
    impact: int
    treatment: Mapping[str, str]
    urns: tuple[str, ...]
    sectors: tuple[str, ...]
    tiers: tuple[str, ...]

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def level(self) -> Level:
        return level(self.likelihood, self.impact)

    @property
    def generic(self) -> bool:
        """Whether the risk applies to every AI system (any sector, any tier)."""
        return self.sectors == (ANY,) and self.tiers == (ANY,)

    def applies_to(self, *, sector: str, tier: str) -> bool:
        sector_ok = ANY in self.sectors or sector in self.sectors
        tier_ok = ANY in self.tiers or tier in self.tiers
        return sector_ok and tier_ok


@dataclass(frozen=True, slots=True)
class RiskLibrary:
    data_version: str
    templates: tuple[RiskTemplate, ...]

    def get(self, risk_id: str) -> RiskTemplate | None:
        return next((t for t in self.templates if t.id == risk_id), None)

    def for_system(self, *, sector: str, tier: str) -> list[RiskTemplate]:
        """The risks to seed for a system of ``sector`` classified ``tier``.

        Tier- and sector-specific risks come first, then the generic ones, each in file order.
        A sector the library does not name gets the tier-specific and generic risks only.
        """
        if tier not in RISKS:
            raise ValueError(f"unknown risk tier {tier!r}; expected one of {', '.join(RISKS)}")
        sector = sector.strip().lower()
        found = [t for t in self.templates if t.applies_to(sector=sector, tier=tier)]
        return [t for t in found if not t.generic] + [t for t in found if t.generic]


def load(path: Path = DEFAULT, *, against: Catalogue | None = None) -> RiskLibrary:
    """Read and check the risk library at ``path``; its URNs must be in ``against``.

    ``against`` defaults to the catalogue shipped with soai.
    """
    content = _parse(path)
    known = (against if against is not None else shipped_catalogue()).requirements
    for entry in content.risks:
        for urn in entry.urns:
            if urn not in known:
                raise CatalogueError(
                    N_("{file}: risk {id!r}: {urn} is not in the catalogue"),
                    field=f"risks[{entry.id}].urns",
                    file=str(path),
                    id=entry.id,
                    urn=urn,
                )
    return RiskLibrary(
        data_version=content.data_version,
        templates=tuple(_template(entry) for entry in content.risks),
    )


@lru_cache(maxsize=1)
def library() -> RiskLibrary:
    """The risk library shipped with this version of soai (read once per process)."""
    return load()


def _parse(path: Path) -> RiskFile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogueError(
            N_("Cannot read {file}: {reason}"), file=str(path), reason=str(exc)
        ) from exc
    try:
        return RiskFile.model_validate(raw)
    except ValidationError as exc:
        where = [_location(raw, error["loc"]) for error in exc.errors()]
        problems = "; ".join(
            f"{place}: {error['msg'].removeprefix('Value error, ')}"
            for place, error in zip(where, exc.errors(), strict=True)
        )
        raise CatalogueError(
            N_("{file} is not a valid risk library: {problems}"),
            field=where[0],
            file=str(path),
            problems=problems,
        ) from exc


def _location(raw: Any, loc: tuple[int | str, ...]) -> str:
    """``risks[over-indebtedness].likelihood`` rather than ``risks.24.likelihood``."""
    return datafiles.where(raw, loc)


def _template(entry: RiskEntry) -> RiskTemplate:
    return RiskTemplate(
        id=entry.id,
        hazard=entry.hazard.as_dict(),
        affected_group=entry.affected_group.as_dict(),
        likelihood=entry.likelihood,
        impact=entry.impact,
        treatment=entry.treatment.as_dict(),
        urns=tuple(entry.urns),
        sectors=tuple(entry.applies.sectors),
        tiers=tuple(entry.applies.tiers),
    )


# --- The 5×5 matrix ----------------------------------------------------------------------------


def level(likelihood: int, impact: int) -> Level:
    """The band of likelihood × impact: low 1–4, medium 5–9, high 10–16, critical 20–25."""
    score = _rated(likelihood, "likelihood") * _rated(impact, "impact")
    return next(band for lowest, band in _BANDS if score >= lowest)


def heat_map_counts(pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """How many (likelihood, impact) pairs fall in each cell of the 5×5 matrix.

    ``grid[row][column]``: row 0 is impact 5 (drawn at the top) down to row 4, impact 1;
    column 0 is likelihood 1 up to column 4, likelihood 5.
    """
    grid = [[0] * SCALE for _ in range(SCALE)]
    for likelihood, impact in pairs:
        grid[SCALE - _rated(impact, "impact")][_rated(likelihood, "likelihood") - 1] += 1
    return grid


def _rated(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= SCALE:
        raise ValueError(f"{name} must be an integer from 1 to {SCALE}, not {value!r}")
    return value

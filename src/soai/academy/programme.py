"""The CEASAI programme as data: tiers, exam domains and the curriculum, from YAML files.

Pure logic (no database, no web). ``tiers.yaml``, ``domains.yaml`` and ``curriculum.yaml`` in
``academy/data/`` are read, checked and frozen into a :class:`Programme`:

* every file refuses unknown keys, and every title needs its Khmer text;
* a tier's ``blueprint`` names existing domains only and adds up to its ``questions``;
* a tier's ``prerequisites`` are other tiers (no loops); a module's domain exists.

A jurisdiction's profile may change any value of a tier or add a tier: ``load(overrides=...)``
with ``{tier_id: {field: value}}`` (a new ``tier_id`` needs every field). Its
:attr:`Programme.version` is the SHA-256 of the canonical (RFC 8785) content after overrides.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from soai.crypto import jcs
from soai.errors import ConfigurationError, NotFound
from soai.i18n import datafiles
from soai.i18n.markers import N_

DATA = Path(__file__).parent / "data"
ID = r"^[a-z0-9][a-z0-9-]*$"
TIERS, DOMAINS, CURRICULUM = "tiers.yaml", "domains.yaml", "curriculum.yaml"

TierOverrides = Mapping[str, Mapping[str, Any]]


class ProgrammeError(ConfigurationError):
    code = "programme_invalid"
    hint = "Fix the academy data file (or the profile's tier overrides) named above."


# --- file formats -------------------------------------------------------------------------


class FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(FileModel):
    """A text in English and Khmer (both required)."""

    en: str = Field(min_length=1)
    km: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.km if language == "km" else self.en


class TierEntry(FileModel):
    id: str = Field(pattern=ID)
    achievement: str = Field(pattern=ID)
    title: Text
    questions: int = Field(gt=0)
    pretest: int = Field(ge=0)
    minutes: int = Field(gt=0)
    pass_mark: float = Field(gt=0, lt=1)
    validity_years: int = Field(gt=0)
    cpd_hours: int = Field(ge=0)
    retake_wait_hours: int = Field(ge=0)
    max_attempts: int = Field(gt=0)
    prerequisites: list[str] = []
    blueprint: dict[str, int]

    @model_validator(mode="after")
    def _blueprint_adds_up(self) -> TierEntry:
        if any(count < 0 for count in self.blueprint.values()):
            raise ValueError("blueprint counts cannot be negative")
        total = sum(self.blueprint.values())
        if total != self.questions:
            raise ValueError(
                f"blueprint adds up to {total} questions, but questions is {self.questions}"
            )
        if self.id in self.prerequisites:
            raise ValueError("a tier cannot be its own prerequisite")
        return self


class TiersFile(FileModel):
    version: str
    tiers: list[TierEntry] = Field(min_length=1)


class DomainEntry(FileModel):
    id: str = Field(pattern=ID)
    title: Text


class DomainsFile(FileModel):
    version: str
    domains: list[DomainEntry] = Field(min_length=1)


class ModuleEntry(FileModel):
    id: str = Field(pattern=ID)
    domain: str
    title: Text
    objectives: list[Text] = []


class CurriculumFile(FileModel):
    version: str
    modules: list[ModuleEntry] = Field(min_length=1)


# --- the frozen programme -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tier:
    id: str
    achievement: str
    title: Text
    questions: int
    pretest: int
    minutes: int
    pass_mark: float
    validity_years: int
    cpd_hours: int
    retake_wait_hours: int
    max_attempts: int
    prerequisites: tuple[str, ...]
    blueprint: tuple[tuple[str, int], ...]  # (domain, scored items), in domain order

    @property
    def form_length(self) -> int:
        """Questions on one form: the scored ones plus the unscored pretest ones."""
        return self.questions + self.pretest


@dataclass(frozen=True, slots=True)
class Domain:
    id: str
    title: Text


@dataclass(frozen=True, slots=True)
class Module:
    id: str
    domain: str
    title: Text
    objectives: tuple[Text, ...]


@dataclass(frozen=True, eq=False)
class Programme:
    tiers: Mapping[str, Tier]
    domains: Mapping[str, Domain]  # in file order: a domain's code is its position
    modules: Mapping[str, Module]
    version: str

    def tier(self, tier_id: str) -> Tier:
        try:
            return self.tiers[tier_id]
        except KeyError:
            raise NotFound(
                N_("No tier {tier!r} in the CEASAI programme (tiers: {known})."),
                tier=tier_id,
                known=", ".join(self.tiers),
            ) from None

    @property
    def domain_ids(self) -> tuple[str, ...]:
        return tuple(self.domains)

    def modules_of(self, domain_id: str) -> list[Module]:
        return [m for m in self.modules.values() if m.domain == domain_id]


_Model = TypeVar("_Model", TiersFile, DomainsFile, CurriculumFile)


_INSTANCE_OVERRIDES: str = "{}"  # the instance profile's tiers (JSON), see use_profile()


def use_profile(overrides: TierOverrides | None) -> None:
    """Make the instance profile's ``academy.tiers`` the default of :func:`load` (the app and
    the CLI call this once; one instance per process). Checked now: bad values fail early."""
    global _INSTANCE_OVERRIDES
    text = json.dumps(overrides or {}, sort_keys=True, default=str)
    _default(text)
    _INSTANCE_OVERRIDES = text


def load(data_dir: Path = DATA, overrides: TierOverrides | None = None) -> Programme:
    """The programme in ``data_dir``, with tier ``overrides`` applied — by default those of the
    instance profile (cached)."""
    if data_dir == DATA and overrides is None:
        return _default(_INSTANCE_OVERRIDES)
    return _load(data_dir, overrides)


@lru_cache(maxsize=4)
def _default(overrides: str) -> Programme:
    parsed = json.loads(overrides)
    return _load(DATA, parsed or None)


def _load(data_dir: Path, overrides: TierOverrides | None) -> Programme:
    domains_file = _parse(data_dir / DOMAINS, _read(data_dir / DOMAINS), DomainsFile)
    curriculum = _parse(data_dir / CURRICULUM, _read(data_dir / CURRICULUM), CurriculumFile)
    raw_tiers = _read(data_dir / TIERS)
    label = str(data_dir / TIERS)
    if overrides:
        raw_tiers = _apply_overrides(raw_tiers, overrides, label)
        label += " (with the profile's tier overrides)"
    tiers_file = _parse(Path(label), raw_tiers, TiersFile)

    domains = _unique(label=str(data_dir / DOMAINS), kind="domain", entries=domains_file.domains)
    _unique(label=str(data_dir / CURRICULUM), kind="module", entries=curriculum.modules)
    for module in curriculum.modules:
        if module.domain not in domains:
            raise ProgrammeError(
                N_("{file}: module {id!r}: domain {domain!r} is not in domains.yaml"),
                file=str(data_dir / CURRICULUM),
                id=module.id,
                domain=module.domain,
            )
    tiers = _unique(label=label, kind="tier", entries=tiers_file.tiers)
    for tier in tiers_file.tiers:
        _check_tier(label, tier, domains, tiers)
    _check_no_prerequisite_loop(label, tiers)

    order = {domain_id: code for code, domain_id in enumerate(domains)}
    content = {
        "tiers": tiers_file.model_dump(mode="json"),
        "domains": domains_file.model_dump(mode="json"),
        "curriculum": curriculum.model_dump(mode="json"),
    }
    return Programme(
        tiers={t.id: _tier(t, order) for t in tiers_file.tiers},
        domains={d.id: Domain(d.id, d.title) for d in domains_file.domains},
        modules={
            m.id: Module(m.id, m.domain, m.title, tuple(m.objectives)) for m in curriculum.modules
        },
        version=hashlib.sha256(jcs.canonicalize(content)).hexdigest(),
    )


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ProgrammeError(
            N_("Cannot read academy file {file}: {reason}"), file=str(path), reason=str(exc)
        ) from exc


def _parse(path: Path, raw: Any, model: type[_Model]) -> _Model:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{location(raw, error['loc'])}: {error['msg'].removeprefix('Value error, ')}"
            for error in exc.errors()
        )
        raise ProgrammeError(
            N_("{file} is not a valid academy file: {problems}"),
            file=str(path),
            problems=problems,
        ) from exc


def location(raw: Any, loc: tuple[int | str, ...]) -> str:
    """``tiers[expert].blueprint.law`` rather than ``tiers.3.blueprint.law``."""
    return datafiles.where(raw, loc)


def _apply_overrides(raw: Any, overrides: TierOverrides, label: str) -> Any:
    """``raw`` (the parsed tiers.yaml) with each override merged into its tier, or appended."""
    if not isinstance(raw, dict) or not isinstance(raw.get("tiers"), list):
        return raw  # the schema check reports what is wrong
    tiers = [dict(entry) if isinstance(entry, dict) else entry for entry in raw["tiers"]]
    by_id = {entry.get("id"): entry for entry in tiers if isinstance(entry, dict)}
    for tier_id, values in overrides.items():
        if not isinstance(values, Mapping) or values.get("id", tier_id) != tier_id:
            raise ProgrammeError(
                N_("{file}: the override of tier {tier!r} must be a mapping of its fields"),
                file=label,
                tier=tier_id,
            )
        if tier_id in by_id:
            by_id[tier_id].update(values)
        else:
            tiers.append({"id": tier_id, **values})
    return {**raw, "tiers": tiers}


def _unique(*, label: str, kind: str, entries: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for entry in entries:
        if entry.id in found:
            raise ProgrammeError(
                N_("{file}: {kind} {id!r} is defined twice"), file=label, kind=kind, id=entry.id
            )
        found[entry.id] = entry
    return found


def _check_tier(
    label: str, tier: TierEntry, domains: Mapping[str, Any], tiers: Mapping[str, Any]
) -> None:
    for domain_id in tier.blueprint:
        if domain_id not in domains:
            raise ProgrammeError(
                N_("{file}: tier {id!r}: blueprint.{domain}: no such domain in domains.yaml"),
                file=label,
                id=tier.id,
                domain=domain_id,
            )
    for other in tier.prerequisites:
        if other not in tiers:
            raise ProgrammeError(
                N_("{file}: tier {id!r}: prerequisites: {other!r} is not a tier"),
                file=label,
                id=tier.id,
                other=other,
            )


def _check_no_prerequisite_loop(label: str, tiers: Mapping[str, TierEntry]) -> None:
    def visit(tier_id: str, path: tuple[str, ...]) -> None:
        if tier_id in path:
            raise ProgrammeError(
                N_("{file}: tier prerequisites loop: {loop}"),
                file=label,
                loop=" → ".join((*path, tier_id)),
            )
        for other in tiers[tier_id].prerequisites:
            visit(other, (*path, tier_id))

    for tier_id in tiers:
        visit(tier_id, ())


def _tier(entry: TierEntry, order: Mapping[str, int]) -> Tier:
    blueprint = sorted(entry.blueprint.items(), key=lambda pair: order[pair[0]])
    return Tier(
        id=entry.id,
        achievement=entry.achievement,
        title=entry.title,
        questions=entry.questions,
        pretest=entry.pretest,
        minutes=entry.minutes,
        pass_mark=entry.pass_mark,
        validity_years=entry.validity_years,
        cpd_hours=entry.cpd_hours,
        retake_wait_hours=entry.retake_wait_hours,
        max_attempts=entry.max_attempts,
        prerequisites=tuple(entry.prerequisites),
        blueprint=tuple((domain, count) for domain, count in blueprint if count > 0),
    )

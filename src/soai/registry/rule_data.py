"""The classification rules and national overlays as files: their shapes and how they are read.

``registry/data/rules/eu-ai-act.yaml`` holds the EU AI Act's facts (Annex III points, Art. 5(1)
practices, Art. 50 paragraphs, Art. 2 exclusions, the GPAI threshold) and the obligations per risk
tier and role as catalogue URNs; ``registry/data/overlays/<id>.yaml`` holds one country's extra
rules. Unknown keys and missing entries are refused with an error naming the file and the place,
so a typo never silently drops an obligation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from soai.catalog.catalogue import CatalogueError
from soai.catalog.schemas import Bilingual
from soai.i18n.markers import N_
from soai.registry.schemas import (
    ANNEX_III_POINTS,
    ART_6_3_CONDITIONS,
    EXCLUSIONS,
    PROHIBITED_PRACTICES,
    TRANSPARENCY_PARAGRAPHS,
    AnnexIIIPoint,
    Art63Condition,
    Exclusion,
    GpaiTier,
    HighRiskRoute,
    ProhibitedPractice,
    Risk,
    Role,
    TransparencyParagraph,
)

DATA = Path(__file__).parent / "data"
RULES = DATA / "rules" / "eu-ai-act.yaml"
OVERLAYS = DATA / "overlays"
ID = r"^[a-z0-9][a-z0-9-]*$"


class RulesetError(CatalogueError):
    """A rules or overlay file is broken, or names a URN the catalogue does not have."""

    code = "ruleset_invalid"
    hint = "Fix the rules or overlay file named above; nothing was classified."


class FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class When(FileModel):
    """A condition over the profile and the EU outcome; every key given must hold (AND)."""

    risk_in: list[Risk] | None = None
    sector_in: list[str] | None = None
    role_in: list[Role] | None = None
    route_in: list[HighRiskRoute] | None = None
    profiling: bool | None = None
    annex_iii_any: list[AnnexIIIPoint] | bool | None = None
    transparency_any: list[TransparencyParagraph] | bool | None = None
    gpai_in: list[GpaiTier] | None = None
    any_of: list[When] | None = Field(default=None, min_length=1)

    @field_validator("sector_in")
    @classmethod
    def _sectors(cls, value: list[str] | None) -> list[str] | None:
        # Profiles' sectors are normalised to lower case; so are the rules' sectors.
        return [sector.strip().lower() for sector in value] if value is not None else None


class ObligationEntry(FileModel):
    urn: str
    when: When | None = None


class RoleObligations(FileModel):
    provider: list[str | ObligationEntry] = Field(default_factory=list)
    deployer: list[str | ObligationEntry] = Field(default_factory=list)

    def entries(self, role: str) -> list[ObligationEntry]:
        listed = self.provider if role == "provider" else self.deployer
        return [ObligationEntry(urn=e) if isinstance(e, str) else e for e in listed]


class TierObligations(FileModel):
    in_scope: RoleObligations
    prohibited: RoleObligations
    high: RoleObligations
    annex_iii_not_high_risk: RoleObligations
    gpai: RoleObligations
    gpai_systemic: RoleObligations


class Regulation(FileModel):
    citation: str
    url: str


class GpaiThreshold(FileModel):
    systemic_threshold_flops: float = Field(gt=0)


class ExclusionEntry(FileModel):
    article: str
    label: Bilingual


class PracticeEntry(FileModel):
    urn: str
    label: Bilingual


class RouteEntry(FileModel):
    article: str
    dates_of: str = Field(description="URN whose application dates are the route's")


class AnnexIII(FileModel):
    areas: dict[str, Bilingual]
    points: dict[AnnexIIIPoint, Bilingual]
    notes: dict[AnnexIIIPoint, Bilingual] = Field(
        default_factory=dict, description="what the trace says when the point is listed"
    )


class ParagraphEntry(FileModel):
    urn: str
    party: Role
    label: Bilingual


class RulesFile(FileModel):
    version: str
    source: str = Field(pattern=ID)
    regulation: Regulation
    gpai: GpaiThreshold
    exclusions: dict[Exclusion, ExclusionEntry]
    prohibited_practices: dict[ProhibitedPractice, PracticeEntry]
    high_risk_routes: dict[HighRiskRoute, RouteEntry]
    annex_iii: AnnexIII
    art_6_3_conditions: dict[Art63Condition, Bilingual]
    transparency: dict[TransparencyParagraph, ParagraphEntry]
    obligations: TierObligations

    @model_validator(mode="after")
    def _complete(self) -> RulesFile:
        # Every value a profile may give needs its entry, or the engine would meet a gap.
        for key, listed, expected in (
            ("exclusions", self.exclusions, EXCLUSIONS),
            ("prohibited_practices", self.prohibited_practices, PROHIBITED_PRACTICES),
            ("high_risk_routes", self.high_risk_routes, ("6(1)", "6(2)")),
            ("annex_iii.points", self.annex_iii.points, ANNEX_III_POINTS),
            ("art_6_3_conditions", self.art_6_3_conditions, ART_6_3_CONDITIONS),
            ("transparency", self.transparency, TRANSPARENCY_PARAGRAPHS),
        ):
            missing = [value for value in expected if value not in listed]
            if missing:
                raise ValueError(f"{key} has no entry for {', '.join(missing)}")
        areas = {point.split("(")[0] for point in self.annex_iii.points}
        if missing_areas := sorted(areas - set(self.annex_iii.areas)):
            raise ValueError(f"annex_iii.areas has no entry for {', '.join(missing_areas)}")
        return self


class OverlayHeader(FileModel):
    id: str = Field(pattern=ID)
    version: str
    title: Bilingual
    citation: str


class OverlayRuleEntry(FileModel):
    id: str = Field(pattern=ID)
    article: str = Field(min_length=1, description="what the trace step cites")
    when: When
    obligations: list[str] = Field(min_length=1)
    explanation: Bilingual
    citation: str


class OverlayFile(FileModel):
    overlay: OverlayHeader
    rules: list[OverlayRuleEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> OverlayFile:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return self


_File = TypeVar("_File", RulesFile, OverlayFile)


def read_rules(path: Path = RULES) -> RulesFile:
    return _read(path, RulesFile)


def read_overlay(overlay_id: str, directory: Path = OVERLAYS) -> OverlayFile:
    """The overlay ``<directory>/<overlay_id>.yaml``; its ``overlay.id`` must be ``overlay_id``."""
    path = directory / f"{overlay_id}.yaml"
    if not path.is_file():
        available = sorted(p.stem for p in directory.glob("*.yaml"))
        raise RulesetError(
            N_("No overlay {overlay!r} in {directory}; available: {available}."),
            overlay=overlay_id,
            directory=str(directory),
            available=", ".join(available) or "-",
        )
    content = _read(path, OverlayFile)
    if content.overlay.id != overlay_id:
        raise RulesetError(
            N_("{file}: overlay.id is {found!r} but the file is named for {overlay!r}."),
            file=str(path),
            found=content.overlay.id,
            overlay=overlay_id,
        )
    return content


def _read(path: Path, model: type[_File]) -> _File:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RulesetError(
            N_("Cannot read rules file {file}: {reason}"), file=str(path), reason=str(exc)
        ) from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_location(error['loc'])}: {error['msg'].removeprefix('Value error, ')}"
            for error in exc.errors()[:5]
        )
        raise RulesetError(
            N_("{file} is not a valid rules file: {problems}"), file=str(path), problems=problems
        ) from exc


def _location(loc: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(top)"

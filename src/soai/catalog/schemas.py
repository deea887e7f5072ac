"""The shapes of the catalogue: its data files (YAML) and what the API and CLI return.

The file models refuse unknown keys so that a typo in a data file is an error naming the file,
the requirement and the field, never a silently missing fact.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

ID = r"^[a-z0-9][a-z0-9-]*$"


class FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(FileModel):
    en: str = Field(min_length=1)
    km: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.km if language == "km" else self.en

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "km": self.km}


class FrameworkKind(StrEnum):
    LAW = "law"
    STANDARD = "standard"
    GUIDANCE = "guidance"
    DRAFT_LAW = "draft-law"
    POLICY = "policy"


class RequirementKind(StrEnum):
    ARTICLE = "article"
    PARAGRAPH = "paragraph"
    POINT = "point"
    CHAPTER = "chapter"
    CLAUSE = "clause"
    OBJECTIVE = "objective"
    CONTROL = "control"
    FUNCTION = "function"
    CATEGORY = "category"
    SUBCATEGORY = "subcategory"
    PRINCIPLE = "principle"
    DUTY = "duty"
    MEASURE = "measure"
    PHASE = "phase"
    GOAL = "goal"


class RequirementStatus(StrEnum):
    IN_FORCE = "in-force"
    ANTICIPATED = "anticipated"
    GUIDANCE = "guidance"


ROLES = ("provider", "deployer", "importer", "distributor", "any")
RISKS = ("prohibited", "high", "limited", "minimal", "gpai", "gpai_systemic", "any")


class Timeline(FileModel):
    en: str
    km: str
    source: str


class FrameworkEntry(FileModel):
    id: str = Field(pattern=ID)
    short: str
    title: Bilingual
    kind: FrameworkKind
    publisher: str
    citation: str
    url: str | None = None
    published: date | None = None
    data_version: str
    position: int = Field(default=100, description="Where the framework is listed (lowest first)")


class AppliesTo(FileModel):
    roles: list[str] = Field(default_factory=lambda: ["any"])
    risk: list[str] = Field(default_factory=lambda: ["any"])

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        for role in value:
            if role not in ROLES:
                raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
        return value

    @field_validator("risk")
    @classmethod
    def _risk(cls, value: list[str]) -> list[str]:
        for risk in value:
            if risk not in RISKS:
                raise ValueError(f"unknown risk {risk!r}; expected one of {', '.join(RISKS)}")
        return value


class RequirementEntry(FileModel):
    id: str = Field(pattern=ID)
    ref: str
    kind: RequirementKind
    parent: str | None = None
    title: Bilingual
    summary: Bilingual
    citation: str
    status: RequirementStatus
    applies_from: date | dict[str, date] | None = None
    applies_to: AppliesTo | None = None
    keywords: list[str] = Field(default_factory=list)


class FrameworkFile(FileModel):
    framework: FrameworkEntry
    timelines: dict[str, Timeline] = Field(default_factory=dict)
    requirements: list[RequirementEntry] = Field(min_length=1)


class CrosswalkEntry(FileModel):
    from_: str = Field(alias="from")
    to: list[str] = Field(min_length=1)
    note: Bilingual


class CrosswalkFile(FileModel):
    data_version: str
    crosswalks: list[CrosswalkEntry]


# --- what the API returns ------------------------------------------------------------------


class RequirementOut(BaseModel):
    urn: str
    framework: str
    ref: str
    kind: str
    parent: str | None
    title: dict[str, str]
    summary: dict[str, str]
    citation: str
    status: str
    applies_from: dict[str, date]
    roles: list[str]
    risks: list[str]
    related: list[str] = Field(description="URNs linked by a crosswalk, in either direction")


class FrameworkOut(BaseModel):
    id: str
    short: str
    title: dict[str, str]
    kind: str
    publisher: str
    citation: str
    url: str | None
    data_version: str
    requirements: int


class CatalogueOut(BaseModel):
    version: str = Field(description="SHA-256 of the canonical catalogue content")
    frameworks: list[FrameworkOut]
    requirements: list[RequirementOut]

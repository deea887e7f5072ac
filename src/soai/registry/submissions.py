"""What people submit to the register: organisations and the description of an AI system.

The same models serve the portal's questionnaire, the JSON API and each row of a bulk import,
so a rule (a sector that does not exist, an e-mail that is not one) is checked in one place.
The classification answers themselves are the AI system profile of the contract
(:class:`soai.registry.schemas.SystemProfile`); ``name``, ``sector`` and ``role`` come from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError, field_validator

from soai.errors import InvalidInput
from soai.i18n.markers import N_

SECTORS: dict[str, str] = {
    "finance": N_("Banking and finance"),
    "microfinance": N_("Microfinance"),
    "insurance": N_("Insurance"),
    "e-commerce": N_("E-commerce and retail"),
    "telecommunications": N_("Telecommunications"),
    "agriculture": N_("Agriculture"),
    "health": N_("Health"),
    "education": N_("Education"),
    "employment": N_("Employment and human resources"),
    "public-sector": N_("Public administration"),
    "justice": N_("Justice and law enforcement"),
    "transport": N_("Transport"),
    "energy": N_("Energy and utilities"),
    "media": N_("Media and information"),
    "other": N_("Other"),
}

ROLES: dict[str, str] = {"provider": N_("Provider"), "deployer": N_("Deployer")}

STATUSES: dict[str, str] = {
    "planned": N_("Planned"),
    "in_service": N_("In service"),
    "withdrawn": N_("Withdrawn"),
}

DATA_CATEGORIES: dict[str, str] = {
    "personal": N_("Personal data"),
    "sensitive": N_("Sensitive personal data (health, ethnicity, religion, politics …)"),
    "biometric": N_("Biometric data (face, fingerprint, voice …)"),
}

AUTONOMY: dict[str, str] = {
    "advisory": N_("Advisory: a person decides, the system only suggests"),
    "human_in_the_loop": N_("Human in the loop: a person approves each decision"),
    "human_on_the_loop": N_("Human on the loop: decisions run, a person monitors and can stop"),
    "autonomous": N_("Autonomous: decisions take effect without a person"),
}

ORGANISATION_KINDS: dict[str, str] = {
    "public_body": N_("Public body"),
    "company": N_("Company"),
    "other": N_("Other organisation"),
}


class Submission(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


_Model = TypeVar("_Model", bound=BaseModel)


def validated(model: type[_Model], data: Mapping[str, Any], *, prefix: str = "") -> _Model:
    """``data`` as ``model``, or its first problem as :class:`InvalidInput` naming the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise InvalidInput(
            N_("Check {where}: {problem}"),
            field=f"{prefix}{where}",
            where=where,
            problem=error["msg"].removeprefix("Value error, "),
        ) from None


def _one_of(value: str, allowed: dict[str, str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{value!r} is not a {what}; expected one of {', '.join(allowed)}")
    return value


class OrganisationIn(Submission):
    name: str = Field(min_length=2, max_length=300)
    name_km: str | None = Field(default=None, max_length=300)
    kind: str = "company"
    registration_number: str | None = Field(default=None, max_length=100)
    website: str | None = Field(default=None, max_length=300)
    contact_email: EmailStr | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return _one_of(value, ORGANISATION_KINDS, "kind of organisation")


class SystemIn(Submission):
    """Everything the register records about one AI system, besides its classification answers."""

    name: str = Field(min_length=2, max_length=300)
    purpose: str = Field(min_length=10, max_length=4000)
    sector: str = "other"
    role: str = "provider"
    deployment_context: str = Field(default="", max_length=4000)
    data_categories: list[str] = Field(default_factory=list)
    affected_groups: str = Field(default="", max_length=2000)
    autonomy: str = "advisory"
    human_oversight: str = Field(default="", max_length=4000)
    model_basis: str = Field(default="", max_length=2000)
    status: str = "planned"
    contact_name: str | None = Field(default=None, max_length=200)
    contact_email: EmailStr | None = None

    @field_validator("sector")
    @classmethod
    def _sector(cls, value: str) -> str:
        return _one_of(value, SECTORS, "sector")

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        return _one_of(value, ROLES, "role")

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return _one_of(value, STATUSES, "status")

    @field_validator("autonomy")
    @classmethod
    def _autonomy(cls, value: str) -> str:
        return _one_of(value, AUTONOMY, "level of autonomy")

    @field_validator("data_categories")
    @classmethod
    def _categories(cls, value: list[str]) -> list[str]:
        for item in value:
            _one_of(item, DATA_CATEGORIES, "data category")
        if len(set(value)) != len(value):
            raise ValueError("lists a data category twice")
        return [c for c in DATA_CATEGORIES if c in value]


class SystemSubmission(BaseModel):
    """A system and its classification answers (the contract's profile without name/sector/role)."""

    model_config = ConfigDict(extra="forbid")

    system: SystemIn
    answers: dict[str, Any] = Field(default_factory=dict)

    def profile_data(self) -> dict[str, Any]:
        """The AI system profile (contract) these answers make, ready for ``parse_profile``."""
        return {
            **self.answers,
            "name": self.system.name,
            "sector": self.system.sector,
            "role": self.system.role,
        }


class SystemCreate(SystemSubmission):
    """API body that registers a system with one organisation."""

    organisation_id: int


# --- what the API returns ------------------------------------------------------------------


class OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    name_km: str | None
    kind: str
    website: str | None


class SystemOut(BaseModel):
    """A registered system; ``classification`` is its latest result (the engine's JSON)."""

    id: int
    reference: str
    organisation: OrganisationOut
    system: SystemIn
    answers: dict[str, Any]
    risk: str
    gpai: str
    high_risk_route: str | None
    is_public: bool
    classification: dict[str, Any] | None = None
    history: list[dict[str, Any]] = Field(default_factory=list)


class PublicSystemOut(BaseModel):
    """What the public register publishes of a system: no contacts, no internal answers."""

    reference: str
    name: str
    organisation: str
    purpose: str
    sector: str
    role: str
    status: str
    risk: str
    high_risk_route: str | None
    url: str

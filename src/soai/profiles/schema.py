"""The schema of a jurisdiction profile (``cambodia.yaml`` and any other country's).

A profile is data, not code: names in every language the installation speaks, the regulator,
the issuer domain of its credentials, timezone, currencies, brand and the roadmap start date.
Unknown keys are refused so that a typo never silently falls back to a default.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.core import UnknownLocaleError
from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    field_validator,
    model_validator,
)

LANGUAGES_WITH_CATALOGS = ("en", "km")
RuleBound = Literal["fail_below", "warn_below", "fail_above", "warn_above"]
HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


LocalisedText = dict[str, str]


class Country(Strict):
    code: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    name: LocalisedText


class Regulator(Strict):
    name: LocalisedText
    short_name: LocalisedText
    website: HttpUrl | None = None
    email: EmailStr | None = None


class Brand(Strict):
    name: LocalisedText
    tagline: LocalisedText
    primary_colour: str
    accent_colour: str
    logo: str = Field(description="SVG or PNG file, relative to the profile file")

    @field_validator("primary_colour", "accent_colour")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not HEX_COLOUR.match(value):
            raise ValueError(f"{value!r} is not a colour like #1A2B3C")
        return value.upper()

    @field_validator("logo")
    @classmethod
    def _logo_kind(cls, value: str) -> str:
        if not value.lower().endswith((".svg", ".png")) or "/" in value or "\\" in value:
            raise ValueError("must be the file name of an .svg or .png next to the profile")
        return value


class Roadmap(Strict):
    start_date: date
    months: dict[str, int] = Field(
        default_factory=dict,
        description="Length in months of roadmap phases the shipped data leaves open, e.g. "
        "{phase-3: 18} (the brief gives only phase 1: 3 and phase 2: 6)",
    )


class Classification(Strict):
    """How AI systems are classified here: which EU AI Act timeline applies, which overlays."""

    timeline: str = Field(
        default="enacted",
        description="EU AI Act application dates: 'enacted' (Regulation (EU) 2024/1689) or "
        "'omnibus' (the Digital Omnibus proposal COM(2025) 836)",
    )
    overlays: list[str] = Field(
        default_factory=list, description="National rule overlays shipped in registry/data/overlays"
    )

    @field_validator("timeline")
    @classmethod
    def _timeline(cls, value: str) -> str:
        if value not in ("enacted", "omnibus"):
            raise ValueError(f"{value!r} is not a timeline; expected 'enacted' or 'omnibus'")
        return value


class Assurance(Strict):
    """Technical assurance here: thresholds that replace the shipped policy's, rule by rule."""

    thresholds: dict[str, dict[str, dict[RuleBound, float]]] = Field(
        default_factory=dict,
        description="Per test (fairness, performance, data, robustness) and measurement, the "
        "bounds fail_below/warn_below or fail_above/warn_above that override the shipped policy",
    )


class Academy(Strict):
    """The CEASAI programme here: tier values that replace the shipped ones, or new tiers."""

    tiers: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per tier id, fields of academy/data/tiers.yaml to change (e.g. pass_mark, "
        "minutes, max_attempts, blueprint); a new id adds a tier (every field needed)",
    )


class Giveaway(Strict):
    """The training giveaway here: its seat pool and the seats reserved per country."""

    seats: int = Field(default=500_250, ge=1, description="Seats in the pool (the brief: 500,250)")
    quotas: dict[str, int] = Field(
        default_factory=dict,
        description="Seats reserved per country (ISO 3166-1 alpha-2), e.g. {KH: 100000}; "
        "together at most `seats`",
    )
    value: float | None = Field(
        default=None,
        ge=0,
        description="What the whole pool is worth (the brief: 1,000,000,000); "
        "none: no value is shown",
    )
    currency: str = Field(default="GBP", pattern=r"^[A-Z]{3}$", description="Currency of `value`")
    offer_days: int = Field(default=30, ge=1, le=365, description="Days an offered seat waits")
    min_age: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="Eligibility: the youngest age (in years, on the day applications close) "
        "at which a person may apply; none: no age rule",
    )
    remind_days: int = Field(default=7, ge=1, le=60, description="Reminder this long before expiry")

    @model_validator(mode="after")
    def _quotas_fit(self) -> Giveaway:
        for code, count in self.quotas.items():
            if len(code) != 2 or not code.isalpha() or not code.isupper():
                raise ValueError(f"quota country {code!r} is not a two-letter code like KH")
            if count < 0:
                raise ValueError(f"quota of {code} is negative")
        if sum(self.quotas.values()) > self.seats:
            raise ValueError(
                f"the quotas reserve {sum(self.quotas.values())} seats but the pool has "
                f"{self.seats}: the quota table does not add up"
            )
        return self


class Profile(Strict):
    """One jurisdiction's profile."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$")
    country: Country
    regulator: Regulator
    issuer_domain: str = Field(description="Domain of the did:web issuer of credentials")
    log_origin: str | None = Field(default=None, description="Transparency log name")
    languages: list[str] = Field(min_length=1)
    default_language: str
    timezone: str
    currencies: list[str] = Field(min_length=1)
    primary_currency: str
    brand: Brand
    roadmap: Roadmap
    classification: Classification = Classification()
    assurance: Assurance = Assurance()
    academy: Academy = Academy()
    giveaway: Giveaway = Giveaway()

    @field_validator("issuer_domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        if not DOMAIN.match(value):
            raise ValueError(f"{value!r} is not a lower-case DNS domain like ai.example.gov")
        return value

    @field_validator("languages")
    @classmethod
    def _catalogued(cls, value: list[str]) -> list[str]:
        for code in value:
            if code not in LANGUAGES_WITH_CATALOGS:
                raise ValueError(
                    f"no message catalog for language {code!r}; "
                    f"available: {', '.join(LANGUAGES_WITH_CATALOGS)}"
                )
        if len(set(value)) != len(value):
            raise ValueError("lists a language twice")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA timezone like Asia/Phnom_Penh") from None
        return value

    @field_validator("currencies")
    @classmethod
    def _iso_currency(cls, value: list[str]) -> list[str]:
        known = Locale("en").currencies
        for code in value:
            if code not in known:
                raise ValueError(f"{code!r} is not an ISO 4217 currency code")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        if self.default_language not in self.languages:
            raise ValueError(f"default_language {self.default_language!r} is not in languages")
        if self.primary_currency not in self.currencies:
            raise ValueError(f"primary_currency {self.primary_currency!r} is not in currencies")
        for where, text in self._localised():
            missing = [code for code in self.languages if not text.get(code, "").strip()]
            extra = [code for code in text if code not in self.languages]
            if missing:
                raise ValueError(f"{where} has no text for language(s) {', '.join(missing)}")
            if extra:
                raise ValueError(f"{where} has text for unlisted language(s) {', '.join(extra)}")
        for code in self.languages:
            try:
                Locale.parse(code)
            except UnknownLocaleError:
                raise ValueError(f"language {code!r} is unknown to Babel") from None
        return self

    def _localised(self) -> list[tuple[str, LocalisedText]]:
        return [
            ("country.name", self.country.name),
            ("regulator.name", self.regulator.name),
            ("regulator.short_name", self.regulator.short_name),
            ("brand.name", self.brand.name),
            ("brand.tagline", self.brand.tagline),
        ]

    @property
    def issuer_did(self) -> str:
        return f"did:web:{self.issuer_domain}"

    @property
    def origin(self) -> str:
        """The transparency log's origin line (C2SP tlog-checkpoint)."""
        return self.log_origin or f"{self.issuer_domain}/ledger"

    def text(self, value: LocalisedText, language: str) -> str:
        """``value`` in ``language``, else in the profile's default language."""
        return value.get(language) or value[self.default_language]

"""The shapes of the registry: an AI system's profile (the classifier's input) and its classification.

:class:`SystemProfile` is exactly the contract in ``contracts/ai-system-profile.md``: unknown keys,
values outside the allowed lists, duplicates and contradictions are refused. :func:`parse_profile`
turns the first problem into an :class:`~soai.errors.InvalidInput` whose message is a translatable
msgid and whose ``field`` is a path such as ``annex_iii[2]`` or ``gpai.training_flops``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from soai.errors import InvalidInput
from soai.i18n.markers import N_

Role = Literal["provider", "deployer"]
Exclusion = Literal[
    "military", "research_only", "personal_non_professional", "open_source_non_high_risk"
]
ProhibitedPractice = Literal[
    "5(1)(a)", "5(1)(b)", "5(1)(c)", "5(1)(d)", "5(1)(e)", "5(1)(f)", "5(1)(g)", "5(1)(h)"
]
AnnexIIIPoint = Literal[
    "1(a)", "1(b)", "1(c)", "2", "3(a)", "3(b)", "3(c)", "3(d)", "4(a)", "4(b)",
    "5(a)", "5(b)", "5(c)", "5(d)", "6(a)", "6(b)", "6(c)", "6(d)", "6(e)",
    "7(a)", "7(b)", "7(c)", "7(d)", "8(a)", "8(b)",
]  # fmt: skip
Art63Condition = Literal["a", "b", "c", "d"]
TransparencyParagraph = Literal["50(1)", "50(2)", "50(3)", "50(4)"]
Risk = Literal["prohibited", "high", "limited", "minimal", "out_of_scope"]
GpaiTier = Literal["none", "gpai", "gpai_systemic"]
HighRiskRoute = Literal["6(1)", "6(2)"]

ROLES: tuple[str, ...] = get_args(Role)
EXCLUSIONS: tuple[str, ...] = get_args(Exclusion)
PROHIBITED_PRACTICES: tuple[str, ...] = get_args(ProhibitedPractice)
ANNEX_III_POINTS: tuple[str, ...] = get_args(AnnexIIIPoint)
ART_6_3_CONDITIONS: tuple[str, ...] = get_args(Art63Condition)
TRANSPARENCY_PARAGRAPHS: tuple[str, ...] = get_args(TransparencyParagraph)
RISKS: tuple[str, ...] = get_args(Risk)
GPAI_TIERS: tuple[str, ...] = get_args(GpaiTier)

Name = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1)]
# Sector is a free reporting label; it is compared with the rules' sectors, so it is normalised.
Sector = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, to_lower=True, min_length=1)
]


_LISTS = ("out_of_scope", "prohibited_practices", "annex_iii", "transparency")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GeneralPurposeModel(Strict):
    """The general-purpose AI model the system is, or is built on (Art. 3(63), Art. 51)."""

    training_flops: float = Field(strict=True, ge=0, allow_inf_nan=False)
    designated_systemic: StrictBool = False


class SystemProfile(Strict):
    """The questionnaire's answers about one AI system (``contracts/ai-system-profile.md``)."""

    name: Name
    sector: Sector = "other"
    role: Role = "provider"
    out_of_scope: tuple[Exclusion, ...] = ()
    prohibited_practices: tuple[ProhibitedPractice, ...] = ()
    annex_i_product: StrictBool = False
    annex_iii: tuple[AnnexIIIPoint, ...] = ()
    art_6_3_condition: Art63Condition | None = None
    profiling: StrictBool = False
    transparency: tuple[TransparencyParagraph, ...] = ()
    gpai: GeneralPurposeModel | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SystemProfile:
        answers = self.__dict__
        for field in _LISTS:
            values = answers[field]
            if len(values) > 1 and len(set(values)) < len(values):
                index = next(i for i, value in enumerate(values) if value in values[:i])
                raise PydanticCustomError(
                    "duplicate",
                    "{value!r} is listed twice",
                    {"field": f"{field}[{index}]", "value": values[index]},
                )
        if self.art_6_3_condition is not None and not self.annex_iii:
            raise PydanticCustomError(
                "contradiction",
                "an Art. 6(3) condition is given but annex_iii is empty",
                {"field": "art_6_3_condition", "value": self.art_6_3_condition},
            )
        return self


FIELDS: tuple[str, ...] = tuple(SystemProfile.model_fields)
GPAI_FIELDS: tuple[str, ...] = tuple(GeneralPurposeModel.model_fields)
_ALLOWED: Mapping[str, tuple[str, ...]] = {
    "role": ROLES,
    "out_of_scope": EXCLUSIONS,
    "prohibited_practices": PROHIBITED_PRACTICES,
    "annex_iii": ANNEX_III_POINTS,
    "art_6_3_condition": ART_6_3_CONDITIONS,
    "transparency": TRANSPARENCY_PARAGRAPHS,
}


def parse_profile(data: Any) -> SystemProfile:
    """``data`` (decoded JSON) as a :class:`SystemProfile`, or :class:`InvalidInput` on its first problem."""
    if not isinstance(data, dict):
        raise InvalidInput(
            N_("An AI system profile must be a JSON object, not {value}."), value=_show(data)
        )
    try:
        return SystemProfile.model_validate(data)
    except ValidationError as exc:
        raise _invalid_input(exc.errors(), data) from None


def _invalid_input(errors: Sequence[ErrorDetails], data: Mapping[str, Any]) -> InvalidInput:
    # An unknown key is most likely a typo that also explains the other problems: report it first.
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    kind, loc, value = error["type"], error["loc"], error.get("input")
    ctx = error.get("ctx") or {}
    field = _path(loc)
    if kind == "extra_forbidden":
        allowed = GPAI_FIELDS if loc[0] == "gpai" else FIELDS
        return _error(
            N_("Unknown key {key!r} in the AI system profile; the allowed keys are {allowed}."),
            path=field,
            key=str(loc[-1]),
            allowed=", ".join(allowed),
        )
    if kind in ("duplicate", "contradiction"):
        return _model_problem(kind, str(ctx["field"]), ctx["value"])
    if kind == "missing":
        return _error(N_("{path} is required."), path=field)
    if kind == "literal_error":
        allowed_values = _ALLOWED.get(str(loc[0]), ())
        return _error(
            N_("{path}: {value} is not allowed; expected one of {allowed}."),
            path=field,
            value=_show(value),
            allowed=", ".join(allowed_values),
        )
    if kind == "string_too_short":
        return _error(N_("{path} must not be empty."), path=field)
    if kind in ("greater_than_equal", "finite_number"):
        return _error(
            N_("{path} must be a finite number of at least 0, not {value}."),
            path=field,
            value=_show(value),
        )
    if kind in ("float_type", "float_parsing"):
        return _error(N_("{path} must be a number, not {value}."), path=field, value=_show(value))
    if kind == "bool_type":
        return _error(
            N_("{path} must be true or false, not {value}."), path=field, value=_show(value)
        )
    if kind in ("tuple_type", "list_type") or (len(loc) == 1 and loc[0] in _LISTS):
        return _error(N_("{path} must be a list, not {value}."), path=field, value=_show(value))
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _error(
            N_("{path} must be an object or null, not {value}."), path=field, value=_show(value)
        )
    if kind == "string_type":
        return _error(N_("{path} must be a text, not {value}."), path=field, value=_show(value))
    return _error(N_("{path} has an invalid value {value}."), path=field, value=_show(value))


def _model_problem(kind: str, field: str, value: Any) -> InvalidInput:
    if kind == "duplicate":
        return _error(
            N_("{path}: {value} is listed twice; list each value once."),
            path=field,
            value=_show(value),
        )
    return _error(
        N_(
            "{path} is {value} but annex_iii is empty: an Art. 6(3) condition can only lift "
            "a system listed in Annex III out of high risk."
        ),
        path=field,
        value=_show(value),
    )


def _error(message: str, *, path: str, **params: Any) -> InvalidInput:
    return InvalidInput(message, field=path, path=path, **params)


def _path(loc: tuple[int | str, ...]) -> str:
    """``("annex_iii", 2)`` → ``annex_iii[2]``; ``("gpai", "training_flops")`` → ``gpai.training_flops``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(profile)"


def _show(value: Any) -> str:
    """A bad value as the user wrote it (JSON-like), cut short when long."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- what the API and CLI return ------------------------------------------------------------


class ObligationOut(BaseModel):
    urn: str
    ref: str
    title: str = Field(description="English title; the catalogue has the Khmer one")
    role: Role
    applies_from: str | None = Field(description="ISO date under the ruleset's timeline")
    status: str = Field(description="in-force or anticipated")
    source: str = Field(description="'eu-ai-act' or the id of the overlay that added it")


class TraceStepOut(BaseModel):
    step: int
    rule: str
    article: str
    outcome: Literal["applies", "does_not_apply", "decides"]
    explanation: str = Field(description="in English")
    message: str | None = Field(
        default=None, description="the explanation's msgid, to translate with gettext"
    )
    params: dict[str, str] | None = Field(default=None, description="the msgid's parameters")
    text: dict[str, str] | None = Field(
        default=None, description="the explanation in every language (overlay and data steps)"
    )


class ClassificationOut(BaseModel):
    """``soai classify PROFILE.json --json`` and the classification API return this."""

    risk: Risk
    gpai: GpaiTier
    high_risk_route: HighRiskRoute | None
    transparency: list[TransparencyParagraph]
    obligations: list[ObligationOut]
    citations: list[str]
    trace: list[TraceStepOut]
    rules_version: str
    catalogue_version: str
    timeline: str
    overlays: list[str]

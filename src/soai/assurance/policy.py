"""The assurance policy: thresholds that turn a measurement into pass, warn or fail, with why.

Versioned data (``assurance/data/policy.yaml``); a profile's ``assurance.thresholds`` override
any rule. A rule is ``{fail_below, warn_below}`` for a measurement that should be high, or
``{fail_above, warn_above}`` for one that should be low. A missing measurement (a metric that
is undefined on this data) neither passes nor fails: it is reported as ``not_available``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from soai.errors import ConfigurationError, InvalidInput
from soai.i18n.markers import N_

DEFAULT = Path(__file__).parent / "data" / "policy.yaml"
VERDICTS = ("pass", "warn", "fail", "not_available", "info")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fail_below: float | None = None
    warn_below: float | None = None
    fail_above: float | None = None
    warn_above: float | None = None


class TestPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_group_size: int = Field(default=30, ge=1)
    rules: dict[str, Rule] = Field(default_factory=dict)


class PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    tests: dict[str, TestPolicy]
    controls: dict[str, list[str]] = Field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    metric: str
    scope: str  # the sensitive column, "intersection", or "" for a whole-dataset measure
    value: float | None
    verdict: str
    message: str  # English msgid with {named} params
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "scope": self.scope,
            "value": self.value,
            "verdict": self.verdict,
            "reason": self.message.format(**self.params),
            "message": self.message,
            "params": dict(self.params),
        }


@lru_cache(maxsize=4)
def load(path: Path = DEFAULT) -> PolicyFile:
    try:
        return PolicyFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(
            N_("The assurance policy {file} is not valid: {reason}"),
            file=str(path),
            reason=str(exc),
        ) from exc


def rules_for(
    test: str, *, overrides: Mapping[str, Mapping[str, float]] | None = None
) -> TestPolicy:
    """The policy of one test kind, with a profile's overrides applied rule by rule."""
    base = load().tests.get(test, TestPolicy())
    if not overrides:
        return base
    merged = dict(base.rules)
    for metric, values in overrides.items():
        merged[metric] = Rule.model_validate(
            {**(merged.get(metric, Rule()).model_dump()), **values}
        )
    return base.model_copy(update={"rules": merged})


def judge(metric: str, value: float | None, rule: Rule, *, scope: str = "") -> Verdict:
    """Pass, warn or fail one measurement against its rule, saying why."""
    if value is None:
        return Verdict(metric, scope, None, "not_available",
                       N_("{metric} cannot be computed on this data."), {"metric": metric})  # fmt: skip
    for verdict, limit, low in (
        ("fail", rule.fail_below, True),
        ("fail", rule.fail_above, False),
        ("warn", rule.warn_below, True),
        ("warn", rule.warn_above, False),
    ):
        if limit is not None and ((value < limit) if low else (value > limit)):
            message = (
                N_("{metric} is {value:.3f}, below the threshold of {limit}.")
                if low
                else N_("{metric} is {value:.3f}, above the threshold of {limit}.")
            )
            return Verdict(metric, scope, value, verdict, message,
                           {"metric": metric, "value": value, "limit": limit})  # fmt: skip
    return Verdict(metric, scope, value, "pass",
                   N_("{metric} is {value:.3f}, within the policy."), {"metric": metric, "value": value})  # fmt: skip


def overall(verdicts: list[Verdict]) -> str:
    """The worst verdict of a run (not available counts as a warning); a test without rules
    (explainability) is ``info``: it informs a judgement rather than making one."""
    if not verdicts:
        return "info"
    kinds = {v.verdict for v in verdicts}
    if "fail" in kinds:
        return "fail"
    if "warn" in kinds or "not_available" in kinds:
        return "warn"
    return "pass"


def overrides_of(thresholds: Mapping[str, Any]) -> Mapping[str, Mapping[str, Mapping[str, float]]]:
    """A profile's ``assurance.thresholds``, refused when they name a test the policy lacks."""
    tests = load().tests
    unknown = [kind for kind in thresholds if kind not in tests]
    if unknown:
        raise InvalidInput(
            N_("Unknown test {name}; the tests are: {known}."),
            field="assurance.thresholds",
            name=", ".join(unknown),
            known=", ".join(tests),
        )
    return thresholds

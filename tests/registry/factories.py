"""Test factories of the registry: rule sets, organisations, systems, import files."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.profiles import service as profiles
from soai.registry import service
from soai.registry.models import AISystem, Organisation
from soai.registry.ruleset import RuleSet
from soai.registry.submissions import OrganisationIn, SystemIn, SystemSubmission

EVERYTHING = service.Scope(everything=True)
_counter = itertools.count(1)


def cambodia_rules() -> RuleSet:
    return service.ruleset(profiles.load(profiles.resolve("cambodia")))


def make_organisation(
    sessions: sessionmaker[Session], *, name: str | None = None, kind: str = "company"
) -> Organisation:
    with transaction(sessions) as session:
        return service.create_organisation(
            session,
            data=OrganisationIn(name=name or f"Organisation {next(_counter)}", kind=kind),
        )


CREDIT_SCORING: dict[str, Any] = {"annex_iii": ["5(b)"], "profiling": True}


def submission(
    name: str = "Retail credit scoring",
    *,
    answers: dict[str, Any] | None = None,
    **system: Any,
) -> SystemSubmission:
    fields = {
        "name": name,
        "purpose": "Scores loan applicants for personal loans.",
        "sector": "finance",
        "role": "provider",
        "status": "in_service",
        "data_categories": ["personal"],
        "contact_email": "risk@bank.example.org",
        **system,
    }
    return SystemSubmission(
        system=SystemIn(**fields), answers=CREDIT_SCORING if answers is None else answers
    )


def register(
    sessions: sessionmaker[Session],
    organisation: Organisation,
    sub: SystemSubmission | None = None,
    *,
    rule_set: RuleSet | None = None,
) -> AISystem:
    with transaction(sessions) as session:
        return service.register(
            session,
            organisation_id=organisation.id,
            submission=sub or submission(),
            rule_set=rule_set or cambodia_rules(),
            scope=EVERYTHING,
            country="KH",
            user_id=None,
        )


CSV_HEADER = (
    "organisation,organisation_kind,name,purpose,sector,role,status,data_categories,"
    "annex_iii,art_6_3_condition,profiling,transparency,gpai_training_flops\n"
)


def csv_row(
    name: str, *, organisation: str = "Angkor Bank", annex: str = "5(b)", **extra: str
) -> str:
    values = {
        "organisation": organisation,
        "organisation_kind": "company",
        "name": name,
        "purpose": "Scores applicants for loans from their history.",
        "sector": "finance",
        "role": "provider",
        "status": "in_service",
        "data_categories": "personal",
        "annex_iii": annex,
        "art_6_3_condition": "",
        "profiling": "yes",
        "transparency": "",
        "gpai_training_flops": "",
        **extra,
    }
    return ",".join(f'"{v}"' if "," in v else v for v in values.values()) + "\n"

"""Use cases of the registry: organisations, AI systems, their classification and the register.

Every classification is stored with its inputs, the rules version and the full result (trace
included) and appended to the transparency ledger as a digest, so anyone holding a system's
record can prove which answers and which rules produced its risk tier.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soai.catalog import service as catalog
from soai.crypto import jcs
from soai.db import utcnow
from soai.errors import Conflict, InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.ledger import service as ledger
from soai.profiles.schema import Profile
from soai.registry import changes, rules
from soai.registry.models import AISystem, Classification, Organisation, OrganisationMember
from soai.registry.schemas import parse_profile
from soai.registry.submissions import OrganisationIn, SystemSubmission

LEDGER_KIND = "registry.classification"
PUBLIC_RISKS = ("prohibited", "high")


@dataclass(frozen=True)
class Scope:
    """Which organisations' systems a caller may see and change (``everything``: all of them)."""

    everything: bool
    organisations: frozenset[int] = frozenset()

    def covers(self, organisation_id: int) -> bool:
        return self.everything or organisation_id in self.organisations


def scope_of(session: Session, *, user_id: int | None, sees_all: bool) -> Scope:
    if sees_all:
        return Scope(everything=True)
    if user_id is None:
        return Scope(everything=False)
    ids = session.scalars(
        select(OrganisationMember.organisation_id).where(OrganisationMember.user_id == user_id)
    )
    return Scope(everything=False, organisations=frozenset(ids))


def scope_for(session: Session, *, principal: Principal) -> Scope:
    """The scope of a signed-in caller: analysts and regulators see all, providers their own."""
    return scope_of(
        session, user_id=principal.user_id, sees_all=principal.can(Permission.REGISTRY_ALL)
    )


@lru_cache(maxsize=8)
def _ruleset(timeline: str, overlays: tuple[str, ...]) -> rules.RuleSet:
    return rules.load_ruleset(timeline=timeline, overlays=overlays, catalogue=catalog.catalogue())


def ruleset(profile: Profile) -> rules.RuleSet:
    """The classification rules of this jurisdiction: its timeline and national overlays."""
    return _ruleset(profile.classification.timeline, tuple(profile.classification.overlays))


def rules_key(rule_set: rules.RuleSet) -> str:
    """What a stored classification was made under: rules (with overlays), timeline, catalogue.

    A system whose key differs from the current rule set's is due for reclassification.
    """
    return f"{rule_set.version};{rule_set.timeline};{rule_set.catalogue_version[:16]}"


def reference(country: str, system_id: int) -> str:
    """The register's public reference of a system, e.g. ``KH-AI-000042``."""
    return f"{country}-AI-{system_id:06d}"


def rules_key_of(result: dict[str, Any]) -> str:
    """The :func:`rules_key` a stored result was made under."""
    return f"{result['rules_version']};{result['timeline']};{result['catalogue_version'][:16]}"


def digest(value: Any) -> str:
    return hashlib.sha256(jcs.canonicalize(value)).hexdigest()


# --- organisations -------------------------------------------------------------------------


def create_organisation(session: Session, *, data: OrganisationIn) -> Organisation:
    exists = session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == data.name.lower())
    )
    if exists is not None:
        raise Conflict(
            N_("An organisation named {name!r} is already registered."),
            field="name",
            name=data.name,
        )
    organisation = Organisation(**data.model_dump())
    session.add(organisation)
    session.flush()
    return organisation


def organisations(session: Session, *, scope: Scope) -> list[Organisation]:
    query = select(Organisation).order_by(Organisation.name)
    if not scope.everything:
        query = query.where(Organisation.id.in_(scope.organisations))
    return list(session.scalars(query))


def organisation(session: Session, *, organisation_id: int, scope: Scope) -> Organisation:
    found = session.get(Organisation, organisation_id)
    if found is None or not scope.covers(found.id):
        raise NotFound(N_("No organisation {id} in the register."), id=organisation_id)
    return found


def organisation_named(session: Session, *, name: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(func.lower(Organisation.name) == name.lower()))


def add_member(session: Session, *, organisation_id: int, user_id: int) -> None:
    """Let a provider user manage the systems of an organisation (idempotent)."""
    organisation(session, organisation_id=organisation_id, scope=Scope(everything=True))
    exists = session.scalar(
        select(OrganisationMember.id).where(
            OrganisationMember.organisation_id == organisation_id,
            OrganisationMember.user_id == user_id,
        )
    )
    if exists is None:
        session.add(OrganisationMember(organisation_id=organisation_id, user_id=user_id))
        session.flush()


def system_counts(session: Session) -> dict[int, int]:
    """Number of systems per organisation id."""
    rows = session.execute(
        select(AISystem.organisation_id, func.count()).group_by(AISystem.organisation_id)
    )
    return {org: count for org, count in rows.all()}


# --- systems -------------------------------------------------------------------------------


def shown_publicly(organisation: Organisation, sector: str, risk: str) -> bool:
    """The public register shows high-risk and prohibited systems and every public body's."""
    return risk in PUBLIC_RISKS or organisation.kind == "public_body" or sector == "public-sector"


def _classify(submission: SystemSubmission, rule_set: rules.RuleSet) -> tuple[dict[str, Any], Any]:
    try:
        profile = parse_profile(submission.profile_data())
    except InvalidInput as exc:
        if exc.field and exc.field.split("[")[0].split(".")[0] not in ("name", "sector", "role"):
            exc.field = f"answers.{exc.field}"
        raise
    inputs = profile.model_dump(mode="json")
    return inputs, rules.classify(profile, rule_set).to_json()


def _record(
    session: Session,
    *,
    system: AISystem,
    inputs: dict[str, Any],
    result: dict[str, Any],
    reason: str,
    country: str,
    user_id: int | None,
    previous: Classification | None,
) -> Classification:
    found = (
        changes.compare(
            before_inputs=previous.inputs, before=previous.result, after_inputs=inputs, after=result
        )
        if previous is not None
        else []
    )
    position = ledger.append(
        session,
        kind=LEDGER_KIND,
        data=ledger_event(
            reference(country, system.id),
            result,
            reason=reason,
            inputs_sha256=digest(inputs),
            result_sha256=digest(result),
        ),
    )
    entry = Classification(
        system_id=system.id,
        reason=reason,
        inputs=inputs,
        result=result,
        risk=result["risk"],
        rules_version=result["rules_version"],
        changes=found,
        ledger_position=position,
        by_user_id=user_id,
    )
    session.add(entry)
    session.flush()
    return entry


def ledger_event(
    system_reference: str,
    result: dict[str, Any],
    *,
    reason: str,
    inputs_sha256: str,
    result_sha256: str,
) -> dict[str, Any]:
    """What the ledger records of a classification: the outcome and digests, no answers."""
    return {
        "system": system_reference,
        "reason": reason,
        "risk": result["risk"],
        "gpai": result["gpai"],
        "high_risk_route": result["high_risk_route"],
        "rules_version": result["rules_version"],
        "catalogue_version": result["catalogue_version"],
        "inputs_sha256": inputs_sha256,
        "result_sha256": result_sha256,
    }


def _apply(
    system: AISystem,
    submission: SystemSubmission,
    inputs: dict[str, Any],
    result: dict[str, Any],
    organisation: Organisation,
) -> None:
    for key, value in submission.system.model_dump().items():
        setattr(system, key, value)
    system.answers = inputs
    system.risk = result["risk"]
    system.gpai = result["gpai"]
    system.high_risk_route = result["high_risk_route"]
    system.rules_version = rules_key_of(result)
    system.is_public = shown_publicly(organisation, system.sector, system.risk)
    system.updated_at = utcnow()


def register(
    session: Session,
    *,
    organisation_id: int,
    submission: SystemSubmission,
    rule_set: rules.RuleSet,
    scope: Scope,
    country: str,
    user_id: int | None,
) -> AISystem:
    """Add a system to the register, classify it and log the classification in the ledger."""
    owner = organisation(session, organisation_id=organisation_id, scope=scope)
    _unique_name(session, organisation_id=owner.id, name=submission.system.name, system_id=None)
    inputs, result = _classify(submission, rule_set)
    system = AISystem(organisation_id=owner.id, created_at=utcnow())
    _apply(system, submission, inputs, result, owner)
    session.add(system)
    session.flush()
    _record(
        session,
        system=system,
        inputs=inputs,
        result=result,
        reason="registered",
        country=country,
        user_id=user_id,
        previous=None,
    )
    return system


def update(
    session: Session,
    *,
    system_id: int,
    submission: SystemSubmission,
    rule_set: rules.RuleSet,
    scope: Scope,
    country: str,
    user_id: int | None,
) -> Classification | None:
    """Change a system's description; a new classification is recorded when the answers changed."""
    system = get(session, system_id=system_id, scope=scope)
    owner = organisation(
        session, organisation_id=system.organisation_id, scope=Scope(everything=True)
    )
    _unique_name(
        session, organisation_id=owner.id, name=submission.system.name, system_id=system.id
    )
    inputs, result = _classify(submission, rule_set)
    previous = latest(session, system_id=system.id)
    _apply(system, submission, inputs, result, owner)
    if previous is not None and previous.inputs == inputs and previous.result == result:
        return None
    return _record(
        session,
        system=system,
        inputs=inputs,
        result=result,
        reason="answers_changed",
        country=country,
        user_id=user_id,
        previous=previous,
    )


def _unique_name(
    session: Session, *, organisation_id: int, name: str, system_id: int | None
) -> None:
    query = select(AISystem.id).where(
        AISystem.organisation_id == organisation_id, func.lower(AISystem.name) == name.lower()
    )
    found = session.scalar(query)
    if found is not None and found != system_id:
        raise Conflict(
            N_("This organisation already registered a system named {name!r}."),
            field="system.name",
            name=name,
        )


def get(session: Session, *, system_id: int, scope: Scope) -> AISystem:
    system = session.get(AISystem, system_id)
    if system is None or not scope.covers(system.organisation_id):
        raise not_in_register(system_id)
    return system


def latest(session: Session, *, system_id: int) -> Classification | None:
    return session.scalar(
        select(Classification)
        .where(Classification.system_id == system_id)
        .order_by(Classification.id.desc())
        .limit(1)
    )


def history(session: Session, *, system_id: int) -> list[Classification]:
    return list(
        session.scalars(
            select(Classification)
            .where(Classification.system_id == system_id)
            .order_by(Classification.id.desc())
        )
    )


def not_in_register(system_id: int) -> NotFound:
    return NotFound(N_("No AI system {id} in the register."), id=system_id)


def applicable_requirements(session: Session, *, system_id: int) -> list[str]:
    """URNs a system must meet: the obligations of its latest classification, and every
    requirement the crosswalks link to them (ISO/IEC 42001, NIST AI RMF, ASEAN, national)."""
    current = latest(session, system_id=system_id)
    if current is None:
        return []
    return catalog.with_crosswalks([item["urn"] for item in current.result["obligations"]])


def member_ids(session: Session, *, organisation_id: int) -> set[int]:
    """User ids of the provider accounts that manage an organisation's systems."""
    rows = session.scalars(
        select(OrganisationMember.user_id).where(
            OrganisationMember.organisation_id == organisation_id
        )
    )
    return set(rows)

"""Reclassifying the register when the rules change (new rules, overlay, timeline or catalogue).

Set-based, in batches: the stale systems, their previous classifications and their answers are
read in a few queries, classified with :func:`rules.classify_many`, compared with what they
were, appended to the ledger in one go and written back with executemany — never one ORM
round-trip per system, so a register of tens of thousands of systems is redone in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from soai.db import encode_json, insert_rows, utcnow
from soai.ledger import service as ledger
from soai.registry import changes, rules
from soai.registry.bulk_import import CLASSIFICATION_TABLE_COLUMNS
from soai.registry.models import AISystem, Classification, Organisation
from soai.registry.schemas import parse_profile
from soai.registry.service import (
    LEDGER_KIND,
    digest,
    ledger_event,
    reference,
    rules_key,
    shown_publicly,
)

BATCH = 5_000
REASON = "rules_changed"


@dataclass(frozen=True)
class Reclassified:
    system_id: int
    reason: str
    risk: str
    changes: list[dict[str, Any]]
    ledger_position: int


def stale_systems(session: Session, *, rule_set: rules.RuleSet) -> list[int]:
    """Ids of the systems last classified under other rules than ``rule_set``."""
    query = select(AISystem.id).where(AISystem.rules_version != rules_key(rule_set))
    return list(session.scalars(query.order_by(AISystem.id)))


def reclassify_all(
    session: Session, *, rule_set: rules.RuleSet, country: str, user_id: int | None
) -> list[Reclassified]:
    """Classify again every stale system; each new classification records what changed."""
    stale = stale_systems(session, rule_set=rule_set)
    done: list[Reclassified] = []
    for start in range(0, len(stale), BATCH):
        done += _batch(
            session,
            stale[start : start + BATCH],
            rule_set=rule_set,
            country=country,
            user_id=user_id,
        )
    return done


def _batch(
    session: Session,
    ids: list[int],
    *,
    rule_set: rules.RuleSet,
    country: str,
    user_id: int | None,
) -> list[Reclassified]:
    systems = session.execute(
        select(AISystem.id, AISystem.answers, AISystem.sector, Organisation)
        .join(Organisation, Organisation.id == AISystem.organisation_id)
        .where(AISystem.id.in_(ids))
        .order_by(AISystem.id)
    ).all()
    newest = (
        select(func.max(Classification.id))
        .where(Classification.system_id.in_(ids))
        .group_by(Classification.system_id)
    )
    previous = {
        system_id: (inputs, result)
        for system_id, inputs, result in session.execute(
            select(Classification.system_id, Classification.inputs, Classification.result).where(
                Classification.id.in_(newest)
            )
        ).all()
    }
    profiles = [parse_profile(answers) for _id, answers, _sector, _owner in systems]
    dialect = session.connection().dialect
    encoded: dict[int, tuple[dict[str, Any], Any, str]] = {}
    rows: list[tuple[int, dict[str, Any], dict[str, Any], Any, str, list[dict[str, Any]]]] = []
    for (system_id, _answers, _sector, _owner), profile, outcome in zip(
        systems, profiles, rules.classify_many(profiles, rule_set), strict=True
    ):
        if id(outcome) not in encoded:
            result = outcome.to_json()
            encoded[id(outcome)] = (result, encode_json(dialect, result), digest(result))
        result, stored, sha = encoded[id(outcome)]
        inputs = profile.model_dump(mode="json")
        before_inputs, before = previous.get(system_id, ({}, {}))
        found = changes.compare(
            before_inputs=before_inputs, before=before, after_inputs=inputs, after=result
        )
        rows.append((system_id, inputs, result, stored, sha, found))
    positions = ledger.append_many(
        session,
        [
            (
                LEDGER_KIND,
                ledger_event(
                    reference(country, system_id),
                    result,
                    reason=REASON,
                    inputs_sha256=digest(inputs),
                    result_sha256=sha,
                ),
            )
            for system_id, inputs, result, _stored, sha, _found in rows
        ],
    )
    now = utcnow()
    connection = session.connection()
    insert_rows(
        connection,
        Classification.__table__,
        CLASSIFICATION_TABLE_COLUMNS,
        [
            (
                system_id,
                now,
                REASON,
                inputs,
                stored,
                result["risk"],
                result["rules_version"],
                found,
                position,
                user_id,
            )
            for (system_id, inputs, result, stored, _sha, found), position in zip(
                rows, positions, strict=True
            )
        ],
        encoded=("result",),
    )
    key = rules_key(rule_set)
    session.execute(
        update(AISystem),
        [
            {
                "id": system_id,
                "risk": result["risk"],
                "gpai": result["gpai"],
                "high_risk_route": result["high_risk_route"],
                "rules_version": key,
                "is_public": shown_publicly(owner, sector, result["risk"]),
                "updated_at": now,
            }
            for (system_id, _answers, sector, owner), (_id, _inputs, result, _s, _h, _f) in zip(
                systems, rows, strict=True
            )
        ],
    )
    return [
        Reclassified(system_id, REASON, result["risk"], found, position)
        for (system_id, _inputs, result, _stored, _sha, found), position in zip(
            rows, positions, strict=True
        )
    ]

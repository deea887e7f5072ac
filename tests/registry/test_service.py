"""Registering, classifying and reclassifying AI systems, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from soai.crypto import jcs
from soai.db import transaction
from soai.errors import Conflict, InvalidInput, NotFound
from soai.ledger import service as ledger
from soai.ledger.service import entry
from soai.profiles import service as profiles
from soai.registry import listing, reclassification, service
from soai.registry.models import AISystem, Classification
from tests.identity.factories import make_user
from tests.registry.factories import (
    EVERYTHING,
    cambodia_rules,
    make_organisation,
    register,
    submission,
)


def test_a_credit_scoring_system_is_high_risk_stored_with_its_trace_and_logged(
    sessions: sessionmaker[Session],
) -> None:
    bank = make_organisation(sessions, name="Angkor Bank")
    system = register(sessions, bank)
    with transaction(sessions) as session:
        stored = session.get_one(AISystem, system.id)
        assert (stored.risk, stored.high_risk_route, stored.is_public) == ("high", "6(2)", True)
        [record] = service.history(session, system_id=system.id)
        assert record.reason == "registered"
        assert record.inputs["annex_iii"] == ["5(b)"]
        assert any(step["article"].startswith("Art. 6(2)") for step in record.result["trace"])
        urns = {o["urn"] for o in record.result["obligations"]}
        assert "urn:soai:eu-ai-act:art-9" in urns and "urn:soai:kh:pdpl-dpia" in urns
        logged = entry(session, position=record.ledger_position)
        body = jcs_body(logged.body)
        assert body["type"] == "registry.classification"
        assert body["data"]["system"] == f"KH-AI-{system.id:06d}"
        assert body["data"]["result_sha256"] == sha(record.result)
        assert body["data"]["inputs_sha256"] == sha(record.inputs)


def jcs_body(raw: bytes) -> dict[str, object]:
    import json

    value = json.loads(raw)
    assert isinstance(value, dict)
    return value


def sha(value: object) -> str:
    return hashlib.sha256(jcs.canonicalize(value)).hexdigest()


def test_a_minimal_risk_company_system_stays_out_of_the_public_register(
    sessions: sessionmaker[Session],
) -> None:
    shop = make_organisation(sessions, name="Phsar Online")
    register(sessions, shop, submission("Recommendations", answers={}, sector="e-commerce"))
    ministry = make_organisation(sessions, name="Ministry of Agriculture", kind="public_body")
    register(sessions, ministry, submission("Rice yield", answers={}, sector="agriculture"))
    with transaction(sessions) as session:
        public = listing.search(session, scope=None)
        assert [s.name for s, _ in public.rows] == ["Rice yield"]
        assert listing.counts_by_risk(session, public_only=True) == {"minimal": 1}


def test_providers_see_only_their_organisations_systems(sessions: sessionmaker[Session]) -> None:
    mine = make_organisation(sessions, name="Mine")
    theirs = make_organisation(sessions, name="Theirs")
    own = register(sessions, mine, submission("Own system"))
    other = register(sessions, theirs, submission("Other system"))
    provider = make_user(sessions, "provider")
    with transaction(sessions) as session:
        service.add_member(session, organisation_id=mine.id, user_id=provider.id)
    with transaction(sessions) as session:
        scope = service.scope_of(session, user_id=provider.id, sees_all=False)
        assert [s.name for s, _ in listing.search(session, scope=scope).rows] == ["Own system"]
        assert service.get(session, system_id=own.id, scope=scope).name == "Own system"
        with pytest.raises(NotFound):
            service.get(session, system_id=other.id, scope=scope)
        with pytest.raises(NotFound):
            service.register(
                session,
                organisation_id=theirs.id,
                submission=submission("Sneaky"),
                rule_set=cambodia_rules(),
                scope=scope,
                country="KH",
                user_id=provider.id,
            )


def test_changed_answers_record_a_reclassification_saying_what_changed(
    sessions: sessionmaker[Session],
) -> None:
    bank = make_organisation(sessions)
    system = register(sessions, bank, submission(answers={"transparency": ["50(1)"]}))
    with transaction(sessions) as session:
        unchanged = service.update(
            session,
            system_id=system.id,
            submission=submission(answers={"transparency": ["50(1)"]}),
            rule_set=cambodia_rules(),
            scope=EVERYTHING,
            country="KH",
            user_id=None,
        )
        assert unchanged is None, "saving the same answers records nothing new"
        changed = service.update(
            session,
            system_id=system.id,
            submission=submission(answers={"transparency": ["50(1)"], "annex_iii": ["5(b)"]}),
            rule_set=cambodia_rules(),
            scope=EVERYTHING,
            country="KH",
            user_id=None,
        )
        assert changed is not None and changed.reason == "answers_changed"
        fields = {c["field"]: c for c in changed.changes}
        assert fields["risk"]["before"] == "limited" and fields["risk"]["after"] == "high"
        assert fields["answers.annex_iii"]["after"] == ["5(b)"]
        assert "urn:soai:eu-ai-act:art-9" in fields["obligations"]["added"]
        assert len(service.history(session, system_id=system.id)) == 2


def test_a_new_timeline_reclassifies_stale_systems_and_shows_the_moved_dates(
    sessions: sessionmaker[Session],
) -> None:
    cambodia = profiles.load(profiles.resolve("cambodia"))
    omnibus = service.ruleset(
        cambodia.model_copy(
            update={
                "classification": cambodia.classification.model_copy(update={"timeline": "omnibus"})
            }
        )
    )
    bank = make_organisation(sessions)
    system = register(sessions, bank, rule_set=omnibus)
    with transaction(sessions) as session:
        changed = reclassification.reclassify_all(
            session, rule_set=cambodia_rules(), country="KH", user_id=None
        )
        assert [c.system_id for c in changed] == [system.id]
        [record] = changed
        assert record.reason == "rules_changed"
        fields = {c["field"]: c for c in record.changes}
        assert fields["timeline"] == {"field": "timeline", "before": "omnibus", "after": "enacted"}
        moved = {m["urn"]: m for m in fields["obligations.applies_from"]["moved"]}
        assert moved["urn:soai:eu-ai-act:art-9"]["before"] == "2027-12-02"
        assert moved["urn:soai:eu-ai-act:art-9"]["after"] == "2026-08-02"
        again = reclassification.reclassify_all(
            session, rule_set=cambodia_rules(), country="KH", user_id=None
        )
        assert again == [], "systems already under the current rules are left alone"


def test_contradictory_answers_are_refused_naming_the_field_and_nothing_is_written(
    sessions: sessionmaker[Session],
) -> None:
    bank = make_organisation(sessions)
    with transaction(sessions) as session:
        size = ledger.size(session)
    with pytest.raises(InvalidInput) as caught:
        register(sessions, bank, submission(answers={"art_6_3_condition": "a"}))
    assert caught.value.field == "answers.art_6_3_condition"
    with pytest.raises(InvalidInput) as caught:
        register(sessions, bank, submission(answers={"annex_iii": ["9(z)"]}))
    assert caught.value.field is not None and caught.value.field.startswith("answers.annex_iii")
    with transaction(sessions) as session:
        assert session.scalar(select(func.count()).select_from(AISystem)) == 0
        assert session.scalar(select(func.count()).select_from(Classification)) == 0
        assert ledger.size(session) == size


def test_an_organisation_cannot_register_two_systems_with_one_name(
    sessions: sessionmaker[Session],
) -> None:
    bank = make_organisation(sessions)
    register(sessions, bank, submission("Scoring"))
    with pytest.raises(Conflict, match=r"(?i)scoring"):
        register(sessions, bank, submission("scoring"))
    with pytest.raises(Conflict):
        make_organisation(sessions, name=bank.name.upper())


def test_applicable_requirements_follow_the_crosswalks(sessions: sessionmaker[Session]) -> None:
    bank = make_organisation(sessions)
    system = register(sessions, bank)
    with transaction(sessions) as session:
        urns = service.applicable_requirements(session, system_id=system.id)
    frameworks = {urn.split(":")[2] for urn in urns}
    assert {"eu-ai-act", "iso-42001", "nist-ai-rmf", "kh"} <= frameworks

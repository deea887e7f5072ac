"""Readiness assessments on record: the answers to the national questionnaire or a sector's,
with the index they gave (method in :mod:`soai.programme.readiness`) and the questionnaire
version they answered."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.errors import InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.programme import readiness
from soai.programme.models import ReadinessAssessment


def parse_answers(
    form: Mapping[str, str], questions: tuple[readiness.Question, ...]
) -> dict[str, int | None]:
    """Form fields ``q-<id>`` (a level, or empty for "don't know") as answers."""
    answers: dict[str, int | None] = {}
    for question in questions:
        raw = form.get(f"q-{question.id}", "").strip()
        if not raw:
            answers[question.id] = None
        elif raw.isascii() and raw.isdigit() and len(raw) <= 2:
            answers[question.id] = int(raw)
        else:
            raise InvalidInput(N_("Question {question!r}: choose a level or \"don't know\"."),
                               field=f"q-{question.id}", question=question.id)  # fmt: skip
    return answers


def record(
    session: Session, *, scope: str, organisation: str, answers: Mapping[str, int | None],
    actor: str, now: datetime,
) -> ReadinessAssessment:  # fmt: skip
    questionnaire = readiness.load()
    checked = readiness.check_answers(questionnaire, scope, answers)
    organisation = organisation.strip()
    if scope != readiness.NATIONAL and not organisation:
        raise InvalidInput(N_("Name the organisation that answered this sector questionnaire."),
                           field="organisation")  # fmt: skip
    if len(organisation) > 200:
        raise InvalidInput(N_("The organisation's name is longer than 200 characters."),
                           field="organisation")  # fmt: skip
    if all(value is None for value in checked.values()):
        raise InvalidInput(N_("Answer at least one question."), field="answers")
    result = readiness.score(questionnaire, scope, checked)
    assessment = ReadinessAssessment(scope=scope, organisation=organisation, answers=checked,
                                     overall=result.index, created_by=actor, created_at=now,
                                     questionnaire_version=questionnaire.version)  # fmt: skip
    session.add(assessment)
    session.flush()
    return assessment


def get(session: Session, assessment_id: int) -> ReadinessAssessment:
    found = session.get(ReadinessAssessment, assessment_id)
    if found is None:
        raise NotFound(N_("No readiness assessment {id}."), id=assessment_id)
    return found


def recent(session: Session, *, limit: int = 50) -> list[ReadinessAssessment]:
    return list(session.scalars(
        select(ReadinessAssessment).order_by(ReadinessAssessment.id.desc()).limit(limit)))  # fmt: skip

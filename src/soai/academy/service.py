"""Use cases of the academy: candidates, lesson progress, and exams whose every rule is kept on
the server — the clock (with a candidate's extra time), one active attempt, retake waits and
maximum attempts, prerequisites, the form drawn from the bank with a recorded seed, autosaved
answers that a closed tab does not lose, one browser tab at a time, grading, and the
credential a pass earns."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.academy import bank as banks
from soai.academy import forms, grading
from soai.academy import programme as programmes
from soai.academy.models import Answer, Attempt, Candidate, ItemExposure, LessonProgress
from soai.errors import Conflict, InvalidInput, NotFound
from soai.i18n.markers import N_

LANGUAGES = ("en", "km")


def id_hash(national_id: str, secret: bytes) -> str:
    """The keyed hash stored instead of a national ID (detects a second registration)."""
    normal = "".join(national_id.split()).upper()
    return hmac.new(secret, normal.encode(), hashlib.sha256).hexdigest()


def candidate_of(session: Session, *, user_id: int) -> Candidate | None:
    return session.scalar(select(Candidate).where(Candidate.user_id == user_id))


def enrol(
    session: Session, *, user_id: int, language: str, country: str = "KH",
    national_id: str | None = None, secret: bytes = b"",
) -> Candidate:  # fmt: skip
    """Register a candidate (once per person: the national ID's keyed hash is unique)."""
    if language not in LANGUAGES:
        raise InvalidInput(N_("Choose English or Khmer."), field="language")
    if len(country) != 2 or not country.isalpha():
        raise InvalidInput(N_("A country is a two-letter ISO 3166 code."), field="country")
    found = candidate_of(session, user_id=user_id)
    if found is not None:
        return found
    hashed = id_hash(national_id, secret) if national_id else None
    if hashed and session.scalar(select(Candidate.id).where(Candidate.national_id_hash == hashed)):
        raise Conflict(N_("This national ID is already registered."), field="national_id")
    candidate = Candidate(user_id=user_id, language=language, country=country.upper(),
                          national_id_hash=hashed)  # fmt: skip
    session.add(candidate)
    session.flush()
    return candidate


def complete_lesson(session: Session, *, candidate: Candidate, module: str) -> None:
    if module not in programmes.load().modules:
        raise NotFound(N_("No module {module}."), module=module)
    exists = session.scalar(select(LessonProgress.id).where(
        LessonProgress.candidate_id == candidate.id, LessonProgress.module == module))  # fmt: skip
    if exists is None:
        session.add(LessonProgress(candidate_id=candidate.id, module=module))
        session.flush()


def completed_lessons(session: Session, *, candidate: Candidate) -> set[str]:
    rows = session.scalars(
        select(LessonProgress.module).where(LessonProgress.candidate_id == candidate.id)
    )
    return set(rows)


def attempts(session: Session, *, candidate: Candidate) -> list[Attempt]:
    query = select(Attempt).where(Attempt.candidate_id == candidate.id)
    return list(session.scalars(query.order_by(Attempt.started_at.desc())))


def active_attempt(
    session: Session, *, candidate: Candidate, now: datetime, bank: banks.Bank
) -> Attempt | None:
    """The candidate's attempt in progress; one whose time is up is submitted first."""
    found = session.scalar(
        select(Attempt).where(Attempt.candidate_id == candidate.id, Attempt.status == "active")
    )
    if found is not None and now >= found.deadline:
        submit(session, attempt=found, now=now, bank=bank, on_time_up=True)
        return None
    return found


def bank_of(items: Path | None) -> banks.Bank:
    """The item bank of the instance: ``SOAI_ACADEMY_ITEMS`` or the shipped one, read once and
    read again only when one of its files changes."""
    if items is None:
        return banks.load()
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in items.glob("*.yaml")))
    return _bank_at(items, stamp)


@lru_cache(maxsize=4)
def _bank_at(items: Path, stamp: tuple[tuple[str, int], ...]) -> banks.Bank:
    return banks.load(items)


def start(
    session: Session, *, candidate: Candidate, tier_id: str, now: datetime, bank: banks.Bank
) -> Attempt:
    """Start an exam: one active attempt, prerequisites, retake wait and maximum attempts."""
    tier = programmes.load().tier(tier_id)
    from soai.academy import scheduling

    if active_attempt(session, candidate=candidate, now=now, bank=bank) is not None:
        raise Conflict(N_("You already have an exam in progress; finish it first."))
    done = [a for a in attempts(session, candidate=candidate) if a.status == "submitted"]
    for needed in tier.prerequisites:
        if not any(a.tier == needed and a.passed for a in done):
            raise Conflict(N_("The {tier} exam needs a pass at {needed} first."),
                           tier=tier_id, needed=needed)  # fmt: skip
    mine = [a for a in done if a.tier == tier_id]
    if any(a.passed for a in mine):
        raise Conflict(N_("You have already passed this exam."))
    if len(mine) >= tier.max_attempts:
        raise Conflict(
            N_("You have used all {count} attempts at this exam."), count=tier.max_attempts
        )
    scheduling.may_start(session, candidate=candidate, tier=tier_id, now=now)
    if mine and mine[0].submitted_at is not None:
        wait_until = mine[0].submitted_at + timedelta(hours=tier.retake_wait_hours)
        if now < wait_until:
            raise Conflict(N_("You can retake this exam from {when}."), when=wait_until.isoformat())
    seed = secrets.token_bytes(32)
    form = forms.assemble(bank, tier, seed=seed, exposure=exposure(session, bank))
    attempt = Attempt(
        id=uuid.uuid4().hex, candidate_id=candidate.id, tier=tier_id, seed=form.seed,
        bank_version=bank.version, form=form.to_record(), language=candidate.language,
        status="active", tab=secrets.token_hex(16), started_at=now,
        deadline=now + timedelta(minutes=tier.minutes + candidate.extra_minutes),
    )  # fmt: skip
    session.add(attempt)
    _count_exposure(session, list(form.item_ids))
    session.flush()
    return attempt


def exposure(session: Session, bank: banks.Bank) -> np.ndarray:
    """How often each bank item was shown so far (for exposure control)."""
    counts = np.zeros(len(bank), dtype=np.int64)
    for item_id, shown in session.execute(select(ItemExposure.item_id, ItemExposure.shown)):
        row = bank.index.get(item_id)
        if row is not None:
            counts[row] = shown
    return counts


def _count_exposure(session: Session, item_ids: list[str]) -> None:
    """Add one showing to each item, atomically (concurrent exam starts add up)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    statement = insert(ItemExposure).values([{"item_id": i, "shown": 1} for i in item_ids])
    session.execute(statement.on_conflict_do_update(
        index_elements=[ItemExposure.item_id], set_={"shown": ItemExposure.shown + 1}))  # fmt: skip


def claim_tab(session: Session, *, attempt: Attempt) -> str:
    """Move the attempt to a new browser tab (the candidate reopened it): older tabs stop."""
    attempt.tab = secrets.token_hex(16)
    session.flush()
    return attempt.tab


@dataclass(frozen=True)
class Question:
    position: int
    count: int
    stem: str
    options: list[str]  # in the order displayed; the key is never sent
    chosen: int | None
    flagged: bool


def question(session: Session, *, attempt: Attempt, position: int, bank: banks.Bank) -> Question:
    items = attempt.form["items"]
    if not 0 <= position < len(items):
        raise NotFound(N_("The exam has no question {number}."), number=position + 1)
    item = bank.items[bank.index[items[position]]]
    text = item.text(attempt.language)
    order = attempt.form["options"][position]
    saved = _answers(session, attempt).get(position)
    return Question(
        position=position, count=len(items), stem=text.stem,
        options=[text.options["abcd".index(letter)] for letter in order],
        chosen=saved.option if saved else None, flagged=bool(saved and saved.flagged),
    )  # fmt: skip


def _answers(session: Session, attempt: Attempt) -> dict[int, Answer]:
    rows = session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))
    return {a.position: a for a in rows}


def overview(session: Session, *, attempt: Attempt) -> list[tuple[int, bool, bool]]:
    """(position, answered, flagged) of every question: the review screen."""
    saved = _answers(session, attempt)
    return [
        (n, n in saved and saved[n].option is not None, n in saved and saved[n].flagged)
        for n in range(len(attempt.form["items"]))
    ]


def save(
    session: Session, *, attempt: Attempt, position: int, option: int | None, flagged: bool,
    tab: str, now: datetime, bank: banks.Bank,
) -> str:  # fmt: skip
    """Autosave one answer: ``"saved"``, or ``"time_up"`` when the time had run out (the exam
    is then submitted with the answers saved before, and this one is not taken). Refused after
    submission, from another tab, or for a question or option the form does not have."""
    if attempt.status != "active":
        raise Conflict(N_("This exam was already submitted; answers can no longer change."))
    if now >= attempt.deadline:
        submit(session, attempt=attempt, now=now, bank=bank, on_time_up=True)
        return "time_up"
    if not hmac.compare_digest(tab, attempt.tab):
        raise Conflict(N_("This exam is open in another tab or window; continue there."))
    if not 0 <= position < len(attempt.form["items"]):
        raise InvalidInput(N_("The exam has no question {number}."), field="position",
                           number=position + 1)  # fmt: skip
    if option is not None and not 0 <= option < 4:
        raise InvalidInput(N_("Question {number} has no option {option}."), field="option",
                           number=position + 1, option=option)  # fmt: skip
    row = session.scalar(
        select(Answer).where(Answer.attempt_id == attempt.id, Answer.position == position)
    )
    if row is None:
        session.add(Answer(attempt_id=attempt.id, position=position, option=option,
                           flagged=flagged, saved_at=now))  # fmt: skip
    else:
        row.option, row.flagged, row.saved_at = option, flagged, now
    session.flush()
    return "saved"


def submit(
    session: Session, *, attempt: Attempt, now: datetime, bank: banks.Bank,
    on_time_up: bool = False,
) -> Attempt:  # fmt: skip
    """Grade and close the attempt (once: a second submission is refused)."""
    if attempt.status != "active":
        raise Conflict(N_("This exam was already submitted."))
    form = forms.Form.from_record(bank, attempt.form)
    saved = _answers(session, attempt)
    answers = np.array(
        [saved[n].option if n in saved and saved[n].option is not None else -1
         for n in range(len(form.item_ids))], dtype=np.int8,
    )  # fmt: skip
    tier = programmes.load().tier(attempt.tier)
    grades = grading.grade_batch(bank, form, answers, tier.pass_mark)
    result = grades.result(0, bank.domain_ids)
    attempt.status = "submitted"
    attempt.submitted_at = min(now, attempt.deadline) if on_time_up else now
    attempt.raw_score, attempt.percent = result["raw"], result["percent"]
    attempt.scaled_score, attempt.passed = result["scaled"], result["passed"]
    attempt.by_domain = result["by_domain"]
    session.flush()
    return attempt


def attempt_of(session: Session, *, attempt_id: str, candidate: Candidate) -> Attempt:
    found = session.get(Attempt, attempt_id)
    if found is None or found.candidate_id != candidate.id:
        raise NotFound(N_("No exam attempt {id}."), id=attempt_id)
    return found


def certify(session: Session, *, attempt: Attempt, email: str, issuer: Any, now: datetime) -> str:
    """Issue the tier's Open Badges 3.0 credential for a passed attempt (once), valid for the
    tier's years, logged in the ledger by the trust layer; returns its id."""
    from soai.credentials import service as credentials

    if not attempt.passed:
        raise Conflict(N_("Only a passed exam earns a certificate."))
    if attempt.credential_id:
        return attempt.credential_id
    tier = programmes.load().tier(attempt.tier)
    try:
        valid_until = now.replace(year=now.year + tier.validity_years)
    except ValueError:  # 29 February, in a year that has none
        valid_until = now.replace(year=now.year + tier.validity_years, day=28)
    document = credentials.issue(
        session, issuer=issuer, achievement_key=tier.achievement, email=email,
        valid_until=valid_until,
    )  # fmt: skip
    attempt.credential_id = str(document["id"])
    session.flush()
    return attempt.credential_id

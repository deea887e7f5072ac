"""Candidates' records beyond the exam itself: accommodations, data export and erasure (the
anticipated Cambodian data-protection duties), CPD hours and renewal, and the item analysis of
an exam window for the item-writing committee."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.academy import analysis, forms, grading
from soai.academy import bank as banks
from soai.academy import programme as programmes
from soai.academy.models import Answer, Attempt, Candidate, CpdActivity, LessonProgress, Renewal
from soai.errors import Conflict, InvalidInput, NotFound
from soai.i18n.markers import N_

MAX_EXTRA_MINUTES = 240


def accommodate(session: Session, *, candidate: Candidate, extra_minutes: int) -> None:
    """Extra time for a candidate's future attempts (an accommodation, e.g. a disability)."""
    if not 0 <= extra_minutes <= MAX_EXTRA_MINUTES:
        raise InvalidInput(N_("Extra time must be 0 to {limit} minutes."), field="minutes",
                           limit=MAX_EXTRA_MINUTES)  # fmt: skip
    candidate.extra_minutes = extra_minutes
    session.flush()


def export(session: Session, *, candidate: Candidate) -> dict[str, Any]:
    """Everything the academy holds about a candidate, as JSON (a data-subject request)."""
    attempts = session.scalars(select(Attempt).where(Attempt.candidate_id == candidate.id))
    return {
        "candidate": {"country": candidate.country, "language": candidate.language,
                      "extra_minutes": candidate.extra_minutes,
                      "national_id": "kept only as a keyed hash" if candidate.national_id_hash
                      else None, "registered": candidate.created_at.isoformat()},
        "lessons_completed": sorted(session.scalars(select(LessonProgress.module).where(
            LessonProgress.candidate_id == candidate.id))),
        "attempts": [
            {"tier": a.tier, "started": a.started_at.isoformat(), "status": a.status,
             "scaled_score": a.scaled_score, "passed": a.passed, "by_domain": a.by_domain,
             "credential": a.credential_id}
            for a in attempts
        ],
        "cpd": [
            {"tier": c.tier, "hours": c.hours, "activity": c.activity,
             "done_on": c.done_on.date().isoformat()}
            for c in session.scalars(select(CpdActivity).where(CpdActivity.candidate_id == candidate.id))
        ],
    }  # fmt: skip


def erase(session: Session, *, candidate: Candidate, now: datetime) -> None:
    """Erase a candidate on request: the link to their account, their national ID hash and
    their CPD notes go; their attempts stay, no longer linked to anyone, for item statistics;
    issued credentials stay verifiable (signed documents the person holds)."""
    if candidate.erased_at is not None:
        raise Conflict(N_("This candidate was already erased."))
    if session.scalar(select(Attempt.id).where(Attempt.candidate_id == candidate.id,
                                               Attempt.status == "active")):  # fmt: skip
        raise Conflict(N_("An exam is in progress; erase after it ends."))
    attempt_ids = list(
        session.scalars(select(Attempt.id).where(Attempt.candidate_id == candidate.id))
    )
    for answer in session.scalars(select(Answer).where(Answer.attempt_id.in_(attempt_ids))):
        session.delete(answer)
    for note in session.scalars(
        select(CpdActivity).where(CpdActivity.candidate_id == candidate.id)
    ):
        note.activity = ""
    candidate.user_id, candidate.national_id_hash, candidate.erased_at = None, None, now
    session.flush()


def record_cpd(
    session: Session, *, candidate: Candidate, tier: str, hours: float, activity: str,
    done_on: datetime,
) -> CpdActivity:  # fmt: skip
    if not 0 < hours <= 200:
        raise InvalidInput(N_("CPD hours must be more than 0 and at most 200."), field="hours")
    if not activity.strip():
        raise InvalidInput(N_("Say what the activity was."), field="activity")
    row = CpdActivity(candidate_id=candidate.id, tier=tier, hours=hours,
                      activity=activity.strip()[:300], done_on=done_on)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def _years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def renewal_due(session: Session, *, candidate: Candidate, tier: str) -> dict[str, Any]:
    """The CPD hours recorded since the certificate was issued (or last renewed) against the
    tier's renewal requirement, and when the current certificate expires."""
    passed = session.scalar(select(Attempt).where(
        Attempt.candidate_id == candidate.id, Attempt.tier == tier, Attempt.passed.is_(True)
    ).order_by(Attempt.submitted_at.desc()).limit(1))  # fmt: skip
    if passed is None or passed.submitted_at is None:
        raise NotFound(N_("No passed {tier} exam to renew."), tier=tier)
    validity = programmes.load().tier(tier).validity_years
    last = session.scalar(select(Renewal).where(
        Renewal.candidate_id == candidate.id, Renewal.tier == tier
    ).order_by(Renewal.renewed_at.desc()).limit(1))  # fmt: skip
    since = last.renewed_at if last else passed.submitted_at
    expires = last.valid_until if last else _years(passed.submitted_at, validity)
    hours = sum(c.hours for c in session.scalars(select(CpdActivity).where(
        CpdActivity.candidate_id == candidate.id, CpdActivity.tier == tier,
        CpdActivity.done_on >= since)))  # fmt: skip
    needed = programmes.load().tier(tier).cpd_hours
    return {"tier": tier, "since": since.isoformat(), "hours": hours, "needed": needed,
            "eligible": hours >= needed, "attempt": passed.id,
            "expires": expires.isoformat()}  # fmt: skip


def renew(
    session: Session, *, candidate: Candidate, tier: str, email: str, issuer: Any, now: datetime
) -> Renewal:
    """Issue the renewed certificate (a new credential valid for another term from the old
    expiry) when enough CPD hours were recorded — before the certificate expires."""
    from soai.credentials import service as credentials

    due = renewal_due(session, candidate=candidate, tier=tier)
    expires = datetime.fromisoformat(due["expires"])
    if now >= expires:
        raise Conflict(N_("The certificate expired on {date}: sit the exam again."),
                       date=expires.date().isoformat())  # fmt: skip
    if not due["eligible"]:
        raise Conflict(N_("Renewal needs {needed} CPD hours; {hours} are recorded."),
                       needed=due["needed"], hours=f"{due['hours']:g}")  # fmt: skip
    definition = programmes.load().tier(tier)
    valid_until = _years(expires, definition.validity_years)
    document = credentials.issue(session, issuer=issuer, achievement_key=definition.achievement,
                                 email=email, valid_until=valid_until)  # fmt: skip
    row = Renewal(candidate_id=candidate.id, tier=tier, hours=due["hours"],
                  valid_until=valid_until, credential_id=str(document["id"]), renewed_at=now)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def window_analysis(session: Session, *, tier: str, bank: banks.Bank) -> dict[str, Any]:
    """Item analysis of every submitted attempt of ``tier`` (the committee's report)."""
    rows = [a for a in session.scalars(select(Attempt).where(
        Attempt.tier == tier, Attempt.status == "submitted")) if "items" in a.form]  # fmt: skip
    if not rows:
        raise NotFound(N_("No submitted {tier} attempt to analyse."), tier=tier)
    formset = [forms.Form.from_record(bank, a.form) for a in rows]
    width = max(len(f.item_ids) for f in formset)
    items = np.full((len(rows), width), -1, dtype=np.int32)
    scored = np.zeros((len(rows), width), dtype=bool)
    chosen = np.full((len(rows), width), -1, dtype=np.int8)
    saved: dict[str, dict[int, int | None]] = {a.id: {} for a in rows}
    for answer in session.scalars(select(Answer).where(Answer.attempt_id.in_(saved))):
        saved[answer.attempt_id][answer.position] = answer.option
    for n, (attempt, form) in enumerate(zip(rows, formset, strict=True)):
        k = len(form.item_ids)
        items[n, :k], scored[n, :k] = form.items, form.scored
        shown = np.array([saved[attempt.id].get(q) if saved[attempt.id].get(q) is not None
                          else -1 for q in range(k)], dtype=np.int8)  # fmt: skip
        chosen[n, :k] = grading.original_options(shown, form.option_perms)
    correct = (chosen == bank.key[np.clip(items, 0, None)]) & (items >= 0)
    result = analysis.analyse_attempts(items, correct, scored, n_items=len(bank),
                                       chosen=chosen, keys=bank.key)  # fmt: skip
    statuses = [item.status for item in bank.items]
    return analysis.report(result, item_ids=bank.ids, status=statuses)

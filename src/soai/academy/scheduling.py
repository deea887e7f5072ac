"""Exam windows and bookings. A certification body opens windows per tier (dates and seats);
candidates book a seat; when a tier has any window, its exam can only be started by a
candidate who booked a window that is open now. Tiers without windows can be sat any time
(self-paced, e.g. the Watchdog entry level)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soai.academy import programme as programmes
from soai.academy.models import Booking, Candidate, ExamWindow
from soai.errors import Conflict, InvalidInput, NotFound
from soai.i18n.markers import N_


def open_window(
    session: Session, *, tier: str, opens_at: datetime, closes_at: datetime, seats: int
) -> ExamWindow:
    programmes.load().tier(tier)
    if closes_at <= opens_at:
        raise InvalidInput(N_("A window must close after it opens."), field="closes_at")
    if not 1 <= seats <= 1_000_000:
        raise InvalidInput(N_("A window has 1 to 1,000,000 seats."), field="seats")
    window = ExamWindow(tier=tier, opens_at=opens_at, closes_at=closes_at, seats=seats)
    session.add(window)
    session.flush()
    return window


def windows(session: Session, *, now: datetime, tier: str | None = None) -> list[ExamWindow]:
    """Windows that have not closed yet, soonest first."""
    query = select(ExamWindow).where(ExamWindow.closes_at > now)
    if tier is not None:
        query = query.where(ExamWindow.tier == tier)
    return list(session.scalars(query.order_by(ExamWindow.opens_at)))


def booked(session: Session, *, window: ExamWindow) -> int:
    return int(session.scalar(select(func.count()).where(Booking.window_id == window.id)) or 0)


def book(session: Session, *, candidate: Candidate, window_id: int, now: datetime) -> Booking:
    window = session.get(ExamWindow, window_id)
    if window is None:
        raise NotFound(N_("No exam window {id}."), id=window_id)
    if window.closes_at <= now:
        raise Conflict(N_("This window has closed."))
    if session.scalar(select(Booking.id).where(Booking.window_id == window.id,
                                               Booking.candidate_id == candidate.id)):  # fmt: skip
        raise Conflict(N_("You have already booked this window."))
    if booked(session, window=window) >= window.seats:
        raise Conflict(N_("This window is full; choose another."))
    booking = Booking(window_id=window.id, candidate_id=candidate.id, booked_at=now)
    session.add(booking)
    session.flush()
    return booking


def bookings(session: Session, *, candidate: Candidate) -> list[ExamWindow]:
    query = select(ExamWindow).join(Booking, Booking.window_id == ExamWindow.id).where(
        Booking.candidate_id == candidate.id)  # fmt: skip
    return list(session.scalars(query.order_by(ExamWindow.opens_at)))


def may_start(session: Session, *, candidate: Candidate, tier: str, now: datetime) -> None:
    """Refuse to start an exam whose tier has windows unless the candidate booked one that
    is open now."""
    has_windows = session.scalar(select(ExamWindow.id).where(ExamWindow.tier == tier).limit(1))
    if has_windows is None:
        return
    for window in bookings(session, candidate=candidate):
        if window.tier == tier and window.opens_at <= now < window.closes_at:
            return
    raise Conflict(
        N_(
            "This exam is sat in scheduled windows: book a window and start it while the window is open."
        )
    )

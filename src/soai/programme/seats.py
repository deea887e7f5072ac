"""A giveaway seat's life after the draw: the applicant's secret link, accepting (an account
and enrolment in the academy) or declining, expiry and re-offer, e-mails, and the funnel.

Rules:

- **Link.** Each application has a link ``/programme/seat/<id>-<mac>``, the MAC an HMAC-SHA256
  of the round and application with the instance's secret: unguessable, nothing stored, the
  same link in the receipt and in every e-mail.
- **Accept.** Until the offer expires the applicant chooses a password: an account (role
  candidate, their e-mail) is made and they are enrolled in the academy. If an account with
  that e-mail exists they sign in first and the seat joins that account.
- **Expiry and re-offer.** An offer not accepted by its date expires; a declined or expired
  seat goes to the next waitlisted applicant: a reserved seat to the next one from the same
  country if any (else the next one overall), a general seat to the next one overall. Each
  batch of re-offers is a ledger entry (``giveaway.reoffered``, counts and the SHA-256 of the
  application ids) — the lottery's published statuses never change.
- **Funnel.** applied → allocated → offered → accepted → examined → certified, by country;
  examined and certified are read from the academy (a submitted attempt; a passed one with a
  credential). Seat value = the profile's total value ÷ seats.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from soai.errors import Conflict, InvalidInput, NotFound
from soai.i18n import Translator
from soai.i18n.markers import N_
from soai.identity import service as identity
from soai.ledger import service as ledger
from soai.mail import Mailer, Message
from soai.programme.models import GiveawayApplication, GiveawayRound

OPEN_STATES = ("offered",)


def link_of(secret: bytes, application: GiveawayApplication, *, answer: bool = False) -> str:
    """The application's private link: to follow it (the receipt's), or to answer an offer
    (sent only by e-mail, to the address applied with, so that whoever accepts a seat has
    shown they read that mailbox)."""
    purpose = "answer" if answer else "view"
    mac = hmac.new(secret, f"giveaway:{purpose}:{application.round_id}:{application.id}".encode(),
                   hashlib.sha256).hexdigest()[:32]  # fmt: skip
    return f"{application.id}-{mac}"


def by_link(
    session: Session, *, secret: bytes, ref: str, lock: bool = False
) -> tuple[GiveawayApplication, bool]:
    """The application of a private link and whether the link may answer the offer; a wrong
    or guessed link is simply not found. ``lock`` locks the row for the change to come."""
    number, _, _mac = ref.partition("-")
    found = None
    if number.isascii() and number.isdigit() and len(number) <= 18:
        found = session.get(GiveawayApplication, int(number), with_for_update=lock or None)
    if found is not None:
        for answer in (False, True):
            if hmac.compare_digest(link_of(secret, found, answer=answer), ref):
                return found, answer
    raise NotFound(N_("This link is not valid. Check that it was copied whole."))


def _open_offer(application: GiveawayApplication, now: datetime) -> None:
    if application.seat != "offered":
        raise Conflict(N_("There is no open offer on this application."))
    if application.offer_expires_at is not None and now > application.offer_expires_at:
        raise Conflict(N_("This offer expired on {date}."),
                       date=application.offer_expires_at.date().isoformat())  # fmt: skip


def accept(
    session: Session, *, application: GiveawayApplication, password: str | None,
    signed_in_user: int | None, now: datetime,
) -> int:  # fmt: skip
    """Take the seat: make an account (or use the signed-in one with the same e-mail) and
    enrol it in the academy. Returns the user id."""
    from pydantic import ValidationError

    from soai.academy import service as academy
    from soai.identity.models import User
    from soai.identity.schemas import UserCreate

    _open_offer(application, now)
    try:
        email = identity.normalise_email(application.email)
    except InvalidInput:
        raise InvalidInput(N_("The e-mail address of this application cannot be used for an "
                              "account; write to the regulator to correct it."),
                           field="email") from None  # fmt: skip
    user = session.scalar(select(User).where(User.email == email))
    if user is not None:
        if signed_in_user != user.id:
            raise Conflict(N_("An account with this e-mail address exists: sign in with it, "
                              "then open this link again."), field="password")  # fmt: skip
    else:
        if not password:
            raise InvalidInput(N_("Choose a password for your account."), field="password")
        try:
            data = UserCreate(email=email, display_name=application.full_name[:200],
                              password=password, roles=["candidate"],  # type: ignore[list-item]
                              language=application.language)  # fmt: skip
        except ValidationError:
            raise InvalidInput(N_("The e-mail address of this application cannot be used for an "
                                  "account; write to the regulator to correct it."),
                               field="email") from None  # fmt: skip
        user = identity.create_user(session, data=data)
    candidate = academy.enrol(session, user_id=user.id, language=application.language,
                              country=application.country)  # fmt: skip
    application.seat, application.responded_at = "accepted", now
    application.candidate_id = candidate.id
    return user.id


def decline(
    session: Session, *, application: GiveawayApplication, now: datetime
) -> list[GiveawayApplication]:
    """Give the seat back; it is re-offered at once. Returns the new offers."""
    _open_offer(application, now)
    application.seat, application.responded_at = "declined", now
    record = session.get(GiveawayRound, application.round_id)
    assert record is not None
    return reoffer(session, record=record, freed=[application], now=now)


def expire(session: Session, *, record: GiveawayRound, now: datetime) -> dict[str, int]:
    """Expire offers past their date and re-offer those seats."""
    lapsed = list(session.scalars(
        select(GiveawayApplication).where(
            GiveawayApplication.round_id == record.id, GiveawayApplication.seat == "offered",
            GiveawayApplication.offer_expires_at < now)
        .order_by(GiveawayApplication.rank).with_for_update()))  # fmt: skip
    for application in lapsed:
        application.seat = "expired"
    offers = reoffer(session, record=record, freed=lapsed, now=now) if lapsed else []
    return {"expired": len(lapsed), "reoffered": len(offers)}


def reoffer(
    session: Session, *, record: GiveawayRound, freed: Iterable[GiveawayApplication],
    now: datetime,
) -> list[GiveawayApplication]:  # fmt: skip
    """Offer each freed seat to the next waitlisted applicant (see the module rules)."""
    freed = list(freed)
    waiting = list(session.scalars(
        select(GiveawayApplication).where(
            GiveawayApplication.round_id == record.id, GiveawayApplication.status == "waitlisted",
            GiveawayApplication.seat.is_(None))
        .order_by(GiveawayApplication.waitlist_position)
        .limit(len(freed) * 4 + 1000).with_for_update(skip_locked=True)))  # fmt: skip
    taken: set[int] = set()
    offers: list[GiveawayApplication] = []
    expires = now + timedelta(days=record.offer_days)
    for seat in freed:
        pick = None
        if seat.seat_reserved:
            pick = next((w for w in waiting if w.id not in taken and w.country == seat.country),
                        None)  # fmt: skip
            if pick is None:
                pick = _next_of_country(session, record, seat.country, taken)
        if pick is None:
            pick = next((w for w in waiting if w.id not in taken), None)
        if pick is None:
            break
        taken.add(pick.id)
        pick.seat, pick.offered_at, pick.offer_expires_at = "offered", now, expires
        pick.seat_reserved = seat.seat_reserved  # a reserved seat stays reserved
        pick.notified_at = pick.reminded_at = None
        offers.append(pick)
    if freed:
        ids = (
            "\n".join(sorted(a.application_id for a in freed))
            + "|"
            + "\n".join(sorted(a.application_id for a in offers))
        )
        ledger.append(session, kind="giveaway.reoffered", data={
            "round": record.name, "freed": len(freed), "offered": len(offers),
            "ids_sha256": hashlib.sha256(ids.encode()).hexdigest(),
        })  # fmt: skip
    return offers


def _next_of_country(
    session: Session, record: GiveawayRound, country: str, taken: set[int]
) -> GiveawayApplication | None:
    query = (select(GiveawayApplication).where(
        GiveawayApplication.round_id == record.id, GiveawayApplication.status == "waitlisted",
        GiveawayApplication.seat.is_(None), GiveawayApplication.country == country)
        .order_by(GiveawayApplication.waitlist_position).with_for_update(skip_locked=True))  # fmt: skip
    if taken:
        query = query.where(GiveawayApplication.id.not_in(taken))
    return session.scalars(query.limit(1)).first()


def notify(
    session: Session,
    *,
    record: GiveawayRound,
    mail: Mailer,
    secret: bytes,
    base_url: str,
    now: datetime,
    remind_days: int = 7,
    timezone: str = "UTC",
    batch: int = 2000,
) -> dict[str, int]:
    """E-mail new offers and, once, a reminder to offers that expire within ``remind_days``."""
    due = now + timedelta(days=remind_days)
    pending = list(session.scalars(
        select(GiveawayApplication).where(
            GiveawayApplication.round_id == record.id, GiveawayApplication.seat == "offered",
            (GiveawayApplication.notified_at.is_(None))
            | (GiveawayApplication.reminded_at.is_(None)
               & (GiveawayApplication.offer_expires_at <= due)))
        .order_by(GiveawayApplication.id).limit(batch)))  # fmt: skip
    messages: list[tuple[GiveawayApplication, bool, Message]] = []
    for application in pending:
        t = Translator(application.language, timezone)
        reminder = application.notified_at is not None
        link = f"{base_url.rstrip('/')}/programme/seat/{link_of(secret, application, answer=True)}"
        expires = t.datetime(application.offer_expires_at) if application.offer_expires_at else ""
        subject = (t(N_("Reminder: your free CEASAI seat is waiting")) if reminder
                   else t(N_("You have been offered a free CEASAI certification seat")))  # fmt: skip
        body = t(N_("Dear {name},\n\nYour application {application} to {round} has a free seat "
                    "waiting for you. Accept or decline it before {date} at:\n\n{link}\n\n"
                    "If you do nothing the seat goes to the next person on the waiting list."),
                 name=application.full_name, application=application.application_id,
                 round=record.name, date=expires, link=link)  # fmt: skip
        messages.append((application, reminder, Message(application.email, subject, body)))
    sent, refused = mail.send(m for _, _, m in messages)
    delivered = {id(m) for m in sent}
    counts = {"offers": 0, "reminders": 0, "refused": len(refused)}
    for application, reminder, message in messages:
        if id(message) not in delivered:
            continue
        if reminder:
            application.reminded_at = now
            counts["reminders"] += 1
        else:
            application.notified_at = now
            counts["offers"] += 1
    return counts


def funnel(session: Session, *, record: GiveawayRound) -> dict[str, dict[str, int]]:
    """Per country (and ``"*"`` for all): applied, duplicates, allocated, waitlisted, offered,
    open offers, accepted, declined, expired, examined, certified."""
    from soai.academy.models import Attempt

    a = GiveawayApplication
    examined = (select(Attempt.candidate_id).where(Attempt.status == "submitted")
                .group_by(Attempt.candidate_id).subquery())  # fmt: skip
    certified = (select(Attempt.candidate_id)
                 .where(Attempt.passed.is_(True), Attempt.credential_id.is_not(None))
                 .group_by(Attempt.candidate_id).subquery())  # fmt: skip

    def count(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    rows = session.execute(
        select(a.country,
               count(a.status != "duplicate"), count(a.status == "duplicate"),
               count(a.status == "allocated"), count(a.status == "waitlisted"),
               count(a.offered_at.is_not(None)), count(a.seat == "offered"),
               count(a.seat == "accepted"), count(a.seat == "declined"),
               count(a.seat == "expired"),
               count(and_(a.seat == "accepted", examined.c.candidate_id.is_not(None))),
               count(and_(a.seat == "accepted", certified.c.candidate_id.is_not(None))))
        .outerjoin(examined, examined.c.candidate_id == a.candidate_id)
        .outerjoin(certified, certified.c.candidate_id == a.candidate_id)
        .where(a.round_id == record.id).group_by(a.country).order_by(a.country)
    ).all()  # fmt: skip
    names = ("applied", "duplicates", "allocated", "waitlisted", "offered", "open_offers",
             "accepted", "declined", "expired", "examined", "certified")  # fmt: skip
    table = {row[0]: {n: int(v or 0) for n, v in zip(names, row[1:], strict=True)} for row in rows}
    table["*"] = {n: sum(c[n] for c in table.values()) for n in names}
    return table

"""A seat after the draw: the secret link, accepting (account and academy enrolment),
declining and expiry with re-offers by the documented rules, offer and reminder e-mails through
a real SMTP server on loopback, and the funnel by country."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.errors import Conflict, NotFound
from soai.mail import Mailer, MailError
from soai.programme import drawing, rounds, seats
from soai.programme.models import GiveawayApplication
from tests.programme.test_rounds import applications_file

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SECRET = b"s" * 32


def drawn_round(sessions: sessionmaker[Session], tmp_path: Path, rows: list[tuple[str, ...]],
                seats_: int, quotas: dict[str, int]) -> int:  # fmt: skip
    with transaction(sessions, write=True) as session:
        record, seed = rounds.open_round(session, name="R", seats=seats_, quotas=quotas,
                                         closes_at=NOW + timedelta(days=10), offer_days=14, now=NOW)  # fmt: skip
        rounds.import_file(
            session, record=record, path=applications_file(tmp_path / "a.csv", rows), now=NOW
        )
        rounds.close_round(session, record=record, now=NOW + timedelta(days=10))
        drawing.draw(session, record=record, seed_hex=seed, now=NOW + timedelta(days=11))
        return record.id


def people(countries: str) -> list[tuple[str, ...]]:
    return [(f"A{n:03d}", f"Person {n}", "1990-01-01", f"{c}H" if c == "K" else "TH",
             f"p{n}@example.org", "") for n, c in enumerate(countries)]  # fmt: skip


def by_status(session: Session, round_id: int, **where: Any) -> list[GiveawayApplication]:
    query = select(GiveawayApplication).where(GiveawayApplication.round_id == round_id)
    for name, value in where.items():
        query = query.where(getattr(GiveawayApplication, name) == value)
    return list(session.scalars(query.order_by(GiveawayApplication.waitlist_position)))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_accepting_makes_an_account_and_enrols_declining_reoffers_to_the_next(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    round_id = drawn_round(sessions, tmp_path, people("KKKKTTTT"), 3, {})
    later = NOW + timedelta(days=12)
    with transaction(sessions, write=True) as session:
        offered = by_status(session, round_id, seat="offered")
        first, second = offered[0], offered[1]
        link = seats.link_of(SECRET, first)
        assert seats.by_link(session, secret=SECRET, ref=link) == (first, False)
        answer = seats.link_of(SECRET, first, answer=True)
        assert answer != link and seats.by_link(session, secret=SECRET, ref=answer) == (first, True)
        for guess in (
            link[:-1] + ("0" if link[-1] != "0" else "1"),
            f"{second.id}-{link.split('-')[1]}",
            "x",
        ):
            with pytest.raises(NotFound):
                seats.by_link(session, secret=SECRET, ref=guess)
        user_id = seats.accept(session, application=first, password="correct horse battery staple",
                               signed_in_user=None, now=later)  # fmt: skip
        assert first.seat == "accepted" and first.candidate_id is not None and user_id
        with pytest.raises(Conflict, match="no open offer"):
            seats.accept(session, application=first, password="x", signed_in_user=None, now=later)
        head = by_status(session, round_id, status="waitlisted")[0]
        new = seats.decline(session, application=second, now=later)
        assert [a.id for a in new] == [head.id] and head.seat == "offered"
        assert head.offer_expires_at == later + timedelta(days=14)
    with transaction(sessions) as session:
        funnel = seats.funnel(session, record=rounds.get_round(session, round_id))
        assert funnel["*"]["allocated"] == 3 and funnel["*"]["offered"] == 4
        assert funnel["*"]["accepted"] == 1 and funnel["*"]["declined"] == 1
        assert funnel["*"]["open_offers"] == 2 and funnel["*"]["examined"] == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_expired_reserved_seat_goes_to_the_next_applicant_of_its_country(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    round_id = drawn_round(sessions, tmp_path, people("KKKTTTTTTT"), 4, {"KH": 2})
    with transaction(sessions, write=True) as session:
        record = rounds.get_round(session, round_id)
        assert seats.expire(session, record=record, now=NOW + timedelta(days=20)) == {
            "expired": 0,
            "reoffered": 0,
        }
        result = seats.expire(session, record=record, now=NOW + timedelta(days=26))
        assert result == {"expired": 4, "reoffered": 4}
        new = by_status(session, round_id, seat="offered")
        # two reserved seats freed: the one Cambodian left on the waiting list takes one
        assert sum(a.country == "KH" for a in new) == 1
        assert all(a.status == "waitlisted" for a in new)  # the lottery's statuses never change


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_offers_and_one_reminder_are_e_mailed_in_the_applicants_language(
    sessions: sessionmaker[Session], tmp_path: Path, smtp_server: tuple[Any, int]
) -> None:
    inbox, port = smtp_server
    round_id = drawn_round(sessions, tmp_path, people("KKKK"), 2, {})  # Cambodians: Khmer e-mail
    mail = Mailer(host="127.0.0.1", port=port, sender="giveaway@example.org")
    with transaction(sessions, write=True) as session:
        record = rounds.get_round(session, round_id)
        sent = seats.notify(session, record=record, mail=mail, secret=SECRET,
                            base_url="https://ai.example.org", now=NOW + timedelta(days=11))  # fmt: skip
        assert sent == {"offers": 2, "reminders": 0, "refused": 0}
        again = seats.notify(session, record=record, mail=mail, secret=SECRET,
                             base_url="https://ai.example.org", now=NOW + timedelta(days=12))  # fmt: skip
        assert again == {"offers": 0, "reminders": 0, "refused": 0}
        reminded = seats.notify(session, record=record, mail=mail, secret=SECRET,
                                base_url="https://ai.example.org", now=NOW + timedelta(days=20))  # fmt: skip
        assert reminded == {"offers": 0, "reminders": 2, "refused": 0}
        offered = by_status(session, round_id, seat="offered")
        links = {seats.link_of(SECRET, a, answer=True) for a in offered}
    assert len(inbox.messages) == 4
    bodies = [m.get_payload(decode=True).decode() for m in inbox.messages]
    assert all(any(link in body for link in links) for body in bodies)
    assert all(any("\u1780" <= ch <= "\u17ff" for ch in body) for body in bodies)
    with pytest.raises(MailError, match="could not be used"):
        Mailer(host="127.0.0.1", port=1, sender="x@example.org", timeout=2).send([])

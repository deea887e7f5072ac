"""Partnership enquiries (the brief's call to action): the public form's checks, its spam
protection, and the regulator's inbox.

Spam protection needs no third-party service:

- a **form ticket**: the form carries the time it was served, signed (HMAC-SHA256) with the
  instance's secret; a post without a valid ticket, sooner than :data:`MIN_SECONDS` after the
  form was served (a robot), or older than a day is refused;
- a **honeypot**: a field hidden from people (``website``); a post that fills it is refused;
- a **rate limit**: at most :data:`PER_HOUR` enquiries an hour from one address, counted by a
  keyed hash of the address (the address itself is not stored);
- at most :data:`MAX_LINKS` links in the message.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soai.errors import InvalidInput, NotFound, SoaiError
from soai.i18n.markers import N_
from soai.identity import formtickets
from soai.programme.models import Enquiry

KINDS = {
    "government": N_("Government"),
    "business": N_("Business"),
    "civil-society": N_("Civil society"),
    "academia": N_("University or training institution"),
    "international": N_("International partner"),
}
MIN_SECONDS = 3
PER_HOUR, MAX_LINKS, MAX_MESSAGE = 3, 3, 5000
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)*\.[^@\s.]{2,}$")


class TooMany(SoaiError):
    code = "too_many_requests"
    status = 429


def ticket(secret: bytes, now: datetime) -> str:
    return formtickets.ticket(secret, now, purpose="enquiry")


def client_key(secret: bytes, address: str) -> str:
    return formtickets.client_key(secret, address)


def submit(
    session: Session, *, secret: bytes, address: str, ticket_value: str, honeypot: str,
    name: str, organisation: str, email: str, kind: str, message: str, language: str,
    now: datetime,
) -> Enquiry:  # fmt: skip
    """Check and store one enquiry (see the module docstring for the spam rules)."""
    formtickets.check_ticket(secret, ticket_value, now, purpose="enquiry", min_seconds=MIN_SECONDS)
    if honeypot.strip():
        raise InvalidInput(
            N_("This enquiry looks automated and was not accepted."), field="website"
        )
    client = client_key(secret, address)
    recent = session.scalar(select(func.count()).select_from(Enquiry).where(
        Enquiry.client == client, Enquiry.created_at > now - timedelta(hours=1)))  # fmt: skip
    if (recent or 0) >= PER_HOUR:
        raise TooMany(N_("Too many enquiries from your address; please try again in an hour."))
    name, organisation, email, message = (name.strip(), organisation.strip(), email.strip(),
                                          message.strip())  # fmt: skip
    if not 1 <= len(name) <= 200:
        raise InvalidInput(N_("Write your name (up to 200 characters)."), field="name")
    if not 1 <= len(organisation) <= 200:
        raise InvalidInput(
            N_("Write your organisation (up to 200 characters)."), field="organisation"
        )
    if len(email) > 254 or not EMAIL.match(email):
        raise InvalidInput(N_("Give an e-mail address such as name@example.org."), field="email")
    if kind not in KINDS:
        raise InvalidInput(N_("Choose what kind of organisation you are."), field="kind")
    if not 10 <= len(message) <= MAX_MESSAGE:
        raise InvalidInput(N_("Write a message of 10 to {n} characters."), field="message",
                           n=MAX_MESSAGE)  # fmt: skip
    if len(re.findall(r"https?://|www\.", message, flags=re.IGNORECASE)) > MAX_LINKS:
        raise InvalidInput(N_("Please include at most {n} links."), field="message", n=MAX_LINKS)
    enquiry = Enquiry(name=name, organisation=organisation, email=email, kind=kind,
                      message=message, language=language, client=client, created_at=now)  # fmt: skip
    session.add(enquiry)
    session.flush()
    return enquiry


def inbox(session: Session, *, limit: int = 200) -> list[Enquiry]:
    """Open enquiries first, newest first."""
    return list(session.scalars(select(Enquiry).order_by(
        Enquiry.handled_at.is_not(None), Enquiry.created_at.desc()).limit(limit)))  # fmt: skip


def mark_handled(session: Session, *, enquiry_id: int, now: datetime) -> Enquiry:
    found = session.get(Enquiry, enquiry_id)
    if found is None:
        raise NotFound(N_("No enquiry {id}."), id=enquiry_id)
    found.handled_at = found.handled_at or now
    return found

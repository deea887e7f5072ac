"""A report of AI harm arriving: checked, stored with its attachments, logged, acknowledged.

Anyone may report, without an account and anonymously. What protects the form: a signed form
ticket and a hidden honeypot field (:mod:`soai.identity.formtickets`), and flood limits per
sender (:data:`PER_MINUTE`, :data:`PER_HOUR`, counted by a keyed hash of the address). The
receipt gives a public reference (``INC-…``) and a private tracking link whose second half is
an HMAC of the reference with the instance's secret: it cannot be guessed from the reference,
and nothing secret is stored.

Attachments (at most :data:`~soai.incidents.handling.MAX_ATTACHMENTS`, each at most 5 MB) are
accepted by their content (PDF, PNG, JPEG or UTF-8 text), whatever their name says, and stored
once per content under ``$SOAI_HOME/incidents/<sha256>``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soai.errors import InvalidInput, NotFound, SoaiError
from soai.i18n.markers import N_
from soai.identity import formtickets
from soai.incidents import handling
from soai.incidents.models import Attachment, Event, Incident
from soai.ledger import service as ledger

PER_MINUTE, PER_HOUR = 5, 20
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud, typed on a phone
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)*\.[^@\s.]{2,}$")


class TooMany(SoaiError):
    code = "too_many_requests"
    status = 429


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


def link_of(secret: bytes, code: str) -> str:
    mac = hmac.new(secret, f"incident:{code}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{code}-{mac}"


def by_link(session: Session, *, secret: bytes, ref: str) -> Incident:
    """The report of a tracking link; a wrong or guessed link is simply not found."""
    code = ref.rpartition("-")[0]
    found = session.scalar(select(Incident).where(Incident.code == code)) if code else None
    if found is None or not hmac.compare_digest(link_of(secret, found.code), ref):
        raise NotFound(N_("This tracking link is not valid. Check that it was copied whole."))
    return found


def new_code(session: Session) -> str:
    while True:
        code = "INC-" + "".join(secrets.choice(ALPHABET) for _ in range(6))
        if session.scalar(select(Incident.id).where(Incident.code == code)) is None:
            return code


def _check_flood(session: Session, client: str, now: datetime) -> None:
    def count(since: datetime) -> int:
        return session.scalar(select(func.count()).select_from(Incident).where(
            Incident.client == client, Incident.created_at > since)) or 0  # fmt: skip

    if (
        count(now - timedelta(minutes=1)) >= PER_MINUTE
        or count(now - timedelta(hours=1)) >= PER_HOUR
    ):
        raise TooMany(N_("Too many reports from your connection in a short time; your earlier "
                         "reports were received. Please wait a few minutes before sending "
                         "another."))  # fmt: skip


def check_report(form: dict[str, str], today: date) -> dict[str, Any]:
    """The report's fields, checked; errors name the field."""
    description = form.get("description", "").strip()
    if not 20 <= len(description) <= 10_000:
        raise InvalidInput(N_("Describe what happened in 20 to 10,000 characters."),
                           field="description")  # fmt: skip
    harm = handling.check_harm(form.get("harm", ""))
    affected = form.get("affected", "unknown") or "unknown"
    if affected not in handling.AFFECTED:
        raise InvalidInput(N_("Choose who was affected from the list."), field="affected")
    occurred: date | None = None
    if form.get("occurred_on", "").strip():
        try:
            occurred = date.fromisoformat(form["occurred_on"].strip())
        except ValueError:
            raise InvalidInput(N_("Give the date as YYYY-MM-DD, or leave it empty."),
                               field="occurred_on") from None  # fmt: skip
        if not date(1990, 1, 1) <= occurred <= today:
            raise InvalidInput(N_("The date cannot be in the future."), field="occurred_on")
    email = form.get("contact_email", "").strip()
    if email and (len(email) > 254 or not EMAIL.match(email)):
        raise InvalidInput(N_("Give an e-mail address such as name@example.org, or leave it "
                              "empty to stay anonymous."), field="contact_email")  # fmt: skip
    name = form.get("contact_name", "").strip()[:200]
    target = form.get("target_text", "").strip()
    if len(target) > 300:
        raise InvalidInput(N_("The organisation or system name is longer than 300 characters."),
                           field="target_text")  # fmt: skip
    system = form.get("system_id", "").strip()
    if system and not (system.isascii() and system.isdigit() and len(system) <= 9):
        raise InvalidInput(N_("Choose the AI system from the list."), field="system_id")
    return {"description": description, "harm": harm, "affected": affected,
            "occurred_on": occurred, "contact_email": email or None, "contact_name": name or None,
            "target_text": target, "system_id": int(system) if system else None}  # fmt: skip


def check_uploads(uploads: list[Upload]) -> list[tuple[Upload, str, str]]:
    """Each upload with its proven media type and safe name; any bad one refuses the report."""
    files = [u for u in uploads if u.filename or u.content]
    if len(files) > handling.MAX_ATTACHMENTS:
        raise InvalidInput(N_("Attach at most {n} files."), field="attachments",
                           n=handling.MAX_ATTACHMENTS)  # fmt: skip
    checked = []
    for upload in files:
        shown = handling.safe_filename(upload.filename, "")
        if len(upload.content) > handling.MAX_ATTACHMENT:
            raise InvalidInput(N_("{file} is larger than 5 MB."), field="attachments", file=shown)
        if not upload.content:
            raise InvalidInput(N_("{file} is empty."), field="attachments", file=shown)
        kind = handling.sniff(upload.content)
        if kind is None:
            raise InvalidInput(
                N_("{file} is not a PDF, PNG, JPEG or plain-text file (judged by its content, "
                   "not its name)."), field="attachments", file=shown,
            )  # fmt: skip
        checked.append((upload, kind[0], handling.safe_filename(upload.filename, kind[1])))
    return checked


def store_file(home: Path, content: bytes) -> str:
    """Write ``content`` under its SHA-256 (once); returns the hash."""
    digest = hashlib.sha256(content).hexdigest()
    folder = home / "incidents" / digest[:2]
    path = folder / digest
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(content)
        partial.replace(path)
    return digest


def attachment_path(home: Path, digest: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise NotFound(N_("No such attachment."))
    return home / "incidents" / digest[:2] / digest


def receive(
    session: Session, *, home: Path, secret: bytes, address: str, form: dict[str, str],
    uploads: list[Upload], language: str, now: datetime, source: str = "public",
    filed_by: int | None = None, extra: dict[str, Any] | None = None,
) -> Incident:  # fmt: skip
    """Check and store one report (public form, or a provider's with ``source="provider"``)."""
    from soai.registry.models import AISystem

    if source == "public":
        formtickets.check_ticket(secret, form.get("ticket", ""), now, purpose="incident",
                                 min_seconds=2)  # fmt: skip
        if form.get("website", "").strip():
            raise InvalidInput(N_("This report looks automated and was not accepted."),
                               field="website")  # fmt: skip
    client = formtickets.client_key(secret, address)
    if source == "public":
        _check_flood(session, client, now)
    values = check_report(form, now.date())
    files = check_uploads(uploads)
    organisation_id = None
    if values["system_id"] is not None:
        system = session.get(AISystem, values["system_id"])
        if system is None:
            raise InvalidInput(N_("Choose the AI system from the list."), field="system_id")
        organisation_id = system.organisation_id
    incident = Incident(code=new_code(session), source=source, client=client, language=language,
                        organisation_id=organisation_id, created_at=now, updated_at=now,
                        due_at=handling.due_for(None, now), filed_by=filed_by,
                        **values, **(extra or {}))  # fmt: skip
    session.add(incident)
    session.flush()
    for upload, media, name in files:
        digest = store_file(home, upload.content)
        session.add(Attachment(incident_id=incident.id, sha256=digest, filename=name,
                               media_type=media, size=len(upload.content), created_at=now))  # fmt: skip
    entry = ledger.append(session, kind="incident.received", data={
        "incident": incident.code, "source": source, "harm": incident.harm,
        "system": incident.system_id, "attachments": sorted(hashlib.sha256(u.content).hexdigest()
                                                            for u, _, _ in files)})  # fmt: skip
    session.add(Event(incident_id=incident.id, at=now, kind="status", public=True,
                      data={"status": "received"}, ledger_entry=entry))  # fmt: skip
    return incident

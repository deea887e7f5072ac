"""E-mail to reporters who left an address: one message per status change of their report,
in their language, with their private tracking link. Sent after the change is committed; when
no SMTP server is configured nothing is sent (the portal still shows the change)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.i18n import Translator
from soai.i18n.markers import N_
from soai.incidents import handling, intake
from soai.incidents.models import Incident
from soai.mail import MailError, Message, mailer
from soai.settings import Settings


def deliver(
    outbox: list[tuple[int, str]], *, settings: Settings, sessions: sessionmaker[Session],
    base_url: str, timezone: str = "UTC",
) -> dict[str, Any]:  # fmt: skip
    """Send the queued status messages; returns what happened (for logs and tests)."""
    mail = mailer(settings)
    if not outbox or mail is None:
        return {"sent": 0, "configured": mail is not None}
    messages = []
    with transaction(sessions) as session:
        for incident_id, status in outbox:
            incident = session.get(Incident, incident_id)
            if incident is None or not incident.contact_email:
                continue
            t = Translator(incident.language, timezone)
            link = f"{base_url.rstrip('/')}/incidents/track/{intake.link_of(settings.signing_secret(), incident.code)}"
            body = t(N_("Your report {code} is now: {status}.\n\nFollow it at:\n{link}\n\n"
                        "Do not share this link: it shows your report."),
                     code=incident.code, status=t(handling.STATUSES[status]), link=link)  # fmt: skip
            subject = t(N_("Your report {code}: {status}"), code=incident.code,
                        status=t(handling.STATUSES[status]))  # fmt: skip
            messages.append(Message(incident.contact_email, subject, body))
    try:
        sent, refused = mail.send(messages)
    except MailError as exc:
        return {"sent": 0, "configured": True, "error": exc.render()}
    return {"sent": len(sent), "refused": len(refused), "configured": True}

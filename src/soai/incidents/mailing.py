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
    base_url: str, timezone: str = "UTC", providers: list[tuple[str, str, int]] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Send the queued status messages to reporters, and to providers' contact addresses the
    regulator's questions (``providers``: address, reference, report id); returns what
    happened (for logs and tests)."""
    mail = mailer(settings)
    if not (outbox or providers) or mail is None:
        return {"sent": 0, "configured": mail is not None}
    messages = []
    english, khmer = Translator("en", timezone), Translator("km", timezone)
    for address, code, incident_id in providers or []:
        link = f"{base_url.rstrip('/')}/incidents/provider/{incident_id}"
        ask = N_("The regulator asks your organisation about report {code}. Answer in the "
                 "portal:\n{link}")  # fmt: skip
        subject = N_("{code}: a question from the regulator")
        messages.append(
            Message(  # both languages: the organisation's is not known
                address,
                f"{english(subject, code=code)} / {khmer(subject, code=code)}",
                f"{english(ask, code=code, link=link)}\n\n{khmer(ask, code=code, link=link)}\n",
            )
        )
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

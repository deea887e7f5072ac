"""Outgoing e-mail through the SMTP server the operator configures (``SOAI_SMTP_*``).

Without ``SOAI_SMTP_HOST`` nothing is sent and :func:`mailer` returns ``None``: callers show
that e-mail is not configured rather than pretending to have sent anything. One connection
carries a whole batch; a message the server refuses is reported, the others still go.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from soai.errors import SoaiError
from soai.i18n.markers import N_
from soai.settings import Settings


class MailError(SoaiError):
    code = "mail_failed"
    status = 502
    hint = "Check SOAI_SMTP_HOST, SOAI_SMTP_PORT and the server's log."


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class Mailer:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30.0

    def send(self, messages: Iterable[Message]) -> tuple[list[Message], list[Message]]:
        """Send every message over one connection; returns (sent, refused)."""
        sent: list[Message] = []
        refused: list[Message] = []
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                for message in messages:
                    try:
                        smtp.send_message(self._compose(message))
                    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPNotSupportedError,
                            smtplib.SMTPDataError, smtplib.SMTPSenderRefused):  # fmt: skip
                        refused.append(message)  # this message only: the others still go
                    else:
                        sent.append(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(
                N_("The mail server {server} could not be used: {reason}"),
                server=f"{self.host}:{self.port}", reason=str(exc) or type(exc).__name__,
            ) from exc  # fmt: skip
        return sent, refused

    def _compose(self, message: Message) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or "localhost")
        email.set_content(message.body)  # UTF-8, so Khmer text travels as written
        return email


def mailer(settings: Settings) -> Mailer | None:
    """The configured mailer, or ``None`` when no SMTP server is set."""
    if not settings.smtp_host:
        return None
    return Mailer(
        host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        starttls=settings.smtp_starttls,
    )  # fmt: skip

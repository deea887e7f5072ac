"""Protection of public forms against robots and floods, without a third-party service.

- A **form ticket**: the form carries the time it was served, signed (HMAC-SHA256) with the
  instance's secret. A post without a valid ticket, sooner than ``min_seconds`` after the form
  was served (a robot fills a form at once), or older than a day is refused.
- A **client key**: the sender's address as a keyed hash, so that posts can be counted per
  sender (flood limits) without storing the address.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from soai.errors import InvalidInput
from soai.i18n.markers import N_

MAX_AGE = timedelta(days=1)


def ticket(secret: bytes, now: datetime, *, purpose: str) -> str:
    stamp = str(int(now.timestamp()))
    mac = hmac.new(secret, f"{purpose}:{stamp}".encode(), hashlib.sha256).hexdigest()
    return f"{stamp}.{mac}"


def check_ticket(
    secret: bytes, value: str, now: datetime, *, purpose: str, min_seconds: int = 3
) -> None:
    stamp = value.partition(".")[0]
    valid = stamp.isascii() and stamp.isdigit() and len(stamp) <= 11
    served = datetime.fromtimestamp(int(stamp), now.tzinfo) if valid else None
    if served is None or not hmac.compare_digest(ticket(secret, served, purpose=purpose), value):
        raise InvalidInput(N_("This form has expired or was not served by this site; reload the "
                              "page and send it again."), field="ticket")  # fmt: skip
    age = now.timestamp() - int(stamp)
    if age < min_seconds or age > MAX_AGE.total_seconds():
        raise InvalidInput(N_("This form was sent too quickly or too long after it was opened; "
                              "reload the page and send it again."), field="ticket")  # fmt: skip


def client_key(secret: bytes, address: str) -> str:
    return hmac.new(secret, b"client:" + address.encode(), hashlib.sha256).hexdigest()

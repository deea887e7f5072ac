"""The signed messages of the council: vote statements and seat keys.

A vote is the RFC 8785 (JCS) statement ``{council, epoch, session, subject_digest, round,
choice, confidence, rationale_digest}`` signed with Ed25519 by the seat's key (ARCHITECTURE.md
decision 7). The rationale text travels beside the statement; only its SHA-256 is signed.

In JSON, signatures and public keys are base64url without padding (RFC 4648 §5): 86 characters
for a 64-byte signature, 43 for a 32-byte key. Digests are 64 lowercase hexadecimal characters.

Equivocation evidence is in :mod:`soai.council.equivocation`. Pure logic: no database, no
web. :mod:`soai.council.protocol` re-exports every public name.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from soai.crypto.jcs import MAX_SAFE_INTEGER, canonicalize, number
from soai.errors import InvalidInput
from soai.i18n.markers import N_

SEATS = 33
"""Seats of the council, numbered 1 to 33."""
FAULTS = 10
"""Byzantine seats tolerated: f = ⌊(n − 1) / 3⌋ = 10."""
QUORUM = 22
"""Signatures that decide: q = 22.

Safety: two quorums of 22 among 33 seats share at least 2·22 − 33 = 11 seats, more than the
f = 10 that may be Byzantine, so two certificates for different choices would need an honest
seat to sign both, which an honest seat never does. 21 (the familiar "2f + 1") is NOT safe for
n = 33: two quorums of 21 may share only 9 seats, all of which may be Byzantine.
Liveness: with 10 seats silent, 33 − 10 = 23 ≥ 22 honest seats can still decide.
"""
CHOICES = ("approve", "reject", "escalate")
MAX_RATIONALE = 4000
"""Longest rationale, in characters."""
STATUSES = ("active", "suspended", "retired")
MAX_TEXT = 256
"""Longest council or session identifier, in characters."""

_SLOT = "\x00soai-confidence\x00"
_SLOT_TOKEN = json.dumps(_SLOT).encode()
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
STATEMENT_FIELDS = frozenset(
    (
        "council",
        "epoch",
        "session",
        "subject_digest",
        "round",
        "choice",
        "confidence",
        "rationale_digest",
    )
)


def rationale_digest(rationale: str) -> str:
    """Lowercase hex SHA-256 of the UTF-8 rationale: what a vote signs instead of the text."""
    return hashlib.sha256(rationale.encode("utf-8", "surrogatepass")).hexdigest()


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str, *, size: int, field: str) -> bytes:
    """Unpadded base64url of exactly ``size`` bytes, or :class:`InvalidInput`."""
    if isinstance(text, str) and text.isascii() and "=" not in text:
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) == size and b64encode(raw) == text:
            return raw
    raise InvalidInput(
        N_("The {name} must be {size} bytes in base64url without padding."),
        field=field,
        name=field,
        size=size,
    )


@lru_cache(maxsize=4096)
def public_key(raw: bytes) -> Ed25519PublicKey:
    """The loaded Ed25519 key for 32 raw bytes, cached: loading costs as much as hashing a vote."""
    return Ed25519PublicKey.from_public_bytes(raw)


def as_key(key: bytes | Ed25519PublicKey) -> Ed25519PublicKey:
    return public_key(key) if isinstance(key, bytes) else key


def _unicode(value: str) -> bool:
    """False for text with lone surrogates, which JSON can carry but UTF-8 cannot."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(value: Any, field: str) -> str:
    if isinstance(value, str) and 0 < len(value) <= MAX_TEXT and _unicode(value):
        return value
    raise InvalidInput(
        N_("The {name} must be a valid Unicode text of 1 to {limit} characters."),
        field=field,
        name=field,
        limit=MAX_TEXT,
    )


def _whole(value: Any, field: str, low: int = 0, high: int = MAX_SAFE_INTEGER) -> int:
    if type(value) is int and low <= value <= high:
        return value
    raise InvalidInput(
        N_("The {name} must be a whole number from {low} to {high}."),
        field=field,
        name=field,
        low=low,
        high=high,
    )


def _hex64(value: Any, field: str) -> str:
    if isinstance(value, str) and _HEX64.match(value):
        return value
    raise InvalidInput(
        N_("The {name} must be 64 lowercase hexadecimal characters (a SHA-256 digest)."),
        field=field,
        name=field,
    )


def _confidence(value: Any) -> float:
    if type(value) in (int, float) and math.isfinite(value) and 0 <= value <= 1:
        return float(value)
    raise InvalidInput(N_("The confidence must be a number from 0 to 1."), field="confidence")


def json_object(data: Any, fields: frozenset[str], what: str) -> dict[str, Any]:
    if isinstance(data, dict) and data.keys() == fields:
        return data
    raise InvalidInput(
        N_("The {what} must be a JSON object with exactly the fields {fields}."),
        field=what,
        what=what,
        fields=", ".join(sorted(fields)),
    )


@dataclass(frozen=True)
class VoteStatement:
    """What a seat signs. Every field is checked on construction; ``choice`` need only be a
    non-empty text here (a :class:`~soai.council.protocol.Ballot` rejects unknown choices)."""

    council: str
    epoch: int
    session: str
    subject_digest: str
    round: int
    choice: str
    confidence: float
    rationale_digest: str

    def __post_init__(self) -> None:
        _text(self.council, "council")
        _whole(self.epoch, "epoch")
        _text(self.session, "session")
        _hex64(self.subject_digest, "subject_digest")
        _whole(self.round, "round")
        _text(self.choice, "choice")
        object.__setattr__(self, "confidence", _confidence(self.confidence))
        _hex64(self.rationale_digest, "rationale_digest")

    def to_json(self) -> dict[str, Any]:
        return {
            "council": self.council,
            "epoch": self.epoch,
            "session": self.session,
            "subject_digest": self.subject_digest,
            "round": self.round,
            "choice": self.choice,
            "confidence": self.confidence,
            "rationale_digest": self.rationale_digest,
        }

    @cached_property
    def _canonical(self) -> bytes:
        # The C-accelerated path of ``canonicalize`` with a text in the number's place, then
        # the number spliced in: the same bytes, 4x faster than the general path for floats.
        document = self.to_json()
        document["confidence"] = _SLOT
        text = canonicalize(document)
        if text.count(_SLOT_TOKEN) == 1:
            return text.replace(_SLOT_TOKEN, number(self.confidence).encode())
        return canonicalize(self.to_json())  # an identifier equal to the slot marker

    def canonical(self) -> bytes:
        """The RFC 8785 bytes of :meth:`to_json`: the message a seat signs."""
        return self._canonical

    @classmethod
    def from_json(cls, data: Any) -> VoteStatement:
        fields = json_object(data, STATEMENT_FIELDS, "statement")
        return cls(**fields)


VOTE_FIELDS = frozenset(("seat", "statement", "signature", "rationale"))


@dataclass(frozen=True)
class SignedVote:
    """A statement, the seat's Ed25519 signature over its canonical bytes, and the rationale."""

    seat: int
    statement: VoteStatement
    signature: bytes
    rationale: str

    def verify(self, key: bytes | Ed25519PublicKey) -> bool:
        """True when :attr:`signature` is the key's signature over the statement."""
        try:
            as_key(key).verify(self.signature, self.statement.canonical())
        except (InvalidSignature, ValueError):
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "seat": self.seat,
            "statement": self.statement.to_json(),
            "signature": b64encode(self.signature),
            "rationale": self.rationale,
        }

    @classmethod
    def from_json(cls, data: Any) -> SignedVote:
        fields = json_object(data, VOTE_FIELDS, "vote")
        if not isinstance(fields["rationale"], str) or not _unicode(fields["rationale"]):
            raise InvalidInput(N_("The rationale must be a Unicode text."), field="rationale")
        return cls(
            seat=_whole(fields["seat"], "seat", 1),
            statement=VoteStatement.from_json(fields["statement"]),
            signature=b64decode(fields["signature"], size=64, field="signature"),
            rationale=fields["rationale"],
        )


def statement(
    *,
    council: str,
    epoch: int,
    session: str,
    subject_digest: str,
    round: int,
    choice: str,
    confidence: float,
    rationale: str,
) -> VoteStatement:
    """The statement for a vote whose rationale is ``rationale`` (its digest is computed)."""
    return VoteStatement(
        council,
        epoch,
        session,
        subject_digest,
        round,
        choice,
        confidence,
        rationale_digest(rationale),
    )


def sign(
    private_key: Ed25519PrivateKey, seat: int, statement: VoteStatement, rationale: str
) -> SignedVote:
    """A seat's vote, after checking the choice and that the rationale is the one digested."""
    _whole(seat, "seat", 1, SEATS)
    if statement.choice not in CHOICES:
        raise InvalidInput(
            N_("The choice must be one of {choices}, not {choice}."),
            field="choice",
            choices=", ".join(CHOICES),
            choice=statement.choice,
        )
    if len(rationale) > MAX_RATIONALE:
        raise InvalidInput(
            N_("The rationale has {length} characters; the limit is {limit}."),
            field="rationale",
            length=len(rationale),
            limit=MAX_RATIONALE,
        )
    if rationale_digest(rationale) != statement.rationale_digest:
        raise InvalidInput(
            N_("The statement's rationale_digest is not the SHA-256 of this rationale."),
            field="rationale",
        )
    return SignedVote(seat, statement, private_key.sign(statement.canonical()), rationale)


SEAT_FIELDS = frozenset(("seat", "public_key", "status", "valid_from_epoch", "valid_until_epoch"))


@dataclass(frozen=True)
class SeatKey:
    """One seat of the roster: its Ed25519 public key, status and the epochs it is valid in
    (``valid_until_epoch`` inclusive; None = still valid)."""

    seat: int
    public_key: bytes
    status: str = "active"
    valid_from_epoch: int = 0
    valid_until_epoch: int | None = None

    def __post_init__(self) -> None:
        _whole(self.seat, "seat", 1, SEATS)
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise InvalidInput(N_("A seat's public key must be 32 bytes."), field="public_key")
        if self.status not in STATUSES:
            raise InvalidInput(
                N_("A seat's status must be one of {statuses}."),
                field="status",
                statuses=", ".join(STATUSES),
            )
        _whole(self.valid_from_epoch, "valid_from_epoch")
        if self.valid_until_epoch is not None:
            _whole(self.valid_until_epoch, "valid_until_epoch", self.valid_from_epoch)

    def valid_for(self, epoch: int) -> bool:
        """True when the seat is active and its key is valid in ``epoch``."""
        until = self.valid_until_epoch
        return (
            self.status == "active"
            and self.valid_from_epoch <= epoch
            and (until is None or epoch <= until)
        )

    @property
    def key(self) -> Ed25519PublicKey:
        return public_key(self.public_key)

    def to_json(self) -> dict[str, Any]:
        return {
            "seat": self.seat,
            "public_key": b64encode(self.public_key),
            "status": self.status,
            "valid_from_epoch": self.valid_from_epoch,
            "valid_until_epoch": self.valid_until_epoch,
        }

    @classmethod
    def from_json(cls, data: Any) -> SeatKey:
        fields = dict(json_object(data, SEAT_FIELDS, "seat key"))
        fields["public_key"] = b64decode(fields["public_key"], size=32, field="public_key")
        return cls(**fields)

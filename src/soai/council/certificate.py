"""Quorum certificates: at least 22 signatures from distinct active seats on one statement.

A certificate is self-contained: the shared part of the statement (council, epoch, session,
subject_digest, round, choice) once, then per seat its confidence, rationale digest and
signature. Anyone holding the roster of the epoch can check it offline with
:func:`verify_certificate`. JSON shape::

    {"type": "council.qc", "council": str, "epoch": int, "session": str,
     "subject_digest": hex, "round": int, "choice": str,
     "votes": [{"seat": int, "confidence": number, "rationale_digest": hex,
                "signature": base64url}, ...]}   # sorted by seat

Verification is close to the bare cost of its Ed25519 checks: loaded public keys are cached per
key bytes, and each seat's signed bytes are spliced from one canonical template of the shared
part (the seats differ only in confidence and rationale digest), not re-canonicalised.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature

from soai.council.votes import (
    CHOICES,
    QUORUM,
    SeatKey,
    SignedVote,
    VoteStatement,
    b64decode,
    b64encode,
)
from soai.crypto.jcs import canonicalize, number
from soai.errors import InvalidInput
from soai.i18n.markers import N_

QC_TYPE = "council.qc"
QC_FIELDS = frozenset(
    ("type", "council", "epoch", "session", "subject_digest", "round", "choice", "votes")
)
ENTRY_FIELDS = frozenset(("seat", "confidence", "rationale_digest", "signature"))


class InvalidCertificate(InvalidInput):
    """A quorum certificate that does not prove a decision; :attr:`reason` says why
    (malformed, too_few, invalid_choice, duplicate_seat, unknown_seat, inactive_seat,
    bad_signature, mixed_statements)."""

    code = "invalid_certificate"

    def __init__(self, reason: str, message: str, **params: Any) -> None:
        self.reason = reason
        super().__init__(message, field="certificate", **params)


@dataclass(frozen=True)
class CertifiedVote:
    seat: int
    confidence: float
    rationale_digest: str
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "seat": self.seat,
            "confidence": self.confidence,
            "rationale_digest": self.rationale_digest,
            "signature": b64encode(self.signature),
        }


@dataclass(frozen=True)
class QuorumCertificate:
    council: str
    epoch: int
    session: str
    subject_digest: str
    round: int
    choice: str
    votes: tuple[CertifiedVote, ...]

    def statement(self, vote: CertifiedVote) -> VoteStatement:
        """The statement ``vote``'s seat signed."""
        return VoteStatement(
            council=self.council,
            epoch=self.epoch,
            session=self.session,
            subject_digest=self.subject_digest,
            round=self.round,
            choice=self.choice,
            confidence=vote.confidence,
            rationale_digest=vote.rationale_digest,
        )

    @property
    def seats(self) -> list[int]:
        return [vote.seat for vote in self.votes]

    @classmethod
    def from_votes(cls, votes: Iterable[SignedVote]) -> QuorumCertificate:
        """The certificate of signed votes on one statement (the signatures are not checked
        here: :func:`verify_certificate` does that)."""
        ordered = sorted(votes, key=lambda vote: vote.seat)
        if not ordered:
            raise InvalidCertificate("too_few", N_("A quorum certificate needs votes."))
        shared = {_shared(vote.statement) for vote in ordered}
        if len(shared) != 1:
            raise InvalidCertificate(
                "mixed_statements",
                N_(
                    "The votes are not all on the same council, epoch, session, subject, "
                    "round and choice."
                ),
            )
        council, epoch, session, subject, round_, choice = shared.pop()
        return cls(
            council,
            epoch,
            session,
            subject,
            round_,
            choice,
            tuple(
                CertifiedVote(
                    v.seat, v.statement.confidence, v.statement.rationale_digest, v.signature
                )
                for v in ordered
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "type": QC_TYPE,
            "council": self.council,
            "epoch": self.epoch,
            "session": self.session,
            "subject_digest": self.subject_digest,
            "round": self.round,
            "choice": self.choice,
            "votes": [vote.to_json() for vote in self.votes],
        }

    @classmethod
    def from_json(cls, data: Any) -> QuorumCertificate:
        """Parse and check the shape; raises :class:`InvalidCertificate` (malformed)."""
        try:
            return _parse(data)
        except InvalidCertificate:
            raise
        except InvalidInput as exc:
            raise InvalidCertificate(
                "malformed", N_("The certificate is malformed: {problem}"), problem=exc.render()
            ) from exc


def _shared(s: VoteStatement) -> tuple[str, int, str, str, int, str]:
    return (s.council, s.epoch, s.session, s.subject_digest, s.round, s.choice)


def _parse(data: Any) -> QuorumCertificate:
    if not isinstance(data, dict) or data.keys() != QC_FIELDS or data["type"] != QC_TYPE:
        raise InvalidCertificate(
            "malformed",
            N_("A certificate must be a JSON object of type {type} with the fields {fields}."),
            type=QC_TYPE,
            fields=", ".join(sorted(QC_FIELDS)),
        )
    entries = data["votes"]
    if not isinstance(entries, list) or not entries:
        raise InvalidCertificate("malformed", N_("A certificate must list its votes."))
    shared = {k: data[k] for k in QC_FIELDS - {"type", "votes"}}
    votes = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.keys() != ENTRY_FIELDS:
            raise InvalidCertificate(
                "malformed",
                N_("Each vote of a certificate must have exactly the fields {fields}."),
                fields=", ".join(sorted(ENTRY_FIELDS)),
            )
        signature = b64decode(entry["signature"], size=64, field="signature")
        statement = VoteStatement(
            **shared, confidence=entry["confidence"], rationale_digest=entry["rationale_digest"]
        )  # checks every field's type and range
        if type(entry["seat"]) is not int:
            raise InvalidCertificate("malformed", N_("A vote's seat must be a whole number."))
        votes.append(
            CertifiedVote(
                entry["seat"], statement.confidence, statement.rationale_digest, signature
            )
        )
    return QuorumCertificate(
        data["council"],
        data["epoch"],
        data["session"],
        data["subject_digest"],
        data["round"],
        data["choice"],
        tuple(votes),
    )


_SLOT_CONFIDENCE = "\x00soai-confidence\x00"
_SLOT_DIGEST = "\x00soai-rationale-digest\x00"


def _signed_bytes(qc: QuorumCertificate) -> list[bytes]:
    """Each vote's canonical statement bytes, spliced from one template of the shared part."""
    text = canonicalize(
        {
            "council": qc.council,
            "epoch": qc.epoch,
            "session": qc.session,
            "subject_digest": qc.subject_digest,
            "round": qc.round,
            "choice": qc.choice,
            "confidence": _SLOT_CONFIDENCE,
            "rationale_digest": _SLOT_DIGEST,
        }
    ).decode("utf-8")
    c_token, d_token = json.dumps(_SLOT_CONFIDENCE), json.dumps(_SLOT_DIGEST)
    c_at, d_at = text.find(c_token), text.find(d_token)
    if text.count(c_token) != 1 or text.count(d_token) != 1 or not c_at < d_at:
        # A council or session text that contains a slot marker: take the long way.
        return [qc.statement(vote).canonical() for vote in qc.votes]
    head = text[:c_at].encode()
    middle = (text[c_at + len(c_token) : d_at] + '"').encode()
    tail = ('"' + text[d_at + len(d_token) :]).encode()
    # rationale digests are lowercase hex: nothing to escape.
    return [
        b"".join((head, _number(vote.confidence), middle, vote.rationale_digest.encode(), tail))
        for vote in qc.votes
    ]


@lru_cache(maxsize=1024)
def _number(value: float) -> bytes:
    return number(value).encode()


def verify_certificate(qc: QuorumCertificate, roster: Mapping[int, SeatKey]) -> None:
    """Check that ``qc`` proves a decision under ``roster`` (seat → key for the epoch).

    Raises :class:`InvalidCertificate` when it has fewer than 22 votes, a choice that is not
    one of the three, a seat twice, a seat not in the roster or not active in the epoch, or a
    signature that does not verify for the certificate's statement.
    """
    if len(qc.votes) < QUORUM:
        raise InvalidCertificate(
            "too_few",
            N_("The certificate has {count} signatures; {quorum} are needed."),
            count=len(qc.votes),
            quorum=QUORUM,
        )
    if qc.choice not in CHOICES:
        raise InvalidCertificate(
            "invalid_choice", N_("The certified choice {choice} is unknown."), choice=qc.choice
        )
    seats = qc.seats
    if len(set(seats)) != len(seats):
        duplicated = sorted({seat for seat in seats if seats.count(seat) > 1})
        raise InvalidCertificate(
            "duplicate_seat",
            N_("Seat(s) {seats} sign the certificate more than once."),
            seats=", ".join(map(str, duplicated)),
        )
    keys = []
    for seat in seats:
        seat_key = roster.get(seat)
        if seat_key is None:
            raise InvalidCertificate(
                "unknown_seat", N_("Seat {seat} is not in the roster."), seat=seat
            )
        if not seat_key.valid_for(qc.epoch):
            raise InvalidCertificate(
                "inactive_seat",
                N_(
                    "Seat {seat} cannot sign in epoch {epoch}: it is {status}, or its key is "
                    "not valid in that epoch."
                ),
                seat=seat,
                epoch=qc.epoch,
                status=seat_key.status,
            )
        keys.append(seat_key.key)
    for key, vote, message in zip(keys, qc.votes, _signed_bytes(qc), strict=True):
        try:
            key.verify(vote.signature, message)
        except InvalidSignature:
            raise InvalidCertificate(
                "bad_signature",
                N_(
                    "The signature of seat {seat} does not verify for the certificate's "
                    "statement (forged, or signed for another statement)."
                ),
                seat=vote.seat,
            ) from None

"""Equivocation evidence: one seat's two different signed statements for one session and round.

In the style of Tendermint's DuplicateVoteEvidence. Honest seats never sign twice in a round, so
the evidence proves misbehaviour to anyone holding the seat's public key: the seat is suspended
and the evidence logged. JSON shape::

    {"type": "council.equivocation", "seat": int, "council": str, "epoch": int,
     "session": str, "round": int, "votes": [signed vote, signed vote]}

with the two signed votes (see :class:`~soai.council.votes.SignedVote`) ordered by the
canonical bytes of their statements, so one pair always makes the same evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from soai.council.votes import SignedVote, json_object
from soai.errors import InvalidInput
from soai.i18n.markers import N_

EVIDENCE_TYPE = "council.equivocation"
EVIDENCE_FIELDS = frozenset(("type", "seat", "council", "epoch", "session", "round", "votes"))


@dataclass(frozen=True)
class EquivocationEvidence:
    """Two different statements signed by one seat for the same (session, round), in the style
    of Tendermint's DuplicateVoteEvidence. Build it with :meth:`of`, which orders the votes by
    their canonical bytes so the same pair always gives the same evidence."""

    first: SignedVote
    second: SignedVote

    @classmethod
    def of(cls, a: SignedVote, b: SignedVote) -> EquivocationEvidence:
        sa, sb = a.statement, b.statement
        if (
            a.seat != b.seat
            or (sa.council, sa.epoch, sa.session, sa.round)
            != (sb.council, sb.epoch, sb.session, sb.round)
            or sa == sb
        ):
            raise InvalidInput(
                N_(
                    "Equivocation evidence needs two different statements by one seat for the "
                    "same council, epoch, session and round."
                ),
                field="votes",
            )
        return cls(a, b) if sa.canonical() <= sb.canonical() else cls(b, a)

    @property
    def seat(self) -> int:
        return self.first.seat

    def to_json(self) -> dict[str, Any]:
        s = self.first.statement
        return {
            "type": EVIDENCE_TYPE,
            "seat": self.seat,
            "council": s.council,
            "epoch": s.epoch,
            "session": s.session,
            "round": s.round,
            "votes": [self.first.to_json(), self.second.to_json()],
        }

    @classmethod
    def from_json(cls, data: Any) -> EquivocationEvidence:
        fields = json_object(data, EVIDENCE_FIELDS, "evidence")
        votes = fields["votes"]
        if fields["type"] != EVIDENCE_TYPE or not isinstance(votes, list) or len(votes) != 2:
            raise InvalidInput(
                N_("Equivocation evidence must have type {type} and exactly two votes."),
                field="votes",
                type=EVIDENCE_TYPE,
            )
        evidence = cls.of(SignedVote.from_json(votes[0]), SignedVote.from_json(votes[1]))
        if evidence.to_json() != fields:
            raise InvalidInput(
                N_("The evidence's seat, council, epoch, session or round differ from its votes."),
                field="evidence",
            )
        return evidence


def verify_equivocation(evidence: EquivocationEvidence, key: bytes | Ed25519PublicKey) -> bool:
    """True when both votes are the key's valid signatures on different statements of one seat
    for the same council, epoch, session and round: proof that the seat equivocated."""
    try:
        EquivocationEvidence.of(evidence.first, evidence.second)
    except InvalidInput:
        return False
    return evidence.first.verify(key) and evidence.second.verify(key)

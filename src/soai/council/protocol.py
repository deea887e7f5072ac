"""The protocol of the 33-member Byzantine council (ARCHITECTURE.md decision 7), pure logic.

n = 33 seats tolerate f = 10 Byzantine ones with a quorum of q = 22: two quorums of 22 share
at least 2q − n = 11 > f seats, so no two certificates for different choices can exist without
an honest seat signing both; 21 is unsafe (two quorums of 21 may share only 9).
33 − 10 = 23 ≥ 22 keeps the council live when ten seats stay silent.

A :class:`Ballot` coordinates one (council, epoch, session, subject, round): it checks each
signed vote, counts the valid ones, turns two different statements of one seat for the same
session and round into :class:`EquivocationEvidence` (the seat's votes then stop counting and the
caller must suspend it), and hands out a :class:`QuorumCertificate` once 22 distinct active
seats signed the same choice. Without one by the deadline, the session escalates to a human
panel. The messages live in :mod:`soai.council.votes`, evidence in
:mod:`soai.council.equivocation`, certificates in :mod:`soai.council.certificate`; every public
name is re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature

from soai.council.certificate import (
    CertifiedVote,
    InvalidCertificate,
    QuorumCertificate,
    verify_certificate,
)
from soai.council.equivocation import EquivocationEvidence, verify_equivocation
from soai.council.votes import (
    CHOICES,
    FAULTS,
    MAX_RATIONALE,
    QUORUM,
    SEATS,
    STATUSES,
    SeatKey,
    SignedVote,
    VoteStatement,
    public_key,
    rationale_digest,
    sign,
    statement,
)
from soai.errors import InvalidInput
from soai.i18n.markers import N_

__all__ = [
    "CHOICES",
    "FAULTS",
    "MAX_RATIONALE",
    "QUORUM",
    "SEATS",
    "STATUSES",
    "Ballot",
    "BallotStatus",
    "CertifiedVote",
    "EquivocationEvidence",
    "InvalidCertificate",
    "InvalidSignature",
    "Outcome",
    "QuorumCertificate",
    "SeatKey",
    "SignedVote",
    "VoteRejected",
    "VoteStatement",
    "public_key",
    "rationale_digest",
    "sign",
    "statement",
    "verify_certificate",
    "verify_equivocation",
]


class VoteRejected(InvalidInput):
    """A vote the ballot does not count. :attr:`code` (also :attr:`reason`) is one of
    bad_signature, unknown_seat, inactive_seat, wrong_council, wrong_epoch, wrong_session,
    wrong_subject, wrong_round, after_deadline, rationale_too_long, rationale_mismatch,
    invalid_choice, conflicted, duplicate."""

    code = "vote_rejected"

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message, field="vote", **params)
        self.code = code  # type: ignore[misc]  # the specific reason, for the API's error code
        self.reason = code


@dataclass(frozen=True)
class Outcome:
    """What :meth:`Ballot.submit` did with a vote that was not rejected.

    ``counted`` is False when the vote proved the seat equivocated: ``equivocation`` then holds
    the two signed votes and ``suspend`` is True (the caller must suspend the seat and log the
    evidence). ``decided`` is the choice that has a quorum certificate now, if any.
    """

    seat: int
    counted: bool
    decided: str | None = None
    equivocation: EquivocationEvidence | None = None

    @property
    def suspend(self) -> bool:
        return self.equivocation is not None


@dataclass(frozen=True)
class BallotStatus:
    counts: dict[str, int]
    voted: tuple[int, ...]
    missing: tuple[int, ...]
    equivocators: tuple[int, ...]
    decided: str | None
    deadline_passed: bool
    must_escalate: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": dict(self.counts),
            "voted": list(self.voted),
            "missing": list(self.missing),
            "equivocators": list(self.equivocators),
            "decided": self.decided,
            "deadline_passed": self.deadline_passed,
            "must_escalate": self.must_escalate,
        }


class Ballot:
    """The coordinator of one session's round. ``roster`` maps seat → key (read at each use,
    so a seat suspended in it stops counting); ``conflicted`` seats declared a conflict of
    interest and may not vote. ``deadline`` and every ``now`` are timezone-aware."""

    def __init__(
        self,
        *,
        council: str,
        epoch: int,
        session: str,
        subject_digest: str,
        round: int,
        deadline: datetime,
        roster: Mapping[int, SeatKey],
        conflicted: Set[int] = frozenset(),
    ) -> None:
        # A statement checks the identifiers' form; its other fields are placeholders.
        VoteStatement(council, epoch, session, subject_digest, round, "-", 0.0, "0" * 64)
        self.council, self.epoch, self.session = council, epoch, session
        self.subject_digest, self.round, self.deadline = subject_digest, round, deadline
        self.roster = roster
        self.conflicted = frozenset(conflicted)
        self._counted: dict[int, SignedVote] = {}
        self._seen: dict[int, dict[bytes, SignedVote]] = {}  # authenticated, this session+round
        self._evidence: dict[int, EquivocationEvidence] = {}

    @property
    def evidence(self) -> list[EquivocationEvidence]:
        """The first evidence found against each equivocating seat, by seat."""
        return [self._evidence[seat] for seat in sorted(self._evidence)]

    def eligible(self) -> list[int]:
        """Seats that may vote: active and valid in the epoch, not conflicted, not caught."""
        return sorted(
            seat
            for seat, key in self.roster.items()
            if key.valid_for(self.epoch)
            and seat not in self.conflicted
            and seat not in self._evidence
        )

    def submit(self, vote: SignedVote, *, now: datetime) -> Outcome:
        """Count ``vote``, or raise :class:`VoteRejected` saying why it does not count."""
        seat, statement = vote.seat, vote.statement
        key = self.roster.get(seat)
        if key is None:
            raise VoteRejected("unknown_seat", N_("Seat {seat} is not in the roster."), seat=seat)
        if key.status != "active":
            raise VoteRejected(
                "inactive_seat",
                N_("Seat {seat} is {status}: it cannot vote."),
                seat=seat,
                status=key.status,
            )
        if not key.valid_for(self.epoch):
            raise VoteRejected(
                "inactive_seat",
                N_("Seat {seat}'s key is not valid in epoch {epoch}."),
                seat=seat,
                epoch=self.epoch,
            )
        counted = self._counted.get(seat)
        if counted is not None and counted.statement == statement:
            raise VoteRejected(
                "duplicate", N_("Seat {seat}'s vote was already counted (a replay)."), seat=seat
            )
        try:
            key.key.verify(vote.signature, statement.canonical())
        except InvalidSignature:
            raise VoteRejected(
                "bad_signature",
                N_("The signature on seat {seat}'s vote is not valid for the seat's key."),
                seat=seat,
            ) from None
        self._check_context(statement, seat)
        seen = self._seen.setdefault(seat, {})
        message = statement.canonical()
        if message not in seen and seen:
            evidence = EquivocationEvidence.of(next(iter(seen.values())), vote)
            seen[message] = vote
            self._evidence.setdefault(seat, evidence)
            self._counted.pop(seat, None)
            return Outcome(seat, counted=False, decided=self._decided(), equivocation=evidence)
        seen[message] = vote
        if seat in self._evidence:
            raise VoteRejected(
                "duplicate",
                N_("Seat {seat} equivocated in this round; its votes no longer count."),
                seat=seat,
            )
        self._check_content(vote, now)
        self._counted[seat] = vote
        return Outcome(seat, counted=True, decided=self._decided())

    def _check_context(self, statement: VoteStatement, seat: int) -> None:
        """The vote must be addressed to this ballot's council, epoch, session and round."""
        for code, field, expected, message in (
            (
                "wrong_council",
                "council",
                self.council,
                N_("Seat {seat} voted in council {got}; this ballot is for council {expected}."),
            ),
            (
                "wrong_epoch",
                "epoch",
                self.epoch,
                N_("Seat {seat} voted for epoch {got}; this ballot is for epoch {expected}."),
            ),
            (
                "wrong_session",
                "session",
                self.session,
                N_("Seat {seat} voted in session {got}; this ballot is for session {expected}."),
            ),
            (
                "wrong_round",
                "round",
                self.round,
                N_("Seat {seat} voted in round {got}; this ballot is for round {expected}."),
            ),
        ):
            got = getattr(statement, field)
            if got != expected:
                raise VoteRejected(code, message, seat=seat, got=got, expected=expected)

    def _check_content(self, vote: SignedVote, now: datetime) -> None:
        seat, statement = vote.seat, vote.statement
        if seat in self.conflicted:
            raise VoteRejected(
                "conflicted",
                N_("Seat {seat} declared a conflict of interest in this session."),
                seat=seat,
            )
        if now > self.deadline:
            raise VoteRejected(
                "after_deadline",
                N_("Seat {seat}'s vote came at {now}, after the deadline {deadline}."),
                seat=seat,
                now=now.isoformat(),
                deadline=self.deadline.isoformat(),
            )
        if statement.subject_digest != self.subject_digest:
            raise VoteRejected(
                "wrong_subject",
                N_("Seat {seat} voted on evidence {got}; this session's evidence is {expected}."),
                seat=seat,
                got=statement.subject_digest,
                expected=self.subject_digest,
            )
        if statement.choice not in CHOICES:
            raise VoteRejected(
                "invalid_choice",
                N_("Seat {seat} chose {choice}; the choices are {choices}."),
                seat=seat,
                choice=statement.choice,
                choices=", ".join(CHOICES),
            )
        if len(vote.rationale) > MAX_RATIONALE:
            raise VoteRejected(
                "rationale_too_long",
                N_("Seat {seat}'s rationale has {length} characters; the limit is {limit}."),
                seat=seat,
                length=len(vote.rationale),
                limit=MAX_RATIONALE,
            )
        if rationale_digest(vote.rationale) != statement.rationale_digest:
            raise VoteRejected(
                "rationale_mismatch",
                N_("Seat {seat}'s rationale is not the one its signed statement digests."),
                seat=seat,
            )

    def _valid(self) -> list[SignedVote]:
        """Counted votes whose seats are still active in the roster."""
        roster = self.roster
        return [
            vote
            for seat, vote in self._counted.items()
            if (key := roster.get(seat)) is not None and key.valid_for(self.epoch)
        ]

    def _tally(self) -> dict[str, int]:
        counts = dict.fromkeys(CHOICES, 0)
        for vote in self._valid():
            counts[vote.statement.choice] += 1
        return counts

    def _decided(self) -> str | None:
        for choice, count in self._tally().items():
            if count >= QUORUM:
                return choice
        return None

    def certificate(self) -> QuorumCertificate | None:
        """The quorum certificate, once ≥ 22 distinct active seats signed the same choice."""
        choice = self._decided()
        if choice is None:
            return None
        return QuorumCertificate.from_votes(
            vote for vote in self._valid() if vote.statement.choice == choice
        )

    def status(self, *, now: datetime) -> BallotStatus:
        """Counts per choice, who voted, who is missing, and whether the session must escalate:
        no certificate, and either the deadline passed or no choice can reach 22 any more (in
        particular when every eligible seat voted)."""
        counts = self._tally()
        voted = tuple(sorted(vote.seat for vote in self._valid()))
        missing = tuple(seat for seat in self.eligible() if seat not in self._counted)
        decided = next((c for c, n in counts.items() if n >= QUORUM), None)
        passed = now > self.deadline
        hopeless = max(counts.values()) + len(missing) < QUORUM
        return BallotStatus(
            counts=counts,
            voted=voted,
            missing=missing,
            equivocators=tuple(sorted(self._evidence)),
            decided=decided,
            deadline_passed=passed,
            must_escalate=decided is None and (passed or hopeless),
        )

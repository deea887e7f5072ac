"""Simulate the council with K Byzantine seats: real Ed25519 signatures, the real coordinator.

The model, plainly:

- 33 seats, each with its own Ed25519 key (derived from the seed, so a run is reproducible);
  K of them, picked at random, are Byzantine; the other 33 − K are honest.
- Each session has a subject (the SHA-256 of a made-up evidence bundle) and one round. Honest
  seats vote their opinion. Usually they all agree on one choice; in a fraction ``split`` of
  the sessions (default 0.2) their opinion is split as evenly as possible between two choices,
  the larger half being the "honest majority". Honest seats sign exactly one vote per round and
  send it to everyone.
- There are ``observers`` (default 3) coordinators, each running its own
  :class:`~soai.council.protocol.Ballot`, as the independent replicas of an installation (or
  the member institutions' own verifiers) would. Each session the adversary partitions them at
  random into two non-empty groups, A and B, and controls which Byzantine votes reach which.
- Byzantine strategies:
    random      each Byzantine seat votes a random choice, the same to every observer;
    collude     all Byzantine seats vote together for a choice the honest majority did not
                pick (the honest minority's when the honest seats are split);
    equivocate  the Byzantine seats collude and each signs TWO votes: the honest majority's
                choice, sent only to group A, and another choice (the honest minority's when
                split), sent only to group B — the attack that forges conflicting decisions;
    silent      Byzantine seats never vote.
- Votes arrive before the deadline in a random order. Each observer's certificate at the
  deadline is its decision (one certificate per certified choice is re-checked with
  ``verify_certificate``). A safety violation is a session in which two observers hold valid
  certificates for different choices (same session, same round). A session is decided when
  some observer holds a certificate (a certificate convinces anyone), escalated when none does.
- After the deadline the observers gossip: each passes the votes it saw to the others. A seat
  whose two different votes meet at one observer is caught: the coordinator returns the
  equivocation evidence, which is checked with ``verify_equivocation``. An equivocation is
  committed when both votes of a seat were delivered to some observer; detected when it is
  caught. With ``suspend=True`` caught seats are suspended for the following sessions, as the
  service does; by default every session faces all K Byzantine seats.

What the theory predicts, and the tests check: with K ≤ 10 no strategy produces a safety
violation (two certificates of 22 share ≥ 11 seats, so at least one honest seat, and an honest
seat signs one vote per round); every equivocation is detected; and when the honest seats agree
every session decides (at least 23 honest signatures, 22 needed). With K = 11 equivocating
seats and the 22 honest seats split 11/11, groups A and B each see 22 signatures for a different
choice: two valid, conflicting certificates — the failure the bound f = 10 rules out.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from soai.council.protocol import (
    CHOICES,
    SEATS,
    Ballot,
    SeatKey,
    SignedVote,
    VoteRejected,
    sign,
    statement,
    verify_certificate,
    verify_equivocation,
)
from soai.errors import InvalidInput
from soai.i18n.markers import N_

STRATEGIES = ("random", "collude", "equivocate", "silent")
COUNCIL = "simulation"
_START = datetime(2025, 1, 1, tzinfo=UTC)
_ROUND_LENGTH = timedelta(hours=1)


@dataclass
class _Tally:
    honest_split_sessions: int = 0
    safety_violations: int = 0
    decided: int = 0
    escalated: int = 0
    committed: int = 0
    detected: int = 0
    suspended: set[int] = field(default_factory=set)


def simulate(
    byzantine: int,
    strategy: str,
    sessions: int,
    seed: int = 0,
    *,
    split: float = 0.2,
    observers: int = 3,
    suspend: bool = False,
) -> dict[str, Any]:
    """Run ``sessions`` sessions with ``byzantine`` faulty seats playing ``strategy``.

    Returns ``{"safety_violations", "decided", "escalated", "equivocations_detected"}`` plus
    the inputs and ``honest_split_sessions``, ``equivocations_committed``, ``suspended_seats``.
    """
    _check(byzantine, strategy, sessions, split, observers)
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation, not a secret
    keys = {seat: _key(seed, seat) for seat in range(1, SEATS + 1)}
    roster = {
        seat: SeatKey(seat, key.public_key().public_bytes_raw()) for seat, key in keys.items()
    }
    faulty = frozenset(rng.sample(sorted(keys), byzantine))
    tally = _Tally()
    for index in range(sessions):
        _session(index, seed, rng, keys, roster, faulty, strategy, split, observers, tally)
        if suspend:
            for seat in tally.suspended:
                roster[seat] = SeatKey(seat, roster[seat].public_key, "suspended")
    return {
        "byzantine": byzantine,
        "strategy": strategy,
        "sessions": sessions,
        "seed": seed,
        "observers": observers,
        "honest_split_sessions": tally.honest_split_sessions,
        "safety_violations": tally.safety_violations,
        "decided": tally.decided,
        "escalated": tally.escalated,
        "equivocations_committed": tally.committed,
        "equivocations_detected": tally.detected,
        "suspended_seats": sorted(tally.suspended),
    }


def _check(byzantine: int, strategy: str, sessions: int, split: float, observers: int) -> None:
    if not 0 <= byzantine <= SEATS:
        raise InvalidInput(
            N_("The number of Byzantine seats must be from 0 to {seats}."),
            field="byzantine",
            seats=SEATS,
        )
    if strategy not in STRATEGIES:
        raise InvalidInput(
            N_("The strategy must be one of {strategies}, not {strategy}."),
            field="strategy",
            strategies=", ".join(STRATEGIES),
            strategy=strategy,
        )
    if sessions < 0:
        raise InvalidInput(N_("The number of sessions cannot be negative."), field="sessions")
    if not 0 <= split <= 1:
        raise InvalidInput(N_("The split fraction must be from 0 to 1."), field="split")
    if observers < 2:
        raise InvalidInput(N_("The simulation needs at least two observers."), field="observers")


def _key(seed: int, seat: int) -> Ed25519PrivateKey:
    material = hashlib.sha256(f"soai council simulation {seed} seat {seat}".encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(material)


def _session(
    index: int,
    seed: int,
    rng: random.Random,
    keys: Mapping[int, Ed25519PrivateKey],
    roster: Mapping[int, SeatKey],
    faulty: frozenset[int],
    strategy: str,
    split: float,
    observers: int,
    tally: _Tally,
) -> None:
    name = f"sim-{seed}-{index}"
    subject = hashlib.sha256(f"evidence bundle of {name}".encode()).hexdigest()
    start = _START + index * _ROUND_LENGTH
    deadline = start + _ROUND_LENGTH

    def vote(seat: int, choice: str) -> SignedVote:
        rationale = f"Seat {seat} weighed the evidence of {name} and chooses {choice}."
        confidence = round(rng.uniform(0.5, 1.0), 2)
        made = statement(
            council=COUNCIL,
            epoch=0,
            session=name,
            subject_digest=subject,
            round=0,
            choice=choice,
            confidence=confidence,
            rationale=rationale,
        )
        return sign(keys[seat], seat, made, rationale)

    honest = [seat for seat in sorted(keys) if seat not in faulty]
    majority, minority = rng.sample(CHOICES, 2)
    opinion = dict.fromkeys(honest, majority)
    if rng.random() < split:
        tally.honest_split_sessions += 1
        rng.shuffle(honest)
        for seat in honest[(len(honest) + 1) // 2 :]:
            opinion[seat] = minority

    order = list(range(observers))
    rng.shuffle(order)
    cut = rng.randint(1, observers - 1)
    group_a, group_b = order[:cut], order[cut:]
    inbox: list[list[SignedVote]] = [[] for _ in range(observers)]
    for seat in sorted(opinion):
        signed = vote(seat, opinion[seat])
        for box in inbox:
            box.append(signed)
    for seat in sorted(faulty):
        if not roster[seat].valid_for(0):
            continue  # suspended after being caught: nobody counts its votes any more
        if strategy == "random":
            signed = vote(seat, rng.choice(CHOICES))
            for box in inbox:
                box.append(signed)
        elif strategy == "collude":
            signed = vote(seat, minority)
            for box in inbox:
                box.append(signed)
        elif strategy == "equivocate":
            first, second = vote(seat, majority), vote(seat, minority)
            for target in group_a:
                inbox[target].append(first)
            for target in group_b:
                inbox[target].append(second)
            tally.committed += 1  # both votes reach an observer: groups are never empty

    ballots = [
        Ballot(
            council=COUNCIL,
            epoch=0,
            session=name,
            subject_digest=subject,
            round=0,
            deadline=deadline,
            roster=roster,
        )
        for _ in range(observers)
    ]
    arrival = start + _ROUND_LENGTH / 2
    for ballot, box in zip(ballots, inbox, strict=True):
        rng.shuffle(box)
        for signed in box:
            _deliver(ballot, signed, arrival)

    certified = set()
    for ballot in ballots:
        qc = ballot.certificate()
        if qc is not None and qc.choice not in certified:
            verify_certificate(qc, roster)  # raises if the coordinator handed out a bad one
            certified.add(qc.choice)
    tally.safety_violations += len(certified) > 1
    tally.decided += bool(certified)
    tally.escalated += not certified

    caught = _gossip(ballots, inbox, roster, deadline + timedelta(minutes=1))
    tally.detected += len(caught)
    tally.suspended |= caught


def _deliver(ballot: Ballot, signed: SignedVote, now: datetime) -> set[int]:
    """Submit one vote; the seats it proves equivocated (rejected votes are just dropped)."""
    try:
        outcome = ballot.submit(signed, now=now)
    except VoteRejected:
        return set()
    return {outcome.equivocation.seat} if outcome.equivocation is not None else set()


def _gossip(
    ballots: list[Ballot],
    inbox: list[list[SignedVote]],
    roster: Mapping[int, SeatKey],
    now: datetime,
) -> set[int]:
    """After the deadline every observer receives the votes it has not seen; the seats caught."""
    caught: set[int] = set()
    everything = {(v.seat, v.statement.canonical()): v for box in inbox for v in box}
    for ballot, box in zip(ballots, inbox, strict=True):
        had = {(v.seat, v.statement.canonical()) for v in box}
        for ident, signed in everything.items():
            if ident not in had:
                caught |= _deliver(ballot, signed, now)
    for ballot in ballots:
        for evidence in ballot.evidence:
            if not verify_equivocation(evidence, roster[evidence.seat].public_key):
                raise RuntimeError(f"the coordinator produced bad evidence: {evidence}")
    return caught

"""Verifying a council quorum certificate against its bare Ed25519 cost, measured in one run.

Target (council issue): ``verify_certificate`` on a 22-signature certificate costs at most
1.2x the raw time of its 22 Ed25519 verifications with pre-loaded public keys (the checks of
seats, epochs and statements, and the canonical bytes of 22 statements, fit in the other 20 %).

    .venv/bin/python benchmarks/bench_council_qc.py [--rounds 21] [--count 100]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from common import machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from soai.council.protocol import (
    QUORUM,
    SEATS,
    Ballot,
    QuorumCertificate,
    SeatKey,
    sign,
    statement,
    verify_certificate,
)


def build() -> tuple[QuorumCertificate, dict[int, SeatKey]]:
    """A certificate of exactly 22 real votes, each with its own confidence and rationale."""
    keys = {
        seat: Ed25519PrivateKey.from_private_bytes(
            hashlib.sha256(f"bench {seat}".encode()).digest()
        )
        for seat in range(1, SEATS + 1)
    }
    roster = {s: SeatKey(s, k.public_key().public_bytes_raw()) for s, k in keys.items()}
    deadline = datetime(2026, 1, 1, tzinfo=UTC)
    context: dict[str, Any] = {
        "council": "kh-national-ai-safety-council",
        "epoch": 7,
        "session": "S-2026-000123",
        "subject_digest": hashlib.sha256(b"evidence bundle").hexdigest(),
        "round": 0,
    }
    ballot = Ballot(**context, deadline=deadline, roster=roster)
    for seat in range(1, QUORUM + 1):
        rationale = f"Seat {seat}: the evidence meets the obligations; residual risk is low."
        made = statement(
            **context, choice="approve", confidence=0.5 + seat / 100, rationale=rationale
        )
        ballot.submit(sign(keys[seat], seat, made, rationale), now=deadline - timedelta(hours=1))
    qc = ballot.certificate()
    assert qc is not None and len(qc.votes) == QUORUM
    return qc, roster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--count", type=int, default=100, help="certificates per round")
    args = parser.parse_args()
    print(f"machine: {machine()}")

    qc, roster = build()
    document = json.loads(json.dumps(qc.to_json()))
    triples = [
        (roster[vote.seat].key, vote.signature, qc.statement(vote).canonical()) for vote in qc.votes
    ]
    n = args.count

    def raw() -> float:
        started = time.perf_counter()
        for _ in range(n):
            for key, signature, message in triples:
                key.verify(signature, message)
        return (time.perf_counter() - started) / n

    def verify() -> float:
        started = time.perf_counter()
        for _ in range(n):
            verify_certificate(qc, roster)
        return (time.perf_counter() - started) / n

    def parse_and_verify() -> float:
        started = time.perf_counter()
        for _ in range(n):
            verify_certificate(QuorumCertificate.from_json(document), roster)
        return (time.perf_counter() - started) / n

    raw(), verify(), parse_and_verify()  # warm up
    raws, verifies, parsed, ratios = [], [], [], []
    for _ in range(args.rounds):  # interleaved, so all see the same machine load
        r, v, p = raw(), verify(), parse_and_verify()
        raws.append(r)
        verifies.append(v)
        parsed.append(p)
        ratios.append(v / r)
    raw_median, verify_median = statistics.median(raws), statistics.median(verifies)
    print(f"raw Ed25519 verify x22:     {raw_median * 1e6:8.0f} µs  (median of {args.rounds})")
    print(f"verify_certificate (22):    {verify_median * 1e6:8.0f} µs")
    print(
        f"verify_certificate / raw:   {verify_median / raw_median:8.3f}   target <= 1.2  "
        f"(median per-round ratio {statistics.median(ratios):.3f})"
    )
    print(
        f"from_json + verify / raw:   {statistics.median(parsed) / raw_median:8.3f}   "
        "(informative: parsing the JSON certificate as well)"
    )


if __name__ == "__main__":
    main()

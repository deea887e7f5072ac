"""A whole exam window at giveaway scale, simulated end to end as one job: enrol the
candidates, draw each one's form, simulate their answers, grade them all, store the results,
and issue the credentials of the passes through the trust layer's bulk issuance.

It exists to prove the pipeline holds 500,250 candidates on SQLite and PostgreSQL in bounded
memory (``benchmarks/bench_academy_window.py``), and to rehearse a window before it opens.
Everything is set-based: candidates and attempts are inserted in chunks, forms are drawn and
graded as numpy arrays, credentials are issued by :mod:`soai.credentials.bulk`. Simulated
candidates get addresses under ``example.org``; their answers follow a simple ability model
(each answers correctly with probability ``0.35 + 0.6·ability``, ability uniform in [0, 1]).

A window's forms are drawn without exposure counts, so each is reproducible from its seed
alone (``SHA-256(window seed ‖ candidate number)``), which is what the attempt records.
"""

from __future__ import annotations

import csv
import hashlib
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, select

from soai.academy import bank as banks
from soai.academy import forms, grading
from soai.academy import programme as programmes
from soai.academy.models import Attempt, Candidate
from soai.db import transaction, utcnow
from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.jobs.runner import JobContext, job_kind
from soai.settings import Settings

JOB_KIND = "academy.window"
CHUNK = 50_000
MAX_CANDIDATES = 1_000_000


def run(
    settings: Settings, ctx: JobContext, *, tier_id: str, candidates: int, seed: str,
    bank: banks.Bank, issue: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Enrol, draw, simulate, grade, store and certify ``candidates`` candidates."""
    if not 1 <= candidates <= MAX_CANDIDATES:
        raise InvalidInput(N_("A window holds 1 to {limit} candidates."), field="candidates",
                           limit=MAX_CANDIDATES)  # fmt: skip
    tier = programmes.load().tier(tier_id)
    now = utcnow()
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))
    passes = Path(tempfile.mkstemp(prefix="soai-window-", suffix=".csv")[1])
    passed = graded = 0
    with passes.open("w", newline="", encoding="utf-8") as sink:
        writer = csv.writer(sink)
        writer.writerow(["email"])
        for start in range(0, candidates, CHUNK):
            count = min(CHUNK, candidates - start)
            numbers = range(start, start + count)
            seeds = [hashlib.sha256(f"{seed}:{n}".encode()).digest() for n in numbers]
            batch = forms.assemble_many(bank, tier, seeds)
            ctx.progress(start, candidates, "forms")
            ability = rng.random(count)[:, None]
            right = rng.random(batch.items.shape) < 0.35 + 0.6 * ability
            keys = bank.key[batch.items]  # original option of each key
            shown_key = np.argmax(batch.option_perms == keys[..., None], axis=-1)
            answers = np.where(right, shown_key, (shown_key + 1) % 4).astype(np.int8)
            grades = grading.grade_batch(bank, batch, answers, tier.pass_mark)
            with transaction(ctx.sessions, write=True) as session:
                first = (
                    session.scalar(select(Candidate.id).order_by(Candidate.id.desc()).limit(1)) or 0
                )
                session.execute(insert(Candidate), [
                    {"country": "KH", "language": "km" if n % 2 else "en", "extra_minutes": 0,
                     "created_at": now} for n in numbers])  # fmt: skip
                ids = list(session.scalars(select(Candidate.id).where(Candidate.id > first)
                                           .order_by(Candidate.id)))  # fmt: skip
                session.execute(insert(Attempt), [
                    {"id": uuid.uuid4().hex, "candidate_id": ids[i], "tier": tier.id,
                     "seed": seeds[i].hex(), "bank_version": bank.version,
                     "form": {"tier": tier.id, "seed": seeds[i].hex(), "drawn": "window"},
                     "language": "km" if (start + i) % 2 else "en", "status": "submitted",
                     "tab": "", "started_at": now, "deadline": now + timedelta(minutes=tier.minutes),
                     "submitted_at": now, "raw_score": int(grades.raw[i]),
                     "percent": float(grades.percent[i]), "scaled_score": int(grades.scaled[i]),
                     "passed": bool(grades.passed[i])}
                    for i in range(count)])  # fmt: skip
            for i in np.flatnonzero(grades.passed):
                writer.writerow([f"candidate{start + int(i)}@window.example.org"])
            passed += int(grades.passed.sum())
            graded += count
            ctx.progress(start + count, candidates, "graded")
    issued = 0
    if issue and passed:
        from soai.credentials import bulk

        ctx.progress(0, passed, "certificates")
        years = now.replace(year=now.year + tier.validity_years)
        issued = bulk.run(settings, ctx, source=passes, achievement_key=tier.achievement,
                          valid_until=years, output=None, issued_by=None)["issued"]  # fmt: skip
    passes.unlink(missing_ok=True)
    return {"tier": tier.id, "candidates": graded, "passed": passed, "issued": issued,
            "bank_version": bank.version}  # fmt: skip


@job_kind(JOB_KIND, title=N_("Exam window"))
def window_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    from soai.academy import service

    assert ctx.settings is not None
    return run(ctx.settings, ctx, tier_id=str(params["tier"]), candidates=int(params["candidates"]),
               seed=str(params["seed"]), bank=service.bank_of(ctx.settings.academy_items),
               issue=bool(params.get("issue", True)))  # fmt: skip

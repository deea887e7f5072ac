"""The public report form under load: 100 reports per second for a minute against a real
server on loopback (SQLite-WAL by default), while an analyst keeps reloading the triage queue.

Target (incidents issue): the form accepts 100 reports/s for a minute on SQLite-WAL with none
lost and p99 < 300 ms, while the triage pages stay responsive. The baseline is the target
(ratios are budget / measured: ≥ 1 meets it).

``soai serve`` runs in a subprocess on 127.0.0.1. Reports are sent open-loop at ``--rate`` per
second (each on its own schedule, whatever the previous one's latency), as browsers send the
form (multipart, CSRF token and form ticket from a page fetched beforehand). Each simulated
reporter comes from its own address (``X-Forwarded-For``, which ``soai serve`` trusts from
loopback as it would from the reverse proxy), a few reports each, so the per-address flood
limit is not what is measured. Afterwards every accepted reference is looked up in the database.

    .venv/bin/python benchmarks/bench_incidents_load.py [--rate 100] [--seconds 60]
        [--workers 2] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import httpx
from common import machine, make_instance, served
from sqlalchemy import select

from soai import db
from soai.db import transaction, utcnow
from soai.identity import formtickets
from soai.identity import service as identity
from soai.identity.schemas import UserCreate
from soai.incidents.models import Incident
from soai.instance import service as instance

TARGET_P99_MS = 300.0
PASSWORD = "benchmark-password-123"
HARMS = ("bias", "privacy", "safety", "misinformation", "manipulation", "denial", "other")
CODE = re.compile(r"INC-[2-9A-HJ-NP-Z]{6}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))] if ordered else float("nan")


async def reporter_forms(base: str, count: int) -> list[tuple[httpx.AsyncClient, str]]:
    """``count`` browser sessions, each with the form page loaded (cookie + CSRF token)."""
    out = []
    for _ in range(count):
        client = httpx.AsyncClient(base_url=base, timeout=30.0)
        page = await client.get("/incidents/report")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, "the report form has no CSRF token"
        out.append((client, token.group(1)))
    return out


async def send(client: httpx.AsyncClient, csrf: str, ticket: str, n: int, address: str,
               latencies: list[float], accepted: list[str], failures: list[int]) -> None:  # fmt: skip
    data = {"csrf_token": csrf, "ticket": ticket, "website": "", "harm": HARMS[n % len(HARMS)],
            "affected": "me", "description": f"Load report {n}: an automated decision refused "
            f"my application without any explanation."}  # fmt: skip
    started = time.perf_counter()
    try:
        response = await client.post("/incidents/report", data=data,
                                     files={"attachments": ("", b"", "application/octet-stream")},
                                     headers={"X-Forwarded-For": address})  # fmt: skip
    except httpx.HTTPError:
        failures.append(-1)
        return
    latencies.append((time.perf_counter() - started) * 1000)
    found = CODE.search(response.text) if response.status_code == 200 else None
    if found:
        accepted.append(found.group(0))
    else:
        failures.append(response.status_code)


async def triage_poll(base: str, cookie: str, stop: asyncio.Event, latencies: list[float]) -> int:
    errors = 0
    async with httpx.AsyncClient(base_url=base, cookies={"soai_session": cookie},
                                 timeout=30.0) as client:  # fmt: skip
        while not stop.is_set():
            started = time.perf_counter()
            response = await client.get("/incidents/queue")
            latencies.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200
            await asyncio.sleep(0.5)
    return errors


async def run(base: str, args: argparse.Namespace, ticket: str, cookie: str) -> dict[str, object]:
    sessions = await reporter_forms(base, 50)
    latencies: list[float] = []
    triage: list[float] = []
    accepted: list[str] = []
    failures: list[int] = []
    stop = asyncio.Event()
    poller = asyncio.create_task(triage_poll(base, cookie, stop, triage))
    total = args.rate * args.seconds
    began = time.perf_counter()
    tasks = []
    for n in range(total):
        delay = began + n / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        client, csrf = sessions[n % len(sessions)]
        address = f"10.{(n // 3) // 65536 % 256}.{(n // 3) // 256 % 256}.{(n // 3) % 256}"
        tasks.append(asyncio.create_task(
            send(client, csrf, ticket, n, address, latencies, accepted, failures)))  # fmt: skip
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - began
    stop.set()
    triage_errors = await poller
    for client, _ in sessions:
        await client.aclose()
    return {"latencies": latencies, "triage": triage, "accepted": accepted,
            "failures": failures, "wall": wall, "sent": total, "triage_errors": triage_errors}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--port", type=int, default=8792)
    args = parser.parse_args()
    settings = make_instance(args.database_url)
    sessions = db.session_factory(instance.open_instance(settings))
    with transaction(sessions, write=True) as session:
        analyst = identity.create_user(session, data=UserCreate(
            email="analyst@bench.example.org", display_name="Analyst", password=PASSWORD,
            roles=["analyst"]))  # fmt: skip
        cookie = identity.start_session(session, user=analyst, settings=settings)
    # A form ticket as the pages hand out, a minute old (people take longer than that to write).
    ticket = formtickets.ticket(settings.signing_secret(), utcnow() - timedelta(minutes=1),
                                purpose="incident")  # fmt: skip
    with served(settings, port=args.port, workers=args.workers, ready="/incidents/report") as base:
        result = asyncio.run(run(base, args, ticket, cookie))
    with transaction(sessions) as session:
        stored = set(session.scalars(select(Incident.code)))
    accepted: list[str] = result["accepted"]  # type: ignore[assignment]
    lost = sum(1 for code in accepted if code not in stored)
    latencies: list[float] = result["latencies"]  # type: ignore[assignment]
    triage: list[float] = result["triage"]  # type: ignore[assignment]
    p99 = percentile(latencies, 0.99)
    print(f"machine: {machine()}; database: {db.describe(settings.resolved_database_url)}; "
          f"server: soai serve --workers {args.workers}")  # fmt: skip
    print(f"sent {result['sent']} reports at {args.rate}/s for {args.seconds} s (took "
          f"{result['wall']:.1f} s); accepted {len(accepted)}, refused or failed "
          f"{len(result['failures'])} {sorted(set(result['failures']))}")  # type: ignore[arg-type]  # fmt: skip
    print(f"report latency p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms, "
          f"max {max(latencies):.1f} ms")  # fmt: skip
    print(f"triage queue page while loading: {len(triage)} loads, p50 "
          f"{statistics.median(triage):.1f} ms, p99 {percentile(triage, 0.99):.1f} ms, errors "
          f"{result['triage_errors']}")  # fmt: skip
    print(f"reports lost (accepted but not stored): {lost}; stored in all: {len(stored)}")
    verdict = "met" if p99 < TARGET_P99_MS and lost == 0 and not result["failures"] else "missed"
    print(f"target p99 < {TARGET_P99_MS:.0f} ms, none lost: {verdict} "
          f"(budget / measured p99: {TARGET_P99_MS / p99:.2f})")  # fmt: skip


if __name__ == "__main__":
    main()

"""What the benchmarks share: a throw-away instance, timing, medians and peak memory."""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from soai.instance import service as instance
from soai.settings import Environment, Settings

PASSPHRASE = "benchmark passphrase, not a secret"


def make_instance(database_url: str | None) -> Settings:
    home = Path(tempfile.mkdtemp(prefix="soai-bench-"))
    settings = Settings(
        env=Environment.TEST,
        home=home,
        database_url=database_url,
        secret_key="benchmark-secret-key-that-is-long-enough",
        key_passphrase=PASSPHRASE,
        log_level="WARNING",
    )
    instance.initialise(settings, "cambodia")
    return settings


def rate(count: int, fn: Callable[[], object], *, repeats: int = 5) -> tuple[float, list[float]]:
    """Median operations per second of ``fn`` (which performs ``count`` operations)."""
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        rates.append(count / (time.perf_counter() - started))
    return statistics.median(rates), rates


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    return (
        f"{os.cpu_count()} cores, Python {'.'.join(map(str, __import__('sys').version_info[:3]))}"
    )

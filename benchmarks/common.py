"""What the benchmarks share: a throw-away instance, timing, medians and peak memory."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def served(
    settings: Settings, *, port: int, workers: int, ready: str, env: dict[str, str] | None = None
) -> Iterator[str]:
    """``soai serve --workers N`` on 127.0.0.1 for the instance of ``settings``, in a
    subprocess; yields its base URL once ``ready`` (a path) answers 200, stops it afterwards."""
    import httpx

    environment = {
        **os.environ, "SOAI_HOME": str(settings.home), "SOAI_KEY_PASSPHRASE": PASSPHRASE,
        "SOAI_SECRET_KEY": "benchmark-secret-key-that-is-long-enough",
        "SOAI_DATABASE_URL": settings.resolved_database_url, "SOAI_LOG_LEVEL": "WARNING",
        "SOAI_ENV": "test", **(env or {}),
    }  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "soai.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}{ready}", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)

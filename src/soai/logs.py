"""Logging with structlog: JSON lines in production, readable lines in a terminal.

Log events carry ids and counts, never secrets or personal data (no e-mail addresses,
passwords, tokens or free text written by citizens).
"""

from __future__ import annotations

import logging
import sys

import structlog

from soai.settings import Environment, LogFormat, Settings


def configure(settings: Settings) -> None:
    fmt = settings.log_format
    if fmt is LogFormat.AUTO:
        json_lines = settings.env is Environment.PRODUCTION or not sys.stderr.isatty()
    else:
        json_lines = fmt is LogFormat.JSON
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json_lines else structlog.dev.ConsoleRenderer()
    )
    level = logging.getLevelNamesMapping()[settings.log_level]
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )

"""What every CLI command shares: settings with a clear error, progress bars, --json output."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from soai.settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

StepCallback = Callable[[int, int | None, str], None]


def settings_or_exit() -> Settings:
    """The settings; a :class:`~soai.errors.ConfigurationError` is reported by ``main``."""
    return get_settings()


def instance_sessions() -> sessionmaker[Session]:
    """Sessions on the database of the initialised instance in $SOAI_HOME (else a clear error).

    The database stack is imported here, not above: commands that need no database (a test
    run outside an instance) start faster."""
    from soai import db
    from soai.instance import service as instance

    return db.session_factory(instance.open_instance(settings_or_exit()))


@contextmanager
def progress_bar(title: str) -> Iterator[StepCallback]:
    """A Rich progress bar; yields ``step(done, total, message)`` for the work to call."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        transient=False,
    ) as progress:
        task = progress.add_task(title, total=None, note="")

        def step(done: int, total: int | None, message: str) -> None:
            progress.update(task, completed=done, total=total, note=message)

        yield step


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))

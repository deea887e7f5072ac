"""CLI of jobs: ``soai jobs list`` and ``soai jobs show ID``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from soai.cli_support import instance_sessions, print_json
from soai.db import transaction
from soai.jobs import service
from soai.jobs.schemas import JobOut

jobs_app = typer.Typer(help="Long-running jobs and their progress.", no_args_is_help=True)
console = Console()


_sessions = instance_sessions


@jobs_app.command("list")
def list_(json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """The 50 most recent jobs."""
    with transaction(_sessions()) as session:
        rows = [JobOut.model_validate(j).model_dump(mode="json") for j in service.recent(session)]
    if json_out:
        print_json(rows)
        return
    table = Table()
    for column in ("id", "kind", "status", "progress", "created"):
        table.add_column(column)
    for r in rows:
        progress = f"{r['done']}/{r['total']}" if r["total"] else str(r["done"])
        table.add_row(r["id"], r["kind"], r["status"], progress, r["created_at"])
    console.print(table)


@jobs_app.command("show")
def show(
    job_id: str, json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False
) -> None:
    """One job with its outcome."""
    with transaction(_sessions()) as session:
        row = JobOut.model_validate(service.get(session, job_id=job_id)).model_dump(mode="json")
    if json_out:
        print_json(row)
    else:
        for key, value in row.items():
            console.print(f"[bold]{key}[/]: {value}")

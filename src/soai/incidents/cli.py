"""CLI of the watchdog: ``soai incidents overdue`` (run it from cron to remind the people who
must act)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from soai.cli_support import print_json

incidents_app = typer.Typer(help="Reports of AI harm.", no_args_is_help=True)
console = Console()


@incidents_app.command("overdue")
def overdue(
    notify: Annotated[
        bool, typer.Option("--notify", help="Leave a portal notice for whoever must act")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Open reports past their time limit; with --notify, their assignee (or the regulators,
    while unassigned) gets a portal notice, once per report and time limit."""
    from soai.cli_support import instance_sessions
    from soai.db import transaction, utcnow
    from soai.incidents import cases

    now = utcnow()
    with transaction(instance_sessions(), write=notify) as session:
        found = [{"reference": i.code, "status": i.status, "severity": i.severity,
                  "due": i.due_at.isoformat() if i.due_at else None,
                  "assigned": i.assignee_id is not None} for i in cases.overdue(session, now=now)]  # fmt: skip
        notices = cases.remind_overdue(session, now=now) if notify else 0
    if json_out:
        print_json({"overdue": found, "notices": notices})
        return
    for row in found:
        console.print(f"{row['reference']}  {row['status']:<18} {row['severity'] or '-':<9} "
                      f"due {row['due']}{'' if row['assigned'] else '  (unassigned)'}")  # fmt: skip
    console.print(f"{len(found)} overdue report(s); {notices} notice(s) left.")

"""The ``soai`` command tree: one Typer app with a sub-app per part (see docs/cli.md)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from soai import db
from soai.academy.cli import academy_app
from soai.assurance.cli import assure_app
from soai.catalog.cli import catalog_app
from soai.cli_support import print_json, settings_or_exit
from soai.council.cli import council_app
from soai.credentials.cli import credential_app
from soai.crypto.cli import keys_app
from soai.identity.cli import token_app, user_app
from soai.incidents.cli import incidents_app
from soai.instance import cli as instance_cli
from soai.instance import service as instance
from soai.jobs.cli import jobs_app
from soai.ledger.cli import ledger_app
from soai.pdca import cli_steps  # noqa: F401 - registers the step commands on pdca_app
from soai.pdca.cli import pdca_app
from soai.programme import round_cli  # noqa: F401 - registers the round commands
from soai.programme.cli import giveaway_app
from soai.registry import cli as registry_cli

app = typer.Typer(
    name="soai",
    help="soai — run a national AI safety framework.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)

app.command("init")(instance_cli.init)
app.command("demo")(instance_cli.demo)
app.command("serve")(instance_cli.serve)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(jobs_app, name="jobs")
app.add_typer(keys_app, name="keys")
app.add_typer(ledger_app, name="ledger")
app.add_typer(credential_app, name="credential")
app.add_typer(instance_cli.report_app, name="report")
app.command("classify")(registry_cli.classify)
app.add_typer(registry_cli.registry_app, name="registry")
app.add_typer(catalog_app, name="catalog")
app.add_typer(pdca_app, name="pdca")
app.add_typer(assure_app, name="assure")
app.add_typer(council_app, name="council")
app.add_typer(academy_app, name="academy")
app.add_typer(giveaway_app, name="giveaway")
app.add_typer(incidents_app, name="incidents")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations up to the newest."""
    settings = settings_or_exit()
    engine = instance.engine(settings)
    db.upgrade(engine)
    Console().print(
        f"Database {db.describe(settings.resolved_database_url)} at revision "
        f"{db.current_revision(engine)}"
    )


@db_app.command("current")
def db_current(
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """The schema revision of the database and the newest one available."""
    settings = settings_or_exit()
    engine = instance.engine(settings)
    db.check_connection(engine)
    data = {
        "database": db.describe(settings.resolved_database_url),
        "current": db.current_revision(engine),
        "head": db.head_revision(engine),
    }
    if json_out:
        print_json(data)
    else:
        Console().print(data)

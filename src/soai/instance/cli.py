"""CLI of the instance: ``soai init``, ``soai demo``, ``soai serve`` and the summary report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from soai import db
from soai.cli_support import instance_sessions, progress_bar, settings_or_exit
from soai.db import transaction
from soai.errors import ConfigurationError, InvalidInput
from soai.i18n.markers import N_
from soai.instance import demo as demo_data
from soai.instance import service, summary
from soai.jobs import service as jobs
from soai.profiles import service as profiles
from soai.settings import Environment

console = Console()


def init(
    profile: Annotated[
        str | None,
        typer.Option(help="Bundled profile name (cambodia, philippines) or a profile YAML file"),
    ] = None,
) -> None:
    """Create the instance in $SOAI_HOME (or upgrade it): folders, profile, database."""
    settings = settings_or_exit()
    instance = service.initialise(settings, profile)
    console.print(
        f"[green]Instance ready[/] in {instance.home} — profile [bold]{instance.profile.id}[/], "
        f"database {instance.database}"
    )
    if instance.created_key:
        console.print(f"Created signing key {instance.created_key} in {instance.home / 'keys'}")


def demo() -> None:
    """Seed the demo data (initialising first if needed) and print the demo logins."""
    settings = settings_or_exit()
    if settings.env is Environment.PRODUCTION:
        raise ConfigurationError(N_("Demo data cannot be added to a production instance."))
    if not service.is_initialised(settings):
        init(profile=None)
    with transaction(db.session_factory(service.open_instance(settings)), write=True) as session:
        logins = demo_data.seed(session)
        systems = demo_data.seed_register(
            session, profiles.instance_profile(settings.home.resolve())
        )
        cycles = demo_data.seed_cycles(session, settings.home)
        tests = demo_data.seed_tests(
            session, settings.home, profiles.instance_profile(settings.home.resolve())
        )
        council = demo_data.seed_council(
            session, profiles.instance_profile(settings.home.resolve()),
            settings.signing_passphrase(),
        )  # fmt: skip
    if systems:
        console.print(f"Registered {systems} demo AI systems (see /registry).")
    if cycles:
        console.print(f"Opened {cycles} demo compliance cycles (see /pdca).")
    if tests:
        console.print("Ran the demo fairness test on synthetic credit data (see /assurance).")
    if council:
        console.print(
            "Seated the council and put the credit-scoring assessment to it (see /council)."
        )
    console.print("[bold]Demo logins[/] (for trying soai only — never use them in production):")
    for login in logins:
        mark = "  (new)" if login.created else ""
        print(f"  {login.role:<15} {login.email:<34} {login.password}{mark}")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="Server processes (more use more cores; each reads the same SOAI_* settings)"
        ),
    ] = 1,
) -> None:
    """Serve the portal and the API."""
    import uvicorn

    from soai.web.app import create_app

    settings = settings_or_exit()
    with transaction(instance_sessions(), write=True) as session:
        interrupted = jobs.fail_interrupted(session)
    if interrupted:
        console.print(
            f"[yellow]{interrupted} job(s) interrupted by the last stop were marked failed"
        )
    console.print(f"Serving [bold]http://{host}:{port}[/] — press Ctrl+C to stop")
    if workers > 1:  # each process builds the app from the same environment
        uvicorn.run("soai.web.app:create_app", factory=True, workers=workers, host=host,
                    port=port, log_level="warning", proxy_headers=True)  # fmt: skip
        return
    app = create_app(settings)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True)


report_app = typer.Typer(help="Reports about the instance.", no_args_is_help=True)


@report_app.command("summary")
def report_summary(
    output: Annotated[Path, typer.Option("--output", "-o", help="PDF file to write")] = Path(
        "instance-summary.pdf"
    ),
    language: Annotated[str, typer.Option(help="Language of the report (en, km)")] = "en",
) -> None:
    """Render the instance summary report to a PDF file."""
    settings = settings_or_exit()
    sessions = instance_sessions()
    profile = profiles.instance_profile(settings.home.resolve())
    if language not in profile.languages:
        raise InvalidInput(
            N_("The instance does not speak {language}; choose from: {languages}."),
            field="language",
            language=language,
            languages=", ".join(profile.languages),
        )
    with progress_bar("Instance summary") as step:
        pdf = summary.render_pdf(sessions, home=settings.home, language=language, on_step=step)
    output.write_bytes(pdf)
    console.print(f"Wrote {output} ({len(pdf):,} bytes)")

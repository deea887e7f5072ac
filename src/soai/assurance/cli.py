"""CLI of technical assurance: ``soai assure fairness`` (the contract) and ``soai assure runs``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from soai.assurance import service
from soai.cli_support import instance_sessions, print_json, progress_bar, settings_or_exit
from soai.db import transaction
from soai.errors import SoaiError
from soai.pdca import service as pdca
from soai.profiles import service as profiles

assure_app = typer.Typer(
    help="Technical tests of AI systems' predictions and data.", no_args_is_help=True
)
console = Console()
err = Console(stderr=True)


@assure_app.command("fairness")
def fairness(
    data: Annotated[Path, typer.Argument(help="CSV or Parquet file of predictions")],
    label: Annotated[str, typer.Option(help="Column of the true outcome (0/1)")],
    prediction: Annotated[str, typer.Option(help="Column of the model's decision (0/1)")],
    sensitive: Annotated[str, typer.Option(help="Group column(s), comma-separated")],
    score: Annotated[
        str | None, typer.Option(help="Column of the model's score (optional)")
    ] = None,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for confidence intervals")
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap")] = 0,
    save: Annotated[bool, typer.Option(help="Store the run in the instance")] = False,
    cycle: Annotated[
        int | None, typer.Option(help="Attach the stored run to this PDCA cycle")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Per-group metrics and fairlearn-named aggregates, each judged against the policy."""
    columns = [c.strip() for c in sensitive.split(",") if c.strip()]
    parameters = {"label": label, "prediction": prediction, "score": score, "sensitive": columns}
    try:
        if json_out:
            outcome = service.fairness(
                data, label=label, prediction=prediction, sensitive=columns, score=score,
                bootstrap=bootstrap, seed=seed,
            )  # fmt: skip
        else:
            with progress_bar("Reading") as step:
                outcome = service.fairness(
                    data, label=label, prediction=prediction, sensitive=columns, score=score,
                    bootstrap=bootstrap, seed=seed, on_progress=step,
                )  # fmt: skip
    except SoaiError as exc:
        if save or cycle is not None:
            _store("fairness", None, exc.render(), data.name, parameters, cycle)
        raise
    if save or cycle is not None:
        run_id = _store("fairness", outcome, None, data.name, parameters, cycle)
        outcome = {**outcome, "run": run_id}
    if json_out:
        print_json(outcome)
        return
    console.print(f"[bold]{outcome['verdict'].upper()}[/] — {outcome['input']['rows']:,} rows")
    for verdict in outcome["verdicts"]:
        console.print(f"  {verdict['verdict']:<13} {verdict['scope']}: {verdict['reason']}")


def _store(
    kind: str,
    outcome: dict[str, Any] | None,
    error: str | None,
    name: str,
    parameters: dict[str, Any],
    cycle_id: int | None,
) -> int:
    settings = settings_or_exit()
    with transaction(instance_sessions(), write=True) as session:
        run = service.record(
            session, kind=kind, outcome=outcome, error=error, input_name=name,
            parameters=parameters, user_id=None,
        )  # fmt: skip
        if cycle_id is not None and outcome is not None:
            found = pdca.get(session, cycle_id=cycle_id, scope=pdca.Scope(everything=True))
            domain = profiles.instance_profile(settings.home.resolve()).issuer_domain
            service.attach(
                session, run=run, cycle=found, user_id=None, base_url=f"https://{domain}"
            )
        return run.id

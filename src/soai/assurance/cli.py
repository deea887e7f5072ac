"""CLI of technical assurance: ``soai assure fairness`` (the contract), ``performance``,
``data``, ``robustness``, ``explain`` and ``plan`` (several tests on one read of the data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from soai.assurance import checks, policy
from soai.assurance.inputs import KINDS, Spec, parse_population
from soai.errors import InvalidInput, SoaiError
from soai.i18n.markers import N_

# The database, the web stack and the other parts are imported only when a run is stored:
# a test run outside an instance starts fast (it is timed against AI Verify's toolbox).

assure_app = typer.Typer(
    help="Technical tests of AI systems' predictions, models and data.", no_args_is_help=True
)
console = Console()

Data = Annotated[Path, typer.Argument(help="CSV or Parquet file of the data to test")]
Label = Annotated[str, typer.Option(help="Column of the true outcome (0/1)")]
OptLabel = Annotated[str | None, typer.Option(help="Column of the true outcome (0/1)")]
Prediction = Annotated[
    str | None, typer.Option(help="Column of the model's decision (0/1), if no --model")
]
Score = Annotated[str | None, typer.Option(help="Column of the model's score (optional)")]
Sensitive = Annotated[str, typer.Option(help="Group column(s), comma-separated")]
ModelFile = Annotated[
    Path | None, typer.Option("--model", help="ONNX model, or scikit-learn pickle/joblib")
]
Trust = Annotated[
    bool,
    typer.Option(
        "--trust-model",
        help="Load a pickle/joblib model: it runs code, so only from a source you trust",
    ),
]
Features = Annotated[
    str, typer.Option(help="Model input columns, comma-separated (when the model has no names)")
]
Seed = Annotated[int, typer.Option(help="Seed of the random parts (bootstrap, perturbation)")]
Save = Annotated[bool, typer.Option(help="Store the run in the instance")]
CycleOpt = Annotated[int | None, typer.Option(help="Attach the stored run to this PDCA cycle")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON")]
Regression = Annotated[
    bool, typer.Option("--regression", help="Numeric label and prediction: regression metrics")
]


def _columns(text: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in text.split(",") if c.strip())


@assure_app.command("fairness")
def fairness(
    data: Data, label: Label, sensitive: Sensitive, prediction: Prediction = None,
    score: Score = None, model: ModelFile = None, trust_model: Trust = False,
    features: Features = "",
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for intervals")] = 0,
    seed: Seed = 0, save: Save = False, cycle: CycleOpt = None, json_out: Json = False,
) -> None:  # fmt: skip
    """Per-group metrics and fairlearn-named aggregates, each judged against the policy."""
    spec = Spec(
        data, label=label, prediction=prediction, score=score, sensitive=_columns(sensitive),
        model=model, trust_model=trust_model, features=_columns(features),
        bootstrap=bootstrap, seed=seed,
    )  # fmt: skip
    _execute(spec, ("fairness",), save=save, cycle=cycle, json_out=json_out)


@assure_app.command("performance")
def performance(
    data: Data, label: Label, prediction: Prediction = None, score: Score = None,
    model: ModelFile = None, trust_model: Trust = False, features: Features = "",
    regression: Regression = False,
    save: Save = False, cycle: CycleOpt = None, json_out: Json = False,
) -> None:  # fmt: skip
    """Accuracy, balanced accuracy, precision, recall, F1, ROC AUC, Brier and reliability
    (or, with --regression, MAE, MSE, RMSE and R²)."""
    spec = Spec(
        data, label=label, prediction=prediction, score=score, model=model,
        trust_model=trust_model, features=_columns(features), regression=regression,
    )  # fmt: skip
    _execute(spec, ("performance",), save=save, cycle=cycle, json_out=json_out)


@assure_app.command("data")
def data_quality(
    data: Data, label: OptLabel = None,
    reference: Annotated[
        Path | None, typer.Option(help="Earlier data (CSV/Parquet) to measure drift against")
    ] = None,
    population: Annotated[
        Path | None,
        typer.Option(help="YAML/JSON {column: {group: share}} of the population served"),
    ] = None,
    save: Save = False, cycle: CycleOpt = None, json_out: Json = False,
) -> None:  # fmt: skip
    """Missingness, duplicates, label balance, representation and drift (PSI / KS)."""
    spec = Spec(data, label=label, reference=reference, population=_population(population))
    _execute(spec, ("data",), save=save, cycle=cycle, json_out=json_out)


ModelOpt = Annotated[Path, typer.Option(help="The model to query")]


def _model_test(
    kind: str, data: Path, label: str, model: Path, trust_model: bool, features: str,
    seed: int, save: bool, cycle: int | None, json_out: bool,
) -> None:  # fmt: skip
    """Run one test that queries the model (robustness, explain)."""
    spec = Spec(
        data, label=label, model=model, trust_model=trust_model, features=_columns(features),
        seed=seed,
    )  # fmt: skip
    _execute(spec, (kind,), save=save, cycle=cycle, json_out=json_out)


@assure_app.command("robustness")
def robustness(
    data: Data, label: Label, model: ModelOpt, trust_model: Trust = False, features: Features = "",
    seed: Seed = 0, save: Save = False, cycle: CycleOpt = None, json_out: Json = False,
) -> None:  # fmt: skip
    """Prediction stability and accuracy under noise on the model's inputs (model mode)."""
    _model_test("robustness", data, label, model, trust_model, features, seed, save, cycle,
                json_out)  # fmt: skip


@assure_app.command("explain")
def explain(
    data: Data, label: Label, model: ModelOpt, trust_model: Trust = False, features: Features = "",
    seed: Seed = 0, save: Save = False, cycle: CycleOpt = None, json_out: Json = False,
) -> None:  # fmt: skip
    """Permutation feature importance and partial dependence of the top features."""
    _model_test("explain", data, label, model, trust_model, features, seed, save, cycle, json_out)


@assure_app.command("plan")
def plan(
    data: Data,
    tests: Annotated[str, typer.Option(help=f"Tests to run, comma-separated: {', '.join(KINDS)}")],
    label: OptLabel = None, prediction: Prediction = None, score: Score = None,
    sensitive: Annotated[str, typer.Option(help="Group column(s), comma-separated")] = "",
    model: ModelFile = None, trust_model: Trust = False, features: Features = "",
    reference: Annotated[Path | None, typer.Option(help="Earlier data for drift")] = None,
    population: Annotated[
        Path | None, typer.Option(help="YAML/JSON {column: {group: share}}")
    ] = None,
    regression: Regression = False,
    seed: Seed = 0, save: Save = False, cycle: CycleOpt = None, json_out: Json = False,
) -> None:  # fmt: skip
    """A test plan: several tests on one read of the data; JSON maps each test to its result."""
    spec = Spec(
        data, label=label, prediction=prediction, score=score, sensitive=_columns(sensitive),
        model=model, trust_model=trust_model, features=_columns(features), reference=reference,
        population=_population(population), seed=seed, regression=regression,
    )  # fmt: skip
    _execute(spec, _columns(tests), save=save, cycle=cycle, json_out=json_out, as_plan=True)


def _population(path: Path | None) -> dict[str, dict[str, float]]:
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            N_("Cannot read {file}: {reason}"), field="population", file=path.name,
            reason=str(exc),
        ) from exc  # fmt: skip
    return parse_population(text, source=path.name)


def _overrides() -> checks.Overrides:
    """The instance profile's thresholds, when the command runs inside an instance."""
    from soai.cli_support import settings_or_exit
    from soai.profiles import service as profiles

    try:
        home = settings_or_exit().home.resolve()
        return policy.overrides_of(profiles.instance_profile(home).assurance.thresholds)
    except profiles.InstanceNotInitialised:
        return {}


def _execute(
    spec: Spec,
    kinds: tuple[str, ...],
    *,
    save: bool,
    cycle: int | None,
    json_out: bool,
    as_plan: bool = False,
) -> None:
    store = save or cycle is not None
    try:
        if json_out:
            outcomes = checks.run_plan(spec, kinds, overrides=_overrides())
        else:
            from soai.cli_support import progress_bar

            with progress_bar("Testing") as step:
                outcomes = checks.run_plan(spec, kinds, overrides=_overrides(), on_progress=step)
    except SoaiError as exc:
        if store:
            for kind in [k for k in kinds if k in KINDS] or ["plan"]:
                _store(kind, None, exc.render(), spec, cycle)
        raise
    if store:
        for kind, outcome in outcomes.items():
            outcomes[kind] = {**outcome, "run": _store(kind, outcome, None, spec, cycle)}
    if json_out:
        from soai.cli_support import print_json

        print_json(outcomes if as_plan else outcomes[kinds[0]])
        return
    for kind, outcome in outcomes.items():
        console.print(
            f"[bold]{kind}: {outcome['verdict'].upper()}[/] — {outcome['input']['rows']:,} rows"
        )
        for verdict in outcome["verdicts"]:
            console.print(
                f"  {verdict['verdict']:<13} {verdict['scope'] or 'overall'}: {verdict['reason']}"
            )


def _store(
    kind: str, outcome: dict[str, Any] | None, error: str | None, spec: Spec, cycle_id: int | None
) -> int:
    import soai.migrations.metadata  # noqa: F401 - every table, for the foreign keys
    from soai.assurance import service
    from soai.cli_support import instance_sessions, settings_or_exit
    from soai.db import transaction
    from soai.pdca import service as pdca
    from soai.profiles import service as profiles

    settings = settings_or_exit()
    with transaction(instance_sessions(), write=True) as session:
        run = service.record(
            session, kind=kind, outcome=outcome, error=error, input_name=spec.data.name,
            parameters=json.loads(json.dumps(spec.parameters())), user_id=None,
        )  # fmt: skip
        if cycle_id is not None and outcome is not None:
            found = pdca.get(session, cycle_id=cycle_id, scope=pdca.Scope(everything=True))
            domain = profiles.instance_profile(settings.home.resolve()).issuer_domain
            service.attach(
                session, run=run, cycle=found, user_id=None, base_url=f"https://{domain}"
            )
        return run.id

"""Test plans from the portal: the uploaded files are tested as one job with a progress bar, and
each test's run (or, when the plan could not run, its failure record) is stored. The uploads
are removed when the job ends."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from soai.assurance import service
from soai.assurance.inputs import KINDS, Spec
from soai.db import transaction
from soai.errors import InvalidInput, SoaiError
from soai.i18n.markers import N_
from soai.jobs.runner import JobContext, job_kind

JOB_KIND = "assurance.plan"
RESULT_TEMPLATE = "assurance/parts/job_result.html"
MAX_BYTES = 512 * 1024 * 1024
DATA_SUFFIXES = (".csv", ".parquet")
MODEL_SUFFIXES = (".onnx", ".joblib", ".pkl", ".pickle")


def upload_dir(home: Path) -> Path:
    return home / "assurance" / "uploads"


def keep_upload(
    home: Path, *, filename: str, content: bytes, field: str = "file",
    suffixes: tuple[str, ...] = DATA_SUFFIXES,
) -> str:  # fmt: skip
    """Keep an uploaded file under a random name until its job runs; returns that name."""
    suffix = Path(filename).suffix.lower()
    if suffix not in suffixes:
        raise InvalidInput(
            N_("{file}: upload a file ending in {suffixes}."),
            field=field,
            file=filename or "?",
            suffixes=", ".join(suffixes),
        )
    if not content:
        raise InvalidInput(N_("The file is empty."), field=field)
    if len(content) > MAX_BYTES:
        raise InvalidInput(N_("The file is larger than 512 MB."), field=field)
    name = f"{uuid.uuid4().hex}{suffix}"
    folder = upload_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    return name


def spec_of(home: Path, params: dict[str, Any]) -> Spec:
    """The plan's :class:`Spec` from the job's stored parameters."""
    folder = upload_dir(home)

    def path(key: str) -> Path | None:
        return folder / str(params[key]) if params.get(key) else None

    data = path("file")
    assert data is not None  # the view refuses a plan without a data file
    return Spec(
        data,
        label=params.get("label") or None,
        prediction=params.get("prediction") or None,
        score=params.get("score") or None,
        sensitive=tuple(params.get("sensitive") or ()),
        model=path("model"),
        trust_model=bool(params.get("trust_model")),
        features=tuple(params.get("features") or ()),
        reference=path("reference"),
        population=params.get("population") or {},
        bootstrap=int(params.get("bootstrap") or 0),
        seed=int(params.get("seed") or 0),
        regression=bool(params.get("regression")),
    )


@job_kind(JOB_KIND, title=N_("Test plan"))
def plan_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    spec = spec_of(ctx.home, params)
    kinds = tuple(params.get("tests") or ())
    names = params.get("filenames") or {}
    outcomes: dict[str, dict[str, Any]] = {}
    error: str | None = None
    try:
        outcomes = service.plan(
            spec, kinds, overrides=params.get("overrides") or {}, on_progress=ctx.progress
        )
    except SoaiError as exc:
        error = exc.render()
    finally:
        for upload in (spec.data, spec.model, spec.reference):
            if upload is not None:
                upload.unlink(missing_ok=True)
    parameters = {**params.get("parameters", {}), "tests": list(kinds)}
    runs: list[int] = []
    with transaction(ctx.sessions, write=True) as session:
        for kind in [k for k in kinds if k in KINDS] or ["plan"]:
            outcome = outcomes.get(kind)
            if outcome is not None:  # the analyst's file names, not the uploads'
                outcome["input"]["file"] = names.get("file", outcome["input"]["file"])
                if "model" in outcome["input"]:
                    outcome["input"]["model"]["file"] = names.get("model", "")
                if "reference" in outcome:
                    outcome["reference"]["file"] = names.get("reference", "")
                outcome["parameters"] = parameters
            run = service.record(
                session, kind=kind, outcome=outcome, error=error,
                input_name=str(names.get("file", "")), parameters=parameters,
                user_id=params.get("user_id"), system_id=params.get("system_id"),
            )  # fmt: skip
            runs.append(run.id)
    return {"template": RESULT_TEMPLATE, "runs": runs, "error": error}

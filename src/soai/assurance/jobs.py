"""Test runs from the portal: the uploaded file is tested as a job with a progress bar, and the
run (or its failure record) is stored. The upload is removed when the job ends."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from soai.assurance import service
from soai.db import transaction
from soai.errors import InvalidInput, SoaiError
from soai.i18n.markers import N_
from soai.jobs.runner import JobContext, job_kind

JOB_KIND = "assurance.fairness"
RESULT_TEMPLATE = "assurance/parts/job_result.html"
MAX_BYTES = 512 * 1024 * 1024
SUFFIXES = (".csv", ".parquet")


def upload_dir(home: Path) -> Path:
    return home / "assurance" / "uploads"


def keep_upload(home: Path, *, filename: str, content: bytes) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(N_("Upload a .csv or a .parquet file."), field="file")
    if not content:
        raise InvalidInput(N_("The file is empty."), field="file")
    if len(content) > MAX_BYTES:
        raise InvalidInput(N_("The file is larger than 512 MB."), field="file")
    name = f"{uuid.uuid4().hex}{suffix}"
    folder = upload_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    return name


@job_kind(JOB_KIND, title=N_("Fairness test"))
def fairness_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    path = upload_dir(ctx.home) / str(params["file"])
    parameters = {k: params[k] for k in ("label", "prediction", "score", "sensitive", "bootstrap")}
    outcome: dict[str, Any] | None = None
    error: str | None = None
    try:
        outcome = service.fairness(
            path,
            label=params["label"],
            prediction=params["prediction"],
            sensitive=params["sensitive"],
            score=params.get("score") or None,
            bootstrap=int(params.get("bootstrap") or 0),
            on_progress=ctx.progress,
        )
        outcome["input"]["file"] = str(params["filename"])  # the analyst's name, not the upload's
    except SoaiError as exc:
        error = exc.render()
    finally:
        path.unlink(missing_ok=True)
    with transaction(ctx.sessions, write=True) as session:
        run = service.record(
            session,
            kind="fairness",
            outcome=outcome,
            error=error,
            input_name=str(params["filename"]),
            parameters=parameters,
            user_id=params.get("user_id"),
        )
        run_id = run.id
    return {"template": RESULT_TEMPLATE, "run": run_id, "error": error}

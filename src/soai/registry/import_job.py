"""Bulk import from the portal: an uploaded file is imported as a job with a progress bar.

The upload is kept under ``$SOAI_HOME/imports/`` while the job runs. A rejected file is a
normal outcome, not a crash: the job finishes and its result lists every problem with its
line number, and nothing was written.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from soai.db import transaction
from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.jobs.runner import JobContext, job_kind
from soai.profiles import service as profiles
from soai.registry import bulk_import, service

JOB_KIND = "registry.import"
RESULT_TEMPLATE = "registry/parts/import_result.html"
MAX_BYTES = 64 * 1024 * 1024
SUFFIXES = (".csv", ".jsonl")
SHOWN_PROBLEMS = 200


def upload_dir(home: Path) -> Path:
    return home / "imports"


def keep_upload(home: Path, *, filename: str, content: bytes) -> str:
    """Store an uploaded file for the job; returns the name the job's parameters carry."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(N_("Upload a .csv or a .jsonl file."), field="file")
    if not content:
        raise InvalidInput(N_("The file is empty."), field="file")
    if len(content) > MAX_BYTES:
        raise InvalidInput(N_("The file is larger than 64 MB; split it."), field="file")
    name = f"{uuid.uuid4().hex}{suffix}"
    folder = upload_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    return name


@job_kind(JOB_KIND, title=N_("Import of AI systems"))
def import_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    path = upload_dir(ctx.home) / str(params["file"])
    profile = profiles.instance_profile(ctx.home.resolve())
    result: dict[str, Any] = {"template": RESULT_TEMPLATE, "filename": params.get("filename")}
    try:
        # Checking only reads, so the job's progress can be written meanwhile; writing then
        # holds the database's write lock (on SQLite) until the whole file is in.
        with transaction(ctx.sessions) as session:
            checked = bulk_import.check(session, path=path, on_progress=ctx.progress)
        ctx.progress(0, len(checked.rows), "writing")
        with transaction(ctx.sessions, write=True) as session:
            report = bulk_import.write(
                session,
                checked,
                rule_set=service.ruleset(profile),
                country=profile.country.code,
                user_id=params.get("user_id"),
                skip_invalid=bool(params.get("skip_invalid")),
            )
        ctx.progress(report.imported, report.imported, "written")
        result.update(report.as_dict(), rejected=False)
    except bulk_import.ImportRejected as exc:
        result.update(
            imported=0,
            rejected=True,
            problems=[p.as_dict() for p in exc.problems],
        )
    finally:
        path.unlink(missing_ok=True)
    total = len(result.get("problems", []))
    result["problems_total"] = total
    result["problems"] = result.get("problems", [])[:SHOWN_PROBLEMS]
    return result

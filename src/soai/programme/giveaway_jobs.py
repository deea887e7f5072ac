"""The giveaway's long steps as jobs with progress (the portal starts them; the command line
runs the same functions directly): importing a bulk file, and the draw."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from soai.db import transaction, utcnow
from soai.i18n.markers import N_
from soai.jobs.runner import JobContext, job_kind
from soai.programme import drawing, rounds

IMPORT, DRAW = "giveaway.import", "giveaway.draw"
RESULT = "programme/parts/giveaway_job.html"


def upload_dir(home: Path) -> Path:
    folder = home / "uploads" / "giveaway"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@job_kind(IMPORT, title=N_("Importing giveaway applications"))
def import_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    folder, _, name = str(params["upload"]).partition("/")
    path = upload_dir(ctx.home) / Path(folder).name / Path(name).name
    try:
        ctx.progress(0, 2, params.get("filename", ""))
        with transaction(ctx.sessions, write=True) as session:
            record = rounds.get_round(session, int(params["round"]))
            count = rounds.import_file(session, record=record, path=path, now=utcnow())
        ctx.progress(2, 2, params.get("filename", ""))
    finally:
        path.unlink(missing_ok=True)
        if path.parent != upload_dir(ctx.home):
            path.parent.rmdir()
    return {"template": RESULT, "imported": count}


@job_kind(DRAW, title=N_("Giveaway draw"))
def draw_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.progress(0, 1)
    with transaction(ctx.sessions, write=True) as session:
        record = rounds.get_round(session, int(params["round"]))
        summary = drawing.draw(session, record=record, seed_hex=params["seed"], now=utcnow())
    ctx.progress(1, 1)
    return {"template": RESULT, "allocated": summary["allocated"],
            "waitlisted": summary["waitlisted"], "duplicates": summary["duplicates"],
            "digest": summary["allocation_digest"]}  # fmt: skip

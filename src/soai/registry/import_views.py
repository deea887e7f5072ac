"""HTML routes of bulk import in the portal: upload a CSV or JSON Lines file, follow the job."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from soai.db import transaction
from soai.errors import SoaiError
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.jobs import service as jobs
from soai.registry import import_job
from soai.registry.import_files import CSV_COLUMNS
from soai.web.pages import render, translator_for
from soai.web.state import app_state

router = APIRouter()


def _page(request: Request, *, error: SoaiError | None = None) -> HTMLResponse:
    t = translator_for(request)
    return render(
        request,
        "registry/import.html",
        {
            "columns": CSV_COLUMNS,
            "error": error.render(t.gettext) if error else None,
        },
        status_code=error.status if error else 200,
    )


@router.get(
    "/registry/import",
    response_class=HTMLResponse,
    name="registry:import",
    dependencies=[Depends(require(Permission.REGISTRY_MANAGE))],
)
def import_page(request: Request) -> HTMLResponse:
    return _page(request)


@router.post("/registry/import", response_class=HTMLResponse, name="registry:import_submit")
async def import_submit(
    request: Request,
    file: UploadFile | None = File(None),
    skip_invalid: str = Form(""),
    principal: Principal = Depends(require(Permission.REGISTRY_MANAGE)),
) -> Response:
    state = app_state(request)
    try:
        content = await file.read(import_job.MAX_BYTES + 1) if file is not None else b""
        name = import_job.keep_upload(
            state.settings.home, filename=(file.filename or "") if file else "", content=content
        )
        with transaction(state.sessions, write=True) as session:
            job = jobs.enqueue(
                session,
                kind=import_job.JOB_KIND,
                params={
                    "file": name,
                    "filename": file.filename if file else "",
                    "skip_invalid": skip_invalid == "yes",
                    "user_id": principal.user_id,
                },
                user_id=principal.user_id,
            )
            job_id = job.id
    except SoaiError as exc:
        return _page(request, error=exc)
    state.jobs.submit(job_id)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)

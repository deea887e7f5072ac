"""HTML routes of credentials: the public verification page, the DID document, status lists,
and the credential managers' page (issue, look up, revoke, suspend, download)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from soai.credentials import certificate, revocation, service
from soai.credentials import document as doc
from soai.credentials.qr import LinkError, unpack, verification_url
from soai.credentials.verify import CredentialVerificationError
from soai.crypto import service as crypto
from soai.db import transaction
from soai.errors import InvalidInput, SoaiError
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.web.pages import render, translator_for
from soai.web.state import app_state

router = APIRouter()
PUBLIC = [Depends(require(Permission.PUBLIC_READ))]
MANAGE = [Depends(require(Permission.CREDENTIALS_MANAGE))]
MAX_UPLOAD = 256 * 1024


def _verify_page(
    request: Request, *, credential: dict[str, Any] | None, problem: str | None, pasted: str = ""
) -> HTMLResponse:
    state = app_state(request)
    outcome: dict[str, Any] | None = None
    if credential is not None:
        with transaction(state.sessions) as session:
            try:
                result = revocation.verify_here(
                    session, settings=state.settings, credential=credential
                )
                outcome = {"valid": True, "result": result, "credential": credential}
            except CredentialVerificationError as exc:
                reason = exc.render(translator_for(request).gettext)
                outcome = {"valid": False, "reason": reason, "credential": credential}
    return render(
        request,
        "credentials/verify.html",
        {"outcome": outcome, "problem": problem, "pasted": pasted},
        status_code=422 if problem else 200,
    )


@router.get("/verify", response_class=HTMLResponse, name="credentials:verify", dependencies=PUBLIC)
def verify_page(request: Request, c: str | None = None) -> HTMLResponse:
    """The verification page; a QR code's link brings the credential in ``c``."""
    if c is None:
        return _verify_page(request, credential=None, problem=None)
    try:
        credential = unpack(c)
    except LinkError as exc:
        return _verify_page(request, credential=None, problem=str(exc))
    return _verify_page(request, credential=credential, problem=None)


@router.post(
    "/verify", response_class=HTMLResponse, name="credentials:verify_submit", dependencies=PUBLIC
)
async def verify_submit(
    request: Request,
    credential_text: str = Form(""),
    credential_file: UploadFile | None = File(None),
) -> HTMLResponse:
    t = translator_for(request)
    text = credential_text.strip()
    if credential_file is not None and credential_file.filename:
        raw = await credential_file.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            return _verify_page(
                request, credential=None, problem=t.gettext(N_("The file is larger than 256 KB."))
            )
        text = raw.decode("utf-8", errors="replace").strip()
    if not text:
        return _verify_page(
            request,
            credential=None,
            problem=t.gettext(N_("Paste a credential or choose its file.")),
        )
    try:
        credential = json.loads(text)
    except json.JSONDecodeError as exc:
        return _verify_page(
            request,
            credential=None,
            pasted=text[:20000],
            problem=t.gettext(
                N_("This is not JSON (line {line}, column {column}): {reason}"),
                line=exc.lineno,
                column=exc.colno,
                reason=exc.msg,
            ),
        )
    if not isinstance(credential, dict):
        return _verify_page(
            request,
            credential=None,
            pasted=text[:20000],
            problem=t.gettext(N_("A credential is a JSON object.")),
        )
    return _verify_page(request, credential=credential, problem=None, pasted=text[:20000])


@router.get("/.well-known/did.json", name="credentials:did", dependencies=PUBLIC)
def did_document(request: Request) -> JSONResponse:
    """The issuer's DID document (did:web resolves here)."""
    state = app_state(request)
    return JSONResponse(
        crypto.did_document(state.settings, state.profile.issuer_did),
        media_type="application/did+json",
    )


@router.get("/achievements/{key}", name="credentials:achievement", dependencies=PUBLIC)
def achievement(request: Request, key: str) -> JSONResponse:
    """The Open Badges Achievement a credential's ``achievement.id`` points to."""
    profile = app_state(request).profile
    shared = doc.template(
        issuer_did=profile.issuer_did,
        issuer_name="",
        domain=profile.issuer_domain,
        item=doc.achievement(key),
    )
    body = {**shared["credentialSubject"]["achievement"], "inLanguage": "en"}
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=3600"})


@router.get(
    "/credentials/status/{list_id}/{purpose}", name="credentials:status_list", dependencies=PUBLIC
)
def status_list(request: Request, list_id: int, purpose: str) -> JSONResponse:
    state = app_state(request)
    with transaction(state.sessions) as session:
        signed = revocation.status_list_credential(
            session, issuer=service.issuer_for(state.settings), list_id=list_id, purpose=purpose
        )
    return JSONResponse(
        signed,
        media_type="application/vc+ld+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


def _manage_page(
    request: Request,
    *,
    issued: dict[str, Any] | None = None,
    found: dict[str, Any] | None = None,
    error: SoaiError | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    t = translator_for(request)
    return render(
        request,
        "credentials/manage.html",
        {
            "achievements": [
                (a.key, a.name.get(t.language, a.name["en"])) for a in doc.achievements().values()
            ],
            "issued": issued,
            "found": found,
            "error": error.render(t.gettext) if error else None,
            "error_field": error.field if error else None,
            "form": form or {},
        },
        status_code=error.status if error else 200,
    )


@router.get(
    "/admin/credentials",
    response_class=HTMLResponse,
    name="credentials:manage",
    dependencies=MANAGE,
)
def manage(request: Request, credential_id: str | None = None) -> HTMLResponse:
    if not credential_id:
        return _manage_page(request)
    state = app_state(request)
    try:
        with transaction(state.sessions) as session:
            record = service.get(session, credential_id=credential_id.strip())
            found = {
                "id": record.id,
                "achievement": record.achievement_key,
                "issued_at": record.issued_at,
                "valid_until": record.valid_until,
                "revoked_at": record.revoked_at,
                "revocation_reason": record.revocation_reason,
                "suspended_at": record.suspended_at,
                "suspension_reason": record.suspension_reason,
                "ledger_position": record.ledger_position,
            }
    except SoaiError as exc:
        return _manage_page(request, error=exc, form={"credential_id": credential_id})
    return _manage_page(request, found=found)


@router.post("/admin/credentials", response_class=HTMLResponse, name="credentials:issue")
def issue(
    request: Request,
    achievement: str = Form(""),
    subject_email: str = Form(""),
    valid_until: str = Form(""),
    principal: Principal = Depends(require(Permission.CREDENTIALS_MANAGE)),
) -> HTMLResponse:
    state = app_state(request)
    form = {"achievement": achievement, "subject_email": subject_email, "valid_until": valid_until}
    try:
        until = None
        if valid_until.strip():
            try:
                until = datetime.fromisoformat(valid_until.strip()).replace(tzinfo=UTC)
            except ValueError:
                raise InvalidInput(
                    N_("Give the expiry date as YYYY-MM-DD."), field="valid_until"
                ) from None
        with transaction(state.sessions, write=True) as session:
            credential = service.issue(
                session,
                issuer=service.issuer_for(state.settings),
                achievement_key=achievement,
                email=subject_email,
                valid_until=until,
                issued_by=principal.user_id,
            )
    except SoaiError as exc:
        return _manage_page(request, error=exc, form=form)
    return _manage_page(
        request,
        issued={
            "id": credential["id"],
            "json": json.dumps(credential, ensure_ascii=False, indent=2),
            "verify_url": verification_url(state.profile.issuer_domain, credential),
        },
    )


@router.post("/admin/credentials/status", response_class=HTMLResponse, name="credentials:status")
def change_status(
    request: Request,
    credential_id: str = Form(""),
    action: str = Form(""),
    reason: str = Form(""),
    _: Principal = Depends(require(Permission.CREDENTIALS_MANAGE)),
) -> Response:
    state = app_state(request)
    actions = {
        "revoke": revocation.revoke,
        "suspend": revocation.suspend,
        "reinstate": revocation.reinstate,
    }
    try:
        if action not in actions:
            raise InvalidInput(N_("Unknown action {action}."), field="action", action=action)
        with transaction(state.sessions, write=True) as session:
            actions[action](session, credential_id=credential_id, reason=reason)
    except SoaiError as exc:
        return _manage_page(request, error=exc, form={"credential_id": credential_id})
    return RedirectResponse(f"/admin/credentials?credential_id={credential_id}", status_code=303)


def _rebuilt(request: Request, credential_id: str) -> dict[str, Any]:
    state = app_state(request)
    with transaction(state.sessions) as session:
        record = service.get(session, credential_id=credential_id)
        return service.rebuild(session, record=record, domain=state.profile.issuer_domain)


@router.get(
    "/admin/credentials/{credential_id}/credential.json",
    name="credentials:json",
    dependencies=MANAGE,
)
def credential_json(request: Request, credential_id: str) -> Response:
    return Response(
        json.dumps(_rebuilt(request, credential_id), ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="credential.json"'},
    )


@router.get(
    "/admin/credentials/{credential_id}/certificate.pdf",
    name="credentials:pdf",
    dependencies=MANAGE,
)
def credential_pdf(request: Request, credential_id: str) -> Response:
    state = app_state(request)
    pdf = certificate.render_pdf(
        _rebuilt(request, credential_id),
        profile=state.profile,
        language=translator_for(request).language,
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="certificate.pdf"'},
    )

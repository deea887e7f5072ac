"""JSON API of credentials: verify (public), issue, read and revoke (credential managers)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from soai.credentials import revocation, service
from soai.credentials.verify import CredentialVerificationError
from soai.db import transaction
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.web.state import app_state

router = APIRouter(prefix="/credentials", tags=["credentials"])
MANAGE = Depends(require(Permission.CREDENTIALS_MANAGE))


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    achievement: str = Field(examples=["ceasai-fundamentals"])
    subject_email: str
    valid_until: date | None = None


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class VerificationOut(BaseModel):
    valid: bool
    reason: str | None = None
    result: dict[str, Any] | None = None


@router.post(
    "/verify",
    name="api:credentials:verify",
    # Anyone may ask, without a session or token: verifying changes nothing, so no CSRF.
    dependencies=[Depends(require(Permission.PUBLIC_READ, csrf=False))],
)
def verify(request: Request, credential: dict[str, Any] = Body(...)) -> VerificationOut:
    """Verify a credential against this issuer's keys and current status lists."""
    state = app_state(request)
    with transaction(state.sessions) as session:
        try:
            result = revocation.verify_here(session, settings=state.settings, credential=credential)
        except CredentialVerificationError as exc:
            return VerificationOut(valid=False, reason=str(exc))
    return VerificationOut(valid=True, result=result.to_json())


@router.post("", status_code=201, name="api:credentials:issue")
def issue(request: Request, body: IssueRequest, principal: Principal = MANAGE) -> dict[str, Any]:
    """Issue one credential; the signed credential is returned (and logged in the ledger)."""
    state = app_state(request)
    until = datetime.combine(body.valid_until, time(), tzinfo=UTC) if body.valid_until else None
    with transaction(state.sessions, write=True) as session:
        return service.issue(
            session,
            issuer=service.issuer_for(state.settings),
            achievement_key=body.achievement,
            email=body.subject_email,
            valid_until=until,
            issued_by=principal.user_id,
        )


@router.get("/{credential_id}", name="api:credentials:get", dependencies=[MANAGE])
def get(request: Request, credential_id: str) -> dict[str, Any]:
    state = app_state(request)
    with transaction(state.sessions) as session:
        record = service.get(session, credential_id=credential_id)
        return service.rebuild(session, record=record, domain=state.profile.issuer_domain)


@router.post("/{credential_id}/revoke", name="api:credentials:revoke", dependencies=[MANAGE])
def revoke(request: Request, credential_id: str, body: StatusChange) -> dict[str, str]:
    with transaction(app_state(request).sessions, write=True) as session:
        revocation.revoke(session, credential_id=credential_id, reason=body.reason)
    return {"id": credential_id, "status": "revoked"}

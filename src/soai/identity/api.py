"""JSON API of identity under /api/v1/identity: who am I, users, API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from soai.db import transaction
from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.identity import service
from soai.identity.guard import require
from soai.identity.models import User
from soai.identity.policy import Permission
from soai.identity.schemas import Me, Principal, TokenCreate, TokenOut, UserCreate, UserOut
from soai.web.state import app_state

router = APIRouter(prefix="/identity", tags=["identity"])


def _out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        roles=sorted(user.role_names),
        is_active=user.is_active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


@router.get("/me", name="api:identity:me")
def me(principal: Principal = Depends(require(Permission.ACCOUNT_SELF))) -> Me:
    return Me(
        email=principal.email,
        display_name=principal.display_name,
        roles=sorted(principal.roles),
        permissions=sorted(p.value for p in principal.permissions),
    )


@router.get("/users", name="api:identity:users")
def list_users(
    request: Request, _: Principal = Depends(require(Permission.USERS_MANAGE))
) -> list[UserOut]:
    with transaction(app_state(request).sessions) as session:
        return [_out(u) for u in service.list_users(session)]


@router.post("/users", status_code=201, name="api:identity:users_create")
def create_user(
    request: Request, body: UserCreate, _: Principal = Depends(require(Permission.USERS_MANAGE))
) -> UserOut:
    with transaction(app_state(request).sessions, write=True) as session:
        return _out(service.create_user(session, data=body))


@router.post("/users/{user_id}/disable", name="api:identity:users_disable")
def disable_user(
    request: Request, user_id: int, principal: Principal = Depends(require(Permission.USERS_MANAGE))
) -> UserOut:
    if user_id == principal.user_id:
        raise InvalidInput(N_("You cannot disable your own account."), field="user_id")
    with transaction(app_state(request).sessions, write=True) as session:
        user = service.get_user_by_id(session, user_id=user_id)
        return _out(service.disable_user(session, user=user))


@router.post("/tokens", status_code=201, name="api:identity:tokens_create")
def create_token(
    request: Request,
    body: TokenCreate,
    principal: Principal = Depends(require(Permission.ACCOUNT_SELF)),
) -> TokenOut:
    """A new API token for the caller; the token is shown in this answer only."""
    assert principal.email is not None
    with transaction(app_state(request).sessions, write=True) as session:
        raw, record = service.create_token(
            session, email=principal.email, name=body.name, days=body.days
        )
        return TokenOut(
            token=raw, name=record.name, prefix=record.prefix, expires_at=record.expires_at
        )

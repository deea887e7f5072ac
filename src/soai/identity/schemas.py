"""Input and output shapes of the identity part (API bodies, CLI --json)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from soai.identity.policy import Permission, Role, permissions_of


@dataclass(frozen=True)
class Principal:
    """Who is making a request: a signed-in user, an API client, or the anonymous public."""

    user_id: int | None = None
    email: str | None = None
    display_name: str | None = None
    roles: frozenset[str] = field(default_factory=lambda: frozenset({Role.PUBLIC.value}))
    language: str | None = None
    via: str = "anonymous"
    touch_due: bool = False  # last use recorded long enough ago to record this one

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.roles)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


ANONYMOUS = Principal()


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    display_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
    roles: list[Role] = Field(min_length=1)
    language: str | None = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    display_name: str
    roles: list[str]
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    days: int = Field(default=90, ge=1, le=730)


class TokenOut(BaseModel):
    token: str
    name: str
    prefix: str
    expires_at: datetime | None


class Me(BaseModel):
    email: str | None
    display_name: str | None
    roles: list[str]
    permissions: list[str]

"""Test factories of the identity part: users of any role."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.identity import service
from soai.identity.models import User
from soai.identity.policy import Role
from soai.identity.schemas import UserCreate

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(
    sessions: sessionmaker[Session],
    role: Role | str = Role.ANALYST,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    name: str | None = None,
) -> User:
    role = Role(role)
    n = next(_counter)
    with transaction(sessions) as session:
        return service.create_user(
            session,
            data=UserCreate(
                email=email or f"{role.value.replace('_', '.')}{n}@example.org",
                display_name=name or f"Test {role.value} {n}",
                password=password,
                roles=[role],
            ),
        )

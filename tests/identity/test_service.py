"""Identity use cases on both engines: users, throttled sign-in, sessions, tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction, utcnow
from soai.errors import AuthenticationRequired, Conflict, InvalidInput, TooManyAttempts
from soai.identity import service
from soai.identity.models import ApiToken, LoginSession, User
from soai.identity.policy import Role
from soai.identity.schemas import UserCreate
from soai.settings import Settings
from tests.identity.factories import PASSWORD, make_user


def test_password_is_stored_as_argon2id_hash_only(sessions: sessionmaker[Session]) -> None:
    user = make_user(sessions, Role.REGULATOR, email="Dara@Example.ORG")
    with transaction(sessions) as session:
        stored = session.scalar(select(User).where(User.id == user.id))
        assert stored is not None
        assert stored.email == "dara@example.org"
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash
        assert stored.role_names == {"regulator"}


def test_duplicate_email_is_refused_with_the_address(sessions: sessionmaker[Session]) -> None:
    make_user(sessions, email="sokha@example.org")
    with pytest.raises(Conflict) as caught:
        make_user(sessions, email="SOKHA@example.org")
    assert "sokha@example.org" in caught.value.render()
    assert caught.value.field == "email"


@pytest.mark.parametrize(
    ("password", "expected"),
    [("short", "at least 12 characters"), (" leading-space-pass", "space")],
)
def test_weak_password_is_refused_and_nothing_written(
    sessions: sessionmaker[Session], password: str, expected: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_user(sessions, email="weak@example.org", password=password)
    assert expected in caught.value.render()
    assert caught.value.field == "password"
    with transaction(sessions) as session:
        assert session.scalar(select(User).where(User.email == "weak@example.org")) is None


def test_public_role_cannot_be_assigned(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session, pytest.raises(InvalidInput) as caught:
        service.create_user(
            session,
            data=UserCreate(
                email="p@example.org", display_name="P", password=PASSWORD, roles=[Role.PUBLIC]
            ),
        )
    assert "public" in caught.value.render()


def test_wrong_password_fails_and_throttling_blocks_even_the_right_one(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    make_user(sessions, email="target@example.org")
    for _ in range(settings.login_max_failures):
        with transaction(sessions) as session:
            assert (
                service.authenticate(
                    session,
                    email="target@example.org",
                    password="guess-guess-guess",
                    settings=settings,
                )
                is None
            )
    with transaction(sessions) as session, pytest.raises(TooManyAttempts) as caught:
        service.authenticate(
            session, email="target@example.org", password=PASSWORD, settings=settings
        )
    assert "Try again in" in caught.value.render()


def test_successful_sign_in_clears_earlier_failures(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    make_user(sessions, email="clear@example.org")
    for _ in range(settings.login_max_failures - 1):
        with transaction(sessions) as session:
            service.authenticate(
                session, email="clear@example.org", password="nope-nope-nope", settings=settings
            )
    with transaction(sessions) as session:
        user = service.authenticate(
            session, email="clear@example.org", password=PASSWORD, settings=settings
        )
        assert user is not None and user.last_login_at is not None
    for _ in range(settings.login_max_failures - 1):
        with transaction(sessions) as session:
            service.authenticate(
                session, email="clear@example.org", password="nope-nope-nope", settings=settings
            )
    with transaction(sessions) as session:
        assert service.authenticate(
            session, email="clear@example.org", password=PASSWORD, settings=settings
        )


def test_unknown_user_and_disabled_user_cannot_sign_in(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    user = make_user(sessions, email="gone@example.org")
    with transaction(sessions) as session:
        assert (
            service.authenticate(
                session, email="nobody@example.org", password=PASSWORD, settings=settings
            )
            is None
        )
        service.disable_user(session, user=service.get_user_by_id(session, user_id=user.id))
    with transaction(sessions) as session:
        assert (
            service.authenticate(
                session, email="gone@example.org", password=PASSWORD, settings=settings
            )
            is None
        )


def _session_for(sessions: sessionmaker[Session], settings: Settings, email: str) -> str:
    with transaction(sessions) as session:
        user = service.authenticate(session, email=email, password=PASSWORD, settings=settings)
        assert user is not None
        return service.start_session(session, user=user, settings=settings)


def test_session_resolves_then_expires_when_idle_or_too_old(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    make_user(sessions, Role.ANALYST, email="s@example.org")
    raw = _session_for(sessions, settings, "s@example.org")
    with transaction(sessions) as session:
        principal = service.resolve_session(session, raw=raw, settings=settings)
    assert principal.email == "s@example.org" and "analyst" in principal.roles

    idle = timedelta(minutes=settings.session_idle_minutes + 1)
    with transaction(sessions) as session:
        session.execute(update(LoginSession).values(last_seen_at=utcnow() - idle))
    with transaction(sessions) as session, pytest.raises(AuthenticationRequired) as caught:
        service.resolve_session(session, raw=raw, settings=settings)
    assert "expired" in caught.value.render()

    raw2 = _session_for(sessions, settings, "s@example.org")
    with transaction(sessions) as session:
        session.execute(
            update(LoginSession)
            .where(LoginSession.ended_at.is_(None))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    with transaction(sessions) as session, pytest.raises(AuthenticationRequired):
        service.resolve_session(session, raw=raw2, settings=settings)


def test_session_id_is_stored_hashed(sessions: sessionmaker[Session], settings: Settings) -> None:
    make_user(sessions, email="h@example.org")
    raw = _session_for(sessions, settings, "h@example.org")
    with transaction(sessions) as session:
        stored = session.scalars(select(LoginSession.token_hash)).all()
    assert raw not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_disabling_a_user_ends_sessions_and_revokes_tokens(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    make_user(sessions, Role.PROVIDER, email="v@example.org")
    raw = _session_for(sessions, settings, "v@example.org")
    with transaction(sessions) as session:
        token, _record = service.create_token(session, email="v@example.org", name="ci", days=30)
    with transaction(sessions) as session:
        assert service.resolve_token(session, raw=token).email == "v@example.org"
        service.disable_user(session, user=service.get_user(session, email="v@example.org"))
    with transaction(sessions) as session:
        with pytest.raises(AuthenticationRequired):
            service.resolve_session(session, raw=raw, settings=settings)
        with pytest.raises(AuthenticationRequired):
            service.resolve_token(session, raw=token)


def test_api_token_is_shown_once_stored_hashed_and_expires(
    sessions: sessionmaker[Session],
) -> None:
    make_user(sessions, Role.REGULATOR, email="t@example.org")
    with transaction(sessions) as session:
        token, record = service.create_token(session, email="t@example.org", name="sync", days=1)
    assert token.startswith("soai_" + record.prefix + "_")
    with transaction(sessions) as session:
        hashes = session.scalars(select(ApiToken.token_hash)).all()
        assert token not in hashes
        principal = service.resolve_token(session, raw=token)
        assert principal.via == "token" and "regulator" in principal.roles
        session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    with transaction(sessions) as session, pytest.raises(AuthenticationRequired) as caught:
        service.resolve_token(session, raw=token)
    assert "not valid" in caught.value.render()


def test_counts_by_role_count_active_users_only(sessions: sessionmaker[Session]) -> None:
    make_user(sessions, Role.ANALYST)
    make_user(sessions, Role.ANALYST)
    gone = make_user(sessions, Role.ANALYST)
    make_user(sessions, Role.ADMIN)
    with transaction(sessions) as session:
        service.disable_user(session, user=service.get_user_by_id(session, user_id=gone.id))
    with transaction(sessions) as session:
        assert service.count_by_role(session) == {"analyst": 2, "admin": 1}


def test_resolving_only_reads_and_the_last_use_is_recorded_once_a_minute(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    make_user(sessions, Role.REGULATOR, email="touch@example.org")
    with transaction(sessions) as session:
        token, record = service.create_token(session, email="touch@example.org", name="t", days=1)
    with transaction(sessions) as session:
        first = service.resolve_token(session, raw=token)
        assert first.touch_due is True
        assert session.get(ApiToken, record.id).last_used_at is None  # type: ignore[union-attr]
    with transaction(sessions, write=True) as session:
        service.touch(session, raw=token, via="token")
    with transaction(sessions) as session:
        assert session.get(ApiToken, record.id).last_used_at is not None  # type: ignore[union-attr]
        assert service.resolve_token(session, raw=token).touch_due is False

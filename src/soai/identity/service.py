"""Use cases of the identity part: users, sign-in with throttling, sessions and API tokens."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from soai.db import utcnow
from soai.errors import AuthenticationRequired, Conflict, InvalidInput, NotFound, TooManyAttempts
from soai.i18n import available_languages
from soai.i18n.markers import N_
from soai.identity import passwords, tokens
from soai.identity.models import ApiToken, LoginFailure, LoginSession, User, UserRole
from soai.identity.policy import ASSIGNABLE_ROLES, Role
from soai.identity.schemas import Principal, UserCreate
from soai.settings import Settings

_email = TypeAdapter(EmailStr)
MAX_NAME = 200
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)


def normalise_email(email: str, *, field: str = "email") -> str:
    try:
        return str(_email.validate_python(email.strip())).lower()
    except ValidationError:
        raise InvalidInput(
            N_("{email!r} is not a valid e-mail address."), field=field, email=email
        ) from None


def _principal(user: User, via: str) -> Principal:
    return Principal(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        roles=frozenset(user.role_names | {Role.PUBLIC.value}),
        language=user.language,
        via=via,
    )


def get_user(session: Session, *, email: str) -> User:
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise NotFound(N_("No user with the e-mail address {email}."), field="email", email=email)
    return user


def create_user(session: Session, *, data: UserCreate) -> User:
    """A new user with one or more roles; the e-mail address must be new."""
    email = normalise_email(str(data.email))
    name = data.display_name.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInput(
            N_("The name must have 1 to {n} characters."), field="display_name", n=MAX_NAME
        )
    if data.language is not None and data.language not in available_languages():
        raise InvalidInput(
            N_("Unknown language {language}; choose from: {languages}."),
            field="language",
            language=data.language,
            languages=", ".join(available_languages()),
        )
    passwords.check_strength(data.password)
    roles = {Role(r) for r in data.roles}
    if Role.PUBLIC in roles:
        raise InvalidInput(
            N_("The role {role} cannot be given; choose from: {roles}."),
            field="roles",
            role=Role.PUBLIC.value,
            roles=", ".join(ASSIGNABLE_ROLES),
        )
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(
            N_("A user with the e-mail address {email} already exists."), field="email", email=email
        )
    user = User(
        email=email,
        display_name=name,
        password_hash=passwords.hash_password(data.password),
        language=data.language,
        roles=[UserRole(role=role.value) for role in sorted(roles)],
    )
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def count_by_role(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(UserRole.role, func.count())
        .join(User, User.id == UserRole.user_id)
        .where(User.is_active.is_(True))
        .group_by(UserRole.role)
    )
    return {role: count for role, count in rows}


def get_user_by_id(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No user with the id {user_id}."), user_id=user_id)
    return user


def disable_user(session: Session, *, user: User) -> User:
    """Disable a user: no more sign-in, sessions ended and API tokens revoked at once."""
    now = utcnow()
    user.is_active = False
    user.disabled_at = now
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return user


def enable_user(session: Session, *, user: User) -> User:
    """Let a disabled user sign in again (their old sessions and tokens stay ended)."""
    user.is_active = True
    user.disabled_at = None
    return user


def set_password(session: Session, *, user: User, password: str) -> User:
    """A new password; every open session of the user is ended."""
    passwords.check_strength(password)
    user.password_hash = passwords.hash_password(password)
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return user


def list_tokens(session: Session, *, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)
        )
    )


def revoke_token(session: Session, *, prefix: str) -> ApiToken:
    """Revoke the API token whose public prefix is ``prefix``."""
    record = session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    if record is None:
        raise NotFound(N_("No API token with the prefix {prefix}."), field="prefix", prefix=prefix)
    if record.revoked_at is None:
        record.revoked_at = utcnow()
    return record


def _throttle_key(email: str) -> str:
    return tokens.digest("login:" + email.strip().lower())


def authenticate(session: Session, *, email: str, password: str, settings: Settings) -> User | None:
    """The user these credentials belong to, or None (the failure is recorded).

    Raises :class:`TooManyAttempts` while the address is throttled, before the password is
    even checked, so guessing cannot continue during the window.
    """
    key = _throttle_key(email)
    now = utcnow()
    window = timedelta(minutes=settings.login_window_minutes)
    failures = list(
        session.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.key_hash == key, LoginFailure.at > now - window)
            .order_by(LoginFailure.at)
        )
    )
    if len(failures) >= settings.login_max_failures:
        wait = failures[-settings.login_max_failures] + window - now
        raise TooManyAttempts(
            N_("Too many failed sign-in attempts. Try again in {minutes} minutes."),
            minutes=max(1, int(wait.total_seconds() // 60) + 1),
        )
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    valid = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        session.add(LoginFailure(key_hash=key, at=now))
        return None
    session.execute(delete(LoginFailure).where(LoginFailure.key_hash == key))
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = now
    return user


def start_session(session: Session, *, user: User, settings: Settings) -> str:
    """A new login session; returns the opaque id for the browser's cookie."""
    raw = tokens.new_opaque()
    now = utcnow()
    session.add(
        LoginSession(
            token_hash=tokens.digest(raw),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_hours),
        )
    )
    return raw


def resolve_session(session: Session, *, raw: str, settings: Settings) -> Principal:
    """The user of a session cookie; raises :class:`AuthenticationRequired` when it expired."""
    record = session.scalar(
        select(LoginSession).where(LoginSession.token_hash == tokens.digest(raw))
    )
    now = utcnow()
    expired = AuthenticationRequired(N_("Your session has expired. Please sign in again."))
    if record is None or record.ended_at is not None or record.expires_at <= now:
        raise expired
    if record.last_seen_at + timedelta(minutes=settings.session_idle_minutes) <= now:
        raise expired
    user = session.get(User, record.user_id)
    if user is None or not user.is_active:
        raise expired
    principal = _principal(user, "session")
    if now - record.last_seen_at > SESSION_TOUCH_INTERVAL:
        principal = replace(principal, touch_due=True)
    return principal


def touch(session: Session, *, raw: str, via: str) -> None:
    """Record that a session or API token was just used (at most once a minute).

    Kept apart from resolving, which only reads: on SQLite a read that turns into a write
    fails when another writer committed in between, so the caller runs this in its own
    write transaction.
    """
    now = utcnow()
    cutoff = now - SESSION_TOUCH_INTERVAL
    digest = tokens.digest(raw)
    if via == "session":
        session.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == digest, LoginSession.last_seen_at < cutoff)
            .values(last_seen_at=now)
        )
    else:
        session.execute(
            update(ApiToken)
            .where(
                ApiToken.token_hash == digest,
                (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < cutoff),
            )
            .values(last_used_at=now)
        )


def end_session(session: Session, *, raw: str) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == tokens.digest(raw), LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def create_token(session: Session, *, email: str, name: str, days: int) -> tuple[str, ApiToken]:
    """A new API token for a user; the token itself is shown once and never stored."""
    user = get_user(session, email=email)
    if not user.is_active:
        raise InvalidInput(N_("The user {email} is disabled."), field="email", email=user.email)
    raw, prefix = tokens.new_api_token()
    record = ApiToken(
        user_id=user.id,
        name=name.strip(),
        prefix=prefix,
        token_hash=tokens.digest(raw),
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(record)
    session.flush()
    return raw, record


def resolve_token(session: Session, *, raw: str) -> Principal:
    """The user of a bearer token; raises :class:`AuthenticationRequired` if it is not valid."""
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == tokens.digest(raw)))
    now = utcnow()
    if (
        record is None
        or record.revoked_at is not None
        or (record.expires_at is not None and record.expires_at <= now)
    ):
        raise AuthenticationRequired(
            N_("The API token is not valid (unknown, expired or revoked).")
        )
    user = session.get(User, record.user_id)
    if user is None or not user.is_active:
        raise AuthenticationRequired(
            N_("The API token is not valid (unknown, expired or revoked).")
        )
    principal = _principal(user, "token")
    if record.last_used_at is None or now - record.last_used_at > SESSION_TOUCH_INTERVAL:
        principal = replace(principal, touch_due=True)
    return principal

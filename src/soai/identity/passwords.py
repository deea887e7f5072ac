"""Password hashing with argon2id and the password rules people are told about."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from soai.errors import InvalidInput
from soai.i18n.markers import N_

MIN_LENGTH = 12
_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile

# A hash to verify against when the user does not exist, so that timing does not reveal it.
_DUMMY_HASH = _hasher.hash("soai-timing-equaliser")


def check_strength(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            N_("The password must have at least {n} characters."), field=field, n=MIN_LENGTH
        )
    if password.strip() != password:
        raise InvalidInput(N_("The password must not start or end with a space."), field=field)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)

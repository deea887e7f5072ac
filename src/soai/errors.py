"""The errors soai shows to people.

Every error a user can meet derives from :class:`SoaiError`. Its message is an English msgid
marked for translation (``N_``) with named parameters, so the web layer can show it in the
reader's language, and its :meth:`SoaiError.diagnostics` says what to do next. The web layer
maps each class to an HTTP status and the JSON shape ``{"error": {"code", "message", "field"}}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from soai.i18n.markers import N_


class SoaiError(Exception):
    """Base of every error meant for a person to read."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    hint: ClassVar[str] = ""

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        self.message = message
        self.field = field
        self.params = params
        super().__init__(self.render())

    def render(self, gettext: Callable[[str], str] | None = None) -> str:
        """The message in the language of ``gettext`` (English when none is given)."""
        template = gettext(self.message) if gettext else self.message
        try:
            return template.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return self.message.format(**self.params)

    def diagnostics(self) -> str:
        """The message and what to do about it, for a terminal."""
        text = self.render()
        return f"{text}\n{self.hint}" if self.hint else text


class ConfigurationError(SoaiError):
    code = "configuration"
    status = 500
    hint = "Check the SOAI_* environment variables (docs/administration.md)."


class ProfileError(ConfigurationError):
    code = "profile_invalid"
    hint = "Fix the profile file and run the command again; nothing was changed."


class InvalidInput(SoaiError):
    code = "invalid_input"
    status = 422


class NotFound(SoaiError):
    code = "not_found"
    status = 404


class Conflict(SoaiError):
    code = "conflict"
    status = 409


class AuthenticationRequired(SoaiError):
    code = "authentication_required"
    status = 401


class PermissionDenied(SoaiError):
    code = "forbidden"
    status = 403


class TooManyAttempts(SoaiError):
    code = "too_many_attempts"
    status = 429


class DatabaseUnavailable(SoaiError):
    code = "database_unavailable"
    status = 503
    hint = "Check that the database server is running and that SOAI_DATABASE_URL is right."


class InstanceNotInitialised(SoaiError):
    code = "instance_not_initialised"
    status = 503
    hint = "Run `soai init` (or `soai demo`) first."


class SchemaOutdated(InstanceNotInitialised):
    code = "schema_outdated"
    hint = "Run `soai db upgrade` (back up the database first), or `soai init` for a new instance."


GENERIC_MESSAGES = {
    "internal": N_("Something went wrong on our side. The error has been logged."),
}

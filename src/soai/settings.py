"""The one settings object of an installation.

Every knob is an environment variable prefixed ``SOAI_`` (see docs/administration.md for the
table). Settings are read when :func:`get_settings` is first called, never at import time, and
refuse to start an installation that would be unsafe in production.
"""

from __future__ import annotations

import os
import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from soai.errors import ConfigurationError

INSECURE_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev", "development"})


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    AUTO = "auto"
    JSON = "json"
    CONSOLE = "console"


class JobsBackend(StrEnum):
    IN_PROCESS = "inprocess"


class Settings(BaseSettings):
    """Configuration of one soai installation, from ``SOAI_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="SOAI_", extra="ignore", frozen=True)

    env: Environment = Environment.DEVELOPMENT
    home: Path = Field(
        default=Path(".soai"), description="Instance directory (database, keys, files)"
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///$SOAI_HOME/soai.db"
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs CSRF tokens; required in production. Development keeps one in $SOAI_HOME.",
    )
    key_passphrase: SecretStr | None = Field(
        default=None, description="Encrypts the signing keys in $SOAI_HOME/keys (trust layer)"
    )
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.AUTO
    session_hours: float = Field(default=8.0, gt=0, description="Absolute lifetime of a login")
    session_idle_minutes: float = Field(default=60.0, gt=0, description="Idle time before logout")
    cookie_secure: bool | None = Field(
        default=None, description="Mark cookies Secure (default: on in production)"
    )
    login_max_failures: int = Field(default=5, ge=1, description="Failed logins before throttling")
    login_window_minutes: float = Field(default=15.0, gt=0, description="Throttling window")
    jobs_backend: JobsBackend = JobsBackend.IN_PROCESS
    jobs_workers: int = Field(default=2, ge=1, le=64, description="In-process job threads")
    db_pool_size: int = Field(default=10, ge=1, description="PostgreSQL connection pool size")
    academy_items: Path | None = Field(
        default=None,
        description="Folder of the CEASAI item bank's YAML files (default: the shipped bank); "
        "a certification body may keep its own, secret bank there",
    )
    council_llm_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1) for council "
        "seats held by LLM-backed agents (llama.cpp, vLLM, Ollama ...); none: they escalate",
    )
    council_llm_key: SecretStr | None = Field(default=None, description="API key of that endpoint")
    council_llm_timeout: float = Field(
        default=30.0, gt=0, le=600, description="Seconds an LLM-backed agent may take to answer"
    )

    smtp_host: str | None = Field(
        default=None, description="SMTP server for e-mail (offers, reminders); none: no e-mail"
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP port")
    smtp_username: str | None = Field(default=None, description="SMTP login, if required")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password")
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection to TLS")
    smtp_from: str = Field(
        default="noreply@localhost", description="Sender address of the instance's e-mail"
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # Accept the URL a DBA hands out; soai talks to PostgreSQL through psycopg 3.
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        if not (value.startswith("sqlite") or value.startswith("postgresql+psycopg://")):
            raise ValueError(
                "must start with sqlite:/// or postgresql+psycopg:// (PostgreSQL via psycopg 3)"
            )
        return value

    @model_validator(mode="after")
    def _safe_for_production(self) -> Settings:
        if self.env is not Environment.PRODUCTION:
            return self
        problems = []
        if self.resolved_database_url.startswith("sqlite"):
            problems.append("SOAI_DATABASE_URL must point to PostgreSQL, not SQLite")
        if self.secret_key is None or self.secret_key.get_secret_value() in INSECURE_SECRETS:
            problems.append("SOAI_SECRET_KEY must be set to a long random value")
        elif len(self.secret_key.get_secret_value()) < 32:
            problems.append("SOAI_SECRET_KEY must be at least 32 characters")
        if self.key_passphrase is None or len(self.key_passphrase.get_secret_value()) < 16:
            problems.append("SOAI_KEY_PASSPHRASE must be set (16 characters or more)")
        if self.cookie_secure is False:
            problems.append("SOAI_COOKIE_SECURE cannot be false (cookies must travel over HTTPS)")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'soai.db').resolve()}"

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.env is Environment.PRODUCTION

    def signing_secret(self) -> bytes:
        """The secret that signs CSRF tokens.

        In production it is ``SOAI_SECRET_KEY``. Elsewhere a random one is kept in
        ``$SOAI_HOME/secret_key`` so that every worker of the instance shares it.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        path = self.home / "secret_key"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip().encode()

    def signing_passphrase(self) -> bytes:
        """The passphrase that encrypts the signing keys in ``$SOAI_HOME/keys``.

        In production it is ``SOAI_KEY_PASSPHRASE``. Elsewhere, when unset, a random one is
        kept in ``$SOAI_HOME/key_passphrase`` so the demo runs without setup; that file sits
        next to the keys and protects nothing, which is why production refuses it.
        """
        if self.key_passphrase is not None:
            return self.key_passphrase.get_secret_value().encode()
        path = self.home / "key_passphrase"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
        return path.read_text().strip().encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once from the environment."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc)) from exc


def _describe(exc: ValidationError) -> str:
    """The problems of a validation error, naming each variable but never its value.

    Pydantic's own text repeats the input, which holds the secret key and the database
    password. Braces are doubled because the text becomes a ``str.format`` template.
    """
    problems = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        message = error["msg"].removeprefix("Value error, ")
        if error["loc"]:
            message = f"SOAI_{str(error['loc'][0]).upper()}: {message}"
        problems.append(message)
    text = "Invalid settings: " + "; ".join(problems)
    return text.replace("{", "{{").replace("}", "}}")

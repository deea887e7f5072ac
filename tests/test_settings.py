"""Settings: where the database lives by default, which URLs are accepted, and production safety."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from soai import db
from soai.errors import ConfigurationError
from soai.settings import Environment, Settings, get_settings

LONG_SECRET = "a-production-secret-that-is-long-enough-0123456789"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No SOAI_* variable of the developer's shell leaks into these tests."""
    for name in ("SOAI_ENV", "SOAI_HOME", "SOAI_DATABASE_URL", "SOAI_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_default_database_is_sqlite_in_the_instance_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = Settings(home=home)

    url = settings.resolved_database_url
    assert url == f"sqlite:///{(home / 'soai.db').resolve()}"
    db.upgrade(db.get_engine(url))
    try:
        assert (home / "soai.db").is_file()
    finally:
        db.dispose_engine(url)


def test_home_defaults_to_dot_soai_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings().resolved_database_url == f"sqlite:///{tmp_path.resolve()}/.soai/soai.db"


def test_soai_home_variable_moves_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOAI_HOME", str(tmp_path / "elsewhere"))
    expected = (tmp_path / "elsewhere" / "soai.db").resolve()
    assert get_settings().resolved_database_url == f"sqlite:///{expected}"


@pytest.mark.parametrize(
    "given",
    [
        "postgres://soai:pw@db.example.gov.kh:5432/soai",
        "postgresql://soai:pw@db.example.gov.kh:5432/soai",
    ],
)
def test_a_dba_style_postgres_url_is_used_through_psycopg(given: str) -> None:
    settings = Settings(database_url=given)
    assert (
        settings.resolved_database_url == "postgresql+psycopg://soai:pw@db.example.gov.kh:5432/soai"
    )


def test_postgres_url_from_the_environment_is_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOAI_DATABASE_URL", "postgres://soai@db.example.gov.kh/soai")
    assert (
        get_settings().resolved_database_url == "postgresql+psycopg://soai@db.example.gov.kh/soai"
    )


def test_an_unknown_database_scheme_is_refused_with_the_accepted_ones() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(database_url="mysql://soai@db.example.gov.kh/soai")
    assert "must start with sqlite:/// or postgresql+psycopg://" in str(caught.value)


def test_an_unknown_database_scheme_in_the_environment_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOAI_DATABASE_URL", "mysql://soai:hunter2-password@db.example.gov.kh/soai")

    with pytest.raises(ConfigurationError) as caught:
        get_settings()

    text = caught.value.diagnostics()
    assert "SOAI_DATABASE_URL" in text
    assert "must start with sqlite:/// or postgresql+psycopg://" in text
    assert "hunter2-password" not in text
    assert "Check the SOAI_* environment variables" in text


def test_production_lists_every_unsafe_setting_in_one_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(env=Environment.PRODUCTION, home=tmp_path)

    assert len(caught.value.errors()) == 1
    message = str(caught.value)
    assert "refusing to start in production" in message
    assert "SOAI_DATABASE_URL must point to PostgreSQL, not SQLite" in message
    assert "SOAI_SECRET_KEY must be set to a long random value" in message
    assert "SOAI_KEY_PASSPHRASE must be set" in message


@pytest.mark.parametrize("secret", ["changeme", "change-me", "secret", "dev"])
def test_production_refuses_a_well_known_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="SOAI_SECRET_KEY must be set to a long random value"):
        Settings(
            env=Environment.PRODUCTION,
            database_url="postgresql+psycopg://soai@db.example.gov.kh/soai",
            secret_key=secret,
        )


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ValidationError, match="SOAI_SECRET_KEY must be at least 32 characters"):
        Settings(
            env=Environment.PRODUCTION,
            database_url="postgresql+psycopg://soai@db.example.gov.kh/soai",
            secret_key="x" * 31,
        )


def test_production_starts_with_postgres_a_long_secret_and_a_key_passphrase() -> None:
    settings = Settings(
        env=Environment.PRODUCTION,
        database_url="postgresql+psycopg://soai@db.example.gov.kh/soai",
        secret_key=LONG_SECRET,
        key_passphrase="a passphrase kept in the vault",
    )
    assert settings.signing_secret() == LONG_SECRET.encode()
    assert settings.signing_passphrase() == b"a passphrase kept in the vault"
    assert settings.secure_cookies is True


def test_unsafe_production_environment_stops_with_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SOAI_ENV", "production")
    monkeypatch.setenv("SOAI_HOME", str(tmp_path))
    monkeypatch.setenv("SOAI_SECRET_KEY", "short-secret-value")

    with pytest.raises(ConfigurationError) as caught:
        get_settings()

    text = caught.value.diagnostics()
    assert "SOAI_DATABASE_URL must point to PostgreSQL, not SQLite" in text
    assert "SOAI_SECRET_KEY must be at least 32 characters" in text
    assert "short-secret-value" not in text


def test_production_error_never_repeats_the_secret_or_the_database_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Regression: pydantic's text repeated the input (secret and password included), and its
    # braces broke the error's own formatting, so a KeyError came out instead.
    monkeypatch.setenv("SOAI_ENV", "production")
    monkeypatch.setenv("SOAI_DATABASE_URL", "postgres://soai:hunter2-password@db.example.gov.kh/s")
    monkeypatch.setenv("SOAI_SECRET_KEY", "tiny-secret")

    with pytest.raises(ConfigurationError) as caught:
        get_settings()

    text = caught.value.diagnostics()
    assert "SOAI_SECRET_KEY must be at least 32 characters" in text
    assert "hunter2-password" not in text
    assert "tiny-secret" not in text


def test_development_secret_is_kept_in_the_home_and_shared_by_every_worker(tmp_path: Path) -> None:
    home = tmp_path / "home"

    first = Settings(home=home).signing_secret()
    second = Settings(home=home).signing_secret()

    assert first == second
    assert len(first) >= 32
    path = home / "secret_key"
    assert path.read_text().strip().encode() == first
    assert path.stat().st_mode & 0o777 == 0o600
    assert Settings(home=tmp_path / "other-home").signing_secret() != first


def test_development_key_passphrase_is_kept_in_the_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = Settings(home=home).signing_passphrase()
    assert len(first) >= 32
    assert Settings(home=home).signing_passphrase() == first
    assert (home / "key_passphrase").stat().st_mode & 0o777 == 0o600

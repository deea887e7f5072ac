"""Creating and upgrading an instance in ``$SOAI_HOME``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from soai import db
from soai.crypto import service as crypto
from soai.errors import InstanceNotInitialised, SchemaOutdated
from soai.i18n.markers import N_
from soai.profiles import service as profiles
from soai.profiles.schema import Profile
from soai.settings import Settings


@dataclass(frozen=True)
class Instance:
    home: Path
    profile: Profile
    database: str
    created_key: str | None = None


def initialise(settings: Settings, profile: str | None) -> Instance:
    """Create (or upgrade) the instance: folders, profile, database schema.

    The profile is validated before anything is written. Without ``profile`` an existing
    instance keeps its own and a new one gets the Cambodia profile.
    """
    home = settings.home.resolve()
    existing = profiles.instance_path(home).is_file()
    if profile is not None or not existing:
        # Validate first: a broken profile leaves the instance exactly as it was.
        profiles.load(profiles.resolve(profile or "cambodia"))
    instance_engine = engine(settings)
    db.check_connection(instance_engine)
    home.mkdir(parents=True, exist_ok=True)
    for folder in ("keys", "evidence", "reports"):
        (home / folder).mkdir(exist_ok=True)
    if profile is not None or not existing:
        installed = profiles.install(profile or "cambodia", home)
    else:
        installed = profiles.instance_profile(home)
    db.upgrade(instance_engine)
    created_key = None if crypto.has_keyring(settings) else crypto.create_keyring(settings).kid
    return Instance(
        home=home,
        profile=installed,
        database=db.describe(settings.resolved_database_url),
        created_key=created_key,
    )


def engine(settings: Settings) -> Engine:
    """The instance's database engine, sized by ``SOAI_DB_POOL_SIZE``."""
    return db.get_engine(settings.resolved_database_url, pool_size=settings.db_pool_size)


def is_initialised(settings: Settings) -> bool:
    home = settings.home.resolve()
    if not profiles.instance_path(home).is_file():
        return False
    instance_engine = engine(settings)
    db.check_connection(instance_engine)
    return db.is_migrated(instance_engine)


def open_instance(settings: Settings) -> Engine:
    """The database of an initialised, up-to-date instance, or an error that says what to run.

    The profile is looked for first, so that asking an empty folder creates no database file.
    """
    home = settings.home.resolve()
    if not profiles.instance_path(home).is_file():
        raise InstanceNotInitialised(
            N_("No soai instance in {home} (no profile found)."), home=str(home)
        )
    instance_engine = engine(settings)
    db.check_connection(instance_engine)
    if not db.is_migrated(instance_engine):
        raise SchemaOutdated(
            N_("The database at {home} is not initialised or not up to date."), home=str(home)
        )
    return instance_engine

"""Finding, loading and validating jurisdiction profiles, and the profile of an instance.

``soai init --profile NAME|FILE`` copies the chosen profile (and its logo) into
``$SOAI_HOME/profile/`` so that an instance carries its own branding with it.
"""

from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from soai.errors import InstanceNotInitialised, ProfileError
from soai.i18n.markers import N_
from soai.profiles.schema import Profile

BUNDLED = Path(__file__).parent / "data"
INSTANCE_DIR = "profile"
INSTANCE_FILE = "profile.yaml"


def bundled_names() -> list[str]:
    return sorted(p.stem for p in BUNDLED.glob("*.yaml"))


def resolve(name_or_path: str) -> Path:
    """A bundled profile by name (``cambodia``) or a profile file by path."""
    if name_or_path in bundled_names():
        return BUNDLED / f"{name_or_path}.yaml"
    path = Path(name_or_path)
    if not path.is_file():
        raise ProfileError(
            N_("No profile named {name!r} and no such file. Bundled profiles: {names}."),
            name=name_or_path,
            names=", ".join(bundled_names()),
        )
    return path


def _key_path(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


def load(path: Path) -> Profile:
    """Read and validate a profile file; errors name the file, the key and the problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ProfileError(
            N_("{file}:{where} is not valid YAML: {problem}"),
            file=str(path),
            where=where,
            problem=getattr(exc, "problem", None) or str(exc),
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(
            N_("Cannot read {file}: {reason}"), file=str(path), reason=str(exc)
        ) from exc
    if not isinstance(raw, dict):
        raise ProfileError(N_("{file}: a profile must be a YAML mapping"), file=str(path))
    try:
        profile = Profile.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown key"
            problems.append(f"{_key_path(error['loc'])}: {message}")
        raise ProfileError(
            N_("{file} is not a valid profile: {problems}"),
            file=str(path),
            problems="; ".join(problems),
        ) from exc
    logo = path.parent / profile.brand.logo
    if not logo.is_file():
        raise ProfileError(
            N_("{file}: brand.logo: the logo file {logo} does not exist"),
            file=str(path),
            logo=str(logo),
        )
    return profile


def install(name_or_path: str, home: Path) -> Profile:
    """Validate a profile and copy it with its logo into the instance at ``home``."""
    source = resolve(name_or_path)
    profile = load(source)
    target = home / INSTANCE_DIR
    staging = home / (INSTANCE_DIR + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    shutil.copyfile(source, staging / INSTANCE_FILE)
    shutil.copyfile(source.parent / profile.brand.logo, staging / profile.brand.logo)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    instance_profile.cache_clear()
    return profile


def instance_path(home: Path) -> Path:
    return home / INSTANCE_DIR / INSTANCE_FILE


@lru_cache(maxsize=8)
def instance_profile(home: Path) -> Profile:
    """The profile of the instance at ``home``."""
    path = instance_path(home)
    if not path.is_file():
        raise InstanceNotInitialised(
            N_("No soai instance in {home} (no profile found)."), home=str(home)
        )
    return load(path)


def logo_path(home: Path) -> Path:
    return home / INSTANCE_DIR / instance_profile(home).brand.logo

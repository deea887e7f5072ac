"""Jurisdiction profiles: the bundled ones load, and a broken one is refused before any write."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from soai import db
from soai.errors import ProfileError
from soai.instance import service as instance
from soai.profiles import service as profiles
from soai.settings import Environment, Settings

CAMBODIA = profiles.BUNDLED / "cambodia.yaml"
CAMBODIA_LOGO = profiles.BUNDLED / "cambodia-logo.svg"
MPTC_KM = "ក្រសួងប្រៃសណីយ៍ និងទូរគមនាគមន៍"

WriteProfile = Callable[..., Path]


def test_cambodia_profile_names_the_regulator_in_english_and_khmer() -> None:
    cambodia = profiles.load(profiles.resolve("cambodia"))

    assert cambodia.regulator.name["en"] == "Ministry of Post and Telecommunications"
    assert cambodia.regulator.name["km"] == MPTC_KM
    assert cambodia.text(cambodia.regulator.name, "en") == "Ministry of Post and Telecommunications"
    # A language the profile does not speak falls back to the default language, Khmer.
    assert cambodia.default_language == "km"
    assert cambodia.text(cambodia.regulator.name, "fr") == MPTC_KM


def test_cambodia_profile_sets_the_country_facts() -> None:
    cambodia = profiles.load(profiles.resolve("cambodia"))

    assert cambodia.country.code == "KH"
    assert cambodia.timezone == "Asia/Phnom_Penh"
    assert cambodia.issuer_did == "did:web:aisafety.mptc.gov.kh"
    assert cambodia.issuer_did.startswith("did:web:")
    assert cambodia.languages == ["km", "en"]
    assert cambodia.primary_currency == "KHR"
    assert cambodia.brand.primary_colour == "#032EA1"


def test_philippines_profile_is_valid_and_brands_a_different_country() -> None:
    cambodia = profiles.load(profiles.resolve("cambodia"))
    philippines = profiles.load(profiles.resolve("philippines"))

    assert set(profiles.bundled_names()) >= {"cambodia", "philippines"}
    assert philippines.country.code == "PH"
    assert philippines.timezone == "Asia/Manila"
    assert philippines.issuer_did == "did:web:aisafety.dict.gov.ph"
    assert philippines.languages == ["en"]
    assert philippines.regulator.name != cambodia.regulator.name
    assert philippines.issuer_did != cambodia.issuer_did
    assert philippines.brand.primary_colour != cambodia.brand.primary_colour


def test_an_unknown_profile_name_lists_the_bundled_ones() -> None:
    with pytest.raises(ProfileError) as caught:
        profiles.resolve("atlantis")
    assert "atlantis" in str(caught.value)
    assert "cambodia" in str(caught.value)
    assert "philippines" in str(caught.value)


@pytest.fixture
def write_profile(tmp_path: Path) -> WriteProfile:
    """Write a copy of cambodia.yaml with one edit, next to a copy of its logo."""

    def write(old: str, new: str, *, logo: bool = True) -> Path:
        text = CAMBODIA.read_text(encoding="utf-8")
        assert old in text, f"the Cambodia profile no longer contains {old!r}"
        folder = tmp_path / "profiles"
        folder.mkdir(exist_ok=True)
        if logo:
            shutil.copyfile(CAMBODIA_LOGO, folder / CAMBODIA_LOGO.name)
        path = folder / "broken.yaml"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    return write


def test_an_unchanged_copy_of_the_profile_is_valid(write_profile: WriteProfile) -> None:
    copy = profiles.load(write_profile("id: cambodia", "id: cambodia"))
    assert copy == profiles.load(CAMBODIA)


# (edit to cambodia.yaml, what the message must say)
BROKEN = {
    "unknown key": (
        (
            "  website: https://www.mptc.gov.kh/",
            "  website: https://www.mptc.gov.kh/\n  webiste: x",
        ),
        ["regulator.webiste: unknown key"],
    ),
    "bad colour": (
        ('primary_colour: "#032EA1"', 'primary_colour: "#032EZ1"'),
        ["brand.primary_colour", "'#032EZ1' is not a colour like #1A2B3C"],
    ),
    "language without text": (
        (f"    km: {MPTC_KM}\n", ""),
        ["regulator.name has no text for language(s) km"],
    ),
    "unknown timezone": (
        ("timezone: Asia/Phnom_Penh", "timezone: Asia/Angkor"),
        ["timezone", "'Asia/Angkor' is not an IANA timezone"],
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_profile_is_refused_naming_the_file_key_and_problem(
    case: str, write_profile: WriteProfile
) -> None:
    (old, new), expected = BROKEN[case]
    path = write_profile(old, new)

    with pytest.raises(ProfileError) as caught:
        profiles.load(path)

    message = str(caught.value)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message
    assert "nothing was changed" in caught.value.diagnostics()


def test_a_yaml_syntax_error_gives_the_line_number(write_profile: WriteProfile) -> None:
    path = write_profile("default_language: km", "default_language: km: en")
    line = path.read_text(encoding="utf-8").splitlines().index("default_language: km: en") + 1

    with pytest.raises(ProfileError) as caught:
        profiles.load(path)

    message = str(caught.value)
    assert str(path) in message
    assert f"line {line}," in message
    assert "is not valid YAML" in message


def test_a_missing_logo_file_is_refused(write_profile: WriteProfile) -> None:
    path = write_profile("id: cambodia", "id: cambodia", logo=False)

    with pytest.raises(ProfileError) as caught:
        profiles.load(path)

    message = str(caught.value)
    assert str(path) in message
    assert "brand.logo" in message
    assert "cambodia-logo.svg does not exist" in message


@pytest.fixture
def fresh_settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings of a new instance whose SQLite database would live inside its home."""
    settings = Settings(
        env=Environment.TEST,
        home=tmp_path / "home",
        database_url=None,  # the default: $SOAI_HOME/soai.db, whatever the shell says
        secret_key="test-secret-key-that-is-long-enough-0123456789",
    )
    yield settings
    db.dispose_engine(settings.resolved_database_url)


BROKEN_EDITS = {
    **{case: (old, new, True) for case, ((old, new), _expected) in BROKEN.items()},
    "yaml syntax": ("default_language: km", "default_language: km: en", True),
    "missing logo": ("id: cambodia", "id: cambodia", False),
}


@pytest.mark.parametrize("case", list(BROKEN_EDITS))
def test_initialising_with_a_broken_profile_writes_nothing(
    case: str, write_profile: WriteProfile, fresh_settings: Settings
) -> None:
    old, new, logo = BROKEN_EDITS[case]
    path = write_profile(old, new, logo=logo)

    with pytest.raises(ProfileError):
        instance.initialise(fresh_settings, str(path))

    # No folder, so no profile/ and no database file (the default database is in the home).
    assert not fresh_settings.home.exists()


def test_a_broken_profile_leaves_an_existing_instance_as_it_was(
    write_profile: WriteProfile, fresh_settings: Settings
) -> None:
    instance.initialise(fresh_settings, "cambodia")
    installed = profiles.instance_path(fresh_settings.home.resolve())
    before = installed.read_bytes()
    path = write_profile("timezone: Asia/Phnom_Penh", "timezone: Asia/Angkor")

    with pytest.raises(ProfileError):
        instance.initialise(fresh_settings, str(path))

    assert installed.read_bytes() == before
    assert sorted(p.name for p in installed.parent.iterdir()) == [
        "cambodia-logo.svg",
        "profile.yaml",
    ]
    assert profiles.instance_profile(fresh_settings.home.resolve()).timezone == "Asia/Phnom_Penh"
    assert db.is_migrated(db.get_engine(fresh_settings.resolved_database_url))

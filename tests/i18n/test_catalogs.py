"""Message catalogs are complete and correct, and the Translator formats for each language."""

from __future__ import annotations

import re
import string
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from soai.i18n import Translator, catalog_path, negotiate
from soai.i18n.extract import source_messages

KHMER = re.compile("[\u1780-\u17ff]")
LANGUAGES = ("en", "km")


def _catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def _entries(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def _strings(value: str | tuple[str, ...] | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _ids(message: Message) -> list[str]:
    return _strings(message.id)


def _placeholders(text: str) -> set[str]:
    return {field for _lit, field, _spec, _conv in string.Formatter().parse(text) if field}


@pytest.fixture(scope="module")
def source() -> Catalog:
    return source_messages()


@pytest.fixture(scope="module")
def km() -> list[Message]:
    return _entries(_catalog("km"))


def test_source_has_translatable_messages(source: Catalog) -> None:
    ids = {message.id for message in _entries(source)}
    assert "Instance report" in ids
    assert "Cannot reach the database at {url}: {reason}" in ids


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_of_the_source_is_translated(source: Catalog, language: str) -> None:
    catalog = _catalog(language)
    missing = []
    for message in _entries(source):
        entry = catalog.get(message.id, context=message.context)
        if entry is None or not all(s.strip() for s in _strings(entry.string)):
            missing.append((message.id, message.locations[0]))
    assert missing == [], f"untranslated in {language} (run `make i18n`, then translate)"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_catalog_entry_is_obsolete(source: Catalog, language: str) -> None:
    catalog = _catalog(language)
    in_source = {(message.id, message.context) for message in _entries(source)}
    obsolete = [m.id for m in _entries(catalog) if (m.id, m.context) not in in_source]
    assert obsolete == []
    assert not catalog.obsolete


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_is_marked_fuzzy(language: str) -> None:
    # A fuzzy entry is left out when the catalog is compiled, so English would show instead.
    fuzzy = [m.id for m in _entries(_catalog(language)) if m.fuzzy]
    assert fuzzy == [], f"fuzzy entries in {language}: {fuzzy}"


def test_every_khmer_translation_is_written_in_khmer(km: list[Message]) -> None:
    not_khmer = []
    for message in km:
        for text in _strings(message.string):
            if not KHMER.search(text) or text in _ids(message):
                not_khmer.append((message.id, text))
    assert not_khmer == []


def test_khmer_translations_keep_the_placeholders_of_the_english(km: list[Message]) -> None:
    mismatched = []
    for message in km:
        for text in _strings(message.string):
            if _placeholders(text) != _placeholders(_ids(message)[0]):
                mismatched.append((message.id, text))
    assert mismatched == []


def test_khmer_translations_are_already_in_nfc(km: list[Message]) -> None:
    # A normalising step (a form, a database, a PDF) must not reorder coeng subscripts.
    changed = [
        message.id
        for message in km
        for text in _strings(message.string)
        if unicodedata.normalize("NFC", text) != text
    ]
    assert changed == []


def test_khmer_catalog_is_used_by_the_translator() -> None:
    assert Translator("km").gettext("Instance report") == "របាយការណ៍ប្រព័ន្ធ"
    assert Translator("en").gettext("Instance report") == "Instance report"


def test_translated_message_is_filled_in_with_its_parameters() -> None:
    en = Translator("en").gettext(
        "Cannot reach the database at {url}: {reason}", url="U", reason="R"
    )
    km = Translator("km").gettext(
        "Cannot reach the database at {url}: {reason}", url="U", reason="R"
    )
    assert en == "Cannot reach the database at U: R"
    assert "U" in km and "R" in km and KHMER.search(km)


def test_khmer_long_date_names_the_month_in_khmer() -> None:
    text = Translator("km", "Asia/Phnom_Penh").date(date(2026, 3, 2), "long")
    assert "មីនា" in text
    assert "2026" in text or "២០២៦" in text


def test_dates_are_shown_in_the_profile_timezone() -> None:
    late_evening_utc = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    assert Translator("en", "Asia/Phnom_Penh").date(late_evening_utc) == "March 2, 2026"
    assert Translator("en", "UTC").date(late_evening_utc) == "March 1, 2026"


def test_pounds_sterling_in_english() -> None:
    assert "£1,999" in Translator("en").currency(1999, "GBP")


def test_riel_in_khmer() -> None:
    text = Translator("km").currency(Decimal("1999"), "KHR")
    assert "៛" in text
    assert "1,999" in text or "១,៩៩៩" in text


def test_us_dollars_in_khmer() -> None:
    assert "$" in Translator("km").currency(25, "USD")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en;q=0.4, km;q=0.9", "km"),
        ("km;q=0.3, en;q=0.8", "en"),
        ("fr-FR, fr;q=0.9, en;q=0.5, km;q=0.4", "en"),
        ("km-KH", "km"),
        ("EN-GB,en;q=0.9", "en"),
        ("fr, de;q=0.5", "km"),
        ("en;q=0, fr", "km"),
        ("", "km"),
        (None, "km"),
    ],
)
def test_negotiate_picks_by_quality_and_falls_back_to_the_default(
    header: str | None, expected: str
) -> None:
    assert negotiate(header, ["km", "en"], default="km") == expected

"""Translations and locale-aware formatting (Babel/gettext).

English (``en``) is the source language; Khmer (``km``) is complete. Catalogs are the ``.po``
files under ``locales/``; they are compiled in memory when first used, so there is no build
step to forget. A :class:`Translator` is made per request (or per report, per CLI run) and
passed to templates explicitly: no shared, mutable template environment is ever switched to
another language, so concurrent requests in different languages cannot race.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def available_languages() -> list[str]:
    return sorted(p.name for p in LOCALES_DIR.iterdir() if catalog_path(p.name).is_file())


@lru_cache(maxsize=16)
def translations(language: str) -> Translations:
    """The compiled catalog of ``language`` (an empty one for an unknown language)."""
    path = catalog_path(language)
    if not path.is_file():
        return Translations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def negotiate(accept_language: str | None, supported: Iterable[str], default: str) -> str:
    """Pick the first language of an ``Accept-Language`` header that the instance speaks."""
    supported = list(supported)
    if not accept_language:
        return default
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag))
    for _quality, _position, tag in sorted(weighted):
        primary = tag.split("-")[0]
        if primary in supported:
            return primary
    return default


class Translator:
    """Messages and formats in one language and timezone."""

    def __init__(self, language: str, timezone: str = "UTC") -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self.tz = ZoneInfo(timezone)
        self._translations = translations(language)

    def gettext(self, message: str, **params: Any) -> str:
        text = self._translations.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, **params: Any) -> str:
        text = self._translations.ngettext(singular, plural, n)
        return text.format(n=self.number(n), **params)

    __call__ = gettext

    def number(self, value: int | float | Decimal) -> str:
        return numbers.format_decimal(value, locale=self.locale)

    def percent(self, value: float) -> str:
        return numbers.format_percent(value, locale=self.locale)

    def currency(self, value: int | float | Decimal, currency: str) -> str:
        return numbers.format_currency(value, currency, locale=self.locale)

    def money(self, value: int | float | Decimal, currency: str) -> str:
        """An amount in whole units of ``currency`` (no decimals), e.g. £1,999."""
        pattern = self.locale.currency_formats["standard"].pattern.replace(".00", "")
        return numbers.format_currency(round(value), currency, format=pattern, locale=self.locale,
                                       currency_digits=False)  # fmt: skip

    def date(self, value: date | datetime, format: str = "long") -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return dates.format_date(value, format=format, locale=self.locale)

    def datetime(self, value: datetime, format: str = "medium") -> str:
        return dates.format_datetime(value, format=format, tzinfo=self.tz, locale=self.locale)

    def language_name(self, code: str) -> str:
        """A language's name in that language (what a language switcher shows)."""
        name = Locale.parse(code).get_display_name(code) or code
        return name[:1].upper() + name[1:]

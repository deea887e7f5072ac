"""Extracting translatable strings from the source, and checking the catalogs against them.

Used by ``make i18n`` (scripts/i18n_catalogs.py) to update the catalogs and by the test
suite to fail when a string on screen is missing from a catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

import soai

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHOD_MAP = [
    ("**/templates/**.html", "jinja2"),
    ("**.py", "python"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


@dataclass(frozen=True)
class Message:
    msgid: str | tuple[str, str]
    locations: tuple[tuple[str, int], ...]


def source_messages(root: Path | None = None) -> Catalog:
    """Every translatable string in soai's Python code and templates."""
    root = root or Path(soai.__file__).parent
    catalog = Catalog(project="soai", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root),
        method_map=METHOD_MAP,
        options_map=OPTIONS,
        keywords=KEYWORDS,
        comment_tags=("Translators:",),
        strip_comment_tags=True,
    ):
        if not message or (isinstance(message, tuple) and not message[0]):
            continue
        catalog.add(
            message,
            None,
            [(f"src/soai/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog

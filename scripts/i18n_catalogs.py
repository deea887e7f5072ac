"""Update the en and km catalogs from the source (``make i18n``).

New strings are added (English filled in, Khmer left empty for a translator), strings no
longer in the source are dropped, existing translations are kept. The test suite fails
while any Khmer entry is empty.
"""

from __future__ import annotations

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from soai.i18n import available_languages, catalog_path
from soai.i18n.extract import source_messages


def update(language: str) -> tuple[int, int]:
    template = source_messages()  # fresh per language: Catalog.update shares message objects
    path = catalog_path(language)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(
            locale=language,
            project="soai",
            charset="utf-8",
            copyright_holder="soai contributors",
            msgid_bugs_address="https://github.com/soai (issue tracker)",
            last_translator="soai translators",
            language_team=f"soai {language}",
        )
    catalog.fuzzy = False
    before = {m.id for m in catalog if m.id}
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    added = 0
    for message in catalog:
        if not message.id:
            continue
        if message.id not in before:
            added += 1
        if language == "en" and not message.string:
            message.string = message.id
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, omit_header=False)
    missing = sum(1 for m in catalog if m.id and not m.string)
    return added, missing


def main() -> None:
    for language in sorted(set(available_languages()) | {"en", "km"}):
        added, missing = update(language)
        print(f"{language}: {added} new, {missing} untranslated")


if __name__ == "__main__":
    main()

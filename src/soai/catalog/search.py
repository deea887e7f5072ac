"""Searching the catalogue in English and Khmer.

Khmer is written without spaces between words, so a query is matched as substrings of the
requirement's text rather than as whole words; a Khmer phrase typed without spaces still
finds the requirement whose title contains it. Both sides are NFC-normalised and case-folded
(NFC keeps Khmer subscript consonants in place) so that equivalent spellings compare equal.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from soai.catalog.catalogue import Catalogue, Requirement


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def matches(
    catalogue: Catalogue,
    *,
    query: str,
    framework: str | None = None,
    kind: str | None = None,
    language: str = "en",
) -> list[Requirement]:
    """Requirements whose text contains every word of ``query``; ref and title hits first."""
    words = normalise(query).split()
    ranked: list[tuple[int, int, Requirement]] = []
    for position, requirement in enumerate(catalogue.requirements.values()):
        if framework and requirement.framework != framework:
            continue
        if kind and requirement.kind != kind:
            continue
        if not words:
            ranked.append((0, position, requirement))
            continue
        head, body = _texts(catalogue.version, requirement.urn, catalogue)
        if not all(word in body for word in words):
            continue
        rank = 0 if all(word in head for word in words) else 1
        if language == "km" and all(word in normalise(requirement.title["km"]) for word in words):
            rank = 0
        ranked.append((rank, position, requirement))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [requirement for _, _, requirement in ranked]


@lru_cache(maxsize=4096)
def _texts(version: str, urn: str, catalogue: Catalogue) -> tuple[str, str]:
    """(reference and titles, everything searchable) of one requirement, normalised once."""
    del version  # part of the cache key: a new catalogue gets fresh entries
    requirement = catalogue.requirements[urn]
    head = normalise(" ".join([requirement.ref, requirement.urn, *requirement.title.values()]))
    body = normalise(
        " ".join(
            [
                head,
                *requirement.summary.values(),
                requirement.citation,
                " ".join(requirement.keywords),
            ]
        )
    )
    return head, body

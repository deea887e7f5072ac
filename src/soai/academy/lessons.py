"""Lesson texts: Markdown files ``data/lessons/<module>.<language>.md`` rendered to HTML with
CommonMark (raw HTML switched off, so a lesson file cannot inject markup)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt

LESSONS = Path(__file__).parent / "data" / "lessons"


def path(module: str, language: str) -> Path:
    return LESSONS / f"{module}.{language}.md"


@lru_cache(maxsize=128)
def render(module: str, language: str) -> tuple[str, str | None]:
    """(HTML, the language it is in) of a module's lesson in ``language``, falling back to
    English; ("", None) when the lesson is not written yet."""
    for candidate in (language, "en"):
        found = path(module, candidate)
        if found.is_file():
            markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
            return markdown.render(found.read_text(encoding="utf-8")), candidate
    return "", None

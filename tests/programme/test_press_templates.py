"""The press kit: quotable statements (data/press.yaml) and the press release templates."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

ROOT = Path(__file__).resolve().parents[2]
PROGRAMME = ROOT / "src" / "soai" / "programme"
TEMPLATES = PROGRAMME / "templates" / "press"
PRESS_YAML = PROGRAMME / "data" / "press.yaml"

KHMER = re.compile(r"[\u1780-\u17FF]")
NUMBER = re.compile(r"\d(?:[\d,]*\d)?")  # \d also matches Khmer digits
NOT_AVAILABLE = {"en": "not yet available", "km": "មិនទាន់មាន"}
OPTIONAL = (
    "seats_reserved_home",
    "applications",
    "seats_allocated",
    "analysts_certified",
    "council_seated",
    "systems_registered",
    "current_phase",
    "phase_progress",
)
FULL_STATS: dict[str, Any] = {
    "seats_total": 500_250,
    "seats_value_gbp": "£1,000,000,000",
    "seat_value_gbp": "£1,999",
    "seats_reserved_home": 100_000,
    "applications": 123_456,
    "seats_allocated": 98_765,
    "analysts_certified": 12,
    "analysts_target": 1_000,
    "council_seated": 21,
    "council_size": 33,
    "systems_registered": 4_321,
    "current_phase": None,  # per language, below
    "phase_progress": None,
}
WORDS = {
    "en": {
        "brand": "Cambodia AI Safety Framework",
        "regulator": "Ministry of Post and Telecommunications",
        "country": "Cambodia",
        "date": "2 March 2026",
        "current_phase": "Phase 1: Assessment and planning",
        "phase_progress": "month 2 of 3",
    },
    "km": {
        "brand": "ក្របខណ្ឌសុវត្ថិភាពបញ្ញាសិប្បនិម្មិតកម្ពុជា",
        "regulator": "ក្រសួងប្រៃសណីយ៍ និងទូរគមនាគមន៍",
        "country": "កម្ពុជា",
        "date": "ថ្ងៃទី ២ ខែមីនា ឆ្នាំ ២០២៦",
        "current_phase": "ដំណាក់កាលទី 1៖ ការវាយតម្លៃ និងការរៀបចំផែនការ",
        "phase_progress": "ខែទី 2 ក្នុងចំណោម 3 ខែ",
    },
}
URL = "https://aisafety.mptc.gov.kh/programme"


def load_press() -> dict[str, Any]:
    with PRESS_YAML.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def stats_for(lang: str, missing: tuple[str, ...] = ()) -> dict[str, Any]:
    stats = dict(FULL_STATS)
    stats["current_phase"] = WORDS[lang]["current_phase"]
    stats["phase_progress"] = WORDS[lang]["phase_progress"]
    for key in missing:
        stats[key] = None
    return stats


def context(lang: str, stats: dict[str, Any]) -> dict[str, Any]:
    press = load_press()
    words = WORDS[lang]
    return {
        "brand": words["brand"],
        "regulator": words["regulator"],
        "country": words["country"],
        "date": words["date"],
        "stats": stats,
        "quotes": [
            {"text": q["text"][lang], "attribution": q["attribution"][lang]}
            for q in press["quotes"]
        ],
        "boilerplate": press["boilerplate"][lang],
        "contacts": press["contacts"],
        "url": URL,
    }


def render(lang: str, ctx: dict[str, Any]) -> str:
    # Markdown, not HTML: escaping would turn "'" and "&" into entities in the release.
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=False,  # noqa: S701
        undefined=StrictUndefined,
    )
    return env.get_template(f"release.{lang}.md.j2").render(**ctx)


def numbers_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(numbers_in(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(numbers_in(v) for v in value))
    if value is None:
        return set()
    if isinstance(value, int):
        return {f"{value:,}"}
    return set(NUMBER.findall(str(value)))


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def assert_clean(out: str) -> None:
    assert "None" not in out
    assert "{{" not in out and "{%" not in out and "{#" not in out
    assert out.rstrip().endswith("###")
    assert "\n\n\n" not in out


# ---------------------------------------------------------------- data/press.yaml


def test_press_yaml_loads_and_every_quote_is_bilingual() -> None:
    press = load_press()
    quotes = press["quotes"]
    assert 3 <= len(quotes) <= 4
    ids = [q["id"] for q in quotes]
    assert len(ids) == len(set(ids))
    for quote in quotes:
        assert quote["editable"] is True
        for lang in ("en", "km"):
            assert isinstance(quote["text"][lang], str) and quote["text"][lang].strip()
            assert quote["attribution"][lang].strip()
        assert KHMER.search(quote["text"]["km"])
        assert KHMER.search(quote["attribution"]["km"])
    attributions = {q["attribution"]["en"] for q in quotes}
    assert attributions <= {"[MPTC spokesperson]", "[CSOAI spokesperson]"}
    assert press["boilerplate"]["en"].strip()
    assert KHMER.search(press["boilerplate"]["km"])
    assert press["contacts"] == {
        "partnership": "partnerships@example.org",
        "press": "press@example.org",
    }


def test_press_yaml_texts_hold_no_numbers() -> None:
    """Every number in a release comes from `stats`: the fixed texts must not carry any."""
    press = load_press()
    texts = [press["boilerplate"][lang] for lang in ("en", "km")]
    for quote in press["quotes"]:
        texts += [quote["text"][lang] for lang in ("en", "km")]
        texts += [quote["attribution"][lang] for lang in ("en", "km")]
    for text in texts:
        assert not NUMBER.search(text), text


# ---------------------------------------------------------------- templates


@pytest.mark.parametrize("lang", ["en", "km"])
def test_release_with_every_stat(lang: str) -> None:
    ctx = context(lang, stats_for(lang))
    out = render(lang, ctx)
    assert_clean(out)
    for formatted in (
        "500,250",
        "1,000",
        "£1,000,000,000",
        "£1,999",
        "100,000",
        "123,456",
        "98,765",
        "4,321",
    ):
        assert formatted in out
    assert " 12 " in out and " 21 " in out and " 33" in out
    assert WORDS[lang]["current_phase"] in out
    assert WORDS[lang]["phase_progress"] in out
    assert NOT_AVAILABLE[lang] not in out
    assert "press@example.org" in out and "partnerships@example.org" in out and URL in out
    for quote in ctx["quotes"]:
        assert quote["text"] in out and quote["attribution"] in out
    assert ctx["boilerplate"] in out
    city = "PHNOM PENH" if lang == "en" else "ភ្នំពេញ"
    assert city in out and out.index(city) < out.index(ctx["date"])  # the dateline
    assert numbers_in(out) <= numbers_in(ctx)


@pytest.mark.parametrize("lang", ["en", "km"])
def test_release_with_no_optional_stat(lang: str) -> None:
    ctx = context(lang, stats_for(lang, missing=OPTIONAL))
    out = render(lang, ctx)
    assert_clean(out)
    # One "not available" sentence per missing figure (the phase and its progress share one).
    assert out.count(NOT_AVAILABLE[lang]) == len(OPTIONAL) - 1
    # The always-known figures are still there, formatted.
    for formatted in ("500,250", "1,000", "£1,000,000,000", "£1,999", "33"):
        assert formatted in out
    # And no other number: nothing stands in for a missing figure.
    assert numbers_in(out) <= numbers_in(ctx)
    for absent in ("100,000", "123,456", "98,765", "4,321"):
        assert absent not in out


@pytest.mark.parametrize("lang", ["en", "km"])
@pytest.mark.parametrize("key", OPTIONAL)
def test_release_with_one_stat_missing(lang: str, key: str) -> None:
    ctx = context(lang, stats_for(lang, missing=(key,)))
    out = render(lang, ctx)
    assert_clean(out)
    assert out.count(NOT_AVAILABLE[lang]) == 1
    assert numbers_in(out) <= numbers_in(ctx)


@pytest.mark.parametrize("missing", [(), OPTIONAL], ids=["full", "empty"])
def test_khmer_release_is_khmer_in_every_paragraph(missing: tuple[str, ...]) -> None:
    out = render("km", context("km", stats_for("km", missing)))
    blocks = [p for p in paragraphs(out) if p != "###"]
    assert len(blocks) >= 8
    for block in blocks:
        assert KHMER.search(block), block


@pytest.mark.parametrize("lang", ["en", "km"])
def test_release_structure(lang: str) -> None:
    out = render(lang, context(lang, stats_for(lang)))
    blocks = paragraphs(out)
    assert blocks[0].startswith("# ")
    assert blocks[1].startswith("## ")
    assert blocks[2].startswith("**")  # the dateline opens the lead paragraph
    assert blocks[-1] == "###"
    assert sum(b.startswith("> ") for b in blocks) == len(load_press()["quotes"])
    headings = [b for b in blocks if b.startswith("## ")]
    assert len(headings) == 3  # sub-headline, About, contacts


def test_templates_document_their_variables() -> None:
    names = (
        "brand",
        "regulator",
        "country",
        "date",
        "quotes",
        "boilerplate",
        "contacts",
        "url",
        *FULL_STATS,
    )
    for lang in ("en", "km"):
        source = (TEMPLATES / f"release.{lang}.md.j2").read_text(encoding="utf-8")
        header = source[: source.index("-#}")]
        assert source.startswith("{#")
        for name in names:
            assert name in header, (lang, name)

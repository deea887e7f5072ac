"""The press kit, generated from live data: key statistics, the quotable statements (as the
regulator edited them), the brand's logo and the press release, in English and Khmer, as
Markdown, HTML and PDF.

Figures come from :mod:`soai.programme.kpis` and the profile; a figure that is not available
is said to be so (the templates in ``templates/press/`` print no number for it). Quotes are
``data/press.yaml`` with the regulator's edits (table ``programme_quotes``) on top. Markdown
becomes HTML with raw HTML switched off, so an edited quote cannot inject markup.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.errors import InvalidInput, NotFound
from soai.i18n import Translator
from soai.i18n.markers import N_
from soai.profiles.schema import Profile
from soai.programme import steering
from soai.programme.models import PressQuote

HERE = Path(__file__).parent
LANGUAGES = ("en", "km")


@dataclass(frozen=True)
class Quote:
    id: str
    text: dict[str, str]
    attribution: dict[str, str]
    edited: bool


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((HERE / "data" / "press.yaml").read_text("utf-8"))
    return loaded


def quotes(session: Session) -> list[Quote]:
    edits = {q.id: q for q in session.scalars(select(PressQuote))}
    found = []
    for raw in _data()["quotes"]:
        edit = edits.get(raw["id"])
        if edit is None:
            found.append(Quote(raw["id"], dict(raw["text"]), dict(raw["attribution"]), False))
        else:
            found.append(Quote(raw["id"], {"en": edit.text_en, "km": edit.text_km},
                               {"en": edit.attribution_en, "km": edit.attribution_km}, True))  # fmt: skip
    return found


def edit_quote(
    session: Session, *, quote_id: str, text_en: str, text_km: str, attribution_en: str,
    attribution_km: str, now: datetime,
) -> PressQuote:  # fmt: skip
    """Replace a quote's text and attribution in both languages (both are required)."""
    if quote_id not in {q["id"] for q in _data()["quotes"]}:
        raise NotFound(N_("No quote {id} in the press kit."), id=quote_id)
    values = {"text_en": text_en.strip(), "text_km": text_km.strip(),
              "attribution_en": attribution_en.strip(), "attribution_km": attribution_km.strip()}  # fmt: skip
    for name, value in values.items():
        limit = 1000 if name.startswith("text") else 200
        if not 1 <= len(value) <= limit:
            raise InvalidInput(
                N_("{name}: write 1 to {n} characters; every statement needs its English and "
                   "its Khmer text and attribution."), field=name, name=name, n=limit)  # fmt: skip
    record = session.get(PressQuote, quote_id) or PressQuote(id=quote_id)
    for name, value in values.items():
        setattr(record, name, value)
    record.updated_at = now
    session.add(record)
    session.flush()
    return record


def statistics(session: Session, *, profile: Profile, today: date, t: Translator) -> dict[str, Any]:
    """The release's ``stats`` (see the templates' header for the contract)."""
    state = steering.status(session, profile=profile, today=today)
    figures = state.figures
    giveaway = profile.giveaway
    phase = state.current
    target = next((m.target for p in state.phases for m in p.milestones
                   if m.kpi == "analysts_certified" and m.target), None)  # fmt: skip

    def money(value: float) -> str:
        return t.money(value, giveaway.currency)

    progress = None
    if phase is not None and phase.start is not None and phase.months:
        month = (today.year - phase.start.year) * 12 + today.month - phase.start.month + 1
        progress = t(
            N_("month {n} of {total}"), n=min(max(month, 1), phase.months), total=phase.months
        )
    return {
        "seats_total": giveaway.seats,
        "seats_value_gbp": money(giveaway.value) if giveaway.value is not None else None,
        "seat_value_gbp": money(giveaway.value / giveaway.seats) if giveaway.value is not None else None,
        "seats_reserved_home": giveaway.quotas.get(profile.country.code),
        "applications": figures.applications,
        "seats_allocated": figures.seats_allocated,
        "analysts_certified": figures.analysts_certified,
        "analysts_target": int(target) if target else 1000,
        "council_seated": figures.council_seated,
        "council_size": figures.council_size,
        "systems_registered": figures.systems_registered,
        "current_phase": (t(N_("Phase {n}: {title}"), n=phase.number, title=phase.title.get(t.language))
                          if phase else None),
        "phase_progress": progress,
    }  # fmt: skip


def release_markdown(session: Session, *, profile: Profile, language: str, today: date,
                     url: str) -> str:  # fmt: skip
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    t = Translator(language, profile.timezone)
    env = Environment(loader=FileSystemLoader(HERE / "templates" / "press"), autoescape=False,  # noqa: S701 - Markdown, made HTML with raw HTML off
                      undefined=StrictUndefined, keep_trailing_newline=True)  # fmt: skip
    data = _data()
    stats = statistics(session, profile=profile, today=today, t=t)
    if stats["seats_value_gbp"] is None:
        stats["seats_value_gbp"] = stats["seat_value_gbp"] = t(N_("not available"))
    context = {
        "brand": profile.text(profile.brand.name, language),
        "regulator": profile.text(profile.regulator.name, language),
        "country": t(N_("Cambodia")) if profile.country.code == "KH"
        else profile.text(profile.country.name, language),
        "date": t.date(today),
        "stats": stats,
        "quotes": [{"text": q.text[language], "attribution": q.attribution[language]}
                   for q in quotes(session)],
        "boilerplate": data["boilerplate"][language],
        "contacts": data["contacts"],
        "url": url,
    }  # fmt: skip
    return env.get_template(f"release.{language}.md.j2").render(context)


def markdown_to_html(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).render(text)


def logo_data_uri(home: Path) -> str | None:
    """The profile's logo (the one the portal shows) as a data URI for the printed release."""
    from soai.profiles import service as profiles

    path = profiles.logo_path(home.resolve())
    if not path.is_file():
        return None
    kind = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
    return f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode()


def release_html(session: Session, *, profile: Profile, language: str, today: date, url: str,
                 generated_at: datetime, home: Path) -> str:  # fmt: skip
    """A standalone HTML page of the release (also the PDF's source)."""
    from soai.web.templating import build_environment, render_to_string

    body = markdown_to_html(release_markdown(session, profile=profile, language=language,
                                             today=today, url=url))  # fmt: skip
    t = Translator(language, profile.timezone)
    return render_to_string(build_environment(), "programme/press_print.html", {
        "body": body, "logo": logo_data_uri(home), "profile": profile, "t": t,
        "lang": language, "generated_at": generated_at,
    })  # fmt: skip


def release_pdf(session: Session, *, profile: Profile, language: str, today: date, url: str,
                generated_at: datetime, home: Path) -> bytes:  # fmt: skip
    from soai.reports.pdf import html_to_pdf

    return html_to_pdf(release_html(session, profile=profile, language=language, today=today,
                                    url=url, generated_at=generated_at, home=home))  # fmt: skip

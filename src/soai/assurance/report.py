"""The report of one test run, as a PDF in English or Khmer: what was tested (files and their
SHA-256, the model, the tool and policy versions), the verdicts with their reasons and what
each measure means, the charts and the measurements. Made like every soai report: plain data
rendered by a print template, then WeasyPrint."""

from __future__ import annotations

from datetime import datetime

from soai.assurance import charts, explanations
from soai.assurance.models import TestRun
from soai.i18n import Translator
from soai.profiles.schema import Profile
from soai.reports.charts import svg_data_uri
from soai.reports.pdf import html_to_pdf
from soai.web.templating import build_environment, render_to_string

TEMPLATE = "assurance/report_print.html"


def render_html(run: TestRun, *, profile: Profile, language: str, generated_at: datetime) -> str:
    """The run's report in ``language``, dates in the profile's timezone."""
    t = Translator(language, profile.timezone)
    outcome = run.result or {}
    images = [
        (title, svg_data_uri(svg))
        for title, svg in (charts.charts(outcome, t.gettext) if outcome else [])
    ]
    context = {
        "run": run,
        "outcome": outcome,
        "charts": images,
        "explanations": explanations.METRICS,
        "tests": explanations.TEST_NAMES,
        "verdicts": explanations.VERDICTS,
        "profile": profile,
        "t": t,
        "lang": language,
        "generated_at": generated_at,
    }
    return render_to_string(build_environment(), TEMPLATE, context)


def render_pdf(run: TestRun, *, profile: Profile, language: str, generated_at: datetime) -> bytes:
    return html_to_pdf(
        render_html(run, profile=profile, language=language, generated_at=generated_at)
    )

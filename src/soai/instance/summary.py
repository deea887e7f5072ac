"""The instance summary report: who runs the instance, its users and the state of each part.

It is the first report of soai and shows how every report is made: gather facts in a
transaction, render a portal template in the reader's language, turn it into PDF.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction, utcnow
from soai.i18n import Translator
from soai.i18n.markers import N_
from soai.identity import service as identity
from soai.identity.policy import ROLE_LABELS, Role
from soai.jobs.runner import JobContext, job_kind
from soai.profiles import service as profiles
from soai.profiles.schema import Profile
from soai.reports.charts import bar_chart_svg, svg_data_uri
from soai.reports.pdf import html_to_pdf
from soai.web.framework import PARTS
from soai.web.templating import build_environment, render_to_string

JOB_KIND = "instance.summary_pdf"


def gather(session: Session, *, profile: Profile, database: str) -> dict[str, Any]:
    counts = identity.count_by_role(session)
    return {
        "profile": profile,
        "database": database,
        "users_by_role": [
            (ROLE_LABELS[role], counts.get(role.value, 0))
            for role in Role
            if role is not Role.PUBLIC
        ],
        "parts": PARTS,
    }


def render_html(facts: dict[str, Any], *, language: str, generated_at: datetime) -> str:
    profile: Profile = facts["profile"]
    t = Translator(language, profile.timezone)
    chart = bar_chart_svg(
        [t.gettext(label) for label, _count in facts["users_by_role"]],
        [count for _label, count in facts["users_by_role"]],
        title=t.gettext("Active users by role"),
        colour=profile.brand.primary_colour,
    )
    context = {
        **facts,
        "t": t,
        "lang": language,
        "generated_at": generated_at,
        "chart_src": svg_data_uri(chart),
    }
    return render_to_string(build_environment(), "instance/summary_print.html", context)


def render_pdf(
    sessions: sessionmaker[Session], *, home: Path, language: str, on_step: Any = None
) -> bytes:
    profile = profiles.instance_profile(home.resolve())
    bind = sessions.kw["bind"]
    with transaction(sessions) as session:
        facts = gather(session, profile=profile, database=bind.dialect.name)
    if on_step:
        on_step(1, 3, "facts")
    html = render_html(facts, language=language, generated_at=utcnow())
    if on_step:
        on_step(2, 3, "html")
    pdf = html_to_pdf(html)
    if on_step:
        on_step(3, 3, "pdf")
    return pdf


def report_path(home: Path, job_id: str) -> Path:
    return home / "reports" / f"instance-summary-{job_id}.pdf"


@job_kind(JOB_KIND, title=N_("Instance report (PDF)"))
def summary_pdf_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    language = str(params.get("language", "en"))
    pdf = render_pdf(
        ctx.sessions,
        home=ctx.home,
        language=language,
        on_step=lambda done, total, msg: ctx.progress(done, total, msg),
    )
    path = report_path(ctx.home, ctx.job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(pdf)
    tmp.replace(path)
    return {
        "file": path.name,
        "bytes": len(pdf),
        "language": language,
        "download": f"/instance/reports/{ctx.job_id}.pdf",
    }

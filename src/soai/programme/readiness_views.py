"""HTML routes of the Phase-1 readiness assessment: the questionnaires (national and by sector),
the results with the index per pillar and the gap analysis as roadmap actions, and the bilingual
PDF report. The regulator records assessments; results are public."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from soai.db import transaction, utcnow
from soai.errors import SoaiError
from soai.i18n import Translator
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.programme import assessments, readiness
from soai.programme.models import ReadinessAssessment
from soai.reports.charts import svg_data_uri
from soai.web.pages import render, translator_for
from soai.web.state import app_state

router = APIRouter()
PUBLIC = [Depends(require(Permission.PUBLIC_READ))]
MANAGE = Permission.PROGRAMME_MANAGE


def _page(request: Request, principal: Principal, scope: str, *, error: SoaiError | None = None,
          form: dict[str, str] | None = None) -> HTMLResponse:  # fmt: skip
    state = app_state(request)
    t = translator_for(request)
    questionnaire = readiness.load()
    questionnaire.questions(scope)  # an unknown scope is "not found"
    with transaction(state.sessions) as session:
        found = assessments.recent(session)
    context = {"questionnaire": questionnaire, "scope": scope, "assessments": found,
               "manage": principal.can(MANAGE), "form": form or {},
               "error": error.render(t.gettext) if error else None,
               "error_field": getattr(error, "field", None)}  # fmt: skip
    return render(request, "programme/readiness.html", context,
                  status_code=error.status if error else 200)  # fmt: skip


@router.get("/programme/readiness", response_class=HTMLResponse, name="programme:readiness")
def readiness_home(
    request: Request, scope: str = readiness.NATIONAL,
    principal: Principal = Depends(require(Permission.PUBLIC_READ)),
) -> HTMLResponse:  # fmt: skip
    return _page(request, principal, scope)


@router.post("/programme/readiness", response_class=HTMLResponse, name="programme:assess")
async def assess(request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    """Record a completed questionnaire (levels 0–4 or "don't know" per question)."""
    state = app_state(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    scope = form.get("scope", readiness.NATIONAL)
    try:
        questions = readiness.load().questions(scope)
        answers = assessments.parse_answers(form, questions)
        with transaction(state.sessions, write=True) as session:
            assessment = assessments.record(session, scope=scope,
                                            organisation=form.get("organisation", ""),
                                            answers=answers, actor=principal.email or "",
                                            now=utcnow())  # fmt: skip
            assessment_id = assessment.id
    except SoaiError as exc:
        return _page(request, principal, scope, error=exc, form=form)
    return RedirectResponse(f"/programme/readiness/{assessment_id}", status_code=303)


def result_context(assessment: ReadinessAssessment, t: Translator) -> dict[str, Any]:
    """What the result page and the PDF show: index per pillar, chart, gaps by roadmap phase."""
    from soai.reports.charts import bar_chart_svg

    questionnaire = readiness.load()
    result = readiness.score(questionnaire, assessment.scope, assessment.answers)
    gaps = readiness.gaps(questionnaire, assessment.scope, assessment.answers)
    pillars = {p.id: p for p in questionnaire.pillars}
    scored = [p for p in result.pillars if p.index is not None]
    chart = None
    if scored:
        svg = bar_chart_svg([pillars[p.pillar].title.get(t.language) for p in scored],
                            [round(p.index or 0, 1) for p in scored],
                            title=t(N_("Readiness index by pillar (0–100)")))  # fmt: skip
        chart = svg_data_uri(svg)
    questions = {q.id: q for q in questionnaire.questions(assessment.scope)}
    by_phase: dict[int, list[readiness.Gap]] = {}
    for gap in gaps:
        by_phase.setdefault(gap.phase, []).append(gap)
    title = questionnaire.title.get(t.language)
    if assessment.scope != readiness.NATIONAL:
        sector = next(s for s in questionnaire.sectors if s.id == assessment.scope)
        title = sector.title.get(t.language)
    return {"assessment": assessment, "result": result, "pillars": pillars, "chart": chart,
            "gaps_by_phase": sorted(by_phase.items()), "questions": questions,
            "levels": {level.value: level.label for level in questionnaire.levels},
            "scope_title": title, "questionnaire": questionnaire}  # fmt: skip


@router.get("/programme/readiness/{assessment_id}", response_class=HTMLResponse,
            name="programme:assessment", dependencies=PUBLIC)  # fmt: skip
def assessment_page(request: Request, assessment_id: int) -> HTMLResponse:
    state = app_state(request)
    with transaction(state.sessions) as session:
        assessment = assessments.get(session, assessment_id)
        context = result_context(assessment, translator_for(request))
    return render(request, "programme/assessment.html", context)


@router.get("/programme/readiness/{assessment_id}/report.pdf", name="programme:assessment-pdf",
            dependencies=PUBLIC)  # fmt: skip
def assessment_pdf(request: Request, assessment_id: int, lang: str | None = None) -> Response:
    """The assessment report as a PDF in English or Khmer (``?lang=``; default: the page's)."""
    from soai.reports.pdf import html_to_pdf
    from soai.web.templating import build_environment, render_to_string

    state = app_state(request)
    language = lang if lang in ("en", "km") else translator_for(request).language
    t = Translator(language, state.profile.timezone)
    with transaction(state.sessions) as session:
        context = result_context(assessments.get(session, assessment_id), t)
        html = render_to_string(build_environment(), "programme/assessment_print.html", {
            **context, "profile": state.profile, "t": t, "lang": language,
            "generated_at": utcnow()})  # fmt: skip
    return Response(html_to_pdf(html), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="readiness-{assessment_id}.{language}.pdf"'})  # fmt: skip

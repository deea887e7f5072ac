"""HTML routes of the CEASAI academy: the programme and its lessons (public), and for signed-in
candidates their progress, exams one question at a time with autosave, review, and results.
Every exam rule is kept in :mod:`soai.academy.service`; the key never reaches the browser."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from soai.academy import lessons, scheduling, service
from soai.academy import programme as programmes
from soai.db import transaction, utcnow
from soai.errors import NotFound, SoaiError
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.web.pages import principal_of, render, translator_for
from soai.web.parts import PartInfo
from soai.web.state import app_state

PART = PartInfo(
    slug="academy",
    title=N_("CEASAI academy"),
    summary=N_("Curriculum, secure exams and verifiable certificates for AI safety analysts."),
)
router = APIRouter()
LEARN = Permission.ACADEMY_LEARN


def home_page(request: Request, *, error: SoaiError | None = None) -> HTMLResponse:
    principal, state = principal_of(request), app_state(request)
    programme = programmes.load()
    context: dict[str, Any] = {"part": PART, "programme": programme, "candidate": None,
                               "attempts": [], "done": set(), "active": None,
                               "can_learn": principal.user_id is not None and principal.can(LEARN)}  # fmt: skip
    with transaction(state.sessions) as session:
        context["windows"] = [(w, scheduling.booked(session, window=w))
                              for w in scheduling.windows(session, now=utcnow())]  # fmt: skip
    context["can_manage"] = principal.can(Permission.ACADEMY_MANAGE)
    context["booked"] = set()
    context["renewals"] = []
    if principal.user_id is not None and principal.can(LEARN):
        with transaction(state.sessions, write=True) as session:
            candidate = service.candidate_of(session, user_id=principal.user_id)
            if candidate is not None:
                context["candidate"] = candidate
                context["active"] = service.active_attempt(
                    session, candidate=candidate, now=utcnow(), bank=item_bank(request)
                )
                context["attempts"] = service.attempts(session, candidate=candidate)
                context["done"] = service.completed_lessons(session, candidate=candidate)
                context["booked"] = {
                    w.id for w in scheduling.bookings(session, candidate=candidate)
                }
                context["renewals"] = _renewals(session, candidate)
    t = translator_for(request)
    context["error"] = error.render(t.gettext) if error else None
    return render(request, "academy/home.html", context,
                  status_code=error.status if error else 200)  # fmt: skip


@router.get("/academy", response_class=HTMLResponse, name="academy:home",
            dependencies=[Depends(require(Permission.PUBLIC_READ))])  # fmt: skip
def home(request: Request) -> HTMLResponse:
    return home_page(request)


@router.post("/academy/enrol", name="academy:enrol")
def enrol(
    request: Request, language: str = Form("km"), country: str = Form("KH"),
    national_id: str = Form(""), principal: Principal = Depends(require(LEARN)),
) -> Response:  # fmt: skip
    """Register as a candidate; a national ID is kept only as a keyed hash."""
    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            service.enrol(session, user_id=principal.user_id or 0, language=language,
                          country=country.strip(), national_id=national_id.strip() or None,
                          secret=state.settings.signing_secret())  # fmt: skip
    except SoaiError as exc:
        return home_page(request, error=exc)
    return RedirectResponse("/academy", status_code=303)


@router.get("/academy/lessons/{module}", response_class=HTMLResponse, name="academy:lesson",
            dependencies=[Depends(require(Permission.PUBLIC_READ))])  # fmt: skip
def lesson(request: Request, module: str) -> HTMLResponse:
    programme = programmes.load()
    if module not in programme.modules:
        raise NotFound(N_("No module {module}."), module=module)
    language = translator_for(request).language
    html, shown_in = lessons.render(module, language)
    return render(request, "academy/lesson.html",
                  {"module": programme.modules[module], "html": html, "shown_in": shown_in,
                   "programme": programme})  # fmt: skip


@router.post("/academy/lessons/{module}/done", name="academy:lesson-done")
def lesson_done(
    request: Request, module: str, principal: Principal = Depends(require(LEARN))
) -> Response:
    state = app_state(request)
    with transaction(state.sessions, write=True) as session:
        candidate = signed_in_candidate(session, principal)
        service.complete_lesson(session, candidate=candidate, module=module)
    return RedirectResponse("/academy#progress", status_code=303)


def _renewals(session: Any, candidate: Any) -> list[dict[str, Any]]:
    """Each passed certification with its CPD hours, needs and expiry."""
    from soai.academy import records

    tiers = {a.tier for a in service.attempts(session, candidate=candidate) if a.passed}
    return [records.renewal_due(session, candidate=candidate, tier=t) for t in sorted(tiers)]


def item_bank(request: Request) -> Any:
    return service.bank_of(app_state(request).settings.academy_items)


def signed_in_candidate(session: Any, principal: Principal) -> Any:
    candidate = service.candidate_of(session, user_id=principal.user_id or 0)
    if candidate is None:
        raise NotFound(N_("Register as a candidate first."))
    return candidate


@router.post("/academy/exams", name="academy:start")
def start(
    request: Request, tier: str = Form(...), principal: Principal = Depends(require(LEARN))
) -> Response:
    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            candidate = signed_in_candidate(session, principal)
            attempt = service.start(session, candidate=candidate, tier_id=tier, now=utcnow(),
                                    bank=item_bank(request))  # fmt: skip
            attempt_id = attempt.id
    except SoaiError as exc:
        return home_page(request, error=exc)
    return RedirectResponse(f"/academy/exams/{attempt_id}", status_code=303)


@router.get("/academy/exams/{attempt_id}", response_class=HTMLResponse, name="academy:exam")
def exam(
    request: Request, attempt_id: str, q: int = 1, t: str = "",
    principal: Principal = Depends(require(LEARN)),
) -> Response:  # fmt: skip
    """One question. Opening the exam without this tab's token (a new tab, a reopened
    browser) moves the exam to this tab: saves from older tabs are then refused."""
    state = app_state(request)
    with transaction(state.sessions, write=True) as session:
        candidate = signed_in_candidate(session, principal)
        attempt = service.attempt_of(session, attempt_id=attempt_id, candidate=candidate)
        service.active_attempt(
            session, candidate=candidate, now=utcnow(), bank=item_bank(request)
        )  # time up → submit
        if attempt.status != "active":
            return RedirectResponse(f"/academy/exams/{attempt_id}/result", status_code=303)
        tab = t if t == attempt.tab else service.claim_tab(session, attempt=attempt)
        shown = service.question(session, attempt=attempt, position=max(0, q - 1),
                                 bank=item_bank(request))  # fmt: skip
        seconds_left = int((attempt.deadline - utcnow()).total_seconds())
        overview = service.overview(session, attempt=attempt)
    return render(request, "academy/exam.html",
                  {"attempt_id": attempt_id, "q": shown, "tab": tab, "seconds_left": seconds_left,
                   "overview": overview, "tier": programmes.load().tier(attempt.tier)})  # fmt: skip


@router.post("/academy/exams/{attempt_id}/answer", name="academy:answer")
def answer(
    request: Request, attempt_id: str, position: int = Form(...), option: str = Form(""),
    flagged: bool = Form(False), tab: str = Form(""), go: str = Form("next"),
    principal: Principal = Depends(require(LEARN)),
) -> Response:  # fmt: skip
    """Save the answer shown (works without JavaScript), then go to the next question, the
    previous one, or the review screen."""
    outcome = _save(request, attempt_id, position, option, flagged, tab, principal)
    if outcome == "time_up":
        return RedirectResponse(f"/academy/exams/{attempt_id}/result", status_code=303)
    target = {"next": position + 2, "previous": position}.get(go)
    if target is None:
        return RedirectResponse(f"/academy/exams/{attempt_id}/review?t={tab}", status_code=303)
    return RedirectResponse(
        f"/academy/exams/{attempt_id}?q={max(1, target)}&t={tab}", status_code=303
    )


@router.post("/academy/exams/{attempt_id}/autosave", name="academy:autosave")
def autosave(
    request: Request, attempt_id: str, position: int = Form(...), option: str = Form(""),
    flagged: bool = Form(False), tab: str = Form(""),
    principal: Principal = Depends(require(LEARN)),
) -> JSONResponse:  # fmt: skip
    """The page's background save on every change: ``{"saved": true}`` or the reason."""
    try:
        outcome = _save(request, attempt_id, position, option, flagged, tab, principal)
    except SoaiError as exc:
        t = translator_for(request)
        return JSONResponse(
            {"saved": False, "error": exc.render(t.gettext)}, status_code=exc.status
        )
    return JSONResponse({"saved": outcome == "saved", "time_up": outcome == "time_up"})


def _save(request: Request, attempt_id: str, position: int, option: str, flagged: bool,
          tab: str, principal: Principal) -> str:  # fmt: skip
    from soai.errors import InvalidInput

    state = app_state(request)
    try:
        chosen = None if option == "" else int(option)
    except ValueError:
        raise InvalidInput(N_("Question {number} has no option {option}."), field="option",
                           number=position + 1, option=option) from None  # fmt: skip
    with transaction(state.sessions, write=True) as session:
        candidate = signed_in_candidate(session, principal)
        attempt = service.attempt_of(session, attempt_id=attempt_id, candidate=candidate)
        return service.save(session, attempt=attempt, position=position, option=chosen,
                            flagged=flagged, tab=tab, now=utcnow(), bank=item_bank(request))  # fmt: skip


@router.get(
    "/academy/exams/{attempt_id}/review", response_class=HTMLResponse, name="academy:review"
)
def review(
    request: Request, attempt_id: str, t: str = "", principal: Principal = Depends(require(LEARN))
) -> Response:
    state = app_state(request)
    with transaction(state.sessions, write=True) as session:
        attempt = service.attempt_of(
            session, attempt_id=attempt_id, candidate=signed_in_candidate(session, principal)
        )
        if attempt.status != "active":
            return RedirectResponse(f"/academy/exams/{attempt_id}/result", status_code=303)
        overview = service.overview(session, attempt=attempt)
        seconds_left = int((attempt.deadline - utcnow()).total_seconds())
    return render(request, "academy/review.html", {"attempt_id": attempt_id, "overview": overview,
                  "tab": t, "seconds_left": seconds_left})  # fmt: skip


@router.post("/academy/exams/{attempt_id}/submit", name="academy:submit")
def submit(
    request: Request, attempt_id: str, principal: Principal = Depends(require(LEARN))
) -> Response:
    from soai.credentials import service as credentials

    state = app_state(request)
    with transaction(state.sessions, write=True) as session:
        attempt = service.attempt_of(
            session, attempt_id=attempt_id, candidate=signed_in_candidate(session, principal)
        )
        if attempt.status == "active":
            service.submit(session, attempt=attempt, now=utcnow(), bank=item_bank(request))
        if attempt.passed and not attempt.credential_id and principal.email:
            service.certify(session, attempt=attempt, email=principal.email,
                            issuer=credentials.issuer_for(state.settings), now=utcnow())  # fmt: skip
    return RedirectResponse(f"/academy/exams/{attempt_id}/result", status_code=303)


@router.get(
    "/academy/exams/{attempt_id}/result", response_class=HTMLResponse, name="academy:result"
)
def result(
    request: Request, attempt_id: str, principal: Principal = Depends(require(LEARN))
) -> HTMLResponse:
    state = app_state(request)
    with transaction(state.sessions) as session:
        attempt = service.attempt_of(
            session, attempt_id=attempt_id, candidate=signed_in_candidate(session, principal)
        )
    programme = programmes.load()
    return render(request, "academy/result.html", {"attempt": attempt, "programme": programme,
                  "tier": programme.tier(attempt.tier)})  # fmt: skip


def _routers() -> list[APIRouter]:
    from soai.academy import record_views  # it imports the helpers above

    return [router, record_views.router]


# Every router of the part, for the app.
routers = _routers()

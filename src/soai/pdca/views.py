"""HTML routes of SOAI-PDCA: the list of cycles and each cycle's board (phase, gate, controls,
risks with their heat map, evidence, findings, score), with the forms that move it on."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from soai.catalog import service as catalog
from soai.db import transaction
from soai.errors import InvalidInput, PermissionDenied, SoaiError
from soai.i18n.markers import N_
from soai.identity import service as identity
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.incidents import statistics as incident_statistics
from soai.pdca import attestation, gates, report, risk_library, service, signoff
from soai.pdca import evidence as evidence_items
from soai.pdca.evidence_store import EvidenceStore
from soai.pdca.models import Control, Evidence, Finding, Risk
from soai.registry import service as registry
from soai.web.pages import principal_of, render, translator_for
from soai.web.parts import PartInfo
from soai.web.state import app_state

PART = PartInfo(
    slug="pdca",
    title=N_("SOAI-PDCA compliance cycles"),
    summary=N_(
        "Plan-Do-Check-Act cycles that take each AI system to conformity, leaving "
        "evidence and a score."
    ),
)
PHASE_LABELS = {
    "plan": N_("Plan"),
    "do": N_("Do"),
    "check": N_("Check"),
    "act": N_("Act"),
    "closed": N_("Closed"),
}
ASSESSMENT_LABELS = {
    "effective": N_("Effective"),
    "partly": N_("Partly effective"),
    "not_effective": N_("Not effective"),
    "not_applicable": N_("Not applicable"),
}
MATURITY_LABELS = {
    "bronze": N_("Bronze"),
    "silver": N_("Silver"),
    "gold": N_("Gold"),
    "platinum": N_("Platinum"),
}
IMPLEMENTATION_LABELS = {
    "not_started": N_("Not started"),
    "in_progress": N_("In progress"),
    "implemented": N_("Implemented"),
}
router = APIRouter()
EDIT = Permission.PDCA_EDIT


def _scope(request: Request, principal: Principal) -> service.Scope:
    with transaction(app_state(request).sessions) as session:
        return service.scope_for(session, principal=principal)


def store_of(request: Request) -> EvidenceStore:
    return EvidenceStore(app_state(request).settings.home / "evidence")


@router.get("/pdca", response_class=HTMLResponse, name="pdca:home")
def home(
    request: Request, principal: Principal = Depends(require(Permission.PUBLIC_READ))
) -> HTMLResponse:
    rows: list[dict[str, Any]] = []
    due: list[Any] = []
    if principal.can(Permission.PDCA_VIEW):
        state = app_state(request)
        with transaction(state.sessions) as session:
            scope = service.scope_for(session, principal=principal)
            due = service.actions_due(session, scope=scope, today=date.today(), within_days=14)
            for cycle in service.cycles(session, scope=scope):
                system = registry.get(
                    session, system_id=cycle.system_id, scope=registry.Scope(everything=True)
                )
                rows.append(
                    {
                        "cycle": cycle,
                        "system": system,
                        "reference": registry.reference(state.profile.country.code, system.id),
                    }
                )
    return render(
        request,
        "pdca/home.html",
        {
            "part": PART,
            "rows": rows,
            "phases": PHASE_LABELS,
            "maturities": MATURITY_LABELS,
            "can_view": principal.can(Permission.PDCA_VIEW),
            "due": due,
            "today": date.today(),
        },
    )


def _board(request: Request, cycle_id: int, *, error: SoaiError | None = None) -> HTMLResponse:
    state = app_state(request)
    principal = principal_of(request)
    t = translator_for(request)
    blocked: list[str] = []
    if error is not None and isinstance(error, signoff.GateBlocked):
        blocked = [t.gettext(m).format(**p) for m, p in error.missing]
    with transaction(state.sessions) as session:
        scope = service.scope_for(session, principal=principal)
        cycle = service.get(session, cycle_id=cycle_id, scope=scope)
        system = registry.get(
            session, system_id=cycle.system_id, scope=registry.Scope(everything=True)
        )
        controls = session.scalars(
            select(Control).where(Control.cycle_id == cycle.id).order_by(Control.id)
        ).all()
        risks = session.scalars(
            select(Risk).where(Risk.cycle_id == cycle.id).order_by(Risk.id)
        ).all()
        findings = session.scalars(select(Finding).where(Finding.cycle_id == cycle.id)).all()
        evidence = session.scalars(select(Evidence).where(Evidence.cycle_id == cycle.id)).all()
        by_control = evidence_items.evidence_for(session, cycle=cycle)
        missing = [t.gettext(m).format(**p) for m, p in signoff.missing(session, cycle=cycle)]
        current = signoff.score(session, cycle=cycle)
        history = signoff.history(session, system_id=cycle.system_id)
        signed = signoff.gates_of(session, cycle=cycle)
        analyst = (
            identity.get_user_by_id(session, user_id=cycle.analyst_id) if cycle.analyst_id else None
        )
        attestations = attestation.active(session, system_id=cycle.system_id)
        incidents = incident_statistics.about_system(session, cycle.system_id)
    requirements = catalog.catalogue().requirements
    grid = risk_library.heat_map_counts((r.likelihood, r.impact) for r in risks)
    return render(
        request,
        "pdca/board.html",
        {
            "cycle": cycle,
            "system": system,
            "reference": registry.reference(state.profile.country.code, system.id),
            "controls": controls,
            "requirements": requirements,
            "risks": risks,
            "grid": grid,
            "level": risk_library.level,
            "findings": findings,
            "evidence": evidence,
            "by_control": by_control,
            "missing": missing,
            "blocked": blocked,
            "score": current,
            "history": history,
            "signed": signed,
            "analyst_name": analyst.display_name if analyst else None,
            "attestations": attestations,
            "incidents": incidents,
            "overdue": service.overdue(findings, today=date.today()),
            "phases": PHASE_LABELS,
            "order": gates.PHASES,
            "assessments": ASSESSMENT_LABELS,
            "implementations": IMPLEMENTATION_LABELS,
            "maturities": MATURITY_LABELS,
            "error": error.render(t.gettext) if error else None,
            "can_edit": principal.can(EDIT),
            "can_assess": principal.can(Permission.PDCA_ASSESS),
            "can_manage": principal.can(Permission.PDCA_MANAGE),
        },
        status_code=error.status if error else 200,
    )


def board_with_error(request: Request, cycle_id: int, error: SoaiError) -> HTMLResponse:
    """The board again, with what went wrong (for the routes that record on it)."""
    return _board(request, cycle_id, error=error)


@router.get("/pdca/cycles/{cycle_id}", response_class=HTMLResponse, name="pdca:cycle")
def board(
    request: Request, cycle_id: int, _: Principal = Depends(require(Permission.PDCA_VIEW))
) -> HTMLResponse:
    return _board(request, cycle_id)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(value) for key, value in form.items() if key != "csrf_token"}


def _int(value: str, field: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(N_("{name} must be a whole number."), field=field, name=field) from None


def _done(cycle_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/pdca/cycles/{cycle_id}{anchor}", status_code=303)


@router.post("/pdca/systems/{system_id}/cycles", name="pdca:start")
def start(
    request: Request, system_id: int, principal: Principal = Depends(require(EDIT))
) -> Response:
    state = app_state(request)
    with transaction(state.sessions, write=True) as session:
        registry.get(
            session, system_id=system_id, scope=registry.scope_for(session, principal=principal)
        )
        running = service.open_cycle_of(session, system_id=system_id)
        if running is not None:  # one open cycle per system: show it
            return _done(running.id)
        cycle = service.start(session, system_id=system_id, user_id=principal.user_id)
        return _done(cycle.id)


@router.post("/pdca/cycles/{cycle_id}/gate", name="pdca:sign")
async def sign(
    request: Request, cycle_id: int, principal: Principal = Depends(require(EDIT))
) -> Response:
    form = await _form(request)
    phase = form.get("phase", "")
    try:
        if phase == "check" and not principal.can(Permission.PDCA_ASSESS):
            raise PermissionDenied(N_("Only a certified analyst signs the Check gate."))
        with transaction(app_state(request).sessions, write=True) as session:
            cycle = service.get(
                session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
            )
            signoff.sign(
                session,
                cycle=cycle,
                phase=phase,
                user_id=principal.user_id,
                signer=principal.display_name or principal.email or "?",
            )
    except SoaiError as exc:
        return _board(request, cycle_id, error=exc)
    return _done(cycle_id)


@router.post("/pdca/cycles/{cycle_id}/plan", name="pdca:plan")
async def plan(
    request: Request, cycle_id: int, principal: Principal = Depends(require(EDIT))
) -> Response:
    form = await _form(request)
    try:
        version = _int(form.pop("version", ""), "version")
        values: dict[str, Any] = {k: v for k, v in form.items()}
        if "target_date" in values:
            values["target_date"] = (
                date.fromisoformat(values["target_date"]) if values["target_date"] else None
            )
        with transaction(app_state(request).sessions, write=True) as session:
            cycle = service.get(
                session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
            )
            service.update_plan(session, cycle=cycle, version=version, values=values)
    except ValueError:
        return _board(
            request,
            cycle_id,
            error=InvalidInput(N_("Give the date as YYYY-MM-DD."), field="target_date"),
        )
    except SoaiError as exc:
        return _board(request, cycle_id, error=exc)
    return _done(cycle_id)


@router.post("/pdca/cycles/{cycle_id}/controls/{control_id}", name="pdca:control")
async def control(
    request: Request, cycle_id: int, control_id: int, principal: Principal = Depends(require(EDIT))
) -> Response:
    form = await _form(request)
    try:
        version = _int(form.pop("version", ""), "version")
        values: dict[str, Any] = {
            k: form[k] for k in ("implementation", "owner", "justification") if k in form
        }
        if "applicable" in form:
            values["applicable"] = form["applicable"] == "yes"
        with transaction(app_state(request).sessions, write=True) as session:
            cycle = service.get(
                session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
            )
            service.update_control(
                session, cycle=cycle, control_id=control_id, version=version, values=values
            )
    except SoaiError as exc:
        return _board(request, cycle_id, error=exc)
    return _done(cycle_id, f"#control-{control_id}")


@router.post("/pdca/cycles/{cycle_id}/controls/{control_id}/assess", name="pdca:assess")
async def assess(
    request: Request,
    cycle_id: int,
    control_id: int,
    principal: Principal = Depends(require(Permission.PDCA_ASSESS)),
) -> Response:
    form = await _form(request)
    try:
        version = _int(form.get("version", ""), "version")
        with transaction(app_state(request).sessions, write=True) as session:
            cycle = service.get(
                session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
            )
            service.assess(
                session,
                cycle=cycle,
                control_id=control_id,
                version=version,
                assessment=form.get("assessment", ""),
                reasoning=form.get("reasoning", ""),
                analyst_id=principal.user_id or 0,
            )
    except SoaiError as exc:
        return _board(request, cycle_id, error=exc)
    return _done(cycle_id, f"#control-{control_id}")


@router.post("/pdca/cycles/{cycle_id}/evidence", name="pdca:evidence")
async def evidence(
    request: Request, cycle_id: int, principal: Principal = Depends(require(EDIT))
) -> Response:
    form = await request.form()
    upload = form.get("file")
    control_ids = [int(str(v)) for v in form.getlist("control_id") if str(v).isdigit()]
    try:
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise InvalidInput(N_("Choose a file."), field="file")
        content = await upload.read()
        with transaction(app_state(request).sessions, write=True) as session:
            cycle = service.get(
                session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
            )
            evidence_items.add_file_evidence(
                session,
                store=store_of(request),
                cycle=cycle,
                title=str(form.get("title", "")),
                filename=upload.filename,
                chunks=[content],
                control_ids=control_ids,
                user_id=principal.user_id,
            )
    except SoaiError as exc:
        return _board(request, cycle_id, error=exc)
    return _done(cycle_id, "#evidence")


@router.get("/pdca/cycles/{cycle_id}/report.pdf", name="pdca:report")
def report_pdf(
    request: Request, cycle_id: int, principal: Principal = Depends(require(Permission.PDCA_VIEW))
) -> Response:
    """The cycle's compliance report as a PDF in the reader's language (``?lang=en|km``)."""
    state = app_state(request)
    language = request.query_params.get("lang") or translator_for(request).language
    language = language if language in state.profile.languages else state.profile.default_language
    with transaction(state.sessions) as session:
        scope = service.scope_for(session, principal=principal)
    pdf = report.render_pdf(
        state.sessions, cycle_id=cycle_id, scope=scope, profile=state.profile, language=language
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="soai-pdca-cycle-{cycle_id}-{language}.pdf"'
        },
    )


def _routers() -> list[APIRouter]:
    from soai.pdca import record_views  # it imports board_with_error from here

    return [router, record_views.router]


# Every router of the part, for the app.
routers = _routers()

"""HTML routes of the council: the seats and sessions, each session with its evidence, every
vote and rationale, the quorum certificate or the escalation, and the decision file."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from soai.council import composition, evidence, export, keys, labels, protocol, seating, service
from soai.crypto.did import did_web, method_id
from soai.db import transaction, utcnow
from soai.errors import Conflict, InvalidInput, NotFound, SoaiError
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.pdca import service as pdca
from soai.web.pages import principal_of, render, translator_for
from soai.web.parts import PartInfo
from soai.web.state import AppState, app_state

PART = PartInfo(
    slug="council",
    title=N_("Byzantine council"),
    summary=N_(
        "Thirty-three members, AI agents and human experts, decide by signed votes; 22 "
        "signatures make a decision."
    ),
)
router = APIRouter()
VIEW, MANAGE = Permission.COUNCIL_VIEW, Permission.COUNCIL_MANAGE


def _council(state: AppState) -> str:
    return seating.council_id(state.profile.id)


def _home(request: Request, *, error: SoaiError | None = None) -> HTMLResponse:
    state, principal = app_state(request), principal_of(request)
    with transaction(state.sessions) as session:
        epoch = seating.current_epoch(session)
        seats = seating.seats(session) if principal.can(VIEW) else []
        found = service.sessions(session) if principal.can(VIEW) else []
        mine = (
            seating.member_of_user(session, user_id=principal.user_id)
            if principal.user_id is not None and principal.can(Permission.COUNCIL_VOTE)
            else None
        )
        my_seat = next((v.seat for v in seats if mine is not None and v.member.id == mine.id), None)
        waiting = (
            [m for m in seating.members_without_seat(session) if m.kind == "human"]
            if principal.can(MANAGE)
            else []
        )
        cycles = (
            [c for c in pdca.cycles(session, scope=pdca.Scope(everything=True)) if c.phase != "closed"]
            if principal.can(MANAGE)
            else []
        )  # fmt: skip
    t = translator_for(request)
    return render(
        request,
        "council/home.html",
        {
            "part": PART,
            "epoch": epoch,
            "seats": seats,
            "sessions": found,
            "cycles": cycles,
            "can_view": principal.can(VIEW),
            "can_manage": principal.can(MANAGE),
            "quorum": protocol.QUORUM,
            "faults": protocol.FAULTS,
            "mine": mine,
            "my_seat": my_seat,
            "waiting": waiting,
            "can_vote": principal.can(Permission.COUNCIL_VOTE),
            "groups": composition.STAKEHOLDER_GROUPS,
            "error": error.render(t.gettext) if error else None,
            **labels.context(),
        },
        status_code=error.status if error else 200,
    )


@router.get(
    "/council",
    response_class=HTMLResponse,
    name="council:home",
    dependencies=[Depends(require(Permission.PUBLIC_READ))],
)
def home(request: Request) -> HTMLResponse:
    return _home(request)


@router.post("/council/seat-default", name="council:seat")
def seat_default(request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            seating.seat_default(
                session, council=_council(state),
                passphrase=state.settings.signing_passphrase(), actor_id=principal.user_id,
            )  # fmt: skip
    except SoaiError as exc:
        return _home(request, error=exc)
    return RedirectResponse("/council", status_code=303)


@router.post("/council/enrol", name="council:enrol")
def enrol(
    request: Request, organisation: str = Form(""), stakeholder_group: str = Form(""),
    password: str = Form(""), principal: Principal = Depends(require(Permission.COUNCIL_VOTE)),
) -> Response:  # fmt: skip
    """A council member makes their signing key, encrypted with their own portal password."""
    from soai.identity import service as identity
    from soai.identity.passwords import verify_password

    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            user = identity.get_user_by_id(session, user_id=principal.user_id or 0)
            if not verify_password(user.password_hash, password):
                raise InvalidInput(N_("That is not your password."), field="password")
            seating.enrol(
                session, user_id=user.id, name=user.display_name, organisation=organisation,
                stakeholder_group=stakeholder_group, password=password.encode(),
            )  # fmt: skip
    except SoaiError as exc:
        return _home(request, error=exc)
    return RedirectResponse("/council#my-key", status_code=303)


@router.post("/council/seatings", name="council:seat-member")
def seat_member(
    request: Request, seat: int = Form(...), member_id: int = Form(...),
    principal: Principal = Depends(require(MANAGE)),
) -> Response:  # fmt: skip
    """The regulator seats an enrolled member: the diversity rules are checked, a new epoch."""
    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            seating.seat_existing(session, council=_council(state), seat=seat,
                                  member_id=member_id, actor_id=principal.user_id)  # fmt: skip
    except SoaiError as exc:
        return _home(request, error=exc)
    return RedirectResponse("/council#seats-heading", status_code=303)


@router.post("/council/sessions", name="council:open")
def open_session(
    request: Request, cycle_id: int = Form(...), principal: Principal = Depends(require(MANAGE))
) -> Response:
    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            bundle = evidence.assessment(
                session, cycle_id=cycle_id, country=state.profile.country.code
            )
            found = service.open_session(
                session, council=_council(state), subject_type="assessment",
                subject_ref=bundle["subject"]["id"], title=bundle["subject"]["title"],
                bundle=bundle, actor_id=principal.user_id, now=utcnow(),
            )  # fmt: skip
            session_id = found.id
    except SoaiError as exc:
        return _home(request, error=exc)
    return RedirectResponse(f"/council/sessions/{session_id}", status_code=303)


def _page(request: Request, session_id: str, *, error: SoaiError | None = None) -> HTMLResponse:
    state, principal = app_state(request), principal_of(request)
    t = translator_for(request)
    with transaction(state.sessions) as session:
        cs = service.get(session, session_id=session_id)
        seats = {s.seat: s for s in seating.seats(session, epoch=cs.epoch)}
        mine = [s for s in seats.values() if s.member.user_id == principal.user_id
                and principal.user_id is not None and s.member.kind == "human"]  # fmt: skip
        context: dict[str, Any] = {
            "cs": cs, "seats": seats, "votes": service.votes(session, session_id=cs.id),
            "conflicts": service.conflicts(session, session_id=cs.id),
            "equivocations": service.equivocations(session, session_id=cs.id),
            "panel": service.panel_decision(session, session_id=cs.id),
            "my_seats": mine, "quorum": protocol.QUORUM,
            "can_manage": principal.can(MANAGE), "can_panel": principal.can(Permission.COUNCIL_PANEL),
            "can_vote": principal.can(Permission.COUNCIL_VOTE),
            "error": error.render(t.gettext) if error else None,
            **labels.context(),
        }  # fmt: skip
    counted = [v for v in context["votes"] if v.accepted]
    context["tally"] = {c: sum(v.choice == c for v in counted) for c in protocol.CHOICES}
    return render(request, "council/session.html", context,
                  status_code=error.status if error else 200)  # fmt: skip


@router.get("/council/sessions/{session_id}", response_class=HTMLResponse, name="council:session")
def session_page(
    request: Request, session_id: str, _p: Principal = Depends(require(VIEW))
) -> HTMLResponse:
    return _page(request, session_id)


@router.post("/council/sessions/{session_id}/run", name="council:run")
def run_agents(
    request: Request, session_id: str, principal: Principal = Depends(require(MANAGE))
) -> Response:
    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            cs = service.get(session, session_id=session_id)
            service.run_agents(
                session, cs=cs, council=_council(state),
                passphrase=state.settings.signing_passphrase(), now=utcnow(),
                llm=service.llm_factory(state.settings),
            )  # fmt: skip
    except SoaiError as exc:
        return _page(request, session_id, error=exc)
    return RedirectResponse(f"/council/sessions/{session_id}", status_code=303)


@router.post("/council/sessions/{session_id}/vote", name="council:vote")
def vote(
    request: Request, session_id: str, seat: int = Form(...), choice: str = Form(...),
    confidence: float = Form(0.8), rationale: str = Form(""), password: str = Form(""),
    principal: Principal = Depends(require(Permission.COUNCIL_VOTE)),
) -> Response:  # fmt: skip
    """A human member votes from their seat; their key is unlocked with their password."""
    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            cs = service.get(session, session_id=session_id)
            held = seating.member_of_seat(session, seat=seat)
            if held.member.user_id != principal.user_id or held.member.key_protection != "password":
                raise NotFound(N_("You do not hold seat {seat}."), seat=seat)
            private = keys.decrypt(held.member.encrypted_key or "", password.encode())
            statement = protocol.statement(
                council=_council(state), epoch=cs.epoch, session=cs.id,
                subject_digest=cs.subject_digest, round=cs.round, choice=choice,
                confidence=confidence, rationale=rationale,
            )  # fmt: skip
            row = service.submit(
                session, cs=cs, council=_council(state), now=utcnow(),
                vote=protocol.sign(private, seat, statement, rationale),
            )  # fmt: skip
            accepted, reason = row.accepted, row.rejection_message
        if not accepted:  # said after the commit: a rejected vote (or equivocation) is kept
            raise Conflict(N_("The vote was rejected: {reason}"), reason=reason)
    except SoaiError as exc:
        return _page(request, session_id, error=exc)
    return RedirectResponse(f"/council/sessions/{session_id}#votes", status_code=303)


@router.post("/council/sessions/{session_id}/conflict", name="council:conflict")
def conflict(
    request: Request, session_id: str, seat: int = Form(...), reason: str = Form(""),
    principal: Principal = Depends(require(Permission.COUNCIL_VOTE)),
) -> Response:  # fmt: skip
    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            held = seating.member_of_seat(session, seat=seat)
            if held.member.user_id != principal.user_id:
                raise NotFound(N_("You do not hold seat {seat}."), seat=seat)
            cs = service.get(session, session_id=session_id)
            service.declare_conflict(session, cs=cs, seat=seat, reason=reason)
    except SoaiError as exc:
        return _page(request, session_id, error=exc)
    return RedirectResponse(f"/council/sessions/{session_id}", status_code=303)


@router.post("/council/sessions/{session_id}/panel", name="council:panel")
def panel(
    request: Request, session_id: str, choice: str = Form(...), rationale: str = Form(""),
    principal: Principal = Depends(require(Permission.COUNCIL_PANEL)),
) -> Response:  # fmt: skip
    """A certified analyst records the human panel's decision on an escalated session."""
    from soai.crypto import service as crypto

    state = app_state(request)
    try:
        signer = crypto.keyring(state.settings).signer()
        did = did_web(state.profile.issuer_domain)
        with transaction(state.sessions, write=True) as session:
            cs = service.get(session, session_id=session_id)
            service.panel_decide(
                session, cs=cs, council=_council(state),
                analysts=[(principal.user_id or 0, principal.display_name or principal.email or "")],
                choice=choice,
                rationale=rationale, sign=signer.sign, kid=method_id(did, signer.kid),
                now=utcnow(),
            )  # fmt: skip
    except SoaiError as exc:
        return _page(request, session_id, error=exc)
    return RedirectResponse(f"/council/sessions/{session_id}", status_code=303)


@router.get(
    "/council/sessions/{session_id}/decision.json",
    name="council:decision",
    dependencies=[Depends(require(Permission.PUBLIC_READ))],
)
def decision_file(request: Request, session_id: str) -> Response:
    """The decision file anyone can verify offline (``soai council verify``)."""
    from soai.ledger import keys as ledger_keys

    state = app_state(request)
    with transaction(state.sessions, write=True) as session:
        cs = service.get(session, session_id=session_id)
        data = export.export(
            session, cs=cs, council=_council(state), issuer=did_web(state.profile.issuer_domain),
            prove=lambda position: ledger_keys.proof(session, state.settings, position=position),
        )  # fmt: skip
    return JSONResponse(
        data,
        headers={"Content-Disposition": f'attachment; filename="council-{session_id}.json"'},
    )

"""CLI of the council: seat it, open and run sessions, vote with one's own key, export a
decision and verify it offline, and simulate Byzantine members (``soai council ...``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from soai.cli_support import instance_sessions, print_json, settings_or_exit
from soai.db import transaction, utcnow
from soai.errors import InvalidInput
from soai.i18n.markers import N_

council_app = typer.Typer(help="The 33-member Byzantine council.", no_args_is_help=True)
console = Console()
Json = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _context() -> tuple[str, str, str]:
    """(council id, issuer DID, country) of the instance."""
    from soai.council import seating
    from soai.crypto.did import did_web
    from soai.profiles import service as profiles

    profile = profiles.instance_profile(settings_or_exit().home.resolve())
    return seating.council_id(profile.id), did_web(profile.issuer_domain), profile.country.code


@council_app.command("seat-default")
def seat_default() -> None:
    """Seat the built-in council: 33 AI agents of four independent families."""
    from soai.council import seating

    council, _did, _country = _context()
    passphrase = settings_or_exit().signing_passphrase()
    with transaction(instance_sessions(), write=True) as session:
        epoch = seating.seat_default(session, council=council, passphrase=passphrase, actor_id=None)
    console.print(f"Seated 33 members; epoch {epoch}.")


@council_app.command("seat-llm")
def seat_llm(
    seat: Annotated[int, typer.Option(help="The seat (1-33) the agent takes over")],
    model: Annotated[
        str, typer.Option(help="The model's name at the SOAI_COUNCIL_LLM_URL endpoint")
    ],
) -> None:
    """Seat an LLM-backed agent (family llm:<model>) in a seat, keeping its lens: a new epoch.
    Its answers must follow a strict JSON schema; anything else becomes an escalate vote."""
    from soai.council import seating

    council, _did, _country = _context()
    passphrase = settings_or_exit().signing_passphrase()
    with transaction(instance_sessions(), write=True) as session:
        held = seating.member_of_seat(session, seat=seat)
        member = seating.add_member(
            session, kind="ai", name=f"{held.kind.title()} {seat} ({held.lens}, {model})",
            family=f"llm:{model}", secret=passphrase,
        )  # fmt: skip
        epoch = seating.change(
            session, council=council, reason=f"seat {seat}: LLM-backed agent {model}",
            actor_id=None, seat_member=[(seat, held.lens, member)],
        )  # fmt: skip
    console.print(f"Seat {seat} is now held by {model}; epoch {epoch}.")


@council_app.command("seat-member")
def seat_member(
    seat: Annotated[int, typer.Option(help="The seat (1-33); it keeps its lens")],
    name: Annotated[str, typer.Option(help="The member's name as the roster shows it")],
    organisation: Annotated[str, typer.Option(help="Their organisation")],
    stakeholder: Annotated[
        str, typer.Option(help="government, industry, academia or civil_society")
    ],
    public_key: Annotated[
        str | None, typer.Option(help="Hex Ed25519 public key of a key file the member keeps")
    ] = None,
    user: Annotated[
        str | None, typer.Option(help="Their portal account (e-mail): they vote in the portal")
    ] = None,
    password_env: Annotated[
        str | None,
        typer.Option(help="Environment variable with that account's password (encrypts the key)"),
    ] = None,
    reason: Annotated[str, typer.Option(help="Why (recorded with the epoch)")] = "rotation",
) -> None:
    """Seat a human expert (a new epoch, in the ledger). Their key is either a file they keep
    (--public-key) or generated and encrypted with their portal password (--user)."""
    import os

    from soai.council import seating
    from soai.identity import service as identity

    council, _did, _country = _context()
    if (public_key is None) == (user is None):
        raise InvalidInput(N_("Give either --public-key or --user."), field="public_key")
    with transaction(instance_sessions(), write=True) as session:
        held = seating.member_of_seat(session, seat=seat)
        account = identity.get_user(session, email=user) if user else None
        secret = os.environ.get(password_env or "", "").encode() if account else None
        member = seating.add_member(
            session, kind="human", name=name, family=f"human:{name}", organisation=organisation,
            stakeholder_group=stakeholder, user_id=account.id if account else None,
            secret=secret, public_key=public_key,
        )  # fmt: skip
        epoch = seating.change(session, council=council, reason=reason, actor_id=None,
                               seat_member=[(seat, held.lens, member)])  # fmt: skip
    console.print(f"{name} holds seat {seat}; epoch {epoch}.")


def _set_status(seat: int, status: str, reason: str) -> None:
    from soai.council import seating

    council, _did, _country = _context()
    with transaction(instance_sessions(), write=True) as session:
        epoch = seating.change(session, council=council, reason=reason, actor_id=None,
                               set_status={seat: status})  # fmt: skip
    console.print(f"Seat {seat} {status}; epoch {epoch}.")


@council_app.command("suspend")
def suspend(
    seat: Annotated[int, typer.Option(help="The seat")],
    reason: Annotated[str, typer.Option(help="Why (recorded with the epoch)")],
) -> None:
    """Suspend a seat: its votes stop counting from the new epoch."""
    _set_status(seat, "suspended", reason)


@council_app.command("retire")
def retire(
    seat: Annotated[int, typer.Option(help="The seat")],
    reason: Annotated[str, typer.Option(help="Why (recorded with the epoch)")],
) -> None:
    """Retire a seat's member; the seat stays empty until someone is seated in it."""
    _set_status(seat, "retired", reason)


@council_app.command("roster")
def roster(
    epoch: Annotated[int | None, typer.Option(help="The epoch (default: now)")] = None,
    json_out: Json = False,
) -> None:
    """The seats, their members, families and public keys."""
    from soai.council import seating

    council, _did, _country = _context()
    with transaction(instance_sessions()) as session:
        data = seating.roster(session, council=council, epoch=epoch)
    if json_out:
        print_json(data)
        return
    table = Table("seat", "kind", "lens", "member", "family", "status")
    for s in data["seats"]:
        table.add_row(str(s["seat"]), s["kind"], s["lens"], s["member"]["name"],
                      s["member"]["family"], s["status"])  # fmt: skip
    console.print(f"epoch {data['epoch']}")
    console.print(table)


@council_app.command("open")
def open_session(
    cycle: Annotated[int, typer.Option(help="The PDCA cycle whose assessment is reviewed")],
    hours: Annotated[int, typer.Option(help="Hours until the deadline")] = 72,
    json_out: Json = False,
) -> None:
    """Open a session on a compliance cycle's assessment (its evidence bundle is frozen)."""
    from soai.council import evidence, service

    council, _did, country = _context()
    with transaction(instance_sessions(), write=True) as session:
        bundle = evidence.assessment(session, cycle_id=cycle, country=country)
        found = service.open_session(
            session, council=council, subject_type="assessment",
            subject_ref=bundle["subject"]["id"], title=bundle["subject"]["title"], bundle=bundle,
            actor_id=None, now=utcnow(), hours=hours,
        )  # fmt: skip
        data = {"session": found.id, "subject_digest": found.subject_digest, "epoch": found.epoch}
    if json_out:
        print_json(data)
    else:
        console.print(
            f"Session {data['session']} opened (subject digest {data['subject_digest']})."
        )


@council_app.command("run")
def run(
    session_id: Annotated[str, typer.Argument(help="The session")], json_out: Json = False
) -> None:
    """The built-in agents evaluate the evidence, sign and vote; a decision or escalation follows."""
    from soai.council import service

    council, _did, _country = _context()
    passphrase = settings_or_exit().signing_passphrase()
    with transaction(instance_sessions(), write=True) as session:
        found = service.get(session, session_id=session_id)
        added = service.run_agents(
            session, cs=found, council=council, passphrase=passphrase, now=utcnow(),
            llm=service.llm_factory(settings_or_exit()),
        )  # fmt: skip
        data = _summary(session, found)
    data["votes_added"] = added
    _print(data, json_out)


@council_app.command("show")
def show(
    session_id: Annotated[str, typer.Argument(help="The session")], json_out: Json = False
) -> None:
    """A session: status, decision, votes per choice."""
    from soai.council import service

    with transaction(instance_sessions()) as session:
        data = _summary(session, service.get(session, session_id=session_id))
    _print(data, json_out)


def _summary(session: Any, cs: Any) -> dict[str, Any]:
    from soai.council import service

    counted = [v for v in service.votes(session, session_id=cs.id) if v.accepted]
    tally = {c: sum(v.choice == c for v in counted) for c in ("approve", "reject", "escalate")}
    return {"session": cs.id, "title": cs.title, "status": cs.status, "decision": cs.decision,
            "decided_by": cs.decided_by, "epoch": cs.epoch, "tally": tally,
            "rejected_votes": sum(not v.accepted for v in service.votes(session, session_id=cs.id))}  # fmt: skip


def _print(data: dict[str, Any], json_out: bool) -> None:
    if json_out:
        print_json(data)
        return
    console.print(f"[bold]{data['title']}[/] — {data['status']}"
                  + (f": {data['decision']} ({data['decided_by']})" if data["decision"] else ""))  # fmt: skip
    console.print("  " + ", ".join(f"{k} {v}" for k, v in data["tally"].items()))


@council_app.command("vote")
def vote(
    session_id: Annotated[str, typer.Argument(help="The session")],
    seat: Annotated[int, typer.Option(help="Your seat")],
    key: Annotated[Path, typer.Option(help="Your Ed25519 private key (PEM PKCS#8)")],
    choice: Annotated[str, typer.Option(help="approve, reject or escalate")],
    rationale: Annotated[str, typer.Option(help="Your reasons")],
    confidence: Annotated[float, typer.Option(help="0 to 1")] = 0.8,
    password_env: Annotated[
        str | None, typer.Option(help="Environment variable holding the key file's password")
    ] = None,
) -> None:
    """Vote as a human member with your own key file; the vote is checked like any other."""
    import os

    from soai.council import keys, protocol, service

    council, _did, _country = _context()
    password = os.environ.get(password_env, "").encode() if password_env else None
    private = keys.load_key_file(key.read_bytes(), password or None)
    with transaction(instance_sessions(), write=True) as session:
        found = service.get(session, session_id=session_id)
        statement = protocol.statement(
            council=council, epoch=found.epoch, session=found.id,
            subject_digest=found.subject_digest, round=found.round, choice=choice,
            confidence=confidence, rationale=rationale,
        )  # fmt: skip
        row = service.submit(session, cs=found, council=council,
                             vote=protocol.sign(private, seat, statement, rationale), now=utcnow())  # fmt: skip
        accepted, reason = row.accepted, row.rejection_message
    if not accepted:
        raise InvalidInput(N_("The vote was rejected: {reason}"), field="vote", reason=reason)
    console.print("Vote counted.")


@council_app.command("decide")
def decide(
    session_id: Annotated[str, typer.Argument(help="An escalated session")],
    choice: Annotated[str, typer.Option(help="approve or reject")],
    rationale: Annotated[str, typer.Option(help="The panel's reasons")],
    analyst: Annotated[list[str], typer.Option(help="A panel analyst's e-mail (repeatable)")],
) -> None:
    """Record the human panel's decision on an escalated session (certified analysts only);
    it is signed with the instance's key and appended to the ledger."""
    from soai.council import service
    from soai.crypto import service as crypto
    from soai.crypto.did import method_id
    from soai.identity import service as identity

    council, did, _country = _context()
    signer = crypto.keyring(settings_or_exit()).signer()
    with transaction(instance_sessions(), write=True) as session:
        panel = []
        for email in analyst:
            person = identity.get_user(session, email=email)
            if "analyst" not in person.role_names:
                raise InvalidInput(N_("{email} is not a certified analyst."), field="analyst",
                                   email=email)  # fmt: skip
            panel.append((person.id, person.display_name))
        found = service.get(session, session_id=session_id)
        service.panel_decide(
            session, cs=found, council=council, analysts=panel, choice=choice,
            rationale=rationale, sign=signer.sign, kid=method_id(did, signer.kid), now=utcnow(),
        )  # fmt: skip
    console.print(f"The panel decided: {choice}.")


@council_app.command("export")
def export(session_id: Annotated[str, typer.Argument(help="The session")]) -> None:
    """The decision file (JSON) that `soai council verify` checks offline."""
    from soai.council import export as exporter
    from soai.council import service
    from soai.ledger import keys as ledger_keys

    council, did, _country = _context()
    settings = settings_or_exit()
    with transaction(instance_sessions(), write=True) as session:
        found = service.get(session, session_id=session_id)
        data = exporter.export(
            session, cs=found, council=council, issuer=did,
            prove=lambda position: ledger_keys.proof(session, settings, position=position),
        )  # fmt: skip
    print_json(data)


@council_app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="A decision file from `soai council export`")],
    did: Annotated[Path | None, typer.Option(help="The issuer's DID document (did.json)")] = None,
    json_out: Json = False,
) -> None:
    """Check a decision offline: bundle digest, roster in the ledger, quorum certificate or
    panel signature, decision in the ledger. Exit 0 valid, 1 invalid."""
    from soai.council.verify import CouncilVerificationError
    from soai.council.verify import verify as check

    try:
        document = json.loads(file.read_text(encoding="utf-8"))
        if did is not None:
            did_document = json.loads(did.read_text(encoding="utf-8"))
        else:
            from soai.crypto import service as crypto

            _council, issuer, _country = _context()
            did_document = crypto.did_document(settings_or_exit(), issuer)
        passed = check(document, did_document)
    except (OSError, ValueError, CouncilVerificationError) as exc:
        if json_out:
            print_json({"valid": False, "reason": str(exc)})
        else:
            console.print(f"[red]invalid[/]: {exc}")
        raise typer.Exit(1) from None
    if json_out:
        print_json({"valid": True, "checks": passed})
    else:
        console.print("[green]valid[/]")
        for line in passed:
            console.print(f"  ✓ {line}")


@council_app.command("simulate")
def simulate(
    byzantine: Annotated[int, typer.Option(help="How many of the 33 seats are faulty (0-33)")],
    strategy: Annotated[str, typer.Option(help="random, collude, equivocate or silent")],
    sessions: Annotated[int, typer.Option(help="How many sessions to simulate")] = 100,
    seed: Annotated[int, typer.Option(help="Seed of the simulation")] = 0,
    json_out: Json = False,
) -> None:
    """Simulate sessions with K Byzantine seats using real signatures and the real coordinator."""
    from soai.council.simulate import simulate as run_simulation

    if not 0 <= byzantine <= 33:
        raise InvalidInput(N_("--byzantine must be between 0 and 33."), field="byzantine")
    if not 1 <= sessions <= 100_000:
        raise InvalidInput(N_("--sessions must be between 1 and 100000."), field="sessions")
    result = run_simulation(byzantine, strategy, sessions, seed)
    if json_out:
        print_json(result)
        return
    for name, value in result.items():
        console.print(f"{name}: {value}")

"""CLI of SOAI-PDCA: ``soai pdca list|start|show|sign|reopen``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from soai.cli_support import instance_sessions, print_json, settings_or_exit
from soai.db import transaction
from soai.pdca import service, signoff
from soai.pdca.models import Cycle
from soai.profiles import service as profiles
from soai.registry import service as registry

pdca_app = typer.Typer(help="SOAI-PDCA compliance cycles.", no_args_is_help=True)
console = Console()
EVERYTHING = service.Scope(everything=True)


def _country() -> str:
    return profiles.instance_profile(settings_or_exit().home.resolve()).country.code


def summary(session: Session, cycle: Cycle, country: str) -> dict[str, Any]:
    system = registry.get(session, system_id=cycle.system_id, scope=registry.Scope(everything=True))
    return {
        "cycle": cycle.id,
        "system": registry.reference(country, system.id),
        "system_name": system.name,
        "number": cycle.number,
        "phase": cycle.phase,
        "status": "closed" if cycle.phase == "closed" else "open",
        "risk_tier": cycle.risk_tier,
        "score": cycle.score,
        "maturity": cycle.maturity,
        "council_review": cycle.council_review,
    }


@pdca_app.command("list")
def list_cycles(
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Every cycle with its AI system, number, phase, status and score."""
    country = _country()
    with transaction(instance_sessions()) as session:
        rows = [summary(session, c, country) for c in service.cycles(session, scope=EVERYTHING)]
    if json_out:
        print_json({"cycles": rows})
        return
    table = Table("cycle", "system", "no.", "phase", "score", "maturity")
    for row in rows:
        table.add_row(
            str(row["cycle"]), f"{row['system']} {row['system_name']}", str(row["number"]),
            row["phase"], "—" if row["score"] is None else f"{row['score']:.1f}", row["maturity"] or "—",
        )  # fmt: skip
    console.print(table)


@pdca_app.command("start")
def start(
    system_id: Annotated[int, typer.Argument(help="The AI system's id (KH-AI-000042 → 42)")],
) -> None:
    """Open the next cycle of a system (Statement of Applicability and seeded risks)."""
    with transaction(instance_sessions(), write=True) as session:
        cycle = service.start(session, system_id=system_id, user_id=None)
        console.print(f"Cycle {cycle.id} (no. {cycle.number}) opened in its plan phase.")


@pdca_app.command("show")
def show(
    cycle_id: Annotated[int, typer.Argument(help="The cycle's id")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """A cycle's phase, what its gate is missing, its score and its gates."""
    country = _country()
    with transaction(instance_sessions()) as session:
        cycle = service.get(session, cycle_id=cycle_id, scope=EVERYTHING)
        data = summary(session, cycle, country)
        data["missing"] = [
            message.format(**params) for message, params in signoff.missing(session, cycle=cycle)
        ]
        current = signoff.score(session, cycle=cycle)
        data["score_now"] = {"overall": current.overall, "by_framework": current.by_framework}
        data["gates"] = [
            {
                "phase": g.phase,
                "signed_by": g.signer_name,
                "signed_at": g.signed_at.isoformat(),
                "ledger_position": g.ledger_position,
                "reopened": g.reopen_reason,
            }
            for g in signoff.gates_of(session, cycle=cycle)
        ]
    if json_out:
        print_json(data)
        return
    console.print(data)


@pdca_app.command("sign")
def sign(
    cycle_id: Annotated[int, typer.Argument(help="The cycle's id")],
    phase: Annotated[str, typer.Argument(help="plan, do, check or act")],
    signer: Annotated[str, typer.Option("--as", help="Name of the person signing")],
) -> None:
    """Sign a phase's gate off (refused, with what is missing, until its criteria hold)."""
    with transaction(instance_sessions(), write=True) as session:
        cycle = service.get(session, cycle_id=cycle_id, scope=EVERYTHING)
        try:
            gate = signoff.sign(session, cycle=cycle, phase=phase, user_id=None, signer=signer)
        except signoff.GateBlocked as exc:
            for message, params in exc.missing:
                console.print(f"  missing: {message.format(**params)}")
            raise
        console.print(f"{phase} gate signed by {signer}; ledger entry {gate.ledger_position}.")


@pdca_app.command("reopen")
def reopen(
    cycle_id: Annotated[int, typer.Argument(help="The cycle's id")],
    phase: Annotated[str, typer.Argument(help="The gate to reopen: plan, do or check")],
    reason: Annotated[str, typer.Option(help="Why (recorded in the ledger)")],
) -> None:
    """Reopen a passed gate; the cycle returns to that phase."""
    with transaction(instance_sessions(), write=True) as session:
        cycle = service.get(session, cycle_id=cycle_id, scope=EVERYTHING)
        signoff.reopen(session, cycle=cycle, phase=phase, reason=reason, user_id=None)
        console.print(f"{phase} gate reopened.")

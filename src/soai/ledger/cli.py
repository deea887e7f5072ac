"""CLI of the ledger: append, checkpoint, proof, consistency, verify, vkey, audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from soai.cli_support import instance_sessions, print_json, settings_or_exit
from soai.db import transaction
from soai.errors import InvalidInput, SoaiError
from soai.i18n.markers import N_
from soai.ledger import audit as ledger_audit
from soai.ledger import keys, service
from soai.ledger.schemas import CheckpointOut
from soai.ledger.verify import LedgerVerificationError
from soai.ledger.verify import verify as verify_proof

ledger_app = typer.Typer(help="The transparency ledger.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON")]


@ledger_app.command("append")
def append(
    kind: Annotated[str, typer.Option("--type", help="Event type, e.g. admin.notice")],
    data: Annotated[str, typer.Option("--data", help="Event data as a JSON object")] = "{}",
) -> None:
    """Append an administrator's event (type admin.*) to the ledger; prints its position."""
    if not kind.startswith("admin."):
        raise InvalidInput(
            N_(
                "An administrator's event type starts with admin. (for example admin.notice); "
                "{kind} is kept for the system's own events."
            ),
            field="type",
            kind=kind,
        )
    try:
        payload = json.loads(data)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            N_("--data is not valid JSON: {reason}"), field="data", reason=str(exc)
        ) from None
    with transaction(instance_sessions(), write=True) as session:
        position = service.append(session, kind=kind, data=payload)
    console.print(f"Appended entry {position}")


@ledger_app.command("checkpoint")
def checkpoint(json_out: JsonFlag = False) -> None:
    """Sign a checkpoint of the whole ledger now (the C2SP note is printed)."""
    settings = settings_or_exit()
    with transaction(instance_sessions(), write=True) as session:
        record = keys.checkpoint(session, settings)
        out = CheckpointOut.model_validate(record)
    if json_out:
        print_json(out.model_dump(mode="json"))
    else:
        print(out.note, end="")


@ledger_app.command("proof")
def proof(
    index: Annotated[int, typer.Argument(help="0-based position of the entry")],
    json_out: JsonFlag = False,
) -> None:
    """The inclusion proof of an entry against the latest checkpoint (signed now if needed)."""
    settings = settings_or_exit()
    with transaction(instance_sessions(), write=True) as session:
        result = keys.proof(session, settings, position=index)
    if json_out:
        print_json(result.model_dump(mode="json"))
    else:
        console.print(
            f"entry {result.leaf_index} of {result.tree_size}: leaf {result.leaf_hash}, "
            f"{len(result.audit_path)} hashes in the audit path"
        )


@ledger_app.command("consistency")
def consistency(
    old: Annotated[int, typer.Argument(help="Older tree size")],
    new: Annotated[int, typer.Argument(help="Newer tree size")],
    json_out: JsonFlag = False,
) -> None:
    """The proof that the ledger at size NEW extends the ledger at size OLD."""
    with transaction(instance_sessions()) as session:
        result = service.consistency_proof(session, old=old, new=new)
    if json_out:
        print_json(result.model_dump(mode="json"))
    else:
        console.print(f"{old} → {new}: {len(result.proof)} hashes; root {result.root2}")


def _vkeys_from(values: list[str]) -> list[str]:
    found: list[str] = []
    for value in values:
        path = Path(value)
        if path.is_file():
            found.extend(line.strip() for line in path.read_text().splitlines() if line.strip())
        else:
            found.append(value.strip())
    return found


@ledger_app.command("verify")
def verify(
    proof_file: Annotated[
        Path, typer.Argument(help="A proof written by `soai ledger proof|consistency --json`")
    ],
    vkey: Annotated[
        list[str] | None,
        typer.Option("--vkey", help="The log's verifier key, or a file of them (repeatable)"),
    ] = None,
) -> None:
    """Verify a proof offline. Exit 0 when it holds, 1 (with the reason) when it does not."""
    try:
        data = json.loads(proof_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        err.print(f"invalid: cannot read {proof_file}: {exc}", highlight=False, markup=False)
        raise typer.Exit(1) from None
    vkeys = _vkeys_from(vkey or [])
    if not vkeys:
        try:
            vkeys = keys.vkeys(settings_or_exit())
        except SoaiError as exc:
            err.print(
                "invalid: no verifier key: pass --vkey (the log's key, from `soai ledger vkey` "
                f"or its public page) [{exc.render()}]",
                highlight=False,
                markup=False,
            )
            raise typer.Exit(1) from None
    try:
        what = verify_proof(data, vkeys)
    except LedgerVerificationError as exc:
        err.print(f"invalid: {exc}", highlight=False, markup=False)
        raise typer.Exit(1) from None
    console.print(f"valid: {what}", highlight=False, markup=False)


@ledger_app.command("vkey")
def vkey(
    all_keys: Annotated[
        bool, typer.Option("--all", help="Also the keys of retired signing keys")
    ] = False,
) -> None:
    """The log's note verifier key: <name>+<hex key hash>+<base64 key>."""
    found = keys.vkeys(settings_or_exit())
    for line in found if all_keys else found[:1]:
        print(line)


@ledger_app.command("audit")
def audit(json_out: JsonFlag = False) -> None:
    """Recompute the whole ledger from its entries; name every altered entry, node, checkpoint."""
    settings = settings_or_exit()
    with transaction(instance_sessions()) as session:
        report = ledger_audit.audit(session, vkeys=keys.vkeys(settings))
    if json_out:
        print_json(report.model_dump(mode="json"))
    else:
        console.print(
            f"{report.entries_checked} entries, {report.nodes_checked} nodes, "
            f"{report.checkpoints_checked} checkpoints checked"
        )
        for problem in report.problems:
            err.print(f"ALTERED {problem.where}: {problem.detail}", highlight=False, markup=False)
        if report.ok:
            console.print("[green]The ledger is intact.[/]")
    if not report.ok:
        raise typer.Exit(1)

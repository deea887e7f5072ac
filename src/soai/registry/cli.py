"""CLI of the registry: ``soai classify`` and ``soai registry import|reclassify|list|organisation``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from soai.cli_support import instance_sessions, print_json, settings_or_exit
from soai.db import transaction
from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.identity import service as identity
from soai.profiles import service as profiles
from soai.profiles.schema import Profile
from soai.registry import bulk_import, listing, reclassification, rules, service
from soai.registry.schemas import parse_profile
from soai.registry.submissions import OrganisationIn

registry_app = typer.Typer(help="The AI system register.", no_args_is_help=True)
organisation_app = typer.Typer(help="Organisations in the register.", no_args_is_help=True)
registry_app.add_typer(organisation_app, name="organisation")
console = Console()
err = Console(stderr=True)


def _jurisdiction(name: str | None) -> Profile:
    """The profile named on the command line, else the instance's, else Cambodia's."""
    if name:
        return profiles.load(profiles.resolve(name))
    home = settings_or_exit().home.resolve()
    if profiles.instance_path(home).is_file():
        return profiles.instance_profile(home)
    return profiles.load(profiles.resolve("cambodia"))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            N_("Cannot read {file}: {reason}"), field="file", file=str(path), reason=str(exc)
        ) from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            N_("{file} is not JSON (line {line}, column {column}): {reason}"),
            field="file",
            file=str(path),
            line=exc.lineno,
            column=exc.colno,
            reason=exc.msg,
        ) from exc


def classify(
    file: Annotated[
        Path, typer.Argument(help="AI system profile (contracts/ai-system-profile.md)")
    ],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    profile: Annotated[
        str | None, typer.Option(help="Jurisdiction profile (default: the instance's)")
    ] = None,
) -> None:
    """Classify an AI system profile under the EU AI Act and the jurisdiction's overlay."""
    data = _read_json(file)
    if not isinstance(data, dict):
        raise InvalidInput(
            N_("{file}: the profile must be a JSON object."), field="file", file=str(file)
        )
    parsed = parse_profile(data)
    result = rules.classify(parsed, service.ruleset(_jurisdiction(profile))).to_json()
    if json_out:
        print_json(result)
        return
    console.print(f"[bold]{parsed.name}[/]: risk [bold]{result['risk']}[/], gpai {result['gpai']}")
    for step in result["trace"]:
        console.print(f"  {step['step']}. {step['article']}: {step['explanation']}")
    for item in result["obligations"]:
        console.print(f"  - {item['ref']} {item['title']} (from {item['applies_from'] or '—'})")


@registry_app.command("import")
def import_systems(
    file: Annotated[Path, typer.Argument(help="A .csv or .jsonl file (docs/registry.md)")],
    skip_invalid: Annotated[
        bool,
        typer.Option(help="Import the good rows and report the bad ones (default: all or nothing)"),
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Import AI systems in bulk; each is classified and logged in the ledger."""
    settings = settings_or_exit()
    sessions = instance_sessions()
    profile = profiles.instance_profile(settings.home.resolve())
    try:
        with transaction(sessions, write=True) as session:
            report = bulk_import.run(
                session,
                path=file,
                rule_set=service.ruleset(profile),
                country=profile.country.code,
                user_id=None,
                skip_invalid=skip_invalid,
            )
    except bulk_import.ImportRejected as exc:
        if json_out:
            print_json({"imported": 0, "problems": [p.as_dict() for p in exc.problems]})
        else:
            for problem in exc.problems[:50]:
                err.print(f"line {problem.line}: {problem.field or '-'}: {problem.message}")
            if len(exc.problems) > 50:
                err.print(f"… and {len(exc.problems) - 50} more")
        raise
    if json_out:
        print_json(report.as_dict())
        return
    console.print(
        f"Imported {report.imported} of {report.rows} rows "
        f"({report.organisations_created} new organisations): {report.by_risk}"
    )
    for problem in report.problems:
        err.print(f"skipped line {problem.line}: {problem.field or '-'}: {problem.message}")


@registry_app.command("reclassify")
def reclassify(
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Re-run the classification of every system classified under other rules."""
    settings = settings_or_exit()
    profile = profiles.instance_profile(settings.home.resolve())
    with transaction(instance_sessions(), write=True) as session:
        changed = reclassification.reclassify_all(
            session, rule_set=service.ruleset(profile), country=profile.country.code, user_id=None
        )
        summary = [
            {
                "system": service.reference(profile.country.code, c.system_id),
                "risk": c.risk,
                "changes": c.changes,
                "ledger_position": c.ledger_position,
            }
            for c in changed
        ]
    if json_out:
        print_json({"reclassified": len(summary), "systems": summary})
    else:
        console.print(f"Reclassified {len(summary)} system(s).")


@registry_app.command("list")
def list_systems(
    risk: Annotated[str | None, typer.Option(help="Only this risk tier")] = None,
    public: Annotated[bool, typer.Option(help="Only the public register")] = False,
    limit: Annotated[int, typer.Option(help="At most this many")] = 100,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Registered systems, newest first."""
    settings = settings_or_exit()
    country = profiles.instance_profile(settings.home.resolve()).country.code
    with transaction(instance_sessions()) as session:
        page = listing.search(
            session,
            scope=None if public else service.Scope(everything=True),
            risk=risk,
            limit=limit,
        )
        rows: list[dict[str, object]] = [
            {
                "reference": service.reference(country, s.id),
                "name": s.name,
                "organisation": o.name,
                "sector": s.sector,
                "risk": s.risk,
                "gpai": s.gpai,
                "status": s.status,
                "public": s.is_public,
            }
            for s, o in page.rows
        ]
    if json_out:
        print_json({"total": page.total, "systems": rows})
        return
    table = Table("reference", "name", "organisation", "risk", "status")
    for row in rows:
        table.add_row(
            *(str(row[key]) for key in ("reference", "name", "organisation", "risk", "status"))
        )
    console.print(table)
    console.print(f"{page.total} system(s)")


@organisation_app.command("add")
def add_organisation(
    name: Annotated[str, typer.Argument(help="The organisation's name")],
    kind: Annotated[str, typer.Option(help="public_body, company or other")] = "company",
    name_km: Annotated[str | None, typer.Option(help="Its name in Khmer")] = None,
) -> None:
    """Add an organisation to the register."""
    data = OrganisationIn(name=name, kind=kind, name_km=name_km)
    with transaction(instance_sessions(), write=True) as session:
        created = service.create_organisation(session, data=data)
        console.print(f"Organisation {created.id}: {created.name}")


@organisation_app.command("member")
def add_member(
    organisation_id: Annotated[int, typer.Argument(help="The organisation's id")],
    email: Annotated[str, typer.Argument(help="E-mail of an existing provider account")],
) -> None:
    """Let a provider account manage an organisation's systems."""
    with transaction(instance_sessions(), write=True) as session:
        user = identity.get_user(session, email=email)
        service.add_member(session, organisation_id=organisation_id, user_id=user.id)
    console.print(f"{email} now manages the systems of organisation {organisation_id}.")

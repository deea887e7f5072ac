"""CLI of the national programme: ``soai giveaway allocate`` (a contract of ARCHITECTURE.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from soai.cli_support import print_json
from soai.errors import InvalidInput, SoaiError
from soai.i18n.markers import N_

giveaway_app = typer.Typer(
    help="The training giveaway: a verifiable lottery of the seats.", no_args_is_help=True
)
console = Console()


@giveaway_app.callback()
def giveaway() -> None:
    """The training giveaway: a verifiable lottery of the seats."""


def parse_seed(text: str) -> bytes:
    try:
        return bytes.fromhex(text.strip())
    except ValueError:
        raise InvalidInput(
            N_("The seed must be written in hexadecimal (0-9, a-f), an even number of digits."),
            field="seed",
        ) from None


def parse_quotas(items: list[str] | None) -> dict[str, int]:
    """``["KH=100000", "TH=500"]`` as a table; a country given twice is an error."""
    table: dict[str, int] = {}
    for item in items or []:
        country, sep, number = item.partition("=")
        if not sep or not number.strip().isdigit():
            raise InvalidInput(
                N_("--quota {item}: write it COUNTRY=SEATS, such as KH=100000."),
                field="quotas",
                item=item,
            )
        code = country.strip().upper()
        if code in table:
            raise InvalidInput(
                N_("Quota for {country} is given twice."), field="quotas", country=code
            )
        table[code] = int(number)
    return table


@giveaway_app.command("allocate")
def allocate(
    applications: Annotated[Path, typer.Argument(help="Applications CSV (see docs)")],
    seats: Annotated[
        int | None, typer.Option(help="Seats to allocate (default: the instance profile's pool)")
    ] = None,
    seed: Annotated[str, typer.Option(help="The draw's secret seed, hex (≥ 16 bytes)")] = "",
    quota: Annotated[
        list[str] | None,
        typer.Option(
            "--quota",
            help="Seats reserved for a country, CC=N (repeatable; default: the profile's quotas)",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Write one result row per application to this CSV")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Check, de-duplicate and draw: the same file and seed always give the same digest.
    Inside an instance, the seats and quotas default to its profile's ``giveaway`` key."""
    from soai.programme import giveaway

    try:
        pool, reserved = _profile_giveaway()
        if seats is None and pool is None:
            raise InvalidInput(N_("Give --seats (no instance profile to take the pool from)."),
                               field="seats")  # fmt: skip
        if not seed:
            raise InvalidInput(N_("Give --seed, the draw's secret seed in hex."), field="seed")
        drawn = giveaway.allocate(
            giveaway.read_applications(applications),
            seats=seats if seats is not None else int(pool or 0),
            seed=parse_seed(seed),
            quotas=parse_quotas(quota) if quota else reserved,
        )
        if output is not None:
            giveaway.write_results(drawn, output)
    except SoaiError as exc:
        _fail(exc, json_out)
    summary = drawn.as_dict()
    if output is not None:
        summary["results_file"] = str(output)
    if json_out:
        print_json(summary)
        return
    _show(summary)


def _profile_giveaway() -> tuple[int | None, dict[str, int]]:
    """(seats, quotas) of the instance profile, or (None, {}) outside an instance."""
    from soai.cli_support import settings_or_exit
    from soai.profiles import service as profiles

    try:
        found = profiles.instance_profile(settings_or_exit().home.resolve()).giveaway
    except profiles.InstanceNotInitialised:
        return None, {}
    return found.seats, dict(found.quotas)


def _fail(exc: SoaiError, json_out: bool) -> NoReturn:
    if json_out:
        error: dict[str, Any] = {"code": exc.code, "message": exc.render(), "field": exc.field}
        problems = getattr(exc, "problems", None)
        if problems is not None:
            error["problems"] = [problem.as_dict() for problem in problems]
        print_json({"error": error})
    Console(file=sys.stderr, highlight=False, soft_wrap=True).print(
        "[red]error:[/] " + escape(exc.diagnostics())
    )
    raise typer.Exit(1)


def _show(summary: dict[str, Any]) -> None:
    from rich.table import Table

    console.print(
        f"[bold]{summary['applications']:,}[/] applications, {summary['duplicates']:,} "
        f"re-submissions set aside, {summary['unique_applicants']:,} in the draw for "
        f"{summary['seats']:,} seats: [green]{summary['allocated']:,} allocated[/] "
        f"({summary['allocated_reserved']:,} reserved, {summary['allocated_general']:,} general), "
        f"{summary['waitlisted']:,} waitlisted."
    )
    table = Table("country", "applied", "reserved", "allocated", "waitlisted")
    for code, row in summary["by_country"].items():
        table.add_row(
            code, f"{row['applied']:,}", f"{row['reserved']:,}", f"{row['allocated']:,}",
            f"{row['waitlisted']:,}",
        )  # fmt: skip
    console.print(table)
    console.print(f"allocation digest: {summary['allocation_digest']}")
    console.print(f"seed commitment:   {summary['seed_commitment']}")

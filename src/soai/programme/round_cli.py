"""CLI of a stored giveaway round, for the team that runs the instance (the portal does the
same): ``soai giveaway open | import | close | draw | follow-up | export | status``."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from soai.errors import InvalidInput, SoaiError
from soai.i18n.markers import N_
from soai.programme.cli import _fail, console, giveaway_app, parse_seed

JSON = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _context() -> tuple[Any, Any, Any]:
    from soai.cli_support import instance_sessions, settings_or_exit
    from soai.profiles import service as profiles

    settings = settings_or_exit()
    return settings, profiles.instance_profile(settings.home.resolve()), instance_sessions()


def _latest(session: Any) -> Any:
    from soai.programme import rounds

    record = rounds.current_round(session)
    if record is None:
        raise InvalidInput(N_("No giveaway round is open."), field="round")
    return record


def _status(session: Any, record: Any) -> dict[str, Any]:
    from soai.programme import rounds, seats

    found = {
        "round": record.id, "name": record.name, "status": record.status,
        "seats": record.seats, "quotas": record.quotas, "closes_at": record.closes_at.isoformat(),
        "seed_commitment": record.seed_commitment, "commitment_entry": record.commitment_entry,
        "applications_sha256": record.applications_sha256, "closed_entry": record.closed_entry,
        "seed": record.seed, "allocation_digest": record.allocation_digest,
        "drawn_entry": record.drawn_entry, "applications": rounds.counts(session, record),
    }  # fmt: skip
    if record.status == "drawn":
        found["funnel"] = seats.funnel(session, record=record)
    return found


@giveaway_app.command("open")
def open_round(
    name: Annotated[str, typer.Option(help="Name of the round")],
    closes: Annotated[str, typer.Option(help="Last day of applications, YYYY-MM-DD")],
    seed: Annotated[
        str, typer.Option(help="A seed made in a public ceremony, hex (default: a random one)")
    ] = "",
    json_out: JSON = False,
) -> None:
    """Open a round with the profile's seats and quotas, committing to the draw's seed (printed
    once: keep it offline until the draw)."""
    from soai.db import transaction, utcnow
    from soai.programme import rounds

    try:
        _, profile, sessions = _context()
        try:
            day = datetime.fromisoformat(closes).date()
        except ValueError:
            raise InvalidInput(N_("Give the closing date as YYYY-MM-DD."), field="closes") from None
        closes_at = datetime.combine(day, time(23, 59, 59), ZoneInfo(profile.timezone))
        with transaction(sessions, write=True) as session:
            record, secret = rounds.open_round(
                session, name=name, seats=profile.giveaway.seats, quotas=profile.giveaway.quotas,
                closes_at=closes_at, offer_days=profile.giveaway.offer_days, now=utcnow(),
                min_age=profile.giveaway.min_age,
                seed=parse_seed(seed) if seed else None,
            )  # fmt: skip
            shown = _status(session, record)
    except SoaiError as exc:
        _fail(exc, json_out)
    if json_out:
        from soai.cli_support import print_json

        print_json({**shown, "seed": secret})
        return
    console.print(f"Round {shown['round']} open until {shown['closes_at']}; seed commitment "
                  f"{shown['seed_commitment']} (ledger entry {shown['commitment_entry']}).")  # fmt: skip
    console.print(f"[bold]Seed (shown once, keep it offline until the draw):[/] {secret}")


@giveaway_app.command("import")
def import_file(
    applications: Annotated[Path, typer.Argument(help="Applications CSV (the contract's columns)")],
    json_out: JSON = False,
) -> None:
    """Add a file of applications to the open round: all rows, or none and every problem."""
    from soai.db import transaction, utcnow
    from soai.programme import rounds

    try:
        _, _, sessions = _context()
        with transaction(sessions, write=True) as session:
            count = rounds.import_file(session, record=_latest(session), path=applications,
                                       now=utcnow())  # fmt: skip
    except SoaiError as exc:
        _fail(exc, json_out)
    if json_out:
        from soai.cli_support import print_json

        print_json({"imported": count})
        return
    console.print(f"{count:,} applications imported.")


@giveaway_app.command("close")
def close(json_out: JSON = False) -> None:
    """Stop applications; the applications file's SHA-256 goes to the ledger."""
    _step("close", json_out)


@giveaway_app.command("draw")
def draw(
    seed: Annotated[str, typer.Option(help="The seed committed when the round opened, hex")],
    json_out: JSON = False,
) -> None:
    """Reveal the seed and draw; allocated applicants are offered their seat."""
    _step("draw", json_out, seed=seed)


@giveaway_app.command("follow-up")
def follow_up(json_out: JSON = False) -> None:
    """Expire lapsed offers (re-offering their seats), then e-mail offers and reminders."""
    _step("follow-up", json_out)


@giveaway_app.command("status")
def status(json_out: JSON = False) -> None:
    """The latest round: its commitments, counts and, once drawn, the funnel by country."""
    _step("status", json_out)


@giveaway_app.command("export")
def export(
    output: Annotated[Path, typer.Argument(help="Where to write the round's applications file")],
) -> None:
    """Write the round's applications file (the CSV the lottery re-runs from)."""
    from soai.db import transaction
    from soai.programme import rounds

    try:
        _, _, sessions = _context()
        with (
            transaction(sessions) as session,
            output.open("w", encoding="utf-8", newline="") as out,
        ):
            rounds.write_applications(session, _latest(session), out)
    except SoaiError as exc:
        _fail(exc, False)
    console.print(f"Written {output}.")


def _step(step: str, json_out: bool, *, seed: str = "") -> None:
    from soai.db import transaction, utcnow
    from soai.mail import mailer
    from soai.programme import drawing, rounds, seats

    result: dict[str, Any] = {}
    try:
        settings, profile, sessions = _context()
        with transaction(sessions, write=step != "status") as session:
            if step == "follow-up" and rounds.current_round(session) is None:
                console.print("No giveaway round: nothing to follow up.")  # a quiet cron job
                return
            record = _latest(session)
            if step == "close":
                rounds.close_round(session, record=record, now=utcnow())
            elif step == "draw":
                result = drawing.draw(session, record=record, seed_hex=seed, now=utcnow())
            elif step == "follow-up":
                result = dict(seats.expire(session, record=record, now=utcnow()))
                mail = mailer(settings)
                result["e-mail"] = "not configured (SOAI_SMTP_HOST)" if mail is None else (
                    seats.notify(session, record=record, mail=mail,
                                 secret=settings.signing_secret(),
                                 base_url=f"https://{profile.issuer_domain}", now=utcnow(),
                                 remind_days=profile.giveaway.remind_days,
                                 timezone=profile.timezone))  # fmt: skip
            shown = _status(session, record)
    except SoaiError as exc:
        _fail(exc, json_out)
    from soai.cli_support import print_json

    if json_out or step == "status":
        print_json({**shown, **({"result": result} if result else {})})
        return
    console.print(f"Round {shown['round']} ({shown['name']}): {shown['status']}.")
    if result:
        print_json(result)

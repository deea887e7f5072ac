"""CLI of the academy: ``soai academy bank-stats|form``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from soai.academy import bank, forms, programme
from soai.academy.bank import OPTIONS
from soai.cli_support import print_json
from soai.errors import InvalidInput
from soai.i18n.markers import N_

academy_app = typer.Typer(
    help="The CEASAI academy: item bank and exam forms.", no_args_is_help=True
)
console = Console()


@academy_app.callback()
def _instance_programme() -> None:
    """Inside an instance, its profile's tier values apply to every academy command."""
    from soai.cli_support import settings_or_exit
    from soai.profiles import service as profiles

    try:
        profile = profiles.instance_profile(settings_or_exit().home.resolve())
    except profiles.InstanceNotInitialised:
        return
    programme.use_profile(profile.academy.tiers)


@academy_app.command("bank-stats")
def bank_stats(
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Operational, pretest and Khmer-translated items per tier."""
    the_programme, the_bank = programme.load(), bank.load()
    data = bank.stats(the_bank, the_programme)
    if json_out:
        print_json(data)
        return
    ready = bank.coverage(the_bank, the_programme)["tiers"]
    table = Table("tier", "operational", "pretest", "km", "form", "ready")
    for tier_id, counts in data["tiers"].items():
        tier = the_programme.tiers[tier_id]
        table.add_row(
            tier_id,
            str(counts["operational"]),
            str(counts["pretest"]),
            str(counts["km"]),
            f"{tier.questions} + {tier.pretest} pretest",
            "yes" if ready[tier_id]["ready"] else "[red]no[/]",
        )
    console.print(table)
    console.print(f"{len(the_bank)} items, bank version {the_bank.version[:16]}")


@academy_app.command("form")
def form(
    tier: Annotated[str, typer.Option(help="Tier id, e.g. professional")],
    seed: Annotated[str, typer.Option(help="Any text; its UTF-8 bytes seed the draw")],
    lang: Annotated[str, typer.Option(help="Language of the questions: en or km")] = "en",
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """The form drawn for TIER with SEED (questions and shown options; never the keys)."""
    if lang not in bank.LANGUAGES:
        raise InvalidInput(N_("Unknown language {lang!r}: use en or km."), field="lang", lang=lang)
    the_programme, the_bank = programme.load(), bank.load()
    drawn = forms.assemble(
        the_bank,
        the_programme.tier(tier),
        seed=seed.encode("utf-8"),
        language="km" if lang == "km" else None,
    )
    questions: list[dict[str, Any]] = []
    for number, (row, scored, perm) in enumerate(
        zip(drawn.items, drawn.scored, drawn.option_perms, strict=True), start=1
    ):
        item = the_bank.items[int(row)]
        text = item.text(lang)
        questions.append(
            {
                "number": number,
                "id": item.id,
                "domain": item.domain,
                "module": item.module,
                "scored": bool(scored),
                "stem": text.stem,
                "options": [
                    {"shown": OPTIONS[shown], "original": OPTIONS[o], "text": text.options[o]}
                    for shown, o in enumerate(int(v) for v in perm)
                ],
            }
        )
    data = {
        "tier": drawn.tier,
        "seed": seed,
        "seed_digest": drawn.seed,
        "language": lang,
        "bank_version": drawn.bank_version,
        "programme_version": the_programme.version,
        "scored": int(drawn.scored.sum()),
        "pretest": int((~drawn.scored).sum()),
        "questions": questions,
    }
    if json_out:
        print_json(data)
        return
    console.print(f"[bold]{drawn.tier}[/] form, seed {seed!r}: {len(questions)} questions")
    for question in questions:
        mark = "" if question["scored"] else "  [dim](pretest, unscored)[/]"
        console.print(f"{question['number']:>3}. [{question['id']}] {question['stem']}{mark}")
        for option in question["options"]:
            console.print(f"       {option['shown']}) {option['text']}")


def _candidate_by_email(session: Any, email: str) -> Any:
    from soai.academy import service
    from soai.identity import service as identity

    user = identity.get_user(session, email=email)
    found = service.candidate_of(session, user_id=user.id)
    if found is None:
        raise InvalidInput(N_("{email} is not registered as a candidate."), field="email",
                           email=email)  # fmt: skip
    return found


@academy_app.command("analyse")
def analyse(
    tier: Annotated[str, typer.Option(help="The tier whose submitted attempts are analysed")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Item analysis of an exam window for the item-writing committee: facility,
    discrimination, distractors, reliability, SEM, flags and pretest promotions."""
    from soai.academy import records, service
    from soai.cli_support import instance_sessions, settings_or_exit
    from soai.db import transaction

    with transaction(instance_sessions()) as session:
        report = records.window_analysis(
            session, tier=tier, bank=service.bank_of(settings_or_exit().academy_items)
        )
    if json_out:
        print_json(report)
        return
    reliability = report["reliability"]
    console.print(f"{report['candidates']} candidates; reliability {reliability['coefficient']} "
                  f"({reliability['rating']}), SEM {reliability['sem']}")  # fmt: skip
    table = Table("item", "status", "responses", "facility", "discrimination", "flags", "advice")
    for item in report["items"]:
        if item["flags"] or item["recommendation"] != "keep":
            table.add_row(item["id"], item["status"], str(item["responses"]),
                          str(item["facility"]), str(item["discrimination"]),
                          ", ".join(f["code"] for f in item["flags"]), item["recommendation"])  # fmt: skip
    console.print(table)


@academy_app.command("accommodate")
def accommodate(
    email: Annotated[str, typer.Option(help="The candidate's e-mail")],
    minutes: Annotated[int, typer.Option(help="Extra minutes on every exam (0 removes it)")],
) -> None:
    """Give a candidate extra time (an accommodation) for their future attempts."""
    from soai.academy import records
    from soai.cli_support import instance_sessions
    from soai.db import transaction

    with transaction(instance_sessions(), write=True) as session:
        records.accommodate(session, candidate=_candidate_by_email(session, email),
                            extra_minutes=minutes)  # fmt: skip
    console.print(f"{email}: {minutes} extra minutes.")


@academy_app.command("export")
def export(email: Annotated[str, typer.Option(help="The candidate's e-mail")]) -> None:
    """Everything the academy holds about a candidate, as JSON (a data-subject request)."""
    from soai.academy import records
    from soai.cli_support import instance_sessions
    from soai.db import transaction

    with transaction(instance_sessions()) as session:
        print_json(records.export(session, candidate=_candidate_by_email(session, email)))


@academy_app.command("erase")
def erase(email: Annotated[str, typer.Option(help="The candidate's e-mail")]) -> None:
    """Erase a candidate on request; issued credentials stay verifiable."""
    from soai.academy import records
    from soai.cli_support import instance_sessions
    from soai.db import transaction, utcnow

    with transaction(instance_sessions(), write=True) as session:
        records.erase(session, candidate=_candidate_by_email(session, email), now=utcnow())
    console.print(f"{email}: erased from the academy.")


@academy_app.command("cpd")
def cpd(
    email: Annotated[str, typer.Option(help="The analyst's e-mail")],
    tier: Annotated[str, typer.Option(help="The certification the hours count towards")],
    hours: Annotated[float, typer.Option(help="Hours of the activity")],
    activity: Annotated[str, typer.Option(help="What it was")],
    done_on: Annotated[str, typer.Option(help="When (YYYY-MM-DD)")],
) -> None:
    """Record CPD hours and show how far the analyst is from renewal."""
    from datetime import UTC, datetime

    from soai.academy import records
    from soai.cli_support import instance_sessions
    from soai.db import transaction

    try:
        when = datetime.fromisoformat(done_on).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(N_("{value} is not a date like 2026-11-27."), field="done_on",
                           value=done_on) from None  # fmt: skip
    with transaction(instance_sessions(), write=True) as session:
        candidate = _candidate_by_email(session, email)
        records.record_cpd(session, candidate=candidate, tier=tier, hours=hours,
                           activity=activity, done_on=when)  # fmt: skip
        due = records.renewal_due(session, candidate=candidate, tier=tier)
    console.print(f"{due['hours']:g} of {due['needed']} CPD hours since {due['since'][:10]}"
                  + (" — eligible for renewal." if due["eligible"] else "."))  # fmt: skip


@academy_app.command("window")
def window(
    tier: Annotated[str, typer.Option(help="The exam of the window")],
    candidates: Annotated[int, typer.Option(help="How many simulated candidates")],
    seed: Annotated[str, typer.Option(help="The window's seed (forms and answers)")] = "window",
    issue: Annotated[bool, typer.Option(help="Issue the credentials of the passes")] = True,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Rehearse a whole exam window end to end, as a job with a progress bar: enrol simulated
    candidates, draw their forms, simulate answers, grade, store, certify the passes."""
    from soai.academy import window as windows
    from soai.cli_support import instance_sessions, progress_bar, settings_or_exit
    from soai.db import transaction
    from soai.jobs import runner as jobs_runner
    from soai.jobs import service as jobs

    sessions, settings = instance_sessions(), settings_or_exit()
    params = {"tier": tier, "candidates": candidates, "seed": seed, "issue": issue}
    with transaction(sessions, write=True) as session:
        job_id = jobs.enqueue(session, kind=windows.JOB_KIND, params=params, user_id=None).id
    with progress_bar("Exam window") as step:
        jobs_runner.execute(job_id, sessions=sessions, home=settings.home, settings=settings,
                            on_progress=step)  # fmt: skip
    with transaction(sessions) as session:
        job = jobs.get(session, job_id=job_id)
        status, result, error = job.status, job.result, job.error
    if status != "succeeded":
        raise InvalidInput(N_("The window failed: {reason}"), field="window", reason=error or "")
    if json_out:
        print_json(result)
    else:
        console.print(result)


@academy_app.command("renew")
def renew(
    email: Annotated[str, typer.Option(help="The analyst's e-mail")],
    tier: Annotated[str, typer.Option(help="The certification to renew")],
) -> None:
    """Issue the renewed certificate once enough CPD hours are recorded, before expiry."""
    from soai.academy import records
    from soai.cli_support import instance_sessions, settings_or_exit
    from soai.credentials import service as credentials
    from soai.db import transaction, utcnow

    issuer = credentials.issuer_for(settings_or_exit())
    with transaction(instance_sessions(), write=True) as session:
        row = records.renew(session, candidate=_candidate_by_email(session, email), tier=tier,
                            email=email, issuer=issuer, now=utcnow())  # fmt: skip
        credential, until = row.credential_id, row.valid_until
    console.print(f"Renewed: {credential}, valid until {until.date().isoformat()}.")

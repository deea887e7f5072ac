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

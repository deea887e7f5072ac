"""CLI of the catalogue: ``soai catalog stats|search|show|oscal``."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from soai.catalog import service
from soai.catalog.api import requirement_out
from soai.cli_support import print_json

catalog_app = typer.Typer(help="The requirements catalogue.", no_args_is_help=True)
console = Console()


@catalog_app.command("stats")
def stats(json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """Requirements per framework and kind, crosswalks, and the catalogue's version."""
    catalogue = service.catalogue()
    data = {
        "version": catalogue.version,
        "frameworks": {
            fid: {
                "data_version": framework.data_version,
                "kinds": dict(Counter(r.kind for r in catalogue.of_framework(fid))),
            }
            for fid, framework in catalogue.frameworks.items()
        },
        "crosswalks": len(catalogue.crosswalks),
        "requirements": len(catalogue.requirements),
    }
    if json_out:
        print_json(data)
        return
    table = Table("framework", "data version", "requirements by kind")
    for fid, info in data["frameworks"].items():  # type: ignore[attr-defined]
        kinds = ", ".join(f"{k} {n}" for k, n in info["kinds"].items())
        table.add_row(fid, info["data_version"], kinds)
    console.print(table)
    console.print(f"{data['requirements']} requirements, {data['crosswalks']} crosswalks")


@catalog_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="Words to find (English or Khmer)")] = "",
    framework: Annotated[str | None, typer.Option(help="Only this framework")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind (article, control, ...)")] = None,
    lang: Annotated[str, typer.Option(help="Language of the titles: en or km")] = "en",
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Requirements matching every word of QUERY."""
    found = service.search(query=query, framework=framework, kind=kind, language=lang)
    if json_out:
        print_json([requirement_out(item).model_dump(mode="json") for item in found])
        return
    for item in found:
        console.print(f"{item.urn}  {item.ref}  {item.text(lang)}")
    console.print(f"{len(found)} requirement(s)")


@catalog_app.command("show")
def show(
    urn: Annotated[str, typer.Argument(help="e.g. urn:soai:eu-ai-act:art-9")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """One requirement with its source, dates and crosswalks."""
    item = requirement_out(service.catalogue().get(urn))
    if json_out:
        print_json(item.model_dump(mode="json"))
        return
    console.print(f"[bold]{item.ref} — {item.title['en']}[/]\n{item.summary['en']}")
    console.print(f"Source: {item.citation}  Status: {item.status}")
    for name, when in item.applies_from.items():
        console.print(f"Applies from {when} ({'all timelines' if name == '*' else name})")
    for other in item.related:
        console.print(f"  related: {other}")


@catalog_app.command("oscal")
def oscal(lang: Annotated[str, typer.Option(help="Language: en or km")] = "en") -> None:
    """The whole catalogue as an OSCAL catalog (JSON on stdout)."""
    print_json(service.oscal_catalog(language=lang if lang in ("en", "km") else "en"))

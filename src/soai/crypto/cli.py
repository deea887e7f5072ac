"""CLI of the keyring: ``soai keys init|list|rotate|did``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from soai.cli_support import print_json, settings_or_exit
from soai.crypto import service
from soai.profiles import service as profiles

keys_app = typer.Typer(help="The instance's signing keys.", no_args_is_help=True)
console = Console()


@keys_app.command("init")
def init() -> None:
    """Create the first signing key (refused when the instance already has one)."""
    info = service.create_keyring(settings_or_exit())
    console.print(f"Created signing key {info.kid}")


@keys_app.command("list")
def list_(json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """Every key: id, public key, created, retired."""
    keys = [k.to_json() for k in service.keyring(settings_or_exit()).keys]
    if json_out:
        print_json(keys)
        return
    table = Table()
    for column in ("kid", "public key", "created", "retired"):
        table.add_column(column)
    for key in keys:
        table.add_row(key["kid"], key["publicKeyMultibase"], key["created"], key["retired"] or "")
    console.print(table)


@keys_app.command("rotate")
def rotate() -> None:
    """Retire the active key (it stays valid for what it signed) and make a new one."""
    info = service.rotate(settings_or_exit())
    console.print(f"New active signing key {info.kid}; the previous key is retired")


@keys_app.command("did")
def did() -> None:
    """The instance's DID document (did:web) on stdout, for publishing at /.well-known/did.json."""
    settings = settings_or_exit()
    profile = profiles.instance_profile(settings.home.resolve())
    print_json(service.did_document(settings, profile.issuer_did))

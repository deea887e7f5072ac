"""CLI of identity: ``soai user create|list|disable`` and ``soai token create``."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from soai.cli_support import instance_sessions, print_json
from soai.db import transaction
from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.identity import service
from soai.identity.policy import ASSIGNABLE_ROLES, Role
from soai.identity.schemas import UserCreate

user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
token_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
console = Console()


_sessions = instance_sessions


def _roles(value: str) -> list[Role]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    known = {r.value for r in ASSIGNABLE_ROLES}
    for name in names:
        if name not in known:
            raise InvalidInput(
                N_("Unknown role {role}; choose from: {roles}."),
                field="roles",
                role=name,
                roles=", ".join(sorted(known)),
            )
    if not names:
        raise InvalidInput(N_("Choose at least one role."), field="roles")
    return [Role(n) for n in names]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return typer.get_text_stream("stdin").readline().rstrip("\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != password:
        raise InvalidInput(N_("The two passwords differ."), field="password")
    return password


@user_app.command("create")
def create(
    email: Annotated[str, typer.Argument(help="E-mail address (the login)")],
    name: Annotated[str, typer.Option("--name", help="Display name")],
    roles: Annotated[str, typer.Option("--roles", help="Comma-separated roles, e.g. analyst")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
    language: Annotated[str | None, typer.Option(help="Preferred language (en, km)")] = None,
) -> None:
    """Create a user. The password is asked for (or read from stdin), never an argument."""
    role_list = _roles(roles)
    data = UserCreate.model_construct(
        email=email,
        display_name=name,
        password=_read_password(password_stdin),
        roles=role_list,
        language=language,
    )
    with transaction(_sessions(), write=True) as session:
        user = service.create_user(session, data=data)
        console.print(
            f"Created user {user.email} with role(s) {', '.join(sorted(user.role_names))}"
        )


@user_app.command("list")
def list_(json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """List users with their roles and status."""
    with transaction(_sessions()) as session:
        users = service.list_users(session)
        rows = [
            {
                "id": u.id,
                "email": u.email,
                "display_name": u.display_name,
                "roles": sorted(u.role_names),
                "active": u.is_active,
                "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
            }
            for u in users
        ]
    if json_out:
        print_json(rows)
        return
    table = Table()
    for column in ("id", "e-mail", "name", "roles", "active", "last login"):
        table.add_column(column)
    for u in users:
        table.add_row(
            str(u.id),
            u.email,
            u.display_name,
            ", ".join(sorted(u.role_names)),
            "yes" if u.is_active else "no",
            u.last_login_at.isoformat() if u.last_login_at else "",
        )
    console.print(table)


@user_app.command("disable")
def disable(email: Annotated[str, typer.Argument(help="E-mail address of the user")]) -> None:
    """Disable a user: sign-in refused, sessions ended, API tokens revoked."""
    with transaction(_sessions(), write=True) as session:
        user = service.disable_user(session, user=service.get_user(session, email=email))
        console.print(f"Disabled {user.email}")


@user_app.command("enable")
def enable(email: Annotated[str, typer.Argument(help="E-mail address of the user")]) -> None:
    """Let a disabled user sign in again."""
    with transaction(_sessions(), write=True) as session:
        user = service.enable_user(session, user=service.get_user(session, email=email))
        console.print(f"Enabled {user.email}")


@user_app.command("password")
def password(
    email: Annotated[str, typer.Argument(help="E-mail address of the user")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
) -> None:
    """Set a user's password (ends the user's open sessions)."""
    new = _read_password(password_stdin)
    with transaction(_sessions(), write=True) as session:
        user = service.set_password(
            session, user=service.get_user(session, email=email), password=new
        )
        console.print(f"Password changed for {user.email}; their sessions were ended")


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Argument(help="E-mail address of the token's user")],
    name: Annotated[str, typer.Option("--name", help="What the token is for")] = "cli",
    days: Annotated[int, typer.Option(help="Days until it expires", min=1, max=730)] = 90,
) -> None:
    """Create an API token; it is printed once and cannot be shown again."""
    with transaction(_sessions(), write=True) as session:
        raw, record = service.create_token(session, email=email, name=name, days=days)
        expires = record.expires_at.isoformat() if record.expires_at else "never"
    typer.echo(raw)
    Console(stderr=True).print(f"[dim]token {record.prefix} for {email}, expires {expires}[/]")


@token_app.command("list")
def token_list(
    email: Annotated[str, typer.Argument(help="E-mail address of the tokens' user")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """A user's API tokens (prefix, name, dates; never the token itself)."""
    with transaction(_sessions(), write=True) as session:
        user = service.get_user(session, email=email)
        rows = [
            {
                "prefix": t.prefix,
                "name": t.name,
                "created_at": t.created_at.isoformat(),
                "expires_at": t.expires_at.isoformat() if t.expires_at else None,
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in service.list_tokens(session, user=user)
        ]
    if json_out:
        print_json(rows)
        return
    table = Table()
    for column in ("prefix", "name", "created", "expires", "last used", "revoked"):
        table.add_column(column)
    for r in rows:
        table.add_row(*(str(r[k] or "") for k in r))
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    prefix: Annotated[str, typer.Argument(help="The token's prefix (see token list)")],
) -> None:
    """Revoke an API token at once."""
    with transaction(_sessions(), write=True) as session:
        record = service.revoke_token(session, prefix=prefix)
        console.print(f"Revoked token {record.prefix} ({record.name})")

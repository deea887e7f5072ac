"""Entry point of the ``soai`` command (the tree of commands is in :mod:`soai.commands`)."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from soai.errors import SoaiError


def _app() -> typer.Typer:
    """The command tree; ``soai assure ...`` gets only its own branch, so a test run does not
    pay for importing the database, web and crypto stacks of the other commands."""
    if sys.argv[1:2] == ["assure"]:
        from soai.assurance.cli import assure_app

        slim = typer.Typer(name="soai", no_args_is_help=True, pretty_exceptions_enable=False)
        slim.add_typer(assure_app, name="assure")
        return slim
    from soai.commands import app

    return app


def main() -> None:
    """Entry point: runs the app and turns soai errors into a message and exit code 1."""
    try:
        _app()()
    except SoaiError as exc:
        console = Console(stderr=True, highlight=False)
        console.print("[red]error:[/] " + escape(exc.diagnostics()))
        sys.exit(1)


if __name__ == "__main__":
    main()

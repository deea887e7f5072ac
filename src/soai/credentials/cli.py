"""CLI of credentials: issue, bulk-issue, show, revoke, suspend, reinstate, status-list, verify, pdf."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from soai.cli_support import instance_sessions, print_json, progress_bar, settings_or_exit
from soai.credentials import bulk, revocation, service
from soai.credentials.verify import CredentialVerificationError
from soai.credentials.verify import verify as verify_credential
from soai.db import transaction
from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.jobs import runner as jobs_runner
from soai.jobs import service as jobs
from soai.profiles import service as profiles

credential_app = typer.Typer(help="Verifiable credentials (Open Badges 3.0).", no_args_is_help=True)
console = Console()
err = Console(stderr=True)
PAST = {"revoke": "Revoked", "suspend": "Suspended", "reinstate": "Reinstated"}


def _date(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(
            N_("{option} must be a date like 2028-12-31, not {value!r}."),
            field=option,
            option=option,
            value=value,
        ) from None


@credential_app.command("issue")
def issue(
    achievement: Annotated[str, typer.Option(help="Achievement key, e.g. ceasai-fundamentals")],
    subject_email: Annotated[str, typer.Option(help="E-mail address of the holder (hashed)")],
    valid_until: Annotated[str | None, typer.Option(help="Expiry date YYYY-MM-DD")] = None,
) -> None:
    """Issue one credential; the signed credential JSON is printed on stdout."""
    until = _date(valid_until, "--valid-until")
    settings = settings_or_exit()
    with transaction(instance_sessions(), write=True) as session:
        credential = service.issue(
            session,
            issuer=service.issuer_for(settings),
            achievement_key=achievement,
            email=subject_email,
            valid_until=until,
        )
    print_json(credential)


@credential_app.command("bulk-issue")
def bulk_issue(
    source: Annotated[Path, typer.Argument(help="CSV file with an 'email' column")],
    achievement: Annotated[str, typer.Option(help="Achievement key, e.g. ceasai-fundamentals")],
    valid_until: Annotated[str | None, typer.Option(help="Expiry date YYYY-MM-DD")] = None,
    output: Annotated[
        Path | None, typer.Option(help="Write the signed credentials to this JSON Lines file")
    ] = None,
) -> None:
    """Issue one credential per row, as a job with a progress bar."""
    until = _date(valid_until, "--valid-until")
    sessions = instance_sessions()
    settings = settings_or_exit()
    params: dict[str, Any] = {
        "source": str(source.resolve()),
        "achievement": achievement,
        "valid_until": until.isoformat() if until else None,
        "output": str(output.resolve()) if output else None,
    }
    service.doc.achievement(achievement)
    with transaction(sessions, write=True) as session:
        job_id = jobs.enqueue(session, kind=bulk.JOB_KIND, params=params, user_id=None).id
    with progress_bar("Issuing credentials") as step:
        jobs_runner.execute(
            job_id, sessions=sessions, home=settings.home, settings=settings, on_progress=step
        )
    with transaction(sessions) as session:
        job = jobs.get(session, job_id=job_id)
        status, result, error = job.status, job.result, job.error
    if status != "succeeded":
        err.print(f"error: {error}", highlight=False, markup=False)
        raise typer.Exit(1)
    console.print(f"Issued {result['issued'] if result else 0} credentials (job {job_id})")


@credential_app.command("show")
def show(credential_id: Annotated[str, typer.Argument(help="urn:uuid:…")]) -> None:
    """The signed credential exactly as it was issued."""
    settings = settings_or_exit()
    with transaction(instance_sessions()) as session:
        record = service.get(session, credential_id=credential_id)
        domain = profiles.instance_profile(settings.home.resolve()).issuer_domain
        print_json(service.rebuild(session, record=record, domain=domain))


@credential_app.command("find")
def find(
    email: Annotated[str, typer.Option("--email", help="The holder's e-mail address")],
) -> None:
    """A holder's credentials, found by e-mail address (for a holder who lost theirs)."""
    settings = settings_or_exit()
    with transaction(instance_sessions()) as session:
        records = service.find_by_email(session, secret=settings.signing_secret(), email=email)
        print_json([service.summary(record) for record in records])


def _status_command(action: str) -> Any:
    def command(
        credential_id: Annotated[str, typer.Argument(help="urn:uuid:…")],
        reason: Annotated[str, typer.Option(help="Why (recorded in the ledger)")],
    ) -> None:
        with transaction(instance_sessions(), write=True) as session:
            getattr(revocation, action)(session, credential_id=credential_id, reason=reason)
        console.print(f"{PAST[action]} {credential_id}")

    return command


credential_app.command("revoke", help="Revoke a credential for good, with the reason.")(
    _status_command("revoke")
)
credential_app.command("suspend", help="Suspend a credential, with the reason.")(
    _status_command("suspend")
)
credential_app.command("reinstate", help="Lift a suspension, with the reason.")(
    _status_command("reinstate")
)


@credential_app.command("status-list")
def status_list(
    list_id: Annotated[int, typer.Option("--list", help="Status list number")] = 1,
    purpose: Annotated[str, typer.Option(help="revocation or suspension")] = "revocation",
) -> None:
    """The current signed BitstringStatusListCredential JSON on stdout."""
    settings = settings_or_exit()
    with transaction(instance_sessions()) as session:
        print_json(
            revocation.status_list_credential(
                session, issuer=service.issuer_for(settings), list_id=list_id, purpose=purpose
            )
        )


def _load_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        err.print(f"invalid: cannot read the {what} {path}: {exc}", highlight=False, markup=False)
        raise typer.Exit(1) from None


@credential_app.command("verify")
def verify(
    credential_file: Annotated[Path, typer.Argument(help="The credential JSON")],
    did: Annotated[Path | None, typer.Option("--did", help="The issuer's DID document")] = None,
    status_list: Annotated[
        list[Path] | None,
        typer.Option("--status-list", help="A status list credential snapshot (repeatable)"),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Verify a credential offline. Exit 0 when valid, 1 (with the reason) when not."""
    credential = _load_json(credential_file, "credential")
    if did is not None:
        did_document = _load_json(did, "DID document")
    else:
        from soai.crypto import service as crypto
        from soai.profiles import service as profiles

        settings = settings_or_exit()
        profile = profiles.instance_profile(settings.home.resolve())
        did_document = crypto.did_document(settings, profile.issuer_did)
    lists = [_load_json(p, "status list") for p in status_list or []]
    try:
        result = verify_credential(credential, did_document=did_document, status_lists=lists)
    except CredentialVerificationError as exc:
        if json_out:
            print_json({"valid": False, "reason": str(exc)})
        else:
            err.print(f"invalid: {exc}", highlight=False, markup=False)
        raise typer.Exit(1) from None
    if json_out:
        print_json(result.to_json())
        return
    console.print(f"valid: {result.name} issued by {result.issuer}", highlight=False, markup=False)
    if result.status_unchecked:
        console.print(
            "note: not checked against a status list: "
            + ", ".join(result.status_unchecked)
            + " (pass --status-list)",
            highlight=False,
            markup=False,
        )


@credential_app.command("pdf")
def pdf(
    credential_file: Annotated[Path, typer.Argument(help="The credential JSON")],
    output: Annotated[Path, typer.Option("--output", "-o", help="PDF file to write")] = Path(
        "certificate.pdf"
    ),
    name: Annotated[str | None, typer.Option(help="Holder's name to print (not stored)")] = None,
    language: Annotated[str | None, typer.Option(help="Language of the page's own text")] = None,
) -> None:
    """Render the bilingual certificate of a credential, with its verification QR code."""
    from soai.credentials import certificate
    from soai.profiles import service as profiles

    settings = settings_or_exit()
    profile = profiles.instance_profile(settings.home.resolve())
    credential = _load_json(credential_file, "credential")
    output.write_bytes(
        certificate.render_pdf(credential, profile=profile, holder_name=name, language=language)
    )
    console.print(f"Wrote {output}")

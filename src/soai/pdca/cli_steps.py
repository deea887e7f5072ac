"""CLI for each step of a cycle: plan, control status, evidence, assessment, nonconformities,
corrective actions, attestation (``soai pdca plan|control|evidence|assess|finding|action|verify|attest``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.catalog import service as catalog
from soai.cli_support import instance_sessions, print_json, settings_or_exit
from soai.credentials import service as credentials
from soai.db import transaction, utcnow
from soai.errors import InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.identity import service as identity
from soai.pdca import attestation, oscal_results, report, service
from soai.pdca import evidence as evidence_items
from soai.pdca.cli import EVERYTHING, pdca_app
from soai.pdca.evidence_store import EvidenceStore
from soai.pdca.models import Control, Cycle
from soai.profiles import service as profiles

console = Console()
CHUNK = 1024 * 1024


def _cycle(session: Session, cycle_id: int) -> Cycle:
    return service.get(session, cycle_id=cycle_id, scope=EVERYTHING)


def _control(session: Session, cycle: Cycle, urn: str) -> Control:
    found = session.scalar(select(Control).where(Control.cycle_id == cycle.id, Control.urn == urn))
    if found is None:
        raise NotFound(N_("No control {urn} in this cycle's Statement of Applicability."), urn=urn)
    return found


@pdca_app.command("plan")
def plan(
    cycle_id: Annotated[int, typer.Argument(help="The cycle's id")],
    scope: Annotated[str | None, typer.Option(help="Scope")] = None,
    objectives: Annotated[str | None, typer.Option(help="Objectives")] = None,
    roles: Annotated[str | None, typer.Option(help="Roles and responsibilities")] = None,
    management_review: Annotated[str | None, typer.Option(help="Management review (Act)")] = None,
    lessons_learned: Annotated[str | None, typer.Option(help="Lessons learned (Act)")] = None,
) -> None:
    """Write the cycle's scope, objectives, roles, management review or lessons learned."""
    values: dict[str, Any] = {
        key: value
        for key, value in {
            "scope": scope,
            "objectives": objectives,
            "roles": roles,
            "management_review": management_review,
            "lessons_learned": lessons_learned,
        }.items()
        if value is not None
    }
    with transaction(instance_sessions(), write=True) as session:
        cycle = _cycle(session, cycle_id)
        service.update_plan(session, cycle=cycle, version=cycle.version, values=values)
    console.print(f"Cycle {cycle_id}: {', '.join(values) or 'nothing'} saved.")


@pdca_app.command("control")
def control(
    cycle_id: Annotated[int, typer.Argument(help="The cycle's id")],
    urn: Annotated[str, typer.Argument(help="The control's URN")],
    implementation: Annotated[
        str | None, typer.Option(help="not_started, in_progress, implemented")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Who owns the control")] = None,
    exclude: Annotated[
        str | None, typer.Option(help="Exclude it, giving the justification")
    ] = None,
) -> None:
    """Set a control's implementation status and owner, or exclude it with a justification."""
    values: dict[str, Any] = {}
    if implementation is not None:
        values["implementation"] = implementation
    if owner is not None:
        values["owner"] = owner
    if exclude is not None:
        values.update(applicable=False, justification=exclude)
    with transaction(instance_sessions(), write=True) as session:
        cycle = _cycle(session, cycle_id)
        found = _control(session, cycle, urn)
        service.update_control(
            session, cycle=cycle, control_id=found.id, version=found.version, values=values
        )
    console.print(f"{urn} updated.")


@pdca_app.command("evidence")
def evidence(
    cycle_id: Annotated[int, typer.Argument(help="The cycle's id")],
    file: Annotated[Path, typer.Argument(help="The evidence file")],
    control_urns: Annotated[list[str], typer.Option("--control", help="URN it serves (repeat)")],
    title: Annotated[str, typer.Option(help="Title")] = "",
) -> None:
    """Store an evidence file (content-addressed) for one or more controls."""
    if not file.is_file():
        raise InvalidInput(
            N_("Cannot read {file}: {reason}"), field="file", file=str(file), reason="not a file"
        )
    home = settings_or_exit().home
    with transaction(instance_sessions(), write=True) as session, file.open("rb") as handle:
        cycle = _cycle(session, cycle_id)
        ids = [_control(session, cycle, urn).id for urn in control_urns]
        stored = evidence_items.add_file_evidence(
            session,
            store=EvidenceStore(home / "evidence"),
            cycle=cycle,
            title=title or file.name,
            filename=file.name,
            chunks=iter(lambda: handle.read(CHUNK), b""),
            control_ids=ids,
            user_id=None,
        )
        console.print(f"Stored {file.name}: sha256 {stored.sha256}")


@pdca_app.command("assess")
def assess(
    cycle_id: Annotated[int, typer.Argument(help="The cycle's id")],
    urn: Annotated[str, typer.Argument(help="The control's URN")],
    assessment: Annotated[
        str, typer.Option(help="effective, partly, not_effective, not_applicable")
    ],
    reasoning: Annotated[str, typer.Option(help="Why")],
    analyst: Annotated[str, typer.Option(help="E-mail of the certified analyst")],
) -> None:
    """Record a certified analyst's assessment of one control (Check phase)."""
    with transaction(instance_sessions(), write=True) as session:
        user = identity.get_user(session, email=analyst)
        if "analyst" not in user.role_names:
            raise InvalidInput(
                N_("Only a certified analyst can be assigned to assess a cycle."), field="analyst"
            )
        cycle = _cycle(session, cycle_id)
        found = _control(session, cycle, urn)
        service.assess(
            session, cycle=cycle, control_id=found.id, version=found.version,
            assessment=assessment, reasoning=reasoning, analyst_id=user.id,
        )  # fmt: skip
    console.print(f"{urn}: {assessment}.")


@pdca_app.command("finding")
def finding(
    cycle_id: Annotated[int, typer.Argument(help="The cycle's id")],
    description: Annotated[str, typer.Option(help="The nonconformity")],
    control_urn: Annotated[str | None, typer.Option("--control", help="The control's URN")] = None,
    severity: Annotated[str, typer.Option(help="minor or major")] = "minor",
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Record a nonconformity."""
    with transaction(instance_sessions(), write=True) as session:
        raised = service.raise_finding(
            session, cycle=_cycle(session, cycle_id), description=description,
            control_urn=control_urn, severity=severity,
        )  # fmt: skip
        result = {"finding": raised.id}
    print_json(result) if json_out else console.print(
        f"Nonconformity {result['finding']} recorded."
    )


@pdca_app.command("action")
def action(
    cycle_id: Annotated[int, typer.Argument(help="The cycle's id")],
    finding_id: Annotated[int, typer.Argument(help="The nonconformity's id")],
    root_cause: Annotated[str, typer.Option(help="Root cause")],
    action_text: Annotated[str, typer.Option("--action", help="Corrective action")],
    owner: Annotated[str, typer.Option(help="Owner")],
    due: Annotated[str, typer.Option(help="Due date YYYY-MM-DD")],
) -> None:
    """Plan a nonconformity's corrective action."""
    try:
        due_date = date.fromisoformat(due)
    except ValueError:
        raise InvalidInput(N_("Give the date as YYYY-MM-DD."), field="due_date") from None
    with transaction(instance_sessions(), write=True) as session:
        service.plan_action(
            session, cycle=_cycle(session, cycle_id), finding_id=finding_id,
            root_cause=root_cause, action=action_text, owner=owner, due_date=due_date,
        )  # fmt: skip
    console.print(f"Corrective action of {finding_id} planned.")


@pdca_app.command("verify")
def verify(
    cycle_id: Annotated[int, typer.Argument(help="The cycle's id")],
    finding_id: Annotated[int, typer.Argument(help="The nonconformity's id")],
    note: Annotated[str, typer.Option(help="How effectiveness was verified")],
) -> None:
    """Verify a corrective action's effectiveness."""
    with transaction(instance_sessions(), write=True) as session:
        service.verify_action(
            session, cycle=_cycle(session, cycle_id), finding_id=finding_id, note=note
        )
    console.print(f"Corrective action of {finding_id} verified.")


@pdca_app.command("attest")
def attest(
    cycle_id: Annotated[int, typer.Argument(help="The closed cycle's id")],
    email: Annotated[str, typer.Option(help="The provider's e-mail address (hashed)")],
) -> None:
    """Issue the signed attestation of a closed cycle; the credential JSON on stdout."""
    settings = settings_or_exit()
    with transaction(instance_sessions(), write=True) as session:
        credential = attestation.attest(
            session, cycle=_cycle(session, cycle_id), issuer=credentials.issuer_for(settings),
            email=email, user_id=None,
        )  # fmt: skip
    print_json(credential)


@pdca_app.command("oscal")
def oscal(cycle_id: Annotated[int, typer.Argument(help="The cycle's id")]) -> None:
    """The cycle's assessment as an OSCAL assessment-results document (JSON on stdout)."""
    country = profiles.instance_profile(settings_or_exit().home.resolve()).country.code
    with transaction(instance_sessions()) as session:
        data = oscal_results.from_cycle(session, cycle=_cycle(session, cycle_id), country=country)
    print_json(
        oscal_results.assessment_results(
            data, catalog_href=catalog.OSCAL_CATALOG_PATH, generated_at=utcnow()
        )
    )


@pdca_app.command("report")
def report_pdf(
    cycle_id: Annotated[int, typer.Argument(help="The cycle's id")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the PDF")],
    lang: Annotated[str, typer.Option(help="en or km")] = "en",
) -> None:
    """Write the cycle's bilingual compliance report as a PDF."""
    settings = settings_or_exit()
    profile = profiles.instance_profile(settings.home.resolve())
    pdf = report.render_pdf(
        instance_sessions(), cycle_id=cycle_id, scope=EVERYTHING, profile=profile, language=lang
    )
    output.write_bytes(pdf)
    console.print(f"Wrote {output} ({len(pdf):,} bytes).")


@pdca_app.command("reminders")
def reminders(
    days: Annotated[int, typer.Option(help="Include actions due within this many days")] = 14,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Corrective actions overdue or due soon in open cycles (for a daily reminder job)."""
    today = date.today()
    with transaction(instance_sessions()) as session:
        due = [
            {
                "cycle": f.cycle_id,
                "finding": f.id,
                "action": f.action,
                "owner": f.owner,
                "due_date": f.due_date.isoformat() if f.due_date else None,
                "overdue": bool(f.due_date and f.due_date < today),
            }
            for f in service.actions_due(session, scope=EVERYTHING, today=today, within_days=days)
        ]
    if json_out:
        print_json({"today": today.isoformat(), "actions": due})
        return
    for item in due:
        mark = "OVERDUE" if item["overdue"] else "due"
        console.print(
            f"{mark} {item['due_date']}: cycle {item['cycle']} — {item['action']} ({item['owner']})"
        )
    console.print(f"{len(due)} action(s).")

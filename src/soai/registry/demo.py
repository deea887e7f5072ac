"""Demo organisations and AI systems of the Cambodia instance (``soai demo``), idempotent."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from soai.errors import NotFound
from soai.identity import service as identity
from soai.registry import listing, rules, service
from soai.registry.submissions import OrganisationIn, SystemIn, SystemSubmission

DEMO = Path(__file__).parent / "data" / "demo"


def seed(session: Session, *, profile_id: str, rule_set: rules.RuleSet, country: str) -> int:
    """Add the demo register of ``profile_id`` if it has one; returns the systems added."""
    path = DEMO / f"{profile_id}.yaml"
    if not path.is_file():
        return 0
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    everything = service.Scope(everything=True)
    by_name = {}
    for entry in data["organisations"]:
        members = entry.pop("members", [])
        found = service.organisation_named(session, name=entry["name"])
        if found is None:
            found = service.create_organisation(session, data=OrganisationIn(**entry))
        by_name[found.name] = found
        for email in members:
            try:
                user = identity.get_user(session, email=email)
            except NotFound:
                continue
            service.add_member(session, organisation_id=found.id, user_id=user.id)
    added = 0
    existing = listing.registered_names(session)
    for entry in data["systems"]:
        owner = by_name[entry["organisation"]]
        if (owner.id, entry["system"]["name"]) in existing:
            continue
        service.register(
            session,
            organisation_id=owner.id,
            submission=SystemSubmission(
                system=SystemIn(**entry["system"]), answers=entry.get("answers") or {}
            ),
            rule_set=rule_set,
            scope=everything,
            country=country,
            user_id=None,
        )
        added += 1
    return added

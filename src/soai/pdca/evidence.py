"""Evidence of a cycle: files (content-addressed) and links offered for controls.

Evidence offered for one control also serves the controls of the Statement of Applicability
that a crosswalk links to it, so one document can count for several frameworks.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.catalog import service as catalog
from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.pdca import soa
from soai.pdca.evidence_store import EvidenceStore
from soai.pdca.models import Control, Cycle, Evidence, EvidenceLink
from soai.pdca.service import control


def add_file_evidence(
    session: Session,
    *,
    store: EvidenceStore,
    cycle: Cycle,
    title: str,
    filename: str,
    chunks: Iterable[bytes],
    control_ids: list[int],
    user_id: int | None,
) -> Evidence:
    """Store a file (content-addressed) and offer it for controls; nothing is kept on error."""
    for control_id in control_ids:
        control(session, cycle=cycle, control_id=control_id)
    stored = store.put(chunks, filename=filename)
    evidence = Evidence(
        cycle_id=cycle.id,
        kind="file",
        title=title.strip() or filename,
        sha256=stored.sha256,
        size=stored.size,
        media_type=stored.media_type,
        filename=filename,
        added_by=user_id,
    )
    return _link(session, evidence, control_ids)


def add_link_evidence(
    session: Session,
    *,
    cycle: Cycle,
    title: str,
    url: str,
    kind: str,
    control_ids: list[int],
    user_id: int | None,
) -> Evidence:
    if not url.startswith(("https://", "http://")):
        raise InvalidInput(N_("Give a web address starting with https://."), field="url")
    if not title.strip():
        raise InvalidInput(N_("Give the evidence a title."), field="title")
    for control_id in control_ids:
        control(session, cycle=cycle, control_id=control_id)
    evidence = Evidence(
        cycle_id=cycle.id, kind=kind, title=title.strip(), url=url, added_by=user_id
    )
    return _link(session, evidence, control_ids)


def _link(session: Session, evidence: Evidence, control_ids: list[int]) -> Evidence:
    session.add(evidence)
    session.flush()
    for control_id in sorted(set(control_ids)):
        session.add(EvidenceLink(evidence_id=evidence.id, control_id=control_id))
    session.flush()
    return evidence


def evidence_for(session: Session, *, cycle: Cycle) -> dict[int, list[Evidence]]:
    """Evidence per control id, counting crosswalks: evidence offered for one control also
    serves the controls of the statement that a crosswalk links to it."""
    controls = {
        c.id: c for c in session.scalars(select(Control).where(Control.cycle_id == cycle.id))
    }
    by_urn = {c.urn: c.id for c in controls.values()}
    links = session.execute(
        select(EvidenceLink.control_id, Evidence)
        .join(Evidence, Evidence.id == EvidenceLink.evidence_id)
        .where(Evidence.cycle_id == cycle.id)
    ).all()
    found: dict[int, list[Evidence]] = {}
    statement = set(by_urn)
    for control_id, evidence in links:
        targets = [control_id] + [
            by_urn[u]
            for u in soa.also_serves(catalog.catalogue(), controls[control_id].urn, statement)
        ]
        for target in targets:
            if evidence not in found.setdefault(target, []):
                found[target].append(evidence)
    return found

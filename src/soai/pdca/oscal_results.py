"""A SOAI-PDCA cycle's assessment as an OSCAL ``assessment-results`` document (``oscal-version``
1.1.3, valid against NIST's complete schema), for the GRC tools auditors and regulators use.

:func:`assessment_results` is pure, over a :class:`CycleAssessment`; :func:`from_cycle` reads
one from the database. The mapping, in one place:

* the cycle is one ``result`` from its start to its close (no ``end`` while open); its
  ``reviewed-controls`` include the applicable controls of the Statement of Applicability and
  exclude the excluded ones, by the ids of the catalog export (``soai.catalog.oscal.control_id``);
* an assessed control is one ``observation`` (the analyst's reasoning and evidence, when, by
  which party) and one ``finding`` targeting the control as ``objective-id``: effective →
  ``satisfied``/``pass``; partly or not effective → ``not-satisfied``/``fail``; not applicable →
  ``satisfied``/``other`` with implementation-status ``not-applicable``; the verdict itself is
  the ``assessment`` prop. Methods: ``EXAMINE`` for documents and links, ``TEST`` for test
  results, ``UNKNOWN`` with no evidence (soai does not know how the view was formed);
* a nonconformity is one more ``not-satisfied`` finding on its control (corrective action in
  ``remarks``; severity, status, due date as props); one raised on no control has no target for
  a finding, so it is an observation of type ``finding``;
* a file is a back-matter resource (uuid from its SHA-256: a file offered twice is one) whose
  rlink is its RFC 6920 name ``ni:///sha-256;…`` with the ``SHA-256`` hash: the file stays in the
  provider's store, and whoever holds it can check it is the one assessed. Observations cite it
  as ``#<uuid>``, how OSCAL refers into back-matter; a link is cited by its URL;
* the standing gate sign-offs are ``assessment-log`` entries logged by their signers, with the
  ledger position as a prop;
* soai publishes no assessment plan, so ``import-ap`` is ``#<uuid>`` of a back-matter resource
  that says so: it resolves inside the document, and sends no tool to a catalog as if a plan.

Props OSCAL has no name for are in :data:`soai.catalog.oscal.NS`; text users typed is escaped
as Markdown (OSCAL markup); soai's own wording is English. Uuids are version-5 uuids of the
system reference, cycle number and item (the document's, of all its content): the same cycle
exports the same bytes for the same ``generated_at``. The data classes name their fields like
the table columns they come from, which is how :func:`from_cycle` copies them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from soai.catalog.oscal import NS, OSCAL_VERSION, UUID_NAMESPACE, control_id
from soai.pdca.assessment_record import (
    ControlAssessment,
    CycleAssessment,
    EvidenceItem,
    GateSignOff,
    Nonconformity,
    from_cycle,
)

__all__ = ["CycleAssessment", "assessment_results", "from_cycle"]

Json = dict[str, Any]
# assessment → (finding state, reason)
STATES = {
    "effective": ("satisfied", "pass"),
    "partly": ("not-satisfied", "fail"),
    "not_effective": ("not-satisfied", "fail"),
    "not_applicable": ("satisfied", "other"),
}
DOCUMENTS = ("file", "link")
_MARKDOWN = re.compile(r"[\\`*_\[\]<>#|~]")  # characters Markdown would interpret


def assessment_results(data: CycleAssessment, *, catalog_href: str, generated_at: datetime) -> Json:
    """The OSCAL ``assessment-results`` of one cycle (see the module docstring for the mapping).

    A cycle with no applicable control is a ``ValueError``: OSCAL cannot say nothing was
    reviewed. An assessment soai does not know is a ``ValueError`` too, not a guessed state.
    """
    key = f"{data.system_reference}/cycle-{data.cycle_number}"
    content = json.dumps([asdict(data), catalog_href], default=str, sort_keys=True)
    digest = hashlib.sha256(content.encode()).hexdigest()
    plan = _uuid(key, "assessment-plan")
    names = [c.assessor or "" for c in data.controls] + [g.signer_name for g in data.gates]
    name = f"{_markup(_line(data.system_name))} ({data.system_reference})"
    metadata: Json = {
        "title": f"Assessment results: {name}, cycle {data.cycle_number}",
        "last-modified": _timestamp(generated_at),
        "version": digest[:12],
        "oscal-version": OSCAL_VERSION,
        "props": [
            _prop("system-reference", data.system_reference),
            _prop("cycle-number", str(data.cycle_number)),
            *([_prop("score", f"{data.score:.1f}")] if data.score is not None else []),
            *([_prop("maturity", data.maturity)] if data.maturity else []),
        ],
    }
    parties = sorted({_line(name) for name in names} - {""})
    if parties:
        metadata["parties"] = [{"uuid": _party(p), "type": "person", "name": p} for p in parties]
    resources: list[Json] = [
        {
            "uuid": plan,
            "title": "Assessment plan (not published)",
            "description": "soai publishes no OSCAL assessment plan. The plan of this assessment "
            "is the cycle's Statement of Applicability: the controls under reviewed-controls, "
            f"taken from the catalog at <{catalog_href}>.",
        },
        *_file_resources(data.evidence),
    ]
    return {
        "assessment-results": {
            "uuid": _uuid("assessment-results", digest),
            "metadata": metadata,
            "import-ap": {"href": f"#{plan}"},
            "results": [_result(data, key, catalog_href, name)],
            "back-matter": {"resources": resources},
        }
    }


def _result(data: CycleAssessment, key: str, catalog_href: str, name: str) -> Json:
    included = [{"control-id": control_id(c.urn)} for c in data.controls if c.applicable]
    if not included:
        raise ValueError("an OSCAL result must review at least one control")
    excluded = [{"control-id": control_id(c.urn)} for c in data.controls if not c.applicable]
    selection: Json = {"include-controls": included}
    if excluded:
        selection["exclude-controls"] = excluded
        selection["remarks"] = "Excluded in the Statement of Applicability, with a justification."
    result: Json = {
        "uuid": _uuid(key, "result"),
        "title": f"SOAI-PDCA cycle {data.cycle_number} of {name}",
        "description": "The Check phase of the cycle: every applicable control of the "
        "Statement of Applicability assessed by a certified analyst, with the reasoning, the "
        "evidence offered and the nonconformities raised.",
        "start": _timestamp(data.started_at),
        "reviewed-controls": {
            "links": [{"href": catalog_href, "rel": "reference", "text": "soai catalog"}],
            "control-selections": [selection],
        },
    }
    if data.closed_at is not None:
        result["end"] = _timestamp(data.closed_at)
    if data.gates:
        result["assessment-log"] = {"entries": [_log_entry(key, gate) for gate in data.gates]}
    assessed = [_assessed(data, key, c) for c in data.controls if c.applicable and c.assessment]
    observations = [observation for observation, _ in assessed]
    findings = [finding for _, finding in assessed]
    urns = {c.urn for c in data.controls if c.applicable and c.assessment}
    for index, nc in enumerate(data.nonconformities):
        item = _nonconformity(key, index, nc, nc.control_urn in urns)
        (observations if nc.control_urn is None else findings).append(item)
    if observations:
        result["observations"] = observations
    if findings:
        result["findings"] = findings
    return result


def _assessed(data: CycleAssessment, key: str, control: ControlAssessment) -> tuple[Json, Json]:
    """The observation (reasoning, evidence, when, by whom) and the finding of one verdict."""
    assessment, cid = str(control.assessment), control_id(control.urn)
    if assessment not in STATES:
        raise ValueError(f"no OSCAL finding state for the assessment {assessment!r}")
    offered = [e for e in data.evidence if control.urn in e.control_urns]
    kinds = {e.kind for e in offered}
    methods = ["EXAMINE"] if kinds & set(DOCUMENTS) else []
    methods += ["TEST"] if "test_result" in kinds else []
    seen = _uuid(key, "observation", control.urn)
    reasoning = _markup(control.reasoning) or "No reasoning recorded."
    origins = _origins(control.assessor)
    observation: Json = {
        "uuid": seen,
        "title": f"Assessment of {cid}",
        "description": reasoning,
        "props": [_prop("assessment", assessment), _prop("urn", control.urn)],
        "methods": methods or ["UNKNOWN"],
        "types": ["control-objective"],
        **origins,
        "collected": _timestamp(control.assessed_at or data.started_at),
    }
    if offered:
        observation["relevant-evidence"] = [_relevant(e) for e in offered]
    state, reason = STATES[assessment]
    target: Json = {
        "type": "objective-id",
        "target-id": cid,
        "status": {"state": state, "reason": reason},
    }
    if assessment == "not_applicable":
        target["implementation-status"] = {"state": "not-applicable"}
    finding: Json = {
        "uuid": _uuid(key, "finding", control.urn),
        "title": f"{cid}: {assessment.replace('_', ' ')}",
        "description": reasoning,
        "props": [_prop("assessment", assessment)],
        **origins,
        "target": target,
        "related-observations": [{"observation-uuid": seen}],
    }
    return observation, finding


def _relevant(evidence: EvidenceItem) -> Json:
    relevant: Json = {"description": _markup(_line(evidence.title)) or evidence.kind}
    if evidence.sha256:
        relevant["href"] = f"#{_uuid('evidence', evidence.sha256)}"
    elif evidence.url:
        relevant["href"] = evidence.url
    return relevant


def _nonconformity(key: str, index: int, nc: Nonconformity, assessed: bool) -> Json:
    """A finding on its control, or an observation of type finding if raised on no control."""
    item: Json = {
        "uuid": _uuid(key, "nonconformity", str(index)),
        "title": f"Nonconformity ({nc.severity})",
        "description": _markup(nc.description),
        "props": [_prop("severity", nc.severity), _prop("action-status", nc.status)],
    }
    if nc.due_date is not None:
        item["props"].append(_prop("due-date", nc.due_date.isoformat()))
    if nc.control_urn is None:
        item |= {
            "methods": ["UNKNOWN"],
            "types": ["finding"],
            "collected": _timestamp(nc.raised_at),
        }
    else:
        item["title"] += f": {control_id(nc.control_urn)}"
        item["target"] = {
            "type": "objective-id",
            "target-id": control_id(nc.control_urn),
            "status": {"state": "not-satisfied", "reason": "fail"},
        }
        if assessed:
            related = _uuid(key, "observation", nc.control_urn)
            item["related-observations"] = [{"observation-uuid": related}]
    if nc.action.strip():
        item["remarks"] = f"Corrective action: {_markup(nc.action)}"
    return item


def _log_entry(key: str, gate: GateSignOff) -> Json:
    entry: Json = {
        "uuid": _uuid(key, "gate", gate.phase, gate.signed_at.isoformat()),
        "title": f"{gate.phase.capitalize()} gate signed off",
        "start": _timestamp(gate.signed_at),
        "props": [_prop("phase", gate.phase)],
    }
    if gate.ledger_position is not None:
        entry["props"].append(_prop("ledger-position", str(gate.ledger_position)))
    if _line(gate.signer_name):
        entry["logged-by"] = [{"party-uuid": _party(gate.signer_name)}]
    return entry


def _file_resources(evidence: tuple[EvidenceItem, ...]) -> list[Json]:
    """One resource per distinct file, named by its hash (RFC 6920 ``ni``) and carrying it."""
    resources: dict[str, Json] = {}
    for item in evidence:
        if not item.sha256 or item.sha256 in resources:
            continue
        name = base64.urlsafe_b64encode(bytes.fromhex(item.sha256)).rstrip(b"=").decode()
        rlink: Json = {"href": f"ni:///sha-256;{name}"}
        if item.media_type:
            rlink["media-type"] = item.media_type
        rlink["hashes"] = [{"algorithm": "SHA-256", "value": item.sha256}]
        resources[item.sha256] = {
            "uuid": _uuid("evidence", item.sha256),
            "title": _markup(_line(item.title)) or item.sha256,
            "rlinks": [rlink],
        }
    return list(resources.values())


def _origins(assessor: str | None) -> Json:
    name = _line(assessor or "")
    return (
        {"origins": [{"actors": [{"type": "party", "actor-uuid": _party(name)}]}]} if name else {}
    )


def _party(name: str) -> str:
    return _uuid("party", _line(name))


def _prop(name: str, value: str) -> Json:
    return {"name": name, "ns": NS, "value": _line(value)}


def _line(text: str) -> str:
    return " ".join(text.split())


def _markup(text: str) -> str:
    """Plain text as OSCAL markup (Markdown): what a user typed is shown as typed."""
    return _MARKDOWN.sub(r"\\\g<0>", text.strip())


def _timestamp(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no timezone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE, "\x1f".join(["assessment-results", *parts])))

"""A cycle's assessment as OSCAL assessment-results: valid against NIST's schema, complete, stable.

The schema checks shapes, not meaning: it does not know that a partly effective control is not
satisfied, that a finding's target is a control of the catalog, or that a ``#uuid`` reference
points at something in the document. These tests check that too, since a GRC tool importing the
results would otherwise show a wrong verdict or a dangling link long after the export looked fine.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from sqlalchemy.orm import Session, sessionmaker

from soai.catalog import oscal
from soai.catalog.service import catalogue
from soai.db import transaction
from soai.pdca import oscal_results
from soai.pdca.models import Cycle
from soai.pdca.oscal_results import (
    ControlAssessment,
    CycleAssessment,
    EvidenceItem,
    GateSignOff,
    Nonconformity,
)
from tests.pdca.test_cycle import PDF, run_full_cycle

SCHEMA = Path(__file__).parent / "oscal_schemas" / "oscal_complete_schema.json"
SCHEMA_SHA256 = "e0b41f5c9f06a702bd6139566b3db089cec4c734353e958624e4ba4a2d35a806"
GENERATED_AT = datetime(2026, 11, 27, 9, 30, tzinfo=timezone(timedelta(hours=7)))  # Phnom Penh
CATALOG_HREF = "https://soai.example/catalog/oscal/catalog.json"
ART_10 = "urn:soai:eu-ai-act:art-10"
POLICY = "urn:soai:iso-42001:a-2-2"
EXCLUDED = "urn:soai:iso-42001:a-3-2"
STATES = {"effective": "satisfied", "partly": "not-satisfied", "not_effective": "not-satisfied"}


# --- validating against the official schema ----------------------------------------------------


def test_the_schema_is_nists_unmodified() -> None:
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256


@functools.cache
def _schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return loaded


@functools.cache
def _validator() -> jsonschema_rs.Draft7Validator:
    return jsonschema_rs.Draft7Validator(_schema(), validate_formats=True)


def _leaves(error: Any) -> Iterator[Any]:
    """anyOf/oneOf errors wrap the real causes: report those."""
    context = getattr(error.kind, "context", None)
    if not context:
        yield error
        return
    for branch in context:
        for sub in branch:
            yield from _leaves(sub)


def violations(document: dict[str, Any]) -> list[str]:
    """Every way ``document`` breaks the complete schema, as ``/json/path: message`` lines.

    The complete schema is a ``oneOf`` of every OSCAL model; a broken document fails all of
    them, so only the causes under the branch of the document's own model are reported.
    """
    (model,) = document
    branch = next(i for i, b in enumerate(_schema()["oneOf"]) if b["required"] == [model])
    found = set()
    for error in _validator().iter_errors(document):
        context = getattr(error.kind, "context", None)
        causes = context[branch] if context and not error.instance_path else [error]
        found |= {
            "/" + "/".join(map(str, leaf.instance_path)) + f": {leaf.message}"
            for cause in causes
            for leaf in _leaves(cause)
        }
    return sorted(found)


def assert_valid(document: dict[str, Any]) -> None:
    problems = violations(document)
    assert not problems, "a GRC tool would reject these assessment-results: " + "\n".join(
        problems[:20]
    )
    assert _validator().is_valid(document)


# --- walking a document ------------------------------------------------------------------------


def results_of(document: dict[str, Any]) -> dict[str, Any]:
    (result,) = document["assessment-results"]["results"]
    found: dict[str, Any] = result
    return found


def props(node: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in node.get("props", []) if p.get("ns") == oscal.NS}


@functools.cache
def catalog_control_ids() -> frozenset[str]:
    """The ids of every control of the shipped catalog export."""

    def walk(node: dict[str, Any]) -> Iterator[str]:
        for group in node.get("groups", []):
            yield from walk(group)
        for control in node.get("controls", []):
            yield control["id"]
            yield from walk(control)

    catalog = oscal.catalog_document(catalogue(), generated_at=GENERATED_AT)["catalog"]
    return frozenset(walk(catalog))


def assert_references_resolve(document: dict[str, Any]) -> None:
    """Every ``#uuid``, observation and party reference names something in the document."""
    ar = document["assessment-results"]
    resources = {r["uuid"] for r in ar.get("back-matter", {}).get("resources", [])}
    parties = {p["uuid"] for p in ar["metadata"].get("parties", [])}
    result = results_of(document)
    observations = {o["uuid"] for o in result.get("observations", [])}
    assert ar["import-ap"]["href"].removeprefix("#") in resources
    for observation in result.get("observations", []):
        for evidence in observation.get("relevant-evidence", []):
            href = evidence.get("href", "")
            assert not href.startswith("#") or href[1:] in resources, href
    for item in result.get("observations", []) + result.get("findings", []):
        for origin in item.get("origins", []):
            assert {a["actor-uuid"] for a in origin["actors"]} <= parties
    for finding in result.get("findings", []):
        for related in finding.get("related-observations", []):
            assert related["observation-uuid"] in observations
    for entry in result.get("assessment-log", {}).get("entries", []):
        assert {e["party-uuid"] for e in entry.get("logged-by", [])} <= parties
    uuids = [r["uuid"] for r in ar.get("back-matter", {}).get("resources", [])]
    uuids += [o["uuid"] for o in result.get("observations", [])]
    uuids += [f["uuid"] for f in result.get("findings", [])]
    uuids += [e["uuid"] for e in result.get("assessment-log", {}).get("entries", [])]
    uuids += list(parties)
    assert len(uuids) == len(set(uuids)), "uuids are unique"


def export(data: CycleAssessment) -> dict[str, Any]:
    return oscal_results.assessment_results(
        data, catalog_href=CATALOG_HREF, generated_at=GENERATED_AT
    )


def cycle_assessment(sessions: sessionmaker[Session], cycle_id: int) -> CycleAssessment:
    with transaction(sessions) as session:
        cycle = session.get_one(Cycle, cycle_id)
        return oscal_results.from_cycle(session, cycle=cycle, country="KH")


# --- a real cycle, on both engines ---------------------------------------------------------------


def test_a_closed_cycle_exports_valid_and_complete_assessment_results(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    data = cycle_assessment(sessions, run_full_cycle(sessions, tmp_path))
    document = export(data)
    assert_valid(document)
    assert_references_resolve(document)
    ar = document["assessment-results"]
    assert ar["metadata"]["oscal-version"] == "1.1.3"
    assert props(ar["metadata"])["maturity"] == "platinum"
    assert 90 <= float(props(ar["metadata"])["score"]) < 100
    result = results_of(document)
    assert result["start"] <= result["end"], "a closed cycle has an end"

    # Reviewed: the applicable controls of the Statement of Applicability, ids of the catalog.
    (selection,) = result["reviewed-controls"]["control-selections"]
    reviewed = [c["control-id"] for c in selection["include-controls"]]
    applicable = [c for c in data.controls if c.applicable]
    assert reviewed == [oscal.control_id(c.urn) for c in applicable]
    assert set(reviewed) <= catalog_control_ids(), "every reviewed id is a control of the catalog"
    assert result["reviewed-controls"]["links"][0]["href"] == CATALOG_HREF

    # One finding per assessed control, with the analyst's verdict as its state.
    verdicts = {
        f["target"]["target-id"]: f["target"]["status"]["state"]
        for f in result["findings"]
        if "assessment" in props(f)
    }
    assert verdicts == {oscal.control_id(c.urn): STATES[str(c.assessment)] for c in applicable}
    assert verdicts[oscal.control_id(ART_10)] == "not-satisfied", "Art. 10 was partly effective"
    assert verdicts[oscal.control_id(POLICY)] == "satisfied"
    assert len(result["observations"]) == len(applicable)

    # The nonconformity on Art. 10, with its corrective action and due date.
    (nonconformity,) = [f for f in result["findings"] if "severity" in props(f)]
    assert nonconformity["description"] == "Training data under-represents rural borrowers."
    assert nonconformity["target"]["target-id"] == oscal.control_id(ART_10)
    assert nonconformity["target"]["status"]["state"] == "not-satisfied"
    assert props(nonconformity)["severity"] == "major"
    assert props(nonconformity)["due-date"] == "2027-03-31"
    assert "Add microfinance repayment data" in nonconformity["remarks"]

    # Every file's hash is in back-matter; the control it was offered for points to it.
    files = [e for e in data.evidence if e.sha256]
    assert [e.sha256 for e in files] == [hashlib.sha256(PDF).hexdigest()]
    by_hash = {
        h["value"]: resource
        for resource in ar["back-matter"]["resources"]
        for link in resource.get("rlinks", [])
        for h in link.get("hashes", [])
        if h["algorithm"] == "SHA-256"
    }
    for evidence in files:
        resource = by_hash[str(evidence.sha256)]
        assert resource["title"] == "AI policy"
        (policy,) = [o for o in result["observations"] if props(o)["urn"] == POLICY]
        assert "EXAMINE" in policy["methods"]
        assert {"href": f"#{resource['uuid']}", "description": "AI policy"} in policy[
            "relevant-evidence"
        ]
    links = [o for o in result["observations"] if props(o)["urn"] == ART_10]
    assert links[0]["relevant-evidence"][0]["href"] == "https://bank.example.org/docs"

    # The gates, with who signed them and where in the ledger.
    entries = result["assessment-log"]["entries"]
    assert [props(e)["phase"] for e in entries] == ["plan", "do", "check", "act"]
    assert all(props(e)["ledger-position"].isdigit() for e in entries)
    names = {p["name"] for p in ar["metadata"]["parties"]}
    assert {"Vuthy", "Sreymom", "Dara"} <= names


def test_the_same_cycle_exports_the_same_bytes(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    cycle_id = run_full_cycle(sessions, tmp_path)
    first = json.dumps(export(cycle_assessment(sessions, cycle_id)), sort_keys=False)
    second = json.dumps(export(cycle_assessment(sessions, cycle_id)), sort_keys=False)
    assert first == second
    later = oscal_results.assessment_results(
        cycle_assessment(sessions, cycle_id),
        catalog_href=CATALOG_HREF,
        generated_at=GENERATED_AT + timedelta(days=1),
    )
    assert later["assessment-results"]["uuid"] == json.loads(first)["assessment-results"]["uuid"]
    assert later["assessment-results"]["metadata"]["last-modified"] == "2026-11-28T02:30:00Z"


# --- edge cases, without a database --------------------------------------------------------------

AT = datetime(2026, 10, 1, 3, 0, tzinfo=UTC)


def small(**changes: Any) -> CycleAssessment:
    """An open cycle in its Check phase: two applicable controls, one excluded, one file."""
    sha = hashlib.sha256(PDF).hexdigest()
    data = CycleAssessment(
        system_reference="KH-AI-000007",
        system_name="Rice yield *forecaster*",
        cycle_id=7,
        cycle_number=2,
        started_at=AT,
        closed_at=None,
        score=None,
        maturity=None,
        controls=(
            ControlAssessment(ART_10, True, "not_effective", "No data governance.", AT, "Sok"),
            ControlAssessment(POLICY, True, "not_applicable", "Out of scope.", AT, "Sok"),
            ControlAssessment(EXCLUDED, False),
        ),
        nonconformities=(
            Nonconformity("No owner for the model.", None, "minor", "", None, "open", AT),
        ),
        evidence=(
            EvidenceItem("Policy", "file", sha, None, "application/pdf", (POLICY,)),
            EvidenceItem("Policy again", "file", sha, None, "application/pdf", (ART_10,)),
            EvidenceItem("Bias test", "test_result", None, "https://x.example/t", None, (ART_10,)),
        ),
        gates=(GateSignOff("plan", "Dara", AT, 3),),
    )
    return replace(data, **changes)


def test_an_open_cycle_with_edge_cases_exports_valid_results() -> None:
    document = export(small())
    assert_valid(document)
    assert_references_resolve(document)
    result = results_of(document)
    assert "end" not in result, "an open cycle has no end yet"
    assert "score" not in props(document["assessment-results"]["metadata"])
    title = document["assessment-results"]["metadata"]["title"]
    assert "Rice yield \\*forecaster\\*" in title, "a name is Markdown-escaped, shown as typed"
    (selection,) = result["reviewed-controls"]["control-selections"]
    assert selection["exclude-controls"] == [{"control-id": oscal.control_id(EXCLUDED)}]
    targets = {f["target"]["target-id"]: f["target"] for f in result["findings"]}
    assert targets[oscal.control_id(ART_10)]["status"] == {
        "state": "not-satisfied",
        "reason": "fail",
    }
    assert targets[oscal.control_id(POLICY)]["status"]["state"] == "satisfied"
    assert targets[oscal.control_id(POLICY)]["implementation-status"] == {"state": "not-applicable"}
    methods = {props(o).get("urn"): o["methods"] for o in result["observations"]}
    assert methods[ART_10] == ["EXAMINE", "TEST"]
    (unattached,) = [o for o in result["observations"] if o["types"] == ["finding"]]
    assert unattached["description"] == "No owner for the model."
    files = [r for r in document["assessment-results"]["back-matter"]["resources"] if "rlinks" in r]
    assert len(files) == 1, "a file offered twice is one resource"
    assert files[0]["rlinks"][0]["href"].startswith("ni:///sha-256;")


def test_a_control_without_evidence_claims_no_method() -> None:
    document = export(small(evidence=()))
    assert_valid(document)
    assert {tuple(o["methods"]) for o in results_of(document)["observations"]} == {("UNKNOWN",)}


def test_the_schema_rejects_a_finding_without_target() -> None:
    broken = copy.deepcopy(export(small()))
    del results_of(broken)["findings"][0]["target"]
    assert violations(broken) == [
        '/assessment-results/results/0/findings/0: "target" is a required property'
    ]
    wrong_state = copy.deepcopy(export(small()))
    results_of(wrong_state)["findings"][0]["target"]["status"]["state"] = "partly"
    assert violations(wrong_state)


def test_what_oscal_cannot_say_is_refused() -> None:
    nothing = small(controls=(ControlAssessment(ART_10, False),))
    with pytest.raises(ValueError, match="at least one control"):
        export(nothing)
    unknown = small(controls=(ControlAssessment(ART_10, True, "perfect", "x", AT, None),))
    with pytest.raises(ValueError, match="perfect"):
        export(unknown)
    with pytest.raises(ValueError, match="timezone"):
        oscal_results.assessment_results(
            small(),
            catalog_href=CATALOG_HREF,
            generated_at=datetime(2026, 1, 1),  # naive
        )


def test_a_due_date_and_an_action_travel_with_an_unattached_nonconformity() -> None:
    nc = Nonconformity("Logs not kept.", None, "major", "Keep logs", date(2027, 1, 31), "open", AT)
    document = export(small(nonconformities=(nc,)))
    assert_valid(document)
    (unattached,) = [o for o in results_of(document)["observations"] if o["types"] == ["finding"]]
    assert props(unattached)["due-date"] == "2027-01-31"
    assert unattached["remarks"] == "Corrective action: Keep logs"

"""The OSCAL export: valid against NIST's schemas, complete, self-consistent and stable.

The schemas do not check that ids are unique or that references resolve, so these tests do:
a GRC tool that imports the catalog or resolves a profile would otherwise fail, or silently
drop requirements, long after the export looked fine.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
import textwrap
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from soai.catalog import oscal
from soai.catalog.catalogue import Catalogue, load
from soai.catalog.service import catalogue as shipped_catalogue
from soai.errors import NotFound

SCHEMAS = Path(__file__).parent / "oscal_schemas"
SCHEMA_SHA256 = {
    "oscal_catalog_schema.json": "37d8dbb0b2b4ffb1d7973d455e8edcb38eaf73a50d01ffdbe3ac20285b9cb6ee",
    "oscal_profile_schema.json": "fd9a6564b84ba8334b5a1b5aa785188fcd5361f596a4ab2db21ad3f33d8b8a26",
}
GENERATED_AT = datetime(2026, 11, 27, 9, 30, tzinfo=timezone(timedelta(hours=7)))  # Phnom Penh
KHMER = re.compile(r"[\u1780-\u17ff]")


# --- validating against the official schemas ---------------------------------------------------


@functools.cache
def _validator(model: str) -> jsonschema_rs.Draft7Validator:
    schema = json.loads((SCHEMAS / f"oscal_{model}_schema.json").read_text(encoding="utf-8"))
    return jsonschema_rs.Draft7Validator(schema, validate_formats=True)


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
    """Every way ``document`` breaks its OSCAL schema, as ``/json/path: message`` lines."""
    (model,) = document
    found = {
        "/" + "/".join(map(str, leaf.instance_path)) + f": {leaf.message}"
        for error in _validator(model).iter_errors(document)
        for leaf in _leaves(error)
    }
    return sorted(found)


def assert_valid(document: dict[str, Any]) -> None:
    problems = violations(document)
    assert not problems, f"a GRC tool would reject this OSCAL {next(iter(document))}: " + "\n".join(
        problems[:20]
    )


# --- walking a document ------------------------------------------------------------------------


def controls(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every control under ``node`` (a catalog, group or control), depth first."""
    for group in node.get("groups", []):
        yield from controls(group)
    for control in node.get("controls", []):
        yield control
        yield from controls(control)


def prop(control: dict[str, Any], name: str) -> list[str]:
    return [p["value"] for p in control.get("props", []) if p["name"] == name]


def export(catalogue: Catalogue, language: str = "en") -> dict[str, Any]:
    return oscal.catalog_document(catalogue, language=language, generated_at=GENERATED_AT)


def profile(catalogue: Catalogue, urns: list[str], **extra: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "title": "Applicable requirements of the ACME credit scorer",
        "catalog_href": "https://soai.example/catalog/oscal/catalog.json",
        "generated_at": GENERATED_AT,
        "version": "1",
    } | extra
    return oscal.profile_document(urns=urns, catalogue=catalogue, **arguments)


@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    return shipped_catalogue()


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    """A small catalogue with what the shipped one may lack: crosswalks, three levels of
    nesting, a framework id starting with a digit, no URL, a blank citation, a two-line title."""
    folder = tmp_path_factory.mktemp("catalogue")
    (folder / "alpha-law.yaml").write_text(
        textwrap.dedent("""\
        framework:
          id: alpha-law
          short: Alpha Law
          title: {en: "Alpha law on\\n  artificial intelligence", km: "ច្បាប់អាល់ហ្វា"}
          kind: law
          publisher: Alpha
          citation: "Alpha Law No. 1 of 2026"
          url: "https://example.org/alpha"
          published: 2026-01-15
          data_version: "2026.1"
        timelines:
          enacted: {en: As enacted, km: តាមច្បាប់, source: "Art. 99"}
          amended: {en: As amended, km: តាមវិសោធនកម្ម, source: "Amendment 1"}
        requirements:
          - id: art-1-1-a
            ref: "Art. 1(1)(a)"
            kind: point
            parent: art-1-1
            title: {en: Point a, km: ចំណុច ក}
            summary: {en: "First point.", km: "ចំណុចទីមួយ។"}
            citation: "Alpha Law, Art. 1(1)(a)"
            status: in-force
          - id: art-1
            ref: "Art. 1"
            kind: article
            title: {en: Risk management, km: ការគ្រប់គ្រងហានិភ័យ}
            summary: {en: "Manage risks.", km: "គ្រប់គ្រងហានិភ័យ។"}
            citation: "Alpha Law, Art. 1"
            status: in-force
            applies_from: {enacted: 2026-08-02, amended: 2027-12-02}
            applies_to: {roles: [provider], risk: [high]}
            keywords: [risk, "risk management"]
          - id: art-1-1
            ref: "Art. 1(1)"
            kind: paragraph
            parent: art-1
            title: {en: Risk register, km: បញ្ជីហានិភ័យ}
            summary: {en: "Keep a register.", km: "រក្សាបញ្ជី។"}
            citation: " "
            status: anticipated
            applies_from: 2027-01-01
        """),
        encoding="utf-8",
    )
    (folder / "42001-ext.yaml").write_text(
        textwrap.dedent("""\
        framework:
          id: 42001-ext
          short: Ext
          title: {en: Extension, km: ផ្នែកបន្ថែម}
          kind: standard
          publisher: Nobody
          citation: "Extension 1"
          data_version: "0.1"
        requirements:
          - id: 1-a
            ref: "1.a"
            kind: control
            title: {en: Control one, km: វិធានការទីមួយ}
            summary: {en: "Do one.", km: "ធ្វើមួយ។"}
            citation: "Extension 1, 1.a"
            status: guidance
        """),
        encoding="utf-8",
    )
    (folder / "crosswalks.yaml").write_text(
        textwrap.dedent("""\
        data_version: "1"
        crosswalks:
          - from: "urn:soai:alpha-law:art-1-1"
            to: ["urn:soai:42001-ext:1-a", "urn:soai:alpha-law:art-1"]
            note: {en: Same duty, km: កាតព្វកិច្ចដូចគ្នា}
        """),
        encoding="utf-8",
    )
    return load(folder)


# --- the schema files --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SCHEMA_SHA256))
def test_schema_files_are_nists_unmodified(name: str) -> None:
    digest = hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest()
    assert digest == SCHEMA_SHA256[name], f"{name} is not the official OSCAL schema any more"
    readme = (SCHEMAS / "README.md").read_text(encoding="utf-8")
    assert digest in readme, f"oscal_schemas/README.md does not state the SHA-256 of {name}"


def test_the_validator_rejects_broken_documents(shipped: Catalogue) -> None:
    """Proof that a green test means something: the schemas do catch mistakes."""
    document = export(shipped)
    untitled = copy.deepcopy(document)
    del untitled["catalog"]["metadata"]["title"]
    assert any("title" in v for v in violations(untitled)), "a catalog without a title passed"

    colon = copy.deepcopy(document)
    colon["catalog"]["groups"][0]["controls"][0]["id"] = "urn:soai:eu-ai-act:art-9"
    assert violations(colon), "a control id with ':' (not an OSCAL token) passed"

    naive = copy.deepcopy(document)
    naive["catalog"]["metadata"]["last-modified"] = "2026-11-27T09:30:00"
    assert violations(naive), "a last-modified without a timezone passed"

    selection = profile(shipped, [next(iter(shipped.requirements))])
    selection["profile"]["imports"][0]["include-controls"][0]["with-ids"] = []
    assert violations(selection), "a profile selecting an empty list of controls passed"


# --- the catalog -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "km"])
def test_shipped_catalogue_exports_as_valid_oscal(shipped: Catalogue, language: str) -> None:
    assert_valid(export(shipped, language))


@pytest.mark.parametrize("language", ["en", "km"])
def test_edge_catalogue_exports_as_valid_oscal(edge: Catalogue, language: str) -> None:
    assert_valid(export(edge, language))


def test_an_empty_catalogue_exports_as_valid_oscal(tmp_path: Path) -> None:
    document = export(load(tmp_path))
    assert_valid(document)
    assert "groups" not in document["catalog"], "an empty catalogue exported empty groups"


@pytest.mark.parametrize("fixture", ["shipped", "edge"])
def test_every_requirement_is_exactly_one_control(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    catalogue: Catalogue = request.getfixturevalue(fixture)
    exported = list(controls(export(catalogue)["catalog"]))
    assert len(exported) == len(catalogue.requirements), (
        f"the export has {len(exported)} controls for {len(catalogue.requirements)} requirements"
    )
    urns = [urn for control in exported for urn in prop(control, "urn")]
    assert sorted(urns) == sorted(catalogue.requirements), "a requirement is missing or doubled"


@pytest.mark.parametrize("fixture", ["shipped", "edge"])
def test_control_ids_are_unique_and_every_link_resolves(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    catalogue: Catalogue = request.getfixturevalue(fixture)
    catalog = export(catalogue)["catalog"]
    ids = [control["id"] for control in controls(catalog)]
    doubled = sorted({i for i in ids if ids.count(i) > 1})
    assert not doubled, f"two controls share the id(s) {doubled}"
    anchors = set(ids) | {r["uuid"] for r in catalog.get("back-matter", {}).get("resources", [])}
    nodes = [*catalog.get("groups", []), *controls(catalog)]
    hrefs = [link["href"] for node in nodes for link in node.get("links", [])]
    dangling = sorted({h for h in hrefs if h.startswith("#") and h[1:] not in anchors})
    assert not dangling, f"links point to nothing in the catalog: {dangling}"


@pytest.mark.parametrize("fixture", ["shipped", "edge"])
def test_sub_controls_sit_under_their_parent_requirement(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    catalogue: Catalogue = request.getfixturevalue(fixture)
    catalog = export(catalogue)["catalog"]
    for group in catalog.get("groups", []):
        for top in group.get("controls", []):
            assert catalogue.get(oscal.urn_of_control(top["id"])).parent is None
            assert oscal.urn_of_control(top["id"]).startswith(
                f"urn:soai:{group['id'].lstrip('_')}:"
            )
    for control in controls(catalog):
        urn = oscal.urn_of_control(control["id"])
        nested = [oscal.urn_of_control(c["id"]) for c in control.get("controls", [])]
        assert nested == list(catalogue.children(urn)), f"{urn} shows the wrong sub-requirements"


def test_a_control_carries_every_fact_of_its_requirement(edge: Catalogue) -> None:
    catalog = export(edge)["catalog"]
    by_id = {c["id"]: c for c in controls(catalog)}
    article = by_id["alpha-law_art-1"]
    assert article["title"] == "Risk management"
    assert article["class"] == "article"
    assert prop(article, "label") == ["Art. 1"]
    assert prop(article, "urn") == ["urn:soai:alpha-law:art-1"]
    assert prop(article, "status") == ["in-force"]
    assert prop(article, "role") == ["provider"] and prop(article, "risk") == ["high"]
    dates = {p.get("class"): p["value"] for p in article["props"] if p["name"] == "applies-from"}
    assert dates == {"enacted": "2026-08-02", "amended": "2027-12-02"}, "timelines got lost"
    parts = {p["name"]: p["prose"] for p in article["parts"]}
    assert parts == {"statement": "Manage risks.", "guidance": "Alpha Law, Art. 1"}
    soai_props = [p for p in article["props"] if p["name"] != "label"]
    assert all(p["ns"] == oscal.NS for p in soai_props), "a soai-only prop lacks the soai namespace"

    paragraph = by_id["alpha-law_art-1-1"]
    assert [p["name"] for p in paragraph["parts"]] == ["statement"], "a blank citation was exported"
    assert [
        (p.get("class"), p["value"]) for p in paragraph["props"] if p["name"] == "applies-from"
    ] == [(None, "2027-01-01")], "a date for every timeline should carry no timeline class"


def test_crosswalks_become_related_links_both_ways(edge: Catalogue) -> None:
    by_id = {c["id"]: c for c in controls(export(edge)["catalog"])}
    links = by_id["alpha-law_art-1-1"]["links"]
    assert [(link["rel"], link["href"]) for link in links] == [
        ("related", "#_42001-ext_1-a"),
        ("related", "#alpha-law_art-1"),
    ]
    assert links[0]["text"] == "Ext 1.a"
    back = by_id["_42001-ext_1-a"]["links"]
    assert [link["href"] for link in back] == ["#alpha-law_art-1-1"], "crosswalk is one-way only"


def test_frameworks_are_groups_citing_their_source(edge: Catalogue) -> None:
    catalog = export(edge)["catalog"]
    group = next(g for g in catalog["groups"] if g["id"] == "alpha-law")
    assert group["title"] == "Alpha law on artificial intelligence", "a title kept its line break"
    assert {p["name"]: p["value"] for p in group["props"]} == {
        "label": "Alpha Law",
        "kind": "law",
        "publisher": "Alpha",
        "citation": "Alpha Law No. 1 of 2026",
        "published": "2026-01-15",
    }
    resources = {r["uuid"]: r for r in catalog["back-matter"]["resources"]}
    cited = [link["href"][1:] for link in group["links"] if link["href"].startswith("#")]
    assert [resources[u]["citation"]["text"] for u in cited] == ["Alpha Law No. 1 of 2026"]
    assert resources[cited[0]]["rlinks"] == [{"href": "https://example.org/alpha"}]
    assert {"href": "https://example.org/alpha", "rel": "reference"} in group["links"]
    no_url = next(g for g in catalog["groups"] if g["id"] == "_42001-ext")
    assert all(link["href"].startswith("#") for link in no_url["links"])


def test_metadata_names_the_catalogue_and_data_versions(shipped: Catalogue) -> None:
    metadata = export(shipped)["catalog"]["metadata"]
    assert metadata["version"] == shipped.version[:12]
    assert metadata["oscal-version"] == "1.1.3"
    assert metadata["last-modified"] == "2026-11-27T02:30:00Z", "time not given in UTC"
    versions = {
        p.get("class"): p["value"] for p in metadata["props"] if p["name"] == "data-version"
    }
    assert versions == {f.id: f.data_version for f in shipped.frameworks.values()}
    assert prop(metadata, "catalogue-version") == [shipped.version]


def test_khmer_export_reads_in_khmer(shipped: Catalogue) -> None:
    catalog = export(shipped, "km")["catalog"]
    assert KHMER.search(catalog["metadata"]["title"]), "the catalog title is not in Khmer"
    for node in [*catalog["groups"], *controls(catalog)]:
        assert KHMER.search(node["title"]), f"{node['id']} has no Khmer title"
    for control in controls(catalog):
        statement = next(p for p in control["parts"] if p["name"] == "statement")
        assert KHMER.search(statement["prose"]), f"{control['id']} has no Khmer statement"


def test_the_export_is_deterministic(shipped: Catalogue, edge: Catalogue) -> None:
    first = json.dumps(export(shipped), ensure_ascii=False)
    assert json.dumps(export(load()), ensure_ascii=False) == first, "same catalogue, other bytes"
    english, khmer, other = export(shipped), export(shipped, "km"), export(edge)
    uuids = {d["catalog"]["uuid"] for d in (english, khmer, other)}
    assert len(uuids) == 3, "different documents must not share a uuid"


def test_naive_time_and_unknown_language_are_refused(shipped: Catalogue) -> None:
    with pytest.raises(ValueError, match="timezone"):
        oscal.catalog_document(shipped, generated_at=datetime(2026, 11, 27, 9, 30))
    with pytest.raises(ValueError, match="fr"):
        oscal.catalog_document(shipped, language="fr", generated_at=GENERATED_AT)


# --- control ids -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("urn", "control"),
    [
        ("urn:soai:eu-ai-act:art-9", "eu-ai-act_art-9"),
        ("urn:soai:iso-42001:a-6-2-4", "iso-42001_a-6-2-4"),
        ("urn:soai:nist-ai-rmf:govern-1-1", "nist-ai-rmf_govern-1-1"),
        ("urn:soai:42001-ext:1-a", "_42001-ext_1-a"),
    ],
)
def test_control_id_of_a_urn_and_back(urn: str, control: str) -> None:
    assert oscal.control_id(urn) == control
    assert oscal.urn_of_control(control) == urn


def test_every_shipped_urn_maps_to_a_control_id_and_back(shipped: Catalogue) -> None:
    for urn in shipped.requirements:
        assert oscal.urn_of_control(oscal.control_id(urn)) == urn


@pytest.mark.parametrize(
    "urn", ["urn:other:eu-ai-act:art-9", "urn:soai:eu-ai-act", "urn:soai:EU:art-9", "art-9"]
)
def test_a_urn_that_is_not_soais_has_no_control_id(urn: str) -> None:
    with pytest.raises(NotFound):
        oscal.control_id(urn)


@pytest.mark.parametrize(
    "control", ["eu-ai-act-art-9", "_eu-ai-act_art-9", "42001-ext_1-a", "a_b_c", "", "_"]
)
def test_a_control_id_not_made_by_the_export_names_no_requirement(control: str) -> None:
    with pytest.raises(NotFound):
        oscal.urn_of_control(control)


# --- profiles ----------------------------------------------------------------------------------


def _applicable(catalogue: Catalogue) -> list[str]:
    """What a high-risk provider's export holds: its obligations and everything crosswalked."""
    obligations = [
        r.urn for r in catalogue.requirements.values() if r.binds(role="provider", risk="high")
    ]
    return obligations + [u for urn in obligations for u in catalogue.related(urn)]


def _selections(catalogue: Catalogue) -> dict[str, list[str]]:
    urns = list(catalogue.requirements)
    first = next(iter(catalogue.frameworks))
    return {
        "one requirement": urns[:1],
        "one framework": [r.urn for r in catalogue.of_framework(first)],
        "a high-risk provider": _applicable(catalogue),
        "everything, twice, backwards": urns[::-1] + urns,
    }


@pytest.mark.parametrize(
    "selection",
    ["one requirement", "one framework", "a high-risk provider", "everything, twice, backwards"],
)
def test_profiles_are_valid_and_select_controls_of_the_catalog(
    shipped: Catalogue, selection: str
) -> None:
    urns = _selections(shipped)[selection]
    document = profile(shipped, urns, remarks="Exported for the ACME review.")
    assert_valid(document)
    (imported,) = document["profile"]["imports"]
    (include,) = imported["include-controls"]
    catalog_ids = [c["id"] for c in controls(export(shipped)["catalog"])]
    missing = sorted(set(include["with-ids"]) - set(catalog_ids))
    assert not missing, f"the profile selects controls the catalog does not have: {missing}"
    expected = [oscal.control_id(u) for u in shipped.requirements if u in set(urns)]
    assert include["with-ids"] == expected, "controls not in catalogue order, or not each once"
    assert document["profile"]["merge"] == {"as-is": True}


def test_profile_of_the_edge_catalogue(edge: Catalogue) -> None:
    document = profile(
        edge, ["urn:soai:alpha-law:art-1-1", *edge.related("urn:soai:alpha-law:art-1-1")]
    )
    assert_valid(document)
    with_ids = document["profile"]["imports"][0]["include-controls"][0]["with-ids"]
    assert with_ids == ["_42001-ext_1-a", "alpha-law_art-1", "alpha-law_art-1-1"], (
        "not in catalogue order (files by name, requirements as listed)"
    )


def test_profile_names_its_catalog_and_is_stable(shipped: Catalogue) -> None:
    urns = list(shipped.requirements)[:3]
    document = profile(shipped, urns, title="  ACME\n scorer  ", version="2026-11-27")
    metadata = document["profile"]["metadata"]
    assert metadata["title"] == "ACME scorer"
    assert metadata["version"] == "2026-11-27"
    assert metadata["last-modified"] == "2026-11-27T02:30:00Z"
    assert prop(metadata, "catalogue-version") == [shipped.version]
    assert (
        document["profile"]["imports"][0]["href"]
        == "https://soai.example/catalog/oscal/catalog.json"
    )
    again = profile(shipped, list(reversed(urns)), title="ACME scorer", version="2026-11-27")
    assert again == document, "the same selection exported twice differs"
    other = profile(shipped, urns[:2], title="ACME scorer", version="2026-11-27")
    assert other["profile"]["uuid"] != document["profile"]["uuid"], "two selections share a uuid"


def test_profile_of_an_unknown_requirement_is_not_found(shipped: Catalogue) -> None:
    with pytest.raises(NotFound, match="urn:soai:eu-ai-act:art-999"):
        profile(shipped, [next(iter(shipped.requirements)), "urn:soai:eu-ai-act:art-999"])


def test_profile_needs_a_selection_and_a_title(shipped: Catalogue) -> None:
    with pytest.raises(ValueError, match="at least one"):
        profile(shipped, [])
    with pytest.raises(ValueError, match="title"):
        profile(shipped, list(shipped.requirements)[:1], title=" \n ")

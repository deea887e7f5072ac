"""The shipped catalogue holds what the frameworks contain, and every crosswalk leads somewhere."""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

from soai.catalog.catalogue import DATA, CatalogueError, load
from soai.catalog.service import catalogue, search
from soai.errors import NotFound


def kinds(framework: str) -> Counter[str]:
    return Counter(r.kind for r in catalogue().of_framework(framework))


def test_iso_42001_has_clauses_4_to_10_and_the_38_annex_a_controls_in_9_objectives() -> None:
    iso = kinds("iso-42001")
    assert iso["control"] == 38
    assert iso["objective"] == 9
    clauses = {r.ref for r in catalogue().of_framework("iso-42001") if r.kind == "clause"}
    assert {f"Clause {n}" for n in range(4, 11)} <= clauses
    per_objective = Counter(
        r.parent.rsplit(":", 1)[1]
        for r in catalogue().of_framework("iso-42001")
        if r.kind == "control" and r.parent
    )
    assert per_objective == {
        "a-2": 3,
        "a-3": 2,
        "a-4": 5,
        "a-5": 4,
        "a-6": 9,
        "a-7": 5,
        "a-8": 4,
        "a-9": 3,
        "a-10": 3,
    }


def test_nist_ai_rmf_has_4_functions_19_categories_72_subcategories() -> None:
    nist = kinds("nist-ai-rmf")
    assert (nist["function"], nist["category"], nist["subcategory"]) == (4, 19, 72)
    per_function = Counter(
        r.urn.rsplit(":", 1)[1].split("-")[0]
        for r in catalogue().of_framework("nist-ai-rmf")
        if r.kind == "subcategory"
    )
    assert per_function == {"govern": 19, "map": 18, "measure": 22, "manage": 13}


def test_the_asean_guide_has_its_seven_principles() -> None:
    assert kinds("asean-guide")["principle"] == 7


def test_the_eu_ai_act_articles_the_registry_needs_are_there_with_application_dates() -> None:
    c = catalogue()
    for number in (
        4,
        5,
        6,
        9,
        10,
        11,
        12,
        13,
        14,
        15,
        16,
        17,
        26,
        27,
        43,
        49,
        50,
        51,
        52,
        53,
        54,
        55,
        72,
        73,
    ):
        assert f"urn:soai:eu-ai-act:art-{number}" in c.requirements, number
    prohibitions = [u for u in c.requirements if u.startswith("urn:soai:eu-ai-act:art-5-1-")]
    assert len(prohibitions) == 8
    art5 = c.get("urn:soai:eu-ai-act:art-5")
    assert str(art5.applies_from_in("enacted")) == "2025-02-02"
    art9 = c.get("urn:soai:eu-ai-act:art-9")
    assert str(art9.applies_from_in("enacted")) == "2026-08-02"
    assert str(art9.applies_from_in("omnibus")) == "2027-12-02", "the Digital Omnibus timeline"
    assert "high" in art9.risks and "provider" in art9.roles


def test_cambodian_duties_from_drafts_are_labelled_anticipated() -> None:
    pdpl = [r for r in catalogue().of_framework("kh") if r.id.startswith("pdpl-")]
    assert pdpl, "the draft Personal Data Protection Law's duties are in the overlay"
    assert {r.status for r in pdpl} == {"anticipated"}
    phases = [r for r in catalogue().of_framework("kh") if r.kind == "phase"]
    assert len(phases) == 4


def test_every_requirement_has_a_urn_a_citation_and_english_and_khmer_text() -> None:
    for urn, r in catalogue().requirements.items():
        assert urn.startswith("urn:soai:") and urn == f"urn:soai:{r.framework}:{r.id}"
        assert r.citation.strip(), urn
        for field in (r.title, r.summary):
            assert field["en"].strip() and field["km"].strip(), urn
            assert any("\u1780" <= ch <= "\u17ff" for ch in field["km"]), f"{urn}: km not Khmer"
            assert unicodedata.normalize("NFC", field["km"]) == field["km"], urn


def test_every_crosswalk_end_exists_and_links_eu_articles_to_other_frameworks() -> None:
    c = catalogue()
    assert c.crosswalks, "crosswalks are shipped"
    for walk in c.crosswalks:
        assert walk.source in c.requirements
        assert all(target in c.requirements for target in walk.targets)
    art10 = c.related("urn:soai:eu-ai-act:art-10")
    frameworks = {urn.split(":")[2] for urn in art10}
    assert {"iso-42001", "nist-ai-rmf"} <= frameworks, "data governance maps to ISO and NIST"
    assert "urn:soai:eu-ai-act:art-10" in c.related(art10[0]), "links work both ways"


def test_the_catalogue_version_is_a_digest_of_its_content() -> None:
    assert len(catalogue().version) == 64
    assert load().version == catalogue().version


def test_search_finds_english_and_khmer_and_references() -> None:
    found = search(query="human oversight")
    assert found and found[0].urn == "urn:soai:eu-ai-act:art-14"
    assert any(r.urn == "urn:soai:eu-ai-act:art-9" for r in search(query="Art. 9"))
    khmer_title = catalogue().get("urn:soai:eu-ai-act:art-10").title["km"]
    word = khmer_title[:6]
    assert any(r.urn == "urn:soai:eu-ai-act:art-10" for r in search(query=word, language="km"))
    assert search(query="no-such-words-anywhere") == []
    assert {r.framework for r in search(framework="asean-guide")} == {"asean-guide"}


def test_an_unknown_urn_is_not_found() -> None:
    with pytest.raises(NotFound, match="urn:soai:eu-ai-act:art-999"):
        catalogue().get("urn:soai:eu-ai-act:art-999")


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    target.mkdir()
    for path in DATA.glob("*.yaml"):
        (target / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def test_a_crosswalk_to_a_missing_requirement_is_refused_naming_file_and_urn(
    tmp_path: Path,
) -> None:
    data = _copy_data(tmp_path)
    walks = yaml.safe_load((data / "crosswalks.yaml").read_text(encoding="utf-8"))
    walks["crosswalks"][0]["to"].append("urn:soai:iso-42001:a-99-9")
    (data / "crosswalks.yaml").write_text(yaml.safe_dump(walks, allow_unicode=True))
    with pytest.raises(CatalogueError, match=r"crosswalks\.yaml.*urn:soai:iso-42001:a-99-9"):
        load(data)


def test_a_requirement_missing_its_khmer_title_is_refused_naming_it(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    asean = yaml.safe_load((data / "asean-guide.yaml").read_text(encoding="utf-8"))
    del asean["requirements"][0]["title"]["km"]
    first = asean["requirements"][0]["id"]
    (data / "asean-guide.yaml").write_text(yaml.safe_dump(asean, allow_unicode=True))
    with pytest.raises(CatalogueError, match=rf"requirements\[{first}\]\.title\.km"):
        load(data)

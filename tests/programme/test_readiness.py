"""The national readiness assessment: the shipped questionnaire, scoring, gaps, bad files and
bad answers."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from soai.errors import ConfigurationError, InvalidInput, NotFound
from soai.programme import readiness
from soai.programme.readiness import Questionnaire, ReadinessError, Text

KHMER = re.compile("[\u1780-\u17ff]")
PILLARS = ["policy-law", "institutions", "skills", "infrastructure", "data", "adoption"]
SECTORS = ["finance", "e-commerce", "agriculture", "public-sector"]


def text(en: str) -> dict[str, str]:
    return {"en": en, "km": f"អត្ថបទ {en}"}


def question(qid: str, pillar: str, *, phase: int, target: int) -> dict[str, Any]:
    return {
        "id": qid,
        "pillar": pillar,
        "scale": "maturity",
        "target": target,
        "phase": phase,
        "text": text(f"Question {qid}?"),
        "guidance": text(f"Evidence for {qid}."),
        "action": text(f"Action for {qid}."),
    }


def small() -> dict[str, Any]:
    """Four pillars (beta weighs 3), seven national questions, one sector."""
    return {
        "version": "test",
        "title": text("Readiness"),
        "levels": [{"value": v, "label": text(f"level {v}")} for v in range(5)],
        "pillars": [
            {
                "id": pid,
                "title": text(pid),
                "description": text(f"About {pid}."),
                "weight": weight,
                "sources": ["A source, on a topic"],
            }
            for pid, weight in [("alpha", 1), ("beta", 3), ("gamma", 1), ("delta", 1)]
        ],
        "national": [
            question("a-1", "alpha", phase=2, target=3),
            question("a-2", "alpha", phase=1, target=3),
            question("a-3", "alpha", phase=1, target=2),
            question("b-1", "beta", phase=1, target=4),
            question("b-2", "beta", phase=2, target=3),
            question("g-1", "gamma", phase=1, target=3),
            question("d-1", "delta", phase=2, target=3),
        ],
        "sectors": [
            {
                "id": "farm",
                "title": text("Farms"),
                "questions": [
                    question("f-1", "alpha", phase=1, target=3),
                    question("f-2", "gamma", phase=3, target=3),
                ],
            }
        ],
    }


def write(tmp_path: Path, data: dict[str, Any], name: str = "readiness.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# a-1=4, a-2=1, a-3 "don't know", b-1=1, b-2=3, g-1=1, d-1 not given
ANSWERS: dict[str, int | None] = {"a-1": 4, "a-2": 1, "a-3": None, "b-1": 1, "b-2": 3, "g-1": 1}


@pytest.fixture
def q(tmp_path: Path) -> Questionnaire:
    return readiness.load(write(tmp_path, small()))


# --- the shipped file ---------------------------------------------------------------------


def test_shipped_file_loads_with_its_pillars_and_sectors() -> None:
    shipped = readiness.load()
    assert shipped is readiness.load()  # cached
    assert [p.id for p in shipped.pillars] == PILLARS
    assert shipped.scopes == ("national", *SECTORS)
    assert [level.value for level in shipped.levels] == [0, 1, 2, 3, 4]
    for pillar in shipped.pillars:
        count = sum(1 for x in shipped.national if x.pillar == pillar.id)
        assert 5 <= count <= 7, pillar.id
        assert pillar.weight > 0 and pillar.sources
    for sector in shipped.sectors:
        assert 4 <= len(sector.questions) <= 6, sector.id
    for x in (*shipped.national, *(x for s in shipped.sectors for x in s.questions)):
        assert 1 <= x.phase <= 4 and 1 <= x.target <= 4, x.id


def _texts(shipped: Questionnaire) -> list[tuple[str, Text]]:
    found: list[tuple[str, Text]] = [("title", shipped.title)]
    found += [(f"level {lv.value}", lv.label) for lv in shipped.levels]
    for p in shipped.pillars:
        found += [(f"{p.id}.title", p.title), (f"{p.id}.description", p.description)]
    found += [(f"{s.id}.title", s.title) for s in shipped.sectors]
    for x in (*shipped.national, *(x for s in shipped.sectors for x in s.questions)):
        found += [(f"{x.id}.text", x.text), (f"{x.id}.guidance", x.guidance)]
        found += [(f"{x.id}.action", x.action)]
    return found


def test_every_shipped_text_is_written_in_khmer() -> None:
    for where, value in _texts(readiness.load()):
        assert KHMER.search(value.km), where
        assert value.km != value.en, where
        # The Khmer says បញ្ញាសិប្បនិម្មិត, not "AI".
        assert not re.search(r"\bAI\b", value.km), where


def test_shipped_questions_read_in_khmer_with_the_agreed_terms() -> None:
    shipped = readiness.load()
    assert "ការត្រៀមខ្លួន" in shipped.title.km
    assert all("សសរស្តម្ភ" in p.description.km for p in shipped.pillars)
    for x in shipped.national:
        assert x.text.km.endswith("?"), x.id
        assert x.guidance.km.startswith("ភស្តុតាង៖"), x.id


def test_shipped_file_scores_and_lists_gaps() -> None:
    shipped = readiness.load()
    ids = [x.id for x in shipped.national]
    established = readiness.score(shipped, "national", dict.fromkeys(ids, 3))
    assert established.index == 75.0 and established.coverage == 1.0
    assert readiness.gaps(shipped, "national", dict.fromkeys(ids, 4)) == []
    unknown = readiness.gaps(shipped, "national", {})
    assert len(unknown) == len(ids) and {g.status for g in unknown} == {"unknown"}
    assert [g.phase for g in unknown] == sorted(g.phase for g in unknown)
    assert readiness.score(shipped, "agriculture", {"agr-1": 2}).index == 50.0


# --- scoring ------------------------------------------------------------------------------


def test_score_matches_a_hand_computed_example(q: Questionnaire) -> None:
    result = readiness.score(q, "national", ANSWERS)
    by_pillar = {p.pillar: p for p in result.pillars}
    # alpha: (4 + 1) / 2 = 2.5 levels -> 2.5 / 4 * 100 = 62.5; a-3 "don't know" is left out
    assert (by_pillar["alpha"].index, by_pillar["alpha"].answered) == (62.5, 2)
    assert by_pillar["alpha"].total == 3
    # beta: (1 + 3) / 2 = 2 -> 50; gamma: 1 -> 25
    assert by_pillar["beta"].index == 50.0
    assert by_pillar["gamma"].index == 25.0
    # overall: (1 x 62.5 + 3 x 50 + 1 x 25) / (1 + 3 + 1) = 237.5 / 5 = 47.5
    assert result.index == 47.5
    assert (result.answered, result.total) == (5, 7)
    assert result.coverage == pytest.approx(0.714286, abs=1e-6)  # 5 / 7


def test_a_pillar_without_answers_has_no_index_not_zero(q: Questionnaire) -> None:
    result = readiness.score(q, "national", ANSWERS)
    delta = next(p for p in result.pillars if p.pillar == "delta")
    assert delta.index is None and (delta.answered, delta.total) == (0, 1)
    nothing = readiness.score(q, "national", {"a-1": None})
    assert nothing.index is None and nothing.coverage == 0.0
    assert all(p.index is None for p in nothing.pillars)
    # an unanswered pillar does not pull the overall index down
    only_alpha = readiness.score(q, "national", {"a-1": 2})
    assert only_alpha.index == 50.0


def test_weights_change_the_overall_index(q: Questionnaire, tmp_path: Path) -> None:
    data = small()
    for pillar in data["pillars"]:
        pillar["weight"] = 1
    equal = readiness.load(write(tmp_path, data, "equal.yaml"))
    # equal weights: (62.5 + 50 + 25) / 3 = 45.8333...
    assert readiness.score(equal, "national", ANSWERS).index == pytest.approx(45.833333)
    # beta (50) weighs 3: 47.5, above the equal-weight mean
    assert readiness.score(q, "national", ANSWERS).index == 47.5
    data["pillars"][0].pop("weight")  # the default weight is 1
    assert readiness.load(write(tmp_path, data, "default.yaml")).pillars[0].weight == 1.0


def test_a_sector_scores_only_its_own_pillars(q: Questionnaire) -> None:
    result = readiness.score(q, "farm", {"f-1": 3, "f-2": 1})
    assert [p.pillar for p in result.pillars] == ["alpha", "gamma"]
    # (75 + 25) / 2 = 50
    assert result.index == 50.0
    with pytest.raises(InvalidInput, match="'a-1'"):
        readiness.score(q, "farm", {"a-1": 3})


def test_results_are_json_ready(q: Questionnaire) -> None:
    result = readiness.score(q, "national", ANSWERS).as_dict()
    assert json.loads(json.dumps(result)) == result
    assert result["pillars"][3] == {
        "pillar": "delta",
        "weight": 1.0,
        "answered": 0,
        "total": 1,
        "index": None,
    }
    gaps = [gap.as_dict() for gap in readiness.gaps(q, "national", ANSWERS)]
    assert json.loads(json.dumps(gaps)) == gaps


# --- gaps ---------------------------------------------------------------------------------


def test_gaps_are_ordered_by_phase_then_shortfall_then_id(q: Questionnaire) -> None:
    found = readiness.gaps(q, "national", ANSWERS)
    # phase 1: b-1 (4 - 1 = 3), a-2 and g-1 (3 - 1 = 2, by id), a-3 unknown; phase 2: d-1
    # unknown. a-1 (4 >= 3) and b-2 (3 >= 3) meet their targets.
    assert [g.question for g in found] == ["b-1", "a-2", "g-1", "a-3", "d-1"]
    assert [g.shortfall for g in found] == [3, 2, 2, None, None]
    assert [g.phase for g in found] == [1, 1, 1, 1, 2]
    b1 = found[0]
    assert (b1.pillar, b1.level, b1.target, b1.status) == ("beta", 1, 4, "below-target")
    assert b1.action.en == "Action for b-1."


def test_unanswered_questions_are_unknown_gaps(q: Questionnaire) -> None:
    a3 = next(g for g in readiness.gaps(q, "national", ANSWERS) if g.question == "a-3")
    assert a3.as_dict() == {
        "question": "a-3",
        "pillar": "alpha",
        "status": "unknown",
        "level": None,
        "target": 2,
        "shortfall": None,
        "phase": 1,
        "action": {"en": "Action for a-3.", "km": "អត្ថបទ Action for a-3."},
    }


# --- bad files ----------------------------------------------------------------------------


def _duplicate(data: dict[str, Any]) -> None:
    data["national"].append(copy.deepcopy(data["national"][0]))


def _unknown_pillar(data: dict[str, Any]) -> None:
    data["national"][0]["pillar"] = "omega"


def _missing_km(data: dict[str, Any]) -> None:
    del data["national"][1]["text"]["km"]


def _english_km(data: dict[str, Any]) -> None:
    data["national"][1]["action"]["km"] = "Action in English"


def _unknown_key(data: dict[str, Any]) -> None:
    data["national"][2]["colour"] = "red"


def _bad_target(data: dict[str, Any]) -> None:
    data["national"][3]["target"] = 5


def _bad_phase(data: dict[str, Any]) -> None:
    data["sectors"][0]["questions"][0]["phase"] = 5


def _zero_weight(data: dict[str, Any]) -> None:
    data["pillars"][1]["weight"] = 0


def _levels_gap(data: dict[str, Any]) -> None:
    del data["levels"][2]


def _id_reused_in_a_sector(data: dict[str, Any]) -> None:
    data["sectors"][0]["questions"][1]["id"] = "a-1"


def _target_zero(data: dict[str, Any]) -> None:
    data["national"][0]["target"] = 0


def _sector_named_national(data: dict[str, Any]) -> None:
    data["sectors"][0]["id"] = "national"


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (_duplicate, ["question 'a-1'", "id", "defined twice"]),
        (_unknown_pillar, ["question 'a-1'", "pillar", "'omega'"]),
        (_missing_km, ["national[a-2].text.km", "Field required"]),
        (_english_km, ["national[a-2].action.km", "Khmer"]),
        (_unknown_key, ["national[a-3].colour", "Extra inputs"]),
        (_bad_target, ["national[b-1].target", "less than or equal to 4"]),
        (_bad_phase, ["sectors[farm].questions[f-1].phase"]),
        (_zero_weight, ["pillars[beta].weight", "greater than 0"]),
        (_levels_gap, ["levels", "0, 1, 3, 4"]),
        (_id_reused_in_a_sector, ["question 'a-1'", "id", "defined twice"]),
        (_target_zero, ["national[a-1].target", "greater than or equal to 1"]),
        (_sector_named_national, ["sectors[national].id", "reserved"]),
    ],
)
def test_bad_files_are_refused_naming_the_id_and_field(
    tmp_path: Path, damage: Any, expected: list[str]
) -> None:
    data = small()
    damage(data)
    path = write(tmp_path, data)
    with pytest.raises(ReadinessError) as caught:
        readiness.load(path)
    message = str(caught.value)
    assert str(path) in message
    for part in expected:
        assert part in message
    assert caught.value.code == "readiness_invalid"
    assert isinstance(caught.value, ConfigurationError) and caught.value.hint


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReadinessError, match="Cannot read"):
        readiness.load(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("national: [", encoding="utf-8")
    with pytest.raises(ReadinessError, match=r"broken\.yaml"):
        readiness.load(broken)


# --- bad answers --------------------------------------------------------------------------


def test_check_answers_fills_in_unanswered_questions(q: Questionnaire) -> None:
    assert readiness.check_answers(q, "farm", {"f-2": 0}) == {"f-1": None, "f-2": 0}


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"zz-9": 1}, "'zz-9' is not in the national"),
        ({"a-1": 5}, "'a-1': level 5 is outside the scale 0 to 4"),
        ({"a-2": -1}, "'a-2': level -1 is outside"),
        ({"b-1": "3"}, "'b-1': the answer must be a whole number"),
        ({"b-2": 2.0}, "'b-2': the answer must be a whole number"),
        ({"g-1": True}, "'g-1': the answer must be a whole number"),
    ],
)
def test_bad_answers_are_refused_naming_the_question(
    q: Questionnaire, answers: dict[str, Any], expected: str
) -> None:
    for function in (readiness.check_answers, readiness.score, readiness.gaps):
        with pytest.raises(InvalidInput) as caught:
            function(q, "national", answers)
        assert expected in str(caught.value)
        assert caught.value.field == next(iter(answers))


def test_an_unknown_scope_is_not_found(q: Questionnaire) -> None:
    with pytest.raises(NotFound, match="'mining'"):
        readiness.score(q, "mining", {})

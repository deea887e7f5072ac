"""The AI system profile (contracts/ai-system-profile.md): what is accepted, and errors that name the field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from soai.errors import InvalidInput
from soai.registry.schemas import ANNEX_III_POINTS, SystemProfile, parse_profile

CONTRACT_EXAMPLE: dict[str, Any] = {
    "name": "ACLEDA retail credit scoring v3",
    "sector": "finance",
    "role": "provider",
    "out_of_scope": [],
    "prohibited_practices": [],
    "annex_i_product": False,
    "annex_iii": ["5(b)"],
    "art_6_3_condition": None,
    "profiling": True,
    "transparency": [],
    "gpai": None,
}


def problem(data: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse_profile(data)
    return caught.value


def test_the_contract_example_parses() -> None:
    profile = parse_profile(CONTRACT_EXAMPLE)

    assert profile.name == "ACLEDA retail credit scoring v3"
    assert profile.annex_iii == ("5(b)",)
    assert profile.profiling is True
    assert profile.gpai is None


def test_missing_optional_keys_take_the_contract_defaults() -> None:
    profile = parse_profile({"name": "Chatbot"})

    assert profile.sector == "other"
    assert profile.role == "provider"
    assert profile.out_of_scope == profile.prohibited_practices == profile.annex_iii == ()
    assert profile.annex_i_product is False
    assert profile.art_6_3_condition is None
    assert profile.profiling is False
    assert profile.transparency == ()
    assert profile.gpai is None


def test_a_gpai_model_takes_its_training_compute_and_designation() -> None:
    profile = parse_profile({"name": "Assistant", "gpai": {"training_flops": 3}})

    assert profile.gpai is not None
    assert profile.gpai.training_flops == 3.0
    assert profile.gpai.designated_systemic is False


def test_the_sector_is_normalised_because_rules_compare_it() -> None:
    assert parse_profile({"name": "x", "sector": " Public-Sector "}).sector == "public-sector"


def test_a_profile_is_immutable() -> None:
    profile = parse_profile({"name": "x"})

    with pytest.raises(ValidationError):
        profile.name = "y"  # type: ignore[misc]


def test_an_unknown_key_is_named_with_the_allowed_keys() -> None:
    error = problem({"name": "x", "annex_3": ["5(b)"]})

    assert error.field == "annex_3"
    assert "'annex_3'" in str(error)
    assert "annex_iii" in str(error)


def test_an_unknown_key_is_reported_before_the_problems_it_may_explain() -> None:
    assert problem({"name": "", "colour": "red"}).field == "colour"


def test_an_unknown_key_inside_gpai_is_named_with_its_path() -> None:
    error = problem({"name": "x", "gpai": {"training_flops": 1e20, "systemic": True}})

    assert error.field == "gpai.systemic"
    assert "designated_systemic" in str(error)


def test_a_bad_annex_iii_point_names_its_position_the_value_and_the_allowed_points() -> None:
    error = problem({"name": "x", "annex_iii": ["5(b)", "2", "5(e)"]})

    assert error.field == "annex_iii[2]"
    assert "'5(e)'" in str(error)
    assert all(point in str(error) for point in ANNEX_III_POINTS)


@pytest.mark.parametrize(
    ("key", "value", "field", "allowed"),
    [
        ("role", "importer", "role", "provider, deployer"),
        ("out_of_scope", ["military", "hobby"], "out_of_scope[1]", "research_only"),
        ("prohibited_practices", ["5(1)(i)"], "prohibited_practices[0]", "5(1)(h)"),
        ("transparency", ["50(5)"], "transparency[0]", "50(4)"),
    ],
)
def test_a_value_outside_its_list_is_named_with_the_allowed_values(
    key: str, value: Any, field: str, allowed: str
) -> None:
    error = problem({"name": "x", key: value})

    assert error.field == field
    assert allowed in str(error)


def test_an_art_6_3_condition_outside_a_to_d_is_refused() -> None:
    error = problem({"name": "x", "annex_iii": ["4(a)"], "art_6_3_condition": "e"})

    assert error.field == "art_6_3_condition"
    assert "a, b, c, d" in str(error)


def test_a_duplicated_value_names_the_second_occurrence() -> None:
    error = problem({"name": "x", "annex_iii": ["4(a)", "5(b)", "4(a)"]})

    assert error.field == "annex_iii[2]"
    assert "'4(a)'" in str(error)


def test_an_art_6_3_condition_without_an_annex_iii_point_is_a_contradiction() -> None:
    error = problem({"name": "x", "art_6_3_condition": "a"})

    assert error.field == "art_6_3_condition"
    assert "annex_iii" in str(error)


@pytest.mark.parametrize("flops", [-1, "1e25", True, float("nan"), float("inf"), None])
def test_training_compute_must_be_a_finite_non_negative_number(flops: Any) -> None:
    error = problem({"name": "x", "gpai": {"training_flops": flops}})

    assert error.field == "gpai.training_flops"


def test_training_compute_is_required_for_a_gpai_model() -> None:
    assert problem({"name": "x", "gpai": {"designated_systemic": True}}).field == (
        "gpai.training_flops"
    )


@pytest.mark.parametrize("name", ["", "   "])
def test_the_name_must_not_be_empty(name: str) -> None:
    error = problem({"name": name})

    assert error.field == "name"
    assert "empty" in str(error)


def test_the_name_is_required() -> None:
    assert problem({"sector": "finance"}).field == "name"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("profiling", "yes"),
        ("annex_i_product", 1),
        ("gpai", {"training_flops": 1, "designated_systemic": "no"}),
    ],
)
def test_yes_and_no_answers_must_be_json_booleans(key: str, value: Any) -> None:
    error = problem({"name": "x", key: value})

    assert error.field in (key, f"{key}.designated_systemic")
    assert "true or false" in str(error)


def test_a_list_answer_given_as_a_string_is_refused() -> None:
    error = problem({"name": "x", "annex_iii": "5(b)"})

    assert error.field == "annex_iii"
    assert "list" in str(error)


def test_gpai_must_be_an_object_or_null() -> None:
    assert problem({"name": "x", "gpai": 1e25}).field == "gpai"


def test_a_profile_that_is_not_an_object_is_refused() -> None:
    error = problem(["name", "x"])

    assert error.field is None
    assert "JSON object" in str(error)


def test_error_messages_are_translatable_msgids_with_named_parameters() -> None:
    error = problem({"name": "x", "annex_iii": ["9(z)"]})

    assert "{value}" in error.message and "{path}" in error.message
    assert error.params["path"] == "annex_iii[0]"
    assert error.render(
        lambda msgid: msgid.replace("is not allowed", "n'est pas permis")
    ).startswith("annex_iii[0]: '9(z)' n'est pas permis")


def test_the_model_refuses_contradictions_when_built_directly_too() -> None:
    with pytest.raises(ValidationError):
        SystemProfile(name="x", art_6_3_condition="b")

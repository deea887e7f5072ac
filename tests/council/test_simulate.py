"""The simulation shows what the quorum bound predicts: safe with up to 10 faulty seats, not 11."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soai.council.protocol import FAULTS
from soai.council.simulate import STRATEGIES, simulate
from soai.errors import InvalidInput

CONTRACT = {"safety_violations", "decided", "escalated", "equivocations_detected"}


@settings(max_examples=60, deadline=None)
@given(
    byzantine=st.integers(0, FAULTS),
    strategy=st.sampled_from(STRATEGIES),
    seed=st.integers(0, 2**32),
    split=st.floats(0, 1),
)
def test_up_to_ten_faulty_seats_never_break_safety_and_every_equivocation_is_caught(
    byzantine: int, strategy: str, seed: int, split: float
) -> None:
    result = simulate(byzantine, strategy, 2, seed, split=split)
    assert result["safety_violations"] == 0
    assert result["equivocations_detected"] == result["equivocations_committed"]
    assert result["decided"] + result["escalated"] == 2
    if strategy == "equivocate":
        assert result["equivocations_detected"] == 2 * byzantine
        assert result["suspended_seats"] == sorted(result["suspended_seats"])
        assert len(result["suspended_seats"]) == byzantine


@settings(max_examples=40, deadline=None)
@given(
    byzantine=st.integers(0, FAULTS),
    strategy=st.sampled_from(STRATEGIES),
    seed=st.integers(0, 2**32),
)
def test_when_the_honest_seats_agree_every_session_decides_despite_ten_faulty_seats(
    byzantine: int, strategy: str, seed: int
) -> None:
    result = simulate(byzantine, strategy, 2, seed, split=0.0)
    assert (result["decided"], result["escalated"]) == (2, 0)
    assert result["honest_split_sessions"] == 0


def test_eleven_equivocators_and_an_even_honest_split_forge_conflicting_decisions() -> None:
    result = simulate(11, "equivocate", 3, seed=7, split=1.0)
    assert result["honest_split_sessions"] == 3
    assert result["safety_violations"] == 3  # two valid certificates for different choices
    assert result["equivocations_detected"] == 33  # caught afterwards, by gossip
    assert len(result["suspended_seats"]) == 11


def test_ten_equivocators_against_the_same_split_cannot_forge_a_second_decision() -> None:
    result = simulate(10, "equivocate", 3, seed=7, split=1.0)
    assert result["safety_violations"] == 0 and result["decided"] == 3  # 12 + 10 = 22 once


def test_silent_seats_block_a_decision_only_when_fewer_than_22_honest_remain() -> None:
    assert simulate(11, "silent", 2, seed=3, split=0.0)["decided"] == 2  # 22 honest
    blocked = simulate(12, "silent", 2, seed=3, split=0.0)
    assert (blocked["decided"], blocked["escalated"]) == (0, 2)


def test_suspending_caught_seats_ends_their_attack_after_the_first_session() -> None:
    result = simulate(10, "equivocate", 3, seed=1, split=0.0, suspend=True)
    assert result["equivocations_detected"] == 10 and result["decided"] == 3


def test_the_result_has_the_cli_contract_keys_and_is_reproducible() -> None:
    result = simulate(4, "random", 2, 5)
    assert result.keys() >= CONTRACT
    assert all(type(result[key]) is int for key in CONTRACT)
    assert result == simulate(4, "random", 2, 5)
    assert simulate(0, "silent", 0)["decided"] == 0


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((34, "random", 1), "byzantine"),
        ((1, "bribe", 1), "strategy"),
        ((1, "silent", -1), "sessions"),
    ],
)
def test_bad_parameters_are_refused_with_the_field_named(
    args: tuple[int, str, int], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        simulate(*args)
    assert caught.value.field == field

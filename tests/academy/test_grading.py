"""Grading: scores by hand, the 100–500 scale through 300 at the pass mark, and bulk = one by one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from soai.academy import bank, forms, grading, programme
from soai.errors import InvalidInput
from tests.academy.itemfiles import write_bank

# a bank of 5 items: keys (original options) and domains (codes)
KEYS = np.array([0, 1, 2, 3, 0], dtype=np.int8)
DOMAINS = np.array([0, 0, 1, 1, 2], dtype=np.int16)


def test_one_attempt_graded_by_hand() -> None:
    items = np.array([[3, 0, 4, 1, 2]])  # shown order: bank rows
    scored = np.array([True, True, True, True, False])  # the last question is pretest
    perms = np.array([[[3, 2, 1, 0], [0, 1, 2, 3], [1, 0, 3, 2], [2, 3, 0, 1], [0, 1, 2, 3]]])
    # q1 item 3 (key d=3): shown position 0 shows d → right; q2 item 0 (key a): answers b → wrong
    # q3 item 4 (key a=0): position 1 shows a → right; q4 item 1 unanswered; q5 pretest right
    answers = np.array([[0, 1, 1, -1, 2]])
    grades = grading.grade(items, scored, answers, perms, KEYS, DOMAINS, 0.75, n_domains=3)
    assert grades.raw.tolist() == [2] and grades.scored_items.tolist() == [4]
    assert grades.percent.tolist() == [50.0]
    assert grades.scaled.tolist() == [233]  # 100 + 200 · 0.5 / 0.75 = 233.3
    assert grades.passed.tolist() == [False]
    assert grades.domain_correct.tolist() == [[0, 1, 1]]
    assert grades.domain_items.tolist() == [[2, 1, 1]]
    assert grades.result(0, ("foundations", "law", "council")) == {
        "raw": 2,
        "scored_items": 4,
        "percent": 50.0,
        "scaled": 233,
        "passed": False,
        "by_domain": {
            "foundations": {"correct": 0, "items": 2, "percent": 0.0},
            "law": {"correct": 1, "items": 1, "percent": 100.0},
            "council": {"correct": 1, "items": 1, "percent": 100.0},
        },
    }
    assert grading.original_options(answers, perms).tolist() == [[3, 1, 0, -1, 2]]


@pytest.mark.parametrize("pass_mark", [0.70, 0.75, 0.80])
def test_the_scale_runs_from_100_through_300_at_the_pass_mark_to_500(pass_mark: float) -> None:
    assert grading.scale(0.0, pass_mark) == 100
    assert grading.scale(pass_mark, pass_mark) == pytest.approx(300)
    assert grading.scale(1.0, pass_mark) == 500
    assert grading.scale((1 + pass_mark) / 2, pass_mark) == pytest.approx(400)
    assert grading.scale(pass_mark / 2, pass_mark) == pytest.approx(200)
    fractions = np.linspace(0, 1, 1001)
    assert (np.diff(grading.scale(fractions, pass_mark)) > 0).all()


@pytest.mark.parametrize(("questions", "pass_mark", "cut"), [(50, 0.7, 35), (100, 0.75, 75),
                                                             (150, 0.8, 120), (50, 0.73, 37)])  # fmt: skip
def test_pass_exactly_from_the_cut_score_and_scaled_300_agrees(
    questions: int, pass_mark: float, cut: int
) -> None:
    raw = np.arange(questions + 1)
    items = np.zeros((questions + 1, questions), dtype=np.int32)  # bank item 0, key a
    answers = np.where(np.arange(questions)[None, :] < raw[:, None], 0, 1)
    keys, domains = np.array([0], dtype=np.int8), np.array([0], dtype=np.int16)
    grades = grading.grade(items, np.ones(questions, bool), answers, None, keys, domains, pass_mark)
    assert grades.raw.tolist() == raw.tolist()
    assert grades.passed.tolist() == (raw >= cut).tolist()
    assert ((grades.scaled >= 300) == grades.passed).all()
    assert 300 <= grades.scaled[cut] < 310 and grades.scaled[cut - 1] < 300
    if abs(cut - questions * pass_mark) < 1e-9:  # exactly at the pass mark
        assert grades.scaled[cut] == 300
    assert grades.scaled[0] == 100 and grades.scaled[-1] == 500
    assert (np.diff(grades.scaled) >= 0).all()


def reference(items, scored, answers, perms, keys, domains, pass_mark):  # type: ignore[no-untyped-def]
    """Attempt by attempt, question by question: the definition, without numpy tricks."""
    out = []
    for row in range(items.shape[0]):
        raw = total = 0
        for q in range(items.shape[1]):
            if not scored[row, q]:
                continue
            total += 1
            shown = answers[row, q]
            raw += shown >= 0 and perms[row, q, shown] == keys[items[row, q]]
        passed = raw >= np.ceil(round(pass_mark * total, 9))
        out.append((raw, total, 100 * raw / total, passed))
    return out


def test_bulk_grading_equals_the_definition_attempt_by_attempt() -> None:
    rng = np.random.default_rng(3)
    n, k, m = 400, 30, 60
    items = np.stack([rng.permutation(m)[:k] for _ in range(n)])
    scored = rng.random((n, k)) < 0.85
    perms = forms.PERMUTATIONS[rng.integers(0, 24, size=(n, k))]
    answers = rng.integers(-1, 4, size=(n, k))
    keys, domains = rng.integers(0, 4, size=m), rng.integers(0, 5, size=m)
    grades = grading.grade(items, scored, answers, perms, keys, domains, 0.3)
    expected = reference(items, scored, answers, perms, keys, domains, 0.3)
    assert grades.raw.tolist() == [e[0] for e in expected]
    assert grades.scored_items.tolist() == [e[1] for e in expected]
    assert np.allclose(grades.percent, [e[2] for e in expected])
    assert grades.passed.tolist() == [e[3] for e in expected]
    assert (grades.domain_correct.sum(axis=1) == grades.raw).all()
    assert (grades.domain_items.sum(axis=1) == grades.scored_items).all()


def test_drawn_forms_graded_for_a_perfect_and_a_guessing_candidate(tmp_path: Path) -> None:
    write_bank(tmp_path, {"foundations": 20, "law": 30, "development": 30, "deployment": 30,
                          "council": 12}, pretest={"law": 20})  # fmt: skip
    the_bank = bank.load(tmp_path, programme.load())
    batch = forms.assemble_many(the_bank, "professional", list(range(200)))
    # the displayed position of each key, and a candidate who always answers "a"
    keys = the_bank.key[batch.items]
    perfect = np.argmax(batch.option_perms == keys[..., None], axis=2)
    wrong_on_pretest = np.where(batch.scored, perfect, (perfect + 1) % 4)
    grades = grading.grade_batch(the_bank, batch, wrong_on_pretest, 0.75)
    assert (grades.raw == 100).all() and (grades.scaled == 500).all() and grades.passed.all()
    assert np.allclose(grades.domain_percent, 100.0)
    guessing = grading.grade_batch(the_bank, batch, np.zeros_like(perfect), 0.75)
    assert abs(guessing.percent.mean() - 25) < 2 and not guessing.passed.any()
    one = grading.grade_batch(the_bank, batch.form(3, the_bank), perfect[3], 0.75)
    assert one.result(0, the_bank.domain_ids)["by_domain"]["law"] == {
        "correct": 25,
        "items": 25,
        "percent": 100.0,
    }


def test_answers_outside_the_options_are_refused() -> None:
    with pytest.raises(InvalidInput, match="displayed option indices"):
        grading.grade(np.zeros((1, 2), int), np.ones(2, bool), np.array([[0, 4]]), None,
                      KEYS, DOMAINS, 0.7)  # fmt: skip

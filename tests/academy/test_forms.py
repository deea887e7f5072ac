"""Forms follow the blueprint, are reproducible from their seed and spread exposure."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from soai.academy import bank, forms, programme
from soai.academy.bank import OPERATIONAL, PRETEST, Bank
from soai.errors import InvalidInput
from tests.academy.itemfiles import item, write, write_bank

POOL = {"foundations": 30, "law": 50, "development": 50, "deployment": 50, "council": 20}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Bank:
    directory = tmp_path_factory.mktemp("items")
    write_bank(directory, POOL, pretest={"law": 10, "council": 10})
    return bank.load(directory, programme.load())


def professional() -> programme.Tier:
    return programme.load().tier("professional")


def test_a_form_follows_the_blueprint_with_unscored_pretest_items(synthetic: Bank) -> None:
    form = forms.assemble(synthetic, "professional", seed=b"candidate 1")
    assert len(form.items) == 115 and len(set(form.item_ids)) == 115
    scored_domains = Counter(synthetic.items[i].domain for i in form.items[form.scored])
    assert scored_domains == dict(professional().blueprint)
    assert (synthetic.status[form.items[form.scored]] == OPERATIONAL).all()
    assert (synthetic.status[form.items[~form.scored]] == PRETEST).all()
    assert int((~form.scored).sum()) == 15
    # question order is shuffled: scored and pretest items are interleaved, domains mixed
    assert not form.scored[:100].all()
    assert len({synthetic.items[i].domain for i in form.items[:10]}) > 1
    assert any(tuple(p) != (0, 1, 2, 3) for p in form.option_perms.tolist())
    assert all(sorted(p) == [0, 1, 2, 3] for p in form.option_perms.tolist())


def test_the_same_seed_gives_the_same_form_and_another_seed_another(synthetic: Bank) -> None:
    first = forms.assemble(synthetic, professional(), seed=b"s")
    again = forms.assemble(synthetic, professional(), seed=b"s")
    other = forms.assemble(synthetic, professional(), seed=b"t")
    assert first.item_ids == again.item_ids
    assert (first.option_perms == again.option_perms).all()
    assert first.seed == again.seed != other.seed
    assert first.item_ids != other.item_ids
    as_int = forms.assemble(synthetic, professional(), seed=7)
    assert as_int.seed != forms.assemble(synthetic, professional(), seed=b"7").seed
    zeros = forms.assemble(synthetic, professional(), seed=b"s", exposure=np.zeros(len(synthetic)))
    assert zeros.item_ids == first.item_ids  # equal exposure is no exposure


def test_assemble_many_gives_the_forms_of_assemble(synthetic: Bank) -> None:
    seeds: list[bytes | int] = [b"a", 2, b"c", 40, b"e"]
    exposure = np.arange(len(synthetic)) % 5
    batch = forms.assemble_many(synthetic, "professional", seeds, exposure=exposure)
    assert batch.items.shape == (5, 115) and batch.option_perms.shape == (5, 115, 4)
    for row, seed in enumerate(seeds):
        single = forms.assemble(synthetic, "professional", seed=seed, exposure=exposure)
        assert (batch.items[row] == single.items).all()
        assert (batch.scored[row] == single.scored).all()
        assert (batch.option_perms[row] == single.option_perms).all()
        assert batch.form(row, synthetic).item_ids == single.item_ids


def test_items_and_option_orders_are_drawn_evenly(synthetic: Bank) -> None:
    batch = forms.assemble_many(synthetic, "professional", list(range(3000)))
    counts = forms.exposure_counts(batch, synthetic)
    law = (synthetic.domain == synthetic.domain_code("law")) & (synthetic.status == OPERATIONAL)
    expected = 3000 * 25 / 50  # each law item is on half of the forms
    assert np.abs(counts[law] - expected).max() < 0.1 * expected
    # each original option lands in each shown position about a quarter of the time
    shown = np.stack([(batch.option_perms == o).mean(axis=(0, 1)) for o in range(4)])
    assert np.allclose(shown, 0.25, atol=0.01)


def test_exposure_control_prefers_items_shown_less(synthetic: Bank) -> None:
    exposure = np.zeros(len(synthetic), dtype=np.int64)
    law = np.flatnonzero(
        (synthetic.domain == synthetic.domain_code("law")) & (synthetic.status == OPERATIONAL)
    )
    overexposed = law[:25]
    exposure[overexposed] = 9  # weight 1/10
    batch = forms.assemble_many(synthetic, "professional", list(range(2000)), exposure=exposure)
    counts = forms.exposure_counts(batch, synthetic)
    rare, fresh = counts[overexposed].mean(), counts[law[25:]].mean()
    assert counts[law].sum() == 2000 * 25
    assert rare < 0.25 * fresh  # drawn far less often, but still drawn
    assert rare > 0


def test_tier_tags_and_language_limit_the_pools(tmp_path: Path) -> None:
    items = [item("law", n) for n in range(1, 11)]
    items += [item("law", n, tiers=["expert"]) for n in range(11, 21)]
    items += [item("law", n, status="pretest", km=None) for n in range(21, 24)]
    write(tmp_path, "law", items)
    small = bank.load(tmp_path, programme.load())
    tier = programme.load(
        overrides={"watchdog": {"blueprint": {"law": 10}, "questions": 10, "pretest": 2}}
    )
    watchdog = tier.tier("watchdog")
    form = forms.assemble(small, watchdog, seed=b"x")
    assert sorted(form.item_ids[i] for i in np.flatnonzero(form.scored)) == [
        f"law-{n:03d}" for n in range(1, 11)
    ]
    assert int((~form.scored).sum()) == 2
    khmer = forms.assemble(small, watchdog, seed=b"x", language="km")
    assert len(khmer.items) == 10  # the pretest items have no Khmer version
    assert forms.Form.from_record(small, khmer.to_record()).to_record() == khmer.to_record()


def test_a_blueprint_the_bank_cannot_fill_is_refused(tmp_path: Path) -> None:
    write_bank(tmp_path, {"foundations": 14, "law": 10, "development": 7, "council": 8})
    small = bank.load(tmp_path, programme.load())
    with pytest.raises(InvalidInput) as caught:
        forms.assemble(small, "watchdog", seed=b"x")
    error = caught.value
    assert error.params == {"tier": "watchdog", "domain": "development", "needed": 8,
                            "available": 7}  # fmt: skip
    assert str(error) == (
        "The item bank cannot fill a form of tier watchdog: domain development needs 8 "
        "operational items, and only 7 are available."
    )


def test_a_pretest_shortage_never_stops_an_exam(tmp_path: Path) -> None:
    write_bank(tmp_path, POOL, pretest={"council": 4})
    form = forms.assemble(bank.load(tmp_path, programme.load()), "professional", seed=1)
    assert int(form.scored.sum()) == 100 and int((~form.scored).sum()) == 4


def test_exposure_of_the_wrong_shape_is_refused(synthetic: Bank) -> None:
    with pytest.raises(InvalidInput, match="one per bank item"):
        forms.assemble(synthetic, "professional", seed=1, exposure=np.zeros(3))


def test_a_seed_keeps_drawing_the_same_form_across_releases(synthetic: Bank) -> None:
    """Pinned: a stored seed must regenerate its form. If this fails, the draw has changed and
    forms of past attempts can no longer be rebuilt from their seeds (only from their records)."""
    form = forms.assemble(synthetic, "professional", seed=b"pinned")
    assert form.seed.startswith("74c3c0d9b27eff8e")
    assert form.item_ids[:4] == ("law-053", "law-004", "development-017", "law-021")
    assert form.to_record()["options"][:4] == ["dbca", "cbda", "abcd", "adbc"]
    weighted = forms.assemble(
        synthetic, "professional", seed=b"pinned", exposure=np.arange(len(synthetic)) % 7
    )
    assert weighted.item_ids[:4] == ("law-052", "law-004", "development-019", "law-019")

"""``soai academy bank-stats`` keeps its JSON contract; ``soai academy form`` shows no keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from soai.academy import bank, programme
from soai.academy.cli import academy_app
from tests.academy.itemfiles import write_bank

runner = CliRunner()


@pytest.fixture
def synthetic_bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bank.Bank:
    write_bank(
        tmp_path,
        {"foundations": 20, "law": 30, "development": 30, "deployment": 30, "council": 12},
        pretest={"council": 16},
    )
    loaded = bank.load(tmp_path, programme.load())
    monkeypatch.setattr(bank, "load", lambda: loaded)
    return loaded


def test_bank_stats_json_is_the_contract(synthetic_bank: bank.Bank) -> None:
    result = runner.invoke(academy_app, ["bank-stats", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["tiers"]
    assert data["tiers"]["professional"] == {"operational": 122, "pretest": 16, "km": 138}
    assert set(data["tiers"]) == {"watchdog", "fundamentals", "professional", "expert"}
    table = runner.invoke(academy_app, ["bank-stats"])
    assert "professional" in table.output and "122" in table.output


def test_form_json_shows_the_draw_without_keys(synthetic_bank: bank.Bank) -> None:
    args = ["form", "--tier", "professional", "--seed", "candidate-42", "--json"]
    first, again = runner.invoke(academy_app, args), runner.invoke(academy_app, args)
    assert first.exit_code == 0, first.output
    assert first.output == again.output  # reproducible from the seed
    data = json.loads(first.output)
    assert (data["scored"], data["pretest"], len(data["questions"])) == (100, 15, 115)
    assert data["bank_version"] == synthetic_bank.version
    question = data["questions"][0]
    assert set(question) == {"number", "id", "domain", "module", "scored", "stem", "options"}
    assert "key" not in first.output and "rationale" not in first.output
    assert sorted(o["original"] for o in question["options"]) == ["a", "b", "c", "d"]
    khmer = json.loads(runner.invoke(academy_app, [*args[:-1], "--lang", "km", "--json"]).output)
    assert khmer["questions"][0]["stem"].startswith("សំណួរ")


def test_form_of_an_unknown_tier_fails(synthetic_bank: bank.Bank) -> None:
    result = runner.invoke(academy_app, ["form", "--tier", "grandmaster", "--seed", "x"])
    assert result.exit_code != 0
    assert "grandmaster" in str(result.exception)

"""The CEASAI programme (tiers, domains, curriculum) loads as the facts say and refuses bad data."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from soai.academy import programme
from soai.academy.programme import DATA, ProgrammeError, load
from soai.errors import NotFound


def copy_data(tmp_path: Path) -> Path:
    for name in ("tiers.yaml", "domains.yaml", "curriculum.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def edit(path: Path, change: Any) -> None:
    content = yaml.safe_load(path.read_text("utf-8"))
    change(content)
    path.write_text(yaml.safe_dump(content, allow_unicode=True), "utf-8")


def test_shipped_tiers_match_the_ceasai_table_of_the_facts() -> None:
    tiers = load().tiers
    assert [(t.questions, t.pass_mark, t.validity_years) for t in tiers.values()] == [
        (50, 0.70, 1),  # Watchdog Analyst
        (50, 0.70, 2),  # Fundamentals
        (100, 0.75, 3),  # Professional
        (150, 0.80, 5),  # Expert
    ]
    watchdog = tiers["watchdog"]
    assert (watchdog.minutes, watchdog.retake_wait_hours) == (90, 24)
    professional = tiers["professional"]
    assert professional.pretest == 15 and professional.form_length == 115
    assert dict(professional.blueprint) == {
        "foundations": 15,
        "law": 25,
        "development": 25,
        "deployment": 25,
        "council": 10,
    }
    assert tiers["expert"].prerequisites == ("professional",)


def test_every_module_has_a_domain_and_every_title_has_khmer() -> None:
    the_programme = load()
    assert the_programme.domain_ids == (
        "foundations",
        "law",
        "development",
        "deployment",
        "council",
    )
    for domain in the_programme.domain_ids:
        assert the_programme.modules_of(domain), domain
    for module in the_programme.modules.values():
        assert any("\u1780" <= ch <= "\u17ff" for ch in module.title.km), module.id
    assert load() is load()  # the default is cached
    assert len(the_programme.version) == 64


def test_unknown_tier_is_not_found() -> None:
    with pytest.raises(NotFound, match="expert"):
        load().tier("grandmaster")


def test_profile_overrides_change_a_tier_and_add_one() -> None:
    new_tier = {
        "achievement": "ceasai-auditor",
        "title": {"en": "Auditor", "km": "សវនករ"},
        "questions": 20,
        "pretest": 2,
        "minutes": 40,
        "pass_mark": 0.8,
        "validity_years": 2,
        "cpd_hours": 10,
        "retake_wait_hours": 24,
        "max_attempts": 2,
        "prerequisites": ["professional"],
        "blueprint": {"law": 20},
    }
    changed = load(overrides={"watchdog": {"pass_mark": 0.8}, "auditor": new_tier})
    assert changed.tier("watchdog").pass_mark == 0.8
    assert changed.tier("auditor").blueprint == (("law", 20),)
    assert changed.version != load().version
    assert load().tier("watchdog").pass_mark == 0.70  # the cached default is untouched


def test_an_override_that_breaks_the_blueprint_sum_is_refused() -> None:
    with pytest.raises(ProgrammeError) as caught:
        load(overrides={"professional": {"questions": 120}})
    message = str(caught.value)
    assert "tiers[professional]" in message and "adds up to 100" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: c["tiers"][0]["blueprint"].update(ethics=0), "blueprint.ethics: no such"),
        (
            lambda c: c["tiers"][1]["title"].pop("km"),
            "tiers[fundamentals].title.km: Field required",
        ),
        (lambda c: c["tiers"][2].update(colour="red"), "tiers[professional].colour"),
        (lambda c: c["tiers"][3].update(prerequisites=["master"]), "'master' is not a tier"),
        (lambda c: c["tiers"][1].update(prerequisites=["expert"]), "prerequisites loop"),
    ],
)
def test_bad_tiers_are_refused_naming_tier_and_field(
    tmp_path: Path, change: Any, expected: str
) -> None:
    copy_data(tmp_path)
    edit(tmp_path / "tiers.yaml", change)
    with pytest.raises(ProgrammeError, match=r"tiers\.yaml") as caught:
        load(tmp_path)
    assert expected in str(caught.value)


def test_a_module_of_an_unknown_domain_is_refused(tmp_path: Path) -> None:
    copy_data(tmp_path)
    edit(tmp_path / "curriculum.yaml", lambda c: c["modules"][0].update(domain="ethics"))
    with pytest.raises(ProgrammeError, match="module 'ai-basics': domain 'ethics'"):
        programme.load(tmp_path)


def test_a_domain_without_khmer_title_is_refused(tmp_path: Path) -> None:
    copy_data(tmp_path)
    edit(tmp_path / "domains.yaml", lambda c: c["domains"][4]["title"].update(km=""))
    with pytest.raises(ProgrammeError, match=r"domains\[council\]\.title\.km"):
        programme.load(tmp_path)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_instance_profile_changes_a_tier_for_the_portal(instance: Any) -> None:
    """A country sets its own values in its profile (``academy.tiers``); the portal uses them."""
    from fastapi.testclient import TestClient

    from soai.profiles import service as profiles
    from soai.web.app import create_app

    path = profiles.instance_path(instance.home)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["academy"] = {"tiers": {"watchdog": {"minutes": 75, "pass_mark": 0.8}}}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    profiles.instance_profile.cache_clear()
    try:
        client = TestClient(create_app(instance))
        page = client.get("/academy", headers={"Accept-Language": "en"})
        assert "75 minutes" in page.text and "80%" in page.text
        assert programme.load().tier("watchdog").pass_mark == 0.8
    finally:
        programme.use_profile(None)
        profiles.instance_profile.cache_clear()
    assert programme.load().tier("watchdog").minutes == 90

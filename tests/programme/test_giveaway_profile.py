"""Inside an instance, `soai giveaway allocate` takes the seat pool and the reserved quotas from
the profile (the contract's "reserved quotas come from the profile"); a quota table that does
not add up is refused when the profile is loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from soai.errors import ProfileError
from soai.profiles import service as profiles
from soai.settings import Settings
from tests.ledger.test_cli import run

SEED = "00" * 16


def applications(path: Path) -> Path:
    rows = ["application_id,full_name,date_of_birth,country,email,document_number"]
    rows += [f"A{n:03d},Person {n},1990-01-{1 + n % 28:02d},{'KH' if n % 3 else 'TH'},p{n}@example.org,D{n}"
             for n in range(30)]  # fmt: skip
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_profile_gives_the_pool_and_the_reserved_quotas(
    instance: Settings, tmp_path: Path
) -> None:
    path = profiles.instance_path(instance.home)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["giveaway"]["seats"] == 500250 and data["giveaway"]["value"] == 1_000_000_000
    assert data["giveaway"]["quotas"] == {}, "the shipped profile sets no share"
    data["giveaway"] = {"seats": 10, "quotas": {"TH": 8}}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run(instance, "giveaway", "allocate", str(applications(tmp_path / "a.csv")),
                 "--seed", SEED, "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["seats"] == 10 and body["allocated"] == 10
    assert body["by_country"]["TH"]["allocated"] >= 8, "the reserved seats are honoured"
    data["giveaway"] = {"seats": 10, "quotas": {"TH": 8, "KH": 5}}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError, match="does not add up"):
        profiles.load(path)

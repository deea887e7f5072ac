"""Synthetic item files for the academy tests (never the shipped bank, which others write)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from soai.academy import programme as programme_mod

ALL_TIERS = ["watchdog", "fundamentals", "professional", "expert"]
KEYS = "abcd"


def item(domain: str, number: int, **changes: Any) -> dict[str, Any]:
    """A valid item of ``domain`` (the first module of the domain), as its YAML mapping."""
    module = programme_mod.load().modules_of(domain)[0].id
    entry: dict[str, Any] = {
        "id": f"{domain}-{number:03d}",
        "module": module,
        "tiers": list(ALL_TIERS),
        "difficulty": 1 + number % 3,
        "status": "operational",
        "source": "Synthetic test item",
        "key": KEYS[number % 4],
        "en": version("Question", domain, number),
        "km": version("សំណួរ", domain, number),
    }
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


def version(word: str, domain: str, number: int) -> dict[str, Any]:
    return {
        "stem": f"{word} {domain} {number}?",
        "options": {letter: f"{word} {domain} {number} option {letter}" for letter in KEYS},
        "rationale": f"{word} {domain} {number}: rationale",
    }


def write(directory: Path, name: str, items: list[dict[str, Any]], **top: Any) -> Path:
    """``<name>.yaml`` in ``directory`` holding ``items`` (of domain ``name`` unless ``top``
    says otherwise)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.yaml"
    content = {"version": "test", "domain": name, "items": items, **top}
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def write_bank(
    directory: Path, operational: dict[str, int], pretest: dict[str, int] | None = None
) -> Path:
    """One file per domain with that many operational (then pretest) items for every tier."""
    for domain, count in operational.items():
        extra = (pretest or {}).get(domain, 0)
        items = [item(domain, n) for n in range(1, count + 1)]
        items += [item(domain, n, status="pretest") for n in range(count + 1, count + extra + 1)]
        write(directory, domain, items)
    return directory

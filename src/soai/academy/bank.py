"""The CEASAI item bank: every ``items/*.yaml`` file, checked and frozen into a :class:`Bank`.

Pure logic (no database, no web). Each item file holds the items of one exam domain (format:
``data/items/README.md``). A malformed file is refused with an error naming the file, the item
and the field: unknown keys, a domain or module that does not exist (or a module of another
domain), an id that is not ``<domain>-NNN`` or is used twice (across files too), options other
than exactly ``a``–``d``, a key that is not one of them, an unknown tier, an operational item
without its Khmer version.

Besides the items (dataclasses) the bank holds numpy arrays, one row per item in id order, for
the per-candidate work of :mod:`soai.academy.forms` and :mod:`soai.academy.grading`: domain
code (position in ``domains.yaml``), tier mask, status code, difficulty and key index.
:attr:`Bank.version` is the SHA-256 of the canonical (RFC 8785) content of the items.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from soai.academy import programme as programme_mod
from soai.academy.programme import Programme, location
from soai.crypto import jcs
from soai.errors import ConfigurationError
from soai.i18n.markers import N_

ITEMS = programme_mod.DATA / "items"
OPTIONS = ("a", "b", "c", "d")
STATUSES = ("pretest", "operational", "retired")  # status code = position
PRETEST, OPERATIONAL, RETIRED = range(3)
LANGUAGES = ("en", "km")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # a safe loader, in C when built


class BankError(ConfigurationError):
    code = "item_bank_invalid"
    hint = "Fix the item file named above (format: academy/data/items/README.md)."


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptionsEntry(_FileModel):
    a: str = Field(min_length=1)
    b: str = Field(min_length=1)
    c: str = Field(min_length=1)
    d: str = Field(min_length=1)


class VersionEntry(_FileModel):
    stem: str = Field(min_length=1)
    options: OptionsEntry
    rationale: str = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct_options(self) -> VersionEntry:
        texts = [" ".join(getattr(self.options, o).split()) for o in OPTIONS]
        if len(set(texts)) < len(texts):
            raise ValueError("two options have the same text")
        return self


class ItemEntry(_FileModel):
    id: str
    module: str
    tiers: list[str] = Field(min_length=1)
    difficulty: int = Field(ge=1, le=3)
    status: Literal["pretest", "operational", "retired"]
    source: str = Field(min_length=1)
    key: Literal["a", "b", "c", "d"]
    en: VersionEntry
    km: VersionEntry | None = Field(default=None, validate_default=True)

    @field_validator("km")
    @classmethod
    def _operational_has_khmer(
        cls, value: VersionEntry | None, info: ValidationInfo
    ) -> VersionEntry | None:
        if value is None and info.data.get("status") == "operational":
            raise ValueError("an operational item needs its Khmer version (km)")
        return value


class ItemFile(_FileModel):
    version: str
    domain: str
    items: list[ItemEntry] = []


@dataclass(frozen=True, slots=True)
class ItemText:
    stem: str
    options: tuple[str, str, str, str]  # a, b, c, d
    rationale: str


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    domain: str
    module: str
    tiers: tuple[str, ...]
    difficulty: int
    status: str
    source: str
    key: str
    texts: Mapping[str, ItemText]  # by language; "en" always, "km" when translated
    file: str

    @property
    def key_index(self) -> int:
        return OPTIONS.index(self.key)

    def text(self, language: str) -> ItemText:
        """The item in ``language``, English when it has no version in that language."""
        return self.texts.get(language) or self.texts["en"]


@dataclass(frozen=True, eq=False)
class Bank:
    items: tuple[Item, ...]  # sorted by id; the row of every array below
    index: Mapping[str, int]
    domain_ids: tuple[str, ...]  # domain code → id
    tier_ids: tuple[str, ...]  # tier_mask column → id
    domain: np.ndarray  # int16 [items]
    tier_mask: np.ndarray  # bool [items, tiers]
    status: np.ndarray  # int8 [items], codes of STATUSES
    difficulty: np.ndarray  # int8 [items]
    key: np.ndarray  # int8 [items], 0..3 for a..d
    has_km: np.ndarray  # bool [items]
    version: str

    def __len__(self) -> int:
        return len(self.items)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    def in_tier(self, tier_id: str) -> np.ndarray:
        """Bool [items]: tagged for ``tier_id`` (all False for a tier the bank does not know)."""
        if tier_id not in self.tier_ids:
            return np.zeros(len(self.items), dtype=bool)
        return np.asarray(self.tier_mask[:, self.tier_ids.index(tier_id)])

    def domain_code(self, domain_id: str) -> int:
        return self.domain_ids.index(domain_id)


def load(directory: Path = ITEMS, programme: Programme | None = None) -> Bank:
    """Every ``*.yaml`` item file in ``directory`` (cached for the shipped bank and programme)."""
    if directory == ITEMS and programme is None:
        return _default()
    return _load(directory, programme or programme_mod.load())


@lru_cache(maxsize=1)
def _default() -> Bank:
    return _load(ITEMS, programme_mod.load())


def _load(directory: Path, programme: Programme) -> Bank:
    entries: list[tuple[str, str, ItemEntry]] = []  # (file, domain, item)
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        content = _parse(path)
        _check_file(path, content, programme)
        for item in content.items:
            if item.id in seen:
                raise BankError(
                    N_("{file}: item {item}: id: already used in {other}"),
                    field="id",
                    file=str(path),
                    item=item.id,
                    other=seen[item.id],
                )
            seen[item.id] = str(path)
            entries.append((str(path), content.domain, item))
    entries.sort(key=lambda entry: entry[2].id)
    return _freeze(entries, programme)


def _parse(path: Path) -> ItemFile:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BankError(
            N_("Cannot read item file {file}: {reason}"), file=str(path), reason=str(exc)
        ) from exc
    try:
        return ItemFile.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        item, where = _where(raw, errors[0]["loc"])
        problem = errors[0]["msg"].removeprefix("Value error, ")
        if len(errors) > 1:
            problem += "; also " + "; ".join(
                " ".join(_where(raw, e["loc"])) + ": " + e["msg"].removeprefix("Value error, ")
                for e in errors[1:6]
            )
        raise BankError(
            N_("{file}: item {item}: {where}: {problem}"),
            field=where,
            file=str(path),
            item=item,
            where=where,
            problem=problem,
        ) from exc


def _where(raw: Any, loc: tuple[int | str, ...]) -> tuple[str, str]:
    """(item id, field path) of a pydantic error location: ``("law-003", "km.options.e")``."""
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        items = raw.get("items") if isinstance(raw, dict) else None
        node = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        label = node.get("id") if isinstance(node, dict) else None
        return str(label or f"#{loc[1] + 1}"), location(node, loc[2:]) if len(loc) > 2 else "(item)"
    return "(file)", location(raw, loc)


def _check_file(path: Path, content: ItemFile, programme: Programme) -> None:
    file = str(path)
    if content.domain not in programme.domains:
        raise BankError(
            N_("{file}: item {item}: domain: {value!r} is not a domain of domains.yaml"),
            field="domain",
            file=file,
            item="(file)",
            value=content.domain,
        )
    pattern = re.compile(rf"^{re.escape(content.domain)}-[0-9]{{3,}}$")
    for item in content.items:
        if not pattern.match(item.id):
            raise BankError(
                N_("{file}: item {item}: id: must be {domain}-NNN (three or more digits)"),
                field="id",
                file=file,
                item=item.id,
                domain=content.domain,
            )
        module = programme.modules.get(item.module)
        if module is None or module.domain != content.domain:
            raise BankError(
                N_("{file}: item {item}: module: {value!r} is not a module of domain {domain}"),
                field="module",
                file=file,
                item=item.id,
                value=item.module,
                domain=content.domain,
            )
        unknown = [tier for tier in item.tiers if tier not in programme.tiers]
        if unknown:
            raise BankError(
                N_("{file}: item {item}: tiers: {value} not a tier (tiers: {known})"),
                field="tiers",
                file=file,
                item=item.id,
                value=", ".join(unknown),
                known=", ".join(programme.tiers),
            )


def _text(version: VersionEntry) -> ItemText:
    o = version.options
    return ItemText(version.stem, (o.a, o.b, o.c, o.d), version.rationale)


def _freeze(entries: list[tuple[str, str, ItemEntry]], programme: Programme) -> Bank:
    domain_ids = programme.domain_ids
    tier_ids = tuple(programme.tiers)
    items = tuple(
        Item(
            id=e.id,
            domain=domain,
            module=e.module,
            tiers=tuple(dict.fromkeys(e.tiers)),
            difficulty=e.difficulty,
            status=e.status,
            source=e.source,
            key=e.key,
            texts={"en": _text(e.en), **({"km": _text(e.km)} if e.km else {})},
            file=file,
        )
        for file, domain, e in entries
    )
    n = len(items)
    tier_mask = np.zeros((n, len(tier_ids)), dtype=bool)
    for row, item in enumerate(items):
        tier_mask[row, [tier_ids.index(t) for t in item.tiers]] = True
    arrays = {
        "domain": np.array([domain_ids.index(i.domain) for i in items], dtype=np.int16),
        "tier_mask": tier_mask,
        "status": np.array([STATUSES.index(i.status) for i in items], dtype=np.int8),
        "difficulty": np.array([i.difficulty for i in items], dtype=np.int8),
        "key": np.array([i.key_index for i in items], dtype=np.int8),
        "has_km": np.array(["km" in i.texts for i in items], dtype=bool),
    }
    for array in arrays.values():
        array.flags.writeable = False
    content = [
        {"domain": domain, **e.model_dump(mode="json", exclude_none=True)}
        for _, domain, e in entries
    ]
    return Bank(
        items=items,
        index={item.id: row for row, item in enumerate(items)},
        domain_ids=domain_ids,
        tier_ids=tier_ids,
        version=hashlib.sha256(jcs.canonicalize({"items": content})).hexdigest(),
        **arrays,
    )


def stats(bank: Bank, programme: Programme) -> dict[str, Any]:
    """``{"tiers": {tier: {"operational": n, "pretest": n, "km": n}}}`` — the stable contract of
    ``soai academy bank-stats --json``. ``km`` counts the tier's live (operational or pretest)
    items that have a Khmer version; retired items count nowhere."""
    live = bank.status != RETIRED
    result: dict[str, dict[str, int]] = {}
    for tier_id in programme.tiers:
        tagged = bank.in_tier(tier_id)
        result[tier_id] = {
            "operational": int(np.count_nonzero(tagged & (bank.status == OPERATIONAL))),
            "pretest": int(np.count_nonzero(tagged & (bank.status == PRETEST))),
            "km": int(np.count_nonzero(tagged & live & bank.has_km)),
        }
    return {"tiers": result}


def coverage(bank: Bank, programme: Programme) -> dict[str, Any]:
    """Per tier and domain: what the blueprint needs and what the bank holds.

    ``{"version", "items", "status": {status: n}, "difficulty": {"1": n, ...},
    "tiers": {tier: {"ready", "pretest_needed", "pretest_available",
    "domains": {domain: {"needed", "operational", "pretest", "retired", "km", "short"}}}}}``;
    ``short`` is how many operational items the domain lacks for one form (0 when enough),
    ``ready`` says whether a form of the tier can be assembled at all."""
    result: dict[str, Any] = {
        "version": bank.version,
        "items": len(bank),
        "status": {s: int(np.count_nonzero(bank.status == c)) for c, s in enumerate(STATUSES)},
        "difficulty": {str(d): int(np.count_nonzero(bank.difficulty == d)) for d in (1, 2, 3)},
        "tiers": {},
    }
    for tier in programme.tiers.values():
        tagged = bank.in_tier(tier.id)
        needed = dict(tier.blueprint)
        domains: dict[str, dict[str, int]] = {}
        for domain_id in programme.domains:
            here = tagged & (bank.domain == programme.domain_ids.index(domain_id))
            counts = {s: int(np.count_nonzero(here & (bank.status == c))) for c, s in
                      enumerate(STATUSES)}  # fmt: skip
            domains[domain_id] = {
                "needed": needed.get(domain_id, 0),
                **counts,
                "km": int(np.count_nonzero(here & (bank.status != RETIRED) & bank.has_km)),
                "short": max(0, needed.get(domain_id, 0) - counts["operational"]),
            }
        pretest = int(np.count_nonzero(tagged & (bank.status == PRETEST)))
        result["tiers"][tier.id] = {
            "ready": all(d["short"] == 0 for d in domains.values()),
            "pretest_needed": tier.pretest,
            "pretest_available": pretest,
            "domains": domains,
        }
    return result

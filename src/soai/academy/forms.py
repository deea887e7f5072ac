"""Exam forms drawn from the item bank by a tier's blueprint, reproducible from a seed.

Pure logic (no database, no web). A form of a tier holds, for every domain of the tier's
blueprint, that many *operational* items tagged for the tier, plus ``pretest`` unscored
*pretest* items tagged for the tier (fewer when the bank has fewer: a shortage of pretest items
never stops an exam). The question order and, per question, the order of the four options are
shuffled.

Exposure control: the chance of drawing an item falls with how often it has been shown, with
weight ``w = 1 / (1 + exposure count)``. Items are drawn without replacement by weighted random
keys (Efraimidis & Spirakis 2006): each eligible item gets ``log(u) / w`` for a uniform ``u``
and the largest keys win — the same law as drawing one by one with those weights. The counts
are a snapshot the caller passes in (e.g. :func:`exposure_counts` of the forms drawn so far).

Reproducibility: a form depends only on the bank, the tier, its seed and the exposure snapshot
(and the numpy version's PCG64 and sorting, which are stable in practice; a delivered form is
stored with :meth:`Form.to_record` anyway). The seed (bytes or int) is hashed with SHA-256 with
the tier id; the 256-bit digest is the state and stream of a numpy PCG64 ``Generator``, and all
of the form's random numbers come from it in a fixed layout (one per eligible item of each pool,
one per question for the order, one per question for its option order).
:func:`assemble_many` builds the same forms as :func:`assemble` seed by seed, working on index
arrays per chunk of forms rather than on Python objects per item.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from soai.academy import programme as programme_mod
from soai.academy.bank import OPERATIONAL, OPTIONS, PRETEST, Bank
from soai.academy.programme import Tier
from soai.errors import InvalidInput
from soai.i18n.markers import N_

PERMUTATIONS = np.array(list(itertools.permutations(range(4))), dtype=np.int8)  # [24, 4]
_CHUNK_VALUES = 4_000_000  # random numbers per chunk of forms (32 MB of float64)

Seed = bytes | int


@dataclass(frozen=True, eq=False)
class Form:
    """One drawn form, questions in the order shown.

    ``option_perms[q, d]`` is the original option (0 = a … 3 = d) shown at position ``d`` of
    question ``q``: a candidate answering displayed option ``d`` chose ``option_perms[q, d]``."""

    tier: str
    seed: str  # hex SHA-256 digest the form was drawn from
    bank_version: str
    items: np.ndarray  # int32 [k] bank rows
    item_ids: tuple[str, ...]
    scored: np.ndarray  # bool [k]
    option_perms: np.ndarray  # int8 [k, 4]

    def to_record(self) -> dict[str, Any]:
        """JSON-ready: ``{"tier", "seed", "bank_version", "items": [id], "scored": [bool],
        "options": ["cadb", ...]}`` (per question, the original letters in displayed order)."""
        return {
            "tier": self.tier,
            "seed": self.seed,
            "bank_version": self.bank_version,
            "items": list(self.item_ids),
            "scored": [bool(s) for s in self.scored],
            "options": ["".join(OPTIONS[o] for o in perm) for perm in self.option_perms],
        }

    @classmethod
    def from_record(cls, bank: Bank, record: dict[str, Any]) -> Form:
        """The form of a stored :meth:`to_record` (its items looked up in ``bank``)."""
        ids = tuple(record["items"])
        return cls(
            tier=record["tier"],
            seed=record["seed"],
            bank_version=record["bank_version"],
            items=np.array([bank.index[i] for i in ids], dtype=np.int32),
            item_ids=ids,
            scored=np.array(record["scored"], dtype=bool),
            option_perms=np.array(
                [[OPTIONS.index(letter) for letter in perm] for perm in record["options"]],
                dtype=np.int8,
            ).reshape(len(ids), 4),
        )


@dataclass(frozen=True, eq=False)
class FormBatch:
    """Many forms of one tier as arrays: row ``i`` is the form of ``seeds[i]``."""

    tier: str
    bank_version: str
    seeds: np.ndarray  # bytes (S32) [n]: the SHA-256 digests
    items: np.ndarray  # int32 [n, k]
    scored: np.ndarray  # bool [n, k]
    option_perms: np.ndarray  # int8 [n, k, 4]

    def __len__(self) -> int:
        return int(self.items.shape[0])

    def form(self, row: int, bank: Bank) -> Form:
        items = self.items[row]
        return Form(
            tier=self.tier,
            seed=bytes(self.seeds[row]).hex(),
            bank_version=self.bank_version,
            items=items,
            item_ids=tuple(bank.items[i].id for i in items),
            scored=self.scored[row],
            option_perms=self.option_perms[row],
        )


def seed_digest(tier_id: str, seed: Seed) -> bytes:
    """SHA-256 of the tier and the seed: what the form's random generator is seeded with."""
    if isinstance(seed, bool) or not isinstance(seed, bytes | int):
        raise InvalidInput(N_("A form seed must be bytes or an integer."), field="seed")
    tagged = b"b" + seed if isinstance(seed, bytes) else b"i" + str(seed).encode()
    return hashlib.sha256(b"soai-academy-form\x00" + tier_id.encode() + b"\x00" + tagged).digest()


def assemble(
    bank: Bank,
    tier: Tier | str,
    *,
    seed: Seed,
    exposure: np.ndarray | None = None,
    language: str | None = None,
) -> Form:
    """The form of ``tier`` drawn with ``seed`` (see the module docstring).

    ``exposure``: how often each bank item was shown so far (int [items]); ``language="km"``
    draws only items that have a Khmer version. Raises :class:`InvalidInput` when the bank
    cannot fill the blueprint."""
    batch = assemble_many(bank, tier, [seed], exposure=exposure, language=language)
    return batch.form(0, bank)


def assemble_many(
    bank: Bank,
    tier: Tier | str,
    seeds: Sequence[Seed],
    *,
    exposure: np.ndarray | None = None,
    language: str | None = None,
) -> FormBatch:
    """One form per seed, identical to :func:`assemble` of each seed, as arrays."""
    tier = programme_mod.load().tier(tier) if isinstance(tier, str) else tier
    pools = _pools(bank, tier, language)
    weights = _exposure_factor(bank, exposure)
    n, k = len(seeds), sum(need for _, need in pools)
    width = sum(len(pool) for pool, _ in pools) + 2 * k
    template = np.concatenate(
        [np.full(need, pos < len(pools) - 1) for pos, (_, need) in enumerate(pools)]
    ).astype(bool)  # the last pool is the unscored pretest one
    items = np.empty((n, k), dtype=np.int32)
    scored = np.empty((n, k), dtype=bool)
    codes = np.empty((n, k), dtype=np.int8)
    digests = np.empty(n, dtype="S32")
    step = max(1, _CHUNK_VALUES // max(width, 1))
    bits = np.random.PCG64()
    generator = np.random.Generator(bits)
    for start in range(0, n, step):
        stop = min(n, start + step)
        random = np.empty((stop - start, width))
        for row, seed in enumerate(seeds[start:stop]):
            digest = seed_digest(tier.id, seed)
            digests[start + row] = digest
            bits.state = _pcg64_state(digest)
            generator.random(out=random[row])
        items[start:stop], scored[start:stop], codes[start:stop] = _draw(
            random, pools, weights, template
        )
    return FormBatch(
        tier=tier.id,
        bank_version=bank.version,
        seeds=digests,
        items=items,
        scored=scored,
        option_perms=PERMUTATIONS[codes],
    )


def _pcg64_state(digest: bytes) -> Any:  # numpy types it as a private TypedDict
    """The PCG64 state seeded by a SHA-256 digest: its first 128 bits are the state, the last
    128 the stream increment (made odd, as PCG requires)."""
    return {
        "bit_generator": "PCG64",
        "state": {
            "state": int.from_bytes(digest[:16], "little"),
            "inc": int.from_bytes(digest[16:], "little") | 1,
        },
        "has_uint32": 0,
        "uinteger": 0,
    }


def exposure_counts(batch: FormBatch, bank: Bank) -> np.ndarray:
    """How often each bank item appears in ``batch`` (int64 [items])."""
    return np.bincount(batch.items.ravel(), minlength=len(bank))


def _draw(
    random: np.ndarray,
    pools: list[tuple[np.ndarray, int]],
    weights: np.ndarray | None,
    template: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bank rows and scored mask (in shown order) and option permutation codes for a chunk of
    forms, from their random numbers (layout: one number per eligible item of each pool, then
    one per question for the order, then one per question for its options)."""
    rows, k = random.shape[0], len(template)
    chosen = np.empty((rows, k), dtype=np.int32)
    offset = column = 0
    for pool, need in pools:
        block = random[:, offset : offset + len(pool)]
        offset += len(pool)
        if need == len(pool):
            chosen[:, column : column + need] = pool
        elif need:
            if weights is None:
                keys = block
            else:  # Efraimidis–Spirakis: the largest u ** (1 / weight), as a logarithm
                with np.errstate(divide="ignore"):
                    keys = np.log(block)
                keys *= weights[pool]
            cut = len(pool) - need
            # sorted, so that the result does not depend on how argpartition orders its output
            top = np.sort(np.argpartition(keys, cut, axis=1)[:, cut:], axis=1)
            chosen[:, column : column + need] = pool[top]
        column += need
    order = np.argsort(random[:, offset : offset + k], axis=1)
    codes = (random[:, offset + k : offset + 2 * k] * len(PERMUTATIONS)).astype(np.int8)
    return (
        np.take_along_axis(chosen, order, axis=1),
        template[order],
        np.minimum(codes, len(PERMUTATIONS) - 1),
    )


def _pools(bank: Bank, tier: Tier, language: str | None) -> list[tuple[np.ndarray, int]]:
    """(eligible bank rows, how many to draw) per blueprint domain, then the pretest pool."""
    tagged = bank.in_tier(tier.id)
    if language == "km":
        tagged = tagged & bank.has_km
    pools = []
    for domain_id, need in tier.blueprint:
        code = bank.domain_ids.index(domain_id) if domain_id in bank.domain_ids else -1
        pool = np.flatnonzero(tagged & (bank.status == OPERATIONAL) & (bank.domain == code))
        if len(pool) < need:
            raise InvalidInput(
                N_(
                    "The item bank cannot fill a form of tier {tier}: domain {domain} needs "
                    "{needed} operational items, and only {available} are available."
                ),
                field="tier",
                tier=tier.id,
                domain=domain_id,
                needed=need,
                available=len(pool),
            )
        pools.append((pool.astype(np.int32), need))
    pretest = np.flatnonzero(tagged & (bank.status == PRETEST)).astype(np.int32)
    pools.append((pretest, min(tier.pretest, len(pretest))))
    return pools


def _exposure_factor(bank: Bank, exposure: np.ndarray | None) -> np.ndarray | None:
    """``1 + exposure`` (= 1 / weight) as float64, or None when every item is equally exposed
    (then the uniform numbers themselves rank the items: the same draw, faster)."""
    if exposure is None:
        return None
    counts = np.asarray(exposure)
    if counts.shape != (len(bank),) or (counts.size and counts.min() < 0):
        raise InvalidInput(
            N_("Exposure counts must be {n} non-negative numbers, one per bank item."),
            field="exposure",
            n=len(bank),
        )
    if counts.size == 0 or counts.min() == counts.max():
        return None
    return 1.0 + counts.astype(np.float64)

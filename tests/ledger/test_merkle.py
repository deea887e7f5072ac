"""RFC 9162 Merkle math: the transparency-dev reference vectors, their corruptions, properties."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soai.ledger.merkle import (
    EMPTY_ROOT,
    ProofError,
    compute_all,
    consistency_path,
    inclusion_path,
    leaf_hash,
    new_nodes,
    node_hash,
    root,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "rfc6962.json").read_text(encoding="utf-8")
)
LEAVES = [leaf_hash(bytes.fromhex(entry)) for entry in VECTORS["leaves_hex"]]
STORE = compute_all(LEAVES)
ROOTS = {int(size): bytes.fromhex(value) for size, value in VECTORS["roots_by_size"].items()}
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def stored(level: int, index: int) -> bytes:
    return STORE[(level, index)]


# --- Reference implementations: RFC 9162 §2.1 written as literally as possible ----------------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(
    leaves: list[bytes], cache: dict[tuple[int, int], bytes], start: int, end: int
) -> bytes:
    if (start, end) not in cache:
        n = end - start
        if n == 0:
            value = EMPTY_ROOT
        elif n == 1:
            value = leaves[start]
        else:
            k = _k(n)
            value = node_hash(
                ref_mth(leaves, cache, start, start + k), ref_mth(leaves, cache, start + k, end)
            )
        cache[(start, end)] = value
    return cache[(start, end)]


def ref_path(
    leaves: list[bytes], cache: dict[tuple[int, int], bytes], m: int, start: int, end: int
) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [
            *ref_path(leaves, cache, m, start, start + k),
            ref_mth(leaves, cache, start + k, end),
        ]
    return [
        *ref_path(leaves, cache, m - k, start + k, end),
        ref_mth(leaves, cache, start, start + k),
    ]


def ref_subproof(
    leaves: list[bytes], cache: dict[tuple[int, int], bytes], m: int, start: int, end: int, b: bool
) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if b else [ref_mth(leaves, cache, start, end)]
    k = _k(n)
    if m <= k:
        return [
            *ref_subproof(leaves, cache, m, start, start + k, b),
            ref_mth(leaves, cache, start + k, end),
        ]
    return [
        *ref_subproof(leaves, cache, m - k, start + k, end, False),
        ref_mth(leaves, cache, start, start + k),
    ]


# --- Reference vectors ---------------------------------------------------------------------


def test_leaf_and_node_hashes_match_the_reference() -> None:
    hashes = VECTORS["hashes"]
    assert leaf_hash(b"").hex() == hashes["leaf_empty"]
    assert leaf_hash(b"L123456").hex() == hashes["leaf_L123456"]
    assert node_hash(b"N123", b"N456").hex() == hashes["node_N123_N456"]
    assert EMPTY_ROOT.hex() == VECTORS["empty_root"]
    assert root(0, stored) == EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_root_of_each_prefix_matches_the_reference(size: int) -> None:
    assert root(size, stored) == ROOTS[size]


@pytest.mark.parametrize("size", range(1, 9))
def test_building_leaf_by_leaf_stores_the_same_nodes(size: int) -> None:
    store: dict[tuple[int, int], bytes] = {}
    for index, value in enumerate(LEAVES[:size]):
        store.update(
            ((lv, ix), h) for lv, ix, h in new_nodes(index, [value], lambda lv, ix: store[(lv, ix)])
        )
    assert store == compute_all(LEAVES[:size])
    assert root(size, lambda lv, ix: store[(lv, ix)]) == ROOTS[size]


@pytest.mark.parametrize(
    "case", VECTORS["inclusion"], ids=lambda c: f"{c['leaf_index']}of{c['tree_size']}"
)
def test_inclusion_paths_match_the_reference_and_verify(case: dict[str, Any]) -> None:
    index, size = case["leaf_index"], case["tree_size"]
    path = inclusion_path(index, size, stored)
    assert [value.hex() for value in path] == case["path"]
    verify_inclusion(LEAVES[index], index, size, path, ROOTS[size])


@pytest.mark.parametrize(
    "case", VECTORS["consistency"], ids=lambda c: f"{c['size1']}to{c['size2']}"
)
def test_consistency_proofs_match_the_reference_and_verify(case: dict[str, Any]) -> None:
    size1, size2 = case["size1"], case["size2"]
    proof = consistency_path(size1, size2, stored)
    assert [value.hex() for value in proof] == case["proof"]
    verify_consistency(size1, size2, ROOTS[size1], ROOTS[size2], proof)


def _inclusion_probes(
    index: int, size: int, path: list[bytes], top: bytes, leaf: bytes
) -> Iterator[tuple[str, int, int, list[bytes], bytes, bytes]]:
    """The corruptions of transparency-dev's corruptInclusionProof."""
    yield "index - 1", index - 1, size, path, top, leaf
    yield "index + 1", index + 1, size, path, top, leaf
    yield "index ^ 2", index ^ 2, size, path, top, leaf
    yield "size * 2", index, size * 2, path, top, leaf
    yield "size / 2", index, size // 2, path, top, leaf
    yield "wrong leaf", index, size, path, top, b"WrongLeaf"
    yield "empty root", index, size, path, EMPTY_ROOT, leaf
    yield "random root", index, size, path, SOME_HASH, leaf
    yield "trailing garbage", index, size, [*path, b""], top, leaf
    yield "trailing root", index, size, [*path, top], top, leaf
    yield "preceding garbage", index, size, [b"", *path], top, leaf
    yield "preceding root", index, size, [top, *path], top, leaf
    for position in range(len(path)):
        flipped = list(path)
        flipped[position] = bytes([path[position][0] ^ 8]) + path[position][1:]
        yield f"path[{position}] bit 3", index, size, flipped, top, leaf
    if path:
        yield "removed component", index, size, path[:-1], top, leaf
    if len(path) > 1:
        yield "inserted component", index, size, [path[0], SOME_HASH, *path[1:]], top, leaf


INCLUSION_PROBES = [
    pytest.param(*probe[1:], id=f"{case['leaf_index']}of{case['tree_size']}-{probe[0]}")
    for case in VECTORS["inclusion"]
    for probe in _inclusion_probes(
        case["leaf_index"],
        case["tree_size"],
        [bytes.fromhex(value) for value in case["path"]],
        ROOTS[case["tree_size"]],
        LEAVES[case["leaf_index"]],
    )
]


@pytest.mark.parametrize(("index", "size", "path", "top", "leaf"), INCLUSION_PROBES)
def test_corrupted_inclusion_proofs_fail(
    index: int, size: int, path: list[bytes], top: bytes, leaf: bytes
) -> None:
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, path, top)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (0, 1), (1, 0), (2, 1)])
def test_inclusion_with_an_empty_path_and_bad_inputs_fails(index: int, size: int) -> None:
    with pytest.raises(ProofError):
        verify_inclusion(SOME_HASH, index, size, [], b"")
    with pytest.raises(ProofError):
        verify_inclusion(b"", index, size, [], EMPTY_ROOT)
    with pytest.raises(ProofError):
        verify_inclusion(SOME_HASH, index, size, [], EMPTY_ROOT)


def test_single_entry_tree_root_is_the_leaf_hash() -> None:
    value = leaf_hash(b"data")
    verify_inclusion(value, 0, 1, [], value)
    for leaf, top in [(value, b""), (b"", value), (b"", b"")]:
        with pytest.raises(ProofError, match="bytes, not 32"):
            verify_inclusion(leaf, 0, 1, [], top)


def _consistency_probes(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes]
) -> Iterator[tuple[str, int, int, bytes, bytes, list[bytes]]]:
    """The corruptions of transparency-dev's corruptConsistencyProof."""
    yield "size1 - 1", size1 - 1, size2, root1, root2, proof
    yield "size1 + 1", size1 + 1, size2, root1, root2, proof
    yield "size1 ^ 2", size1 ^ 2, size2, root1, root2, proof
    yield "size2 * 2", size1, size2 * 2, root1, root2, proof
    yield "size2 / 2", size1, size2 // 2, root1, root2, proof
    yield "wrong root1", size1, size2, b"WrongRoot", root2, proof
    yield "wrong root2", size1, size2, root1, b"WrongRoot", proof
    yield "random root1", size1, size2, SOME_HASH, root2, proof
    yield "random root2", size1, size2, root1, SOME_HASH, proof
    yield "swapped roots", size1, size2, root2, root1, proof
    yield "empty proof", size1, size2, root1, root2, []
    yield "trailing garbage", size1, size2, root1, root2, [*proof, b""]
    yield "trailing root1", size1, size2, root1, root2, [*proof, root1]
    yield "trailing root2", size1, size2, root1, root2, [*proof, root2]
    yield "preceding garbage", size1, size2, root1, root2, [b"", *proof]
    yield "preceding root1", size1, size2, root1, root2, [root1, *proof]
    yield "preceding root2", size1, size2, root1, root2, [root2, *proof]
    yield "preceding proof[0]", size1, size2, root1, root2, [proof[0], *proof]
    yield "truncated proof", size1, size2, root1, root2, proof[:-1]
    for position in range(len(proof)):
        flipped = list(proof)
        flipped[position] = bytes([proof[position][0] ^ 16]) + proof[position][1:]
        yield f"proof[{position}] bit 4", size1, size2, root1, root2, flipped


CONSISTENCY_PROBES = [
    pytest.param(*probe[1:], id=f"{case['size1']}to{case['size2']}-{probe[0]}")
    for case in VECTORS["consistency"]
    if case["proof"]  # as the reference suite: only non-trivial proofs are corrupted
    for probe in _consistency_probes(
        case["size1"],
        case["size2"],
        ROOTS[case["size1"]],
        ROOTS[case["size2"]],
        [bytes.fromhex(value) for value in case["proof"]],
    )
]


@pytest.mark.parametrize(("size1", "size2", "root1", "root2", "proof"), CONSISTENCY_PROBES)
def test_corrupted_consistency_proofs_fail(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes]
) -> None:
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, root1, root2, proof)


ROOT_A, ROOT_B = leaf_hash(b"don't care 1"), leaf_hash(b"don't care 2")


@pytest.mark.parametrize(
    ("size1", "size2", "root1", "root2", "proof", "accepted"),
    [
        (0, 0, ROOT_A, ROOT_B, [], False),
        (1, 1, ROOT_A, ROOT_B, [], False),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [], True),
        (0, 1, EMPTY_ROOT, ROOT_B, [], True),
        (0, 1, ROOT_A, ROOT_B, [], False),  # stricter than Go: an empty tree has one root
        (1, 1, ROOT_B, ROOT_B, [], True),
        (1, 0, ROOT_A, ROOT_B, [], False),
        (2, 1, ROOT_A, ROOT_B, [], False),
        (1, 2, ROOT_A, ROOT_B, [], False),
        (0, 0, EMPTY_ROOT, ROOT_B, [], False),
        (1, 1, EMPTY_ROOT, ROOT_B, [], False),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (1, 1, b"WrongRoot", b"WrongRoot", [], False),
    ],
)
def test_consistency_edge_cases(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes], accepted: bool
) -> None:
    if accepted:
        verify_consistency(size1, size2, root1, root2, proof)
    else:
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, root1, root2, proof)


def test_failures_name_the_exact_reason() -> None:
    path = inclusion_path(5, 8, stored)
    with pytest.raises(
        ProofError,
        match=r"^the audit path is too long for leaf 5 of a tree of 8 \(4 hashes, expected 3\)$",
    ):
        verify_inclusion(LEAVES[5], 5, 8, [*path, SOME_HASH], ROOTS[8])
    with pytest.raises(
        ProofError,
        match=r"^the audit path is too short for leaf 5 of a tree of 8 \(2 hashes, expected 3\)$",
    ):
        verify_inclusion(LEAVES[5], 5, 8, path[:2], ROOTS[8])
    with pytest.raises(
        ProofError, match=r"^computed root 5dc9da79… does not match the checkpoint root abacaba0…"
    ):
        verify_inclusion(LEAVES[5], 5, 8, path, SOME_HASH)
    with pytest.raises(ProofError, match=r"^leaf 8 is not in a tree of 8$"):
        verify_inclusion(LEAVES[5], 8, 8, path, ROOTS[8])
    with pytest.raises(ProofError, match=r"^the audit path hash 1 is 31 bytes, not 32$"):
        verify_inclusion(LEAVES[5], 5, 8, [path[0], path[1][:31], path[2]], ROOTS[8])
    proof = consistency_path(6, 8, stored)
    with pytest.raises(ProofError, match=r"^a log cannot go from size 8 to size 6$"):
        verify_consistency(8, 6, ROOTS[8], ROOTS[6], proof)
    with pytest.raises(ProofError, match=r"^the consistency proof from size 6 to size 8 is empty$"):
        verify_consistency(6, 8, ROOTS[6], ROOTS[8], [])
    with pytest.raises(ProofError, match=r"is too long \(4 hashes, expected 3\)$"):
        verify_consistency(6, 8, ROOTS[6], ROOTS[8], [*proof, SOME_HASH])
    with pytest.raises(
        ProofError, match=r"^computed root 76e67dad… of the tree of 6 does not match"
    ):
        verify_consistency(6, 8, SOME_HASH, ROOTS[8], proof)
    with pytest.raises(
        ProofError, match=r"^computed root 5dc9da79… of the tree of 8 does not match"
    ):
        verify_consistency(6, 8, ROOTS[6], SOME_HASH, proof)


def test_proof_builders_refuse_ranges_outside_the_tree() -> None:
    with pytest.raises(ValueError, match="leaf 8 is not in a tree of 8"):
        inclusion_path(8, 8, stored)
    with pytest.raises(ValueError, match="smaller one"):
        consistency_path(8, 6, stored)
    with pytest.raises(ValueError, match="not a subtree"):
        subtree_hash(1, 3, stored)  # [1, 3) is never an MTH input of a proof
    with pytest.raises(ValueError, match="not 32"):
        new_nodes(8, [b"short"], stored)
    assert consistency_path(0, 8, stored) == []
    assert consistency_path(8, 8, stored) == []


# --- Properties against the recursive reference ---------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(data=st.data(), size=st.integers(min_value=0, max_value=300))
def test_batched_appends_agree_with_the_recursive_definition(
    data: st.DataObject, size: int
) -> None:
    leaves = [leaf_hash(index.to_bytes(4, "big")) for index in range(size)]
    cache: dict[tuple[int, int], bytes] = {}
    store: dict[tuple[int, int], bytes] = {}

    def get_stored(level: int, index: int) -> bytes:
        return store[(level, index)]

    reads: list[tuple[int, int]] = []

    def get_counted(level: int, index: int) -> bytes:
        reads.append((level, index))
        return store[(level, index)]

    current = 0
    while current < size:
        batch = data.draw(st.integers(min_value=1, max_value=size - current), label="batch")
        reads.clear()
        created = new_nodes(current, leaves[current : current + batch], get_counted)
        # Only nodes on the old right border are read, at most one per level.
        assert all(index == (current >> level) - 1 for level, index in reads)
        assert len(reads) <= current.bit_length()
        assert not store.keys() & {(level, index) for level, index, _ in created}
        store.update(((level, index), value) for level, index, value in created)
        current += batch
        assert root(current, get_stored) == ref_mth(leaves, cache, 0, current)
    assert store == compute_all(leaves)
    top = root(size, get_stored)
    for index in range(size):
        path = inclusion_path(index, size, get_stored)
        assert path == ref_path(leaves, cache, index, 0, size)
        verify_inclusion(leaves[index], index, size, path, top)
    old_sizes = data.draw(
        st.lists(st.integers(min_value=0, max_value=size), max_size=12), label="size1"
    )
    for size1 in old_sizes:
        proof = consistency_path(size1, size, get_stored)
        if 0 < size1 < size:
            assert proof == ref_subproof(leaves, cache, size1, 0, size, True)
        verify_consistency(size1, size, ref_mth(leaves, cache, 0, size1), top, proof)


# --- Scale: bulk appends and O(log n) reads ------------------------------------------------


def test_two_hundred_thousand_leaves_in_one_batch() -> None:
    count = 200_000
    leaves = [leaf_hash(index.to_bytes(4, "big")) for index in range(count)]
    created = new_nodes(0, leaves, stored)  # a tree built from its first leaf reads nothing
    assert len(created) == 2 * count - count.bit_count()
    store = {(level, index): value for level, index, value in created}
    assert root(count, lambda lv, ix: store[(lv, ix)]) == ref_mth(leaves, {}, 0, count)


def test_proofs_in_a_million_leaf_tree_read_only_log_n_nodes() -> None:
    size = 1_000_000
    levels: list[list[bytes]] = [[] for _ in range(size.bit_length())]
    batch = 65_537  # odd, so every batch meets the old right border
    for start in range(0, size, batch):
        fresh = [
            leaf_hash(index.to_bytes(4, "big")) for index in range(start, min(start + batch, size))
        ]
        for level, index, value in new_nodes(start, fresh, lambda lv, ix: levels[lv][ix]):
            assert index == len(levels[level])
            levels[level].append(value)
    reads = 0

    def get(level: int, index: int) -> bytes:
        nonlocal reads
        reads += 1
        return levels[level][index]

    limit = 4 * math.log2(size)
    top = root(size, get)
    assert reads <= limit
    for index in (0, 1, 314_159, 524_288, size - 2, size - 1):
        reads = 0
        path = inclusion_path(index, size, get)
        assert reads <= limit, (index, reads)
        verify_inclusion(levels[0][index], index, size, path, top)
    for size1 in (1, 2, 3, 65_537, 524_288, 999_999):
        reads = 0
        proof = consistency_path(size1, size, get)
        assert reads <= limit, (size1, reads)
        verify_consistency(size1, size, root(size1, get), top, proof)

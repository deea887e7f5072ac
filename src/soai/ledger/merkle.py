"""RFC 9162 §2.1 Merkle tree math over SHA-256: hashes, stored nodes, proofs and their checks.

The ledger stores every *complete subtree* node: node ``(level, index)`` is the hash of the
leaves ``[index·2^level, (index+1)·2^level)``; level 0 holds the leaf hashes. Any tree head,
inclusion proof or consistency proof is then a fold of O(log n) stored nodes, so nothing here
ever recomputes a whole tree. Storage is abstracted as ``get(level, index) -> bytes``.

The verify functions raise :class:`ProofError` with the exact reason and return ``None`` on
success: there is no boolean for a caller to forget.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeReader = Callable[[int, int], bytes]
"""Reads the stored complete-subtree node ``(level, index)``."""


class ProofError(ValueError):
    """A Merkle proof or tree head did not verify; the message says exactly why."""


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 §2.1.1: ``SHA-256(0x00 ‖ entry)``."""
    return hashlib.sha256(b"\x00" + entry).digest()


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """:func:`leaf_hash` of every entry (inlined: the ledger's append path)."""
    sha256 = hashlib.sha256
    return [sha256(b"\x00" + entry).digest() for entry in entries]


def _node_hashes(lefts: Sequence[bytes], rights: Sequence[bytes]) -> list[bytes]:
    """:func:`node_hash` of every pair (inlined: the ledger's append path)."""
    sha256 = hashlib.sha256
    return [
        sha256(b"\x01" + left + right).digest() for left, right in zip(lefts, rights, strict=True)
    ]


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: ``SHA-256(0x01 ‖ left ‖ right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


Run = tuple[int, int, list[bytes]]
"""New nodes of one level: ``(level, index of the first, hashes in order)``."""


def new_runs(size: int, leaf_hashes: Sequence[bytes], get: NodeReader) -> list[Run]:
    """Every complete-subtree node that appending ``leaf_hashes`` to a tree of ``size`` creates,
    as one run of consecutive nodes per level, the new leaves (level 0) first.

    Only nodes on the old right border are read through ``get`` (at most one per level); new
    nodes are taken from the batch itself. About 2·k hashes for k leaves, no recursion, and no
    per-node work beyond the hashing (this is the ledger's append path).
    """
    _check_size("tree size", size)
    if {*map(len, leaf_hashes)} - {HASH_SIZE}:  # name the first bad one
        offset = next(i for i, value in enumerate(leaf_hashes) if len(value) != HASH_SIZE)
        _check_hash(f"leaf hash {size + offset}", leaf_hashes[offset])
    end = size + len(leaf_hashes)
    level_nodes = list(leaf_hashes)  # new nodes of `level`, the first at index `first`
    first = size
    runs: list[Run] = [(0, size, level_nodes)] if level_nodes else []
    level = 0
    while True:
        low, high = size >> (level + 1), end >> (level + 1)
        if low >= high:
            return runs
        parents: list[bytes] = []
        taken = 0
        if 2 * low < first:  # the left child is an old node on the right border
            parents.append(node_hash(_read(get, level, 2 * low), level_nodes[0]))
            taken = 1
        pairs_end = taken + 2 * (high - low - len(parents))
        parents += _node_hashes(
            level_nodes[taken:pairs_end:2], level_nodes[taken + 1 : pairs_end : 2]
        )
        level += 1
        runs.append((level, low, parents))
        level_nodes, first = parents, low


def new_nodes(
    size: int, leaf_hashes: Sequence[bytes], get: NodeReader
) -> list[tuple[int, int, bytes]]:
    """The nodes of :func:`new_runs` one by one, as ``(level, index, hash)`` triples."""
    return [
        (level, first + offset, value)
        for level, first, values in new_runs(size, leaf_hashes, get)
        for offset, value in enumerate(values)
    ]


def compute_all(leaf_hashes: Sequence[bytes]) -> dict[tuple[int, int], bytes]:
    """Every complete-subtree node of the tree of ``leaf_hashes``, recomputed level by level.

    An audit compares this with what the store holds.
    """
    return {(level, index): value for level, index, value in new_nodes(0, leaf_hashes, _nothing)}


def subtree_hash(start: int, end: int, get: NodeReader) -> bytes:
    """MTH of the leaves ``[start, end)`` from stored nodes, in O(log n) reads.

    Defined for the ranges RFC 9162 proofs use: ``start`` is a multiple of the largest power of
    two not above ``end - start``. The range is split into its binary complete subtrees, which
    are folded right to left, exactly as MTH splits at the largest power of two below n.
    """
    count = end - start
    if start < 0 or count < 0:
        raise ValueError(f"leaves [{start}, {end}) are not a range")
    if count == 0:
        return EMPTY_ROOT
    top = count.bit_length() - 1
    if start % (1 << top):
        raise ValueError(f"leaves [{start}, {end}) are not a subtree of an RFC 9162 proof")
    parts: list[bytes] = []
    position = start
    for level in range(top, -1, -1):
        if count >> level & 1:
            parts.append(_read(get, level, position >> level))
            position += 1 << level
    value = parts.pop()
    while parts:
        value = node_hash(parts.pop(), value)
    return value


def root(size: int, get: NodeReader) -> bytes:
    """The tree head (MTH) of the first ``size`` leaves; ``EMPTY_ROOT`` for an empty tree."""
    _check_size("tree size", size)
    return subtree_hash(0, size, get)


def inclusion_path(index: int, size: int, get: NodeReader) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, D[size]), deepest sibling first."""
    _check_size("tree size", size)
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    siblings: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        split = start + _largest_power_of_two_below(end - start)
        if index < split:  # PATH(m, D[0:k]) : MTH(D[k:n])
            siblings.append(subtree_hash(split, end, get))
            end = split
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            siblings.append(subtree_hash(start, split, get))
            start = split
    siblings.reverse()
    return siblings


def consistency_path(size1: int, size2: int, get: NodeReader) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(size1, D[size2]); empty when ``size1`` is 0 or ``size2``."""
    _check_size("old tree size", size1)
    _check_size("new tree size", size2)
    if size1 > size2:
        raise ValueError(f"no consistency proof from a tree of {size1} to a smaller one of {size2}")
    if size1 in (0, size2):
        return []
    proof: list[bytes] = []
    remaining, start, end = size1, 0, size2
    whole_old_tree = True  # the b flag of SUBPROOF
    while remaining != end - start:
        split = start + _largest_power_of_two_below(end - start)
        if remaining <= split - start:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            proof.append(subtree_hash(split, end, get))
            end = split
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            proof.append(subtree_hash(start, split, get))
            remaining -= split - start
            start = split
            whole_old_tree = False
    if not whole_old_tree:  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
        proof.append(subtree_hash(start, end, get))
    proof.reverse()
    return proof


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2: check that leaf ``index`` of a tree of ``size`` has ``leaf_hash``."""
    _check_proof_hash("leaf hash", leaf_hash)
    _check_proof_hash("checkpoint root", root)
    for position, value in enumerate(path):
        _check_proof_hash(f"audit path hash {position}", value)
    # 1. The leaf index must be inside the tree.
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    # 2. fn = leaf_index, sn = tree_size - 1.
    fn, sn = index, size - 1
    # 3. r = the leaf hash.
    r = leaf_hash
    # 4. Fold in each hash of the path.
    for p in path:
        # 4a. A path longer than the tree is tall fails.
        if sn == 0:
            raise ProofError(_path_length_error("audit path is too long", path, index, size))
        # 4b. p is a left sibling when fn is a right child or the last node of its level.
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        # 4c. Up one level.
        fn, sn = fn >> 1, sn >> 1
    # 5. The path must reach the top, and r must be the root.
    if sn != 0:
        raise ProofError(_path_length_error("audit path is too short", path, index, size))
    if r != root:
        raise ProofError(
            f"computed root {_short(r)} does not match the checkpoint root {_short(root)} "
            f"(leaf {index} of a tree of {size})"
        )


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: check that the tree of ``size2`` extends the tree of ``size1``."""
    _check_proof_hash("old checkpoint root", root1)
    _check_proof_hash("new checkpoint root", root2)
    for position, value in enumerate(proof):
        _check_proof_hash(f"consistency proof hash {position}", value)
    # 0. Cases §2.1.4.2 leaves to the caller (it assumes 0 < first < second).
    if size1 < 0 or size1 > size2:
        raise ProofError(f"a log cannot go from size {size1} to size {size2}")
    if size1 == size2:
        if proof:
            raise ProofError(f"the consistency proof between two trees of {size1} must be empty")
        if root1 != root2:
            raise ProofError(
                f"two checkpoints of size {size1} have different roots "
                f"{_short(root1)} and {_short(root2)}"
            )
        return
    if size1 == 0:
        if proof:
            raise ProofError("the consistency proof from the empty tree must be empty")
        if root1 != EMPTY_ROOT:
            raise ProofError(
                f"the root of the empty tree is {_short(EMPTY_ROOT)}, not {_short(root1)}"
            )
        return
    # 1. An empty proof fails.
    if not proof:
        raise ProofError(f"the consistency proof from size {size1} to size {size2} is empty")
    # 2. When size1 is a power of two, the old root is the first node of the proof.
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    # 3. fn = first - 1, sn = second - 1.
    fn, sn = size1 - 1, size2 - 1
    # 4. Skip the levels where the old tree's last node is a right child.
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    # 5. fr = sr = the first node.
    fr = sr = path[0]
    # 6. Fold in each following node.
    for c in path[1:]:
        # 6a. A proof longer than the new tree is tall fails.
        if sn == 0:
            raise ProofError(_proof_length_error("too long", proof, size1, size2))
        # 6b. c is a left sibling of both paths, or a right sibling of the new path only.
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        # 6c. Up one level.
        fn, sn = fn >> 1, sn >> 1
    # 7. The proof must reach the top; fr must be the old root and sr the new one.
    if sn != 0:
        raise ProofError(_proof_length_error("too short", proof, size1, size2))
    if fr != root1:
        raise ProofError(
            f"computed root {_short(fr)} of the tree of {size1} does not match "
            f"the checkpoint root {_short(root1)}"
        )
    if sr != root2:
        raise ProofError(
            f"computed root {_short(sr)} of the tree of {size2} does not match "
            f"the checkpoint root {_short(root2)}"
        )


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162 §2.1.1: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _inclusion_length(index: int, size: int) -> int:
    """How many hashes PATH(index, D[size]) has: the inner levels plus the border nodes."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def _consistency_length(size1: int, size2: int) -> int:
    """How many hashes PROOF(size1, D[size2]) has, for 0 < size1 < size2."""
    shift = (size1 & -size1).bit_length() - 1  # trailing zero bits of size1
    length = _inclusion_length(size1 - 1, size2) - shift
    return length if size1 == 1 << shift else length + 1


def _path_length_error(what: str, path: Sequence[bytes], index: int, size: int) -> str:
    expected = _inclusion_length(index, size)
    return (
        f"the {what} for leaf {index} of a tree of {size} ({len(path)} hashes, expected {expected})"
    )


def _proof_length_error(what: str, proof: Sequence[bytes], size1: int, size2: int) -> str:
    expected = _consistency_length(size1, size2)
    return (
        f"the consistency proof from size {size1} to size {size2} is {what} "
        f"({len(proof)} hashes, expected {expected})"
    )


def _short(value: bytes) -> str:
    return value[:4].hex() + "…"


def _check_size(what: str, size: int) -> None:
    if size < 0:
        raise ValueError(f"the {what} {size} is negative")


def _check_hash(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ValueError(f"the {what} is {len(value)} bytes, not {HASH_SIZE}")


def _check_proof_hash(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"the {what} is {len(value)} bytes, not {HASH_SIZE}")


def _read(get: NodeReader, level: int, index: int) -> bytes:
    value = get(level, index)
    _check_hash(f"stored node ({level}, {index})", value)
    return value


def _nothing(level: int, index: int) -> bytes:
    raise AssertionError(f"a tree built from its first leaf has no stored node ({level}, {index})")

"""The ledger audit: recompute everything from the stored entries and name what was altered.

Checks, in order: every entry still hashes to its stored leaf; every stored node equals the
node recomputed from the leaves (and none is missing or extra); every checkpoint's root is the
root recomputed at its size, and its signature verifies with one of the log's keys. Run by
``soai ledger audit``; it reads the entries bundle by bundle and holds only the leaf hashes.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.ledger import bundles, merkle, note
from soai.ledger.models import LedgerCheckpoint, LedgerHead
from soai.ledger.schemas import AuditProblem, AuditReport
from soai.ledger.tiles import stored_nodes


def audit(session: Session, *, vkeys: list[str]) -> AuditReport:
    problems: list[AuditProblem] = []
    head = session.get(LedgerHead, 1)
    size = head.size if head else 0

    # 1. Entries: bundle after bundle, each entry hashing to the stored leaf.
    nodes = list(stored_nodes(session))
    stored_leaves = {position: digest for level, position, digest in nodes if level == 0}
    leaves: list[bytes] = []

    def missing_until(position: int) -> None:
        while len(leaves) < position:
            gap = len(leaves)
            problems.append(
                AuditProblem(what="entry", where=f"entry {gap}", detail="missing (deleted?)")
            )
            leaves.append(stored_leaves.get(gap, merkle.EMPTY_ROOT))

    def check(position: int, entry_body: bytes) -> None:
        digest = merkle.leaf_hash(entry_body)
        if stored_leaves.get(position) != digest:
            problems.append(
                AuditProblem(
                    what="entry",
                    where=f"entry {position}",
                    detail="its content no longer matches the leaf hash recorded for it: altered",
                )
            )
        leaves.append(digest)

    for index, content in bundles.stored(session):
        first = index * bundles.WIDTH
        if first >= size:  # the head never counted it: added behind the log's back
            problems.append(
                AuditProblem(
                    what="entry",
                    where=f"bundle {index}",
                    detail=f"lies beyond the head's {size} entries: inserted",
                )
            )
            continue
        missing_until(first)  # a bundle before this one was short or is gone
        if isinstance(content, bundles.BundleError):
            last = min(first + bundles.WIDTH, max(size, first + 1)) - 1
            problems.append(
                AuditProblem(
                    what="entry",
                    where=f"entries {first}-{last}",
                    detail=f"their bundle no longer splits into entries ({content}): altered",
                )
            )
            leaves.extend(stored_leaves.get(p, merkle.EMPTY_ROOT) for p in range(first, last + 1))
            continue
        allowed = min(bundles.WIDTH, size - first)
        if len(content) > allowed:
            problems.append(
                AuditProblem(
                    what="entry",
                    where=f"bundle {index}",
                    detail=f"holds {len(content)} entries where the head counts {allowed}: inserted",
                )
            )
            content = content[:allowed]
        for offset, entry_body in enumerate(content):
            check(first + offset, entry_body)
    for position, entry_body in bundles.stored_open(session):  # the bundle still filling up
        if position >= size or position < len(leaves):
            problems.append(
                AuditProblem(
                    what="entry",
                    where=f"entry {position}",
                    detail="stored beyond the head or twice: inserted",
                )
            )
            continue
        missing_until(position)
        check(position, entry_body)
    expected = len(leaves)
    if expected != size:
        problems.append(
            AuditProblem(
                what="head",
                where="ledger head",
                detail=f"the head says {size} entries but {expected} are stored",
            )
        )

    # 2. Nodes: recompute every complete subtree from the entries.
    recomputed = merkle.compute_all(leaves)
    seen = 0
    for level, position, digest in nodes:
        seen += 1
        want = recomputed.get((level, position))
        if want is None:
            problems.append(
                AuditProblem(
                    what="node",
                    where=f"node {level}/{position}",
                    detail="stored but not part of the tree: inserted",
                )
            )
        elif want != digest and level > 0:
            problems.append(
                AuditProblem(
                    what="node",
                    where=f"node {level}/{position}",
                    detail="differs from the hash of its children: altered",
                )
            )
    if seen < len(recomputed):
        problems.append(
            AuditProblem(
                what="node",
                where="nodes",
                detail=f"{len(recomputed) - seen} node(s) of the tree are missing",
            )
        )

    # 3. Checkpoints: the signed roots must be the recomputed roots.
    def get(level: int, position: int) -> bytes:
        return recomputed[(level, position)]

    checked = 0
    for record in session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.size)):
        checked += 1
        where = f"checkpoint {record.id} (size {record.size})"
        try:
            body = note.open_note(record.note, vkeys)
            signed = note.parse_checkpoint(body)
        except ValueError as exc:
            problems.append(
                AuditProblem(
                    what="checkpoint", where=where, detail=f"signature does not verify: {exc}"
                )
            )
            continue
        if (signed.size, signed.root) != (record.size, record.root):
            problems.append(
                AuditProblem(
                    what="checkpoint",
                    where=where,
                    detail="stored size or root differs from the signed note",
                )
            )
        if signed.size > len(leaves):
            problems.append(
                AuditProblem(
                    what="checkpoint", where=where, detail="signed for more entries than are stored"
                )
            )
        elif merkle.root(signed.size, get) != signed.root:
            problems.append(
                AuditProblem(
                    what="checkpoint",
                    where=where,
                    detail="the entries no longer produce the root that was signed: history rewritten",
                )
            )
    return AuditReport(
        size=size,
        entries_checked=len(leaves),
        nodes_checked=seen,
        checkpoints_checked=checked,
        problems=problems,
    )

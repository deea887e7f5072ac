"""Shapes of ledger proofs and checkpoints as the CLI, the API and verifiers exchange them.

Hashes are lowercase hex; ``leaf_index`` is 0-based; ``checkpoint`` is the signed C2SP note.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class CheckpointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    size: int
    root: str
    note: str
    key_id: str
    created_at: datetime

    @field_validator("root", mode="before")
    @classmethod
    def _hex(cls, value: Any) -> Any:
        return value.hex() if isinstance(value, bytes) else value


class InclusionProof(BaseModel):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]
    checkpoint: str
    entry: dict[str, Any]


class ConsistencyProof(BaseModel):
    size1: int
    size2: int
    root1: str
    root2: str
    proof: list[str]
    checkpoint: str | None = None


class EntryOut(BaseModel):
    leaf_index: int
    kind: str
    entry: dict[str, Any]
    created_at: datetime


class AuditProblem(BaseModel):
    what: str
    where: str
    detail: str


class AuditReport(BaseModel):
    size: int
    entries_checked: int
    nodes_checked: int
    checkpoints_checked: int
    problems: list[AuditProblem]

    @property
    def ok(self) -> bool:
        return not self.problems

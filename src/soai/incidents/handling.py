"""The rules of handling a report, as pure logic (no database, no web): the kinds of harm and
the severities with their service targets (``data/handling.yaml``), the statuses a case moves
through, attachments allowed by their content, and the search for likely duplicates.

Statuses: ``received`` → ``triaged`` (severity set, timer running) → ``investigating`` ⇄
``awaiting_provider`` → ``decided`` (substantiated / not substantiated / referred) →
``closed``; ``escalated`` while the council decides; ``merged`` when a report duplicates an
earlier one (the reporter then follows that case).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from soai.errors import InvalidInput
from soai.i18n.markers import N_

DATA = Path(__file__).parent / "data" / "handling.yaml"
STATUSES = {
    "received": N_("Received"),
    "triaged": N_("Triaged"),
    "investigating": N_("Under investigation"),
    "awaiting_provider": N_("Waiting for the provider's answer"),
    "escalated": N_("Before the council"),
    "decided": N_("Decided"),
    "closed": N_("Closed"),
    "merged": N_("Merged into another report"),
}
OPEN = ("received", "triaged", "investigating", "awaiting_provider", "escalated")
OUTCOMES = {
    "substantiated": N_("Substantiated"),
    "not_substantiated": N_("Not substantiated"),
    "referred": N_("Referred to another authority"),
}
AFFECTED = {
    "me": N_("Me"),
    "someone": N_("Someone else"),
    "group": N_("A group of people"),
    "unknown": N_("I do not know"),
}

#: What an attachment may be, told by its first bytes (never by its name or declared type).
MAX_ATTACHMENT = 5 * 1024 * 1024
MAX_ATTACHMENTS = 3
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


@dataclass(frozen=True)
class Rules:
    harms: dict[str, dict[str, str]]
    severities: dict[str, tuple[dict[str, str], int]]
    triage_hours: int


@lru_cache(maxsize=1)
def rules() -> Rules:
    raw: dict[str, Any] = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return Rules(
        harms={h["id"]: h["title"] for h in raw["harms"]},
        severities={s["id"]: (s["title"], int(s["hours"])) for s in raw["severities"]},
        triage_hours=int(raw["triage_hours"]),
    )


def check_harm(harm: str) -> str:
    if harm not in rules().harms:
        raise InvalidInput(N_("Choose the kind of harm from the list."), field="harm")
    return harm


def due_for(severity: str | None, since: datetime) -> datetime:
    """When the case must reach an outcome (triage time when no severity is set yet)."""
    if severity is None:
        return since + timedelta(hours=rules().triage_hours)
    if severity not in rules().severities:
        raise InvalidInput(N_("Choose a severity from the list."), field="severity")
    return since + timedelta(hours=rules().severities[severity][1])


def sniff(content: bytes) -> tuple[str, str] | None:
    """(media type, extension) of an allowed file, from its content; ``None`` when not allowed.
    Plain text is allowed when it is valid UTF-8 without NUL bytes."""
    for magic, media, extension in SIGNATURES:
        if content.startswith(magic):
            return media, extension
    if b"\x00" in content:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain", ".txt"


def safe_filename(name: str, extension: str) -> str:
    """A display name: the base name, without control or path characters, the extension the
    content proved (a ``.exe`` renamed ``.pdf`` never gets here)."""
    stem = Path(name.replace("\\", "/")).name.rsplit(".", 1)[0]
    stem = "".join(ch for ch in stem if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    return (stem.strip()[:80] or "attachment") + extension


_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> set[str]:
    """Lower-case word set of a text (Khmer, written without spaces, falls back to runs of 3
    characters so that two Khmer accounts of the same event still share terms)."""
    found: set[str] = set()
    for token in _WORD.findall(unicodedata.normalize("NFKC", text).casefold()):
        if any("\u1780" <= ch <= "\u17ff" for ch in token) and len(token) > 3:
            found.update(token[i : i + 3] for i in range(len(token) - 2))
        elif len(token) > 2:
            found.add(token)
    return found


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the word sets of two texts (0 to 1)."""
    left, right = words(a), words(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


@dataclass(frozen=True)
class Candidate:
    id: int
    score: float


def likely_duplicates(
    report: Mapping[str, Any], others: Iterable[Mapping[str, Any]], *, threshold: float = 0.3,
    days: int = 30,
) -> list[Candidate]:  # fmt: skip
    """Earlier open reports that may describe the same harm: the same AI system (or the same
    organisation or free-text target) and kind of harm within ``days``, scored by text
    similarity; those at or above ``threshold`` are returned, best first. An analyst decides."""
    found = []
    for other in others:
        if other["id"] == report["id"] or other["harm"] != report["harm"]:
            continue
        same_target = (
            (report["system_id"] is not None and other["system_id"] == report["system_id"])
            or (report["organisation_id"] is not None
                and other["organisation_id"] == report["organisation_id"])
            or (report["target_text"] and other["target_text"].casefold()
                == report["target_text"].casefold())
        )  # fmt: skip
        if not same_target or abs(other["created_at"] - report["created_at"]).days > days:
            continue
        score = similarity(report["description"], other["description"])
        if score >= threshold:
            found.append(Candidate(int(other["id"]), round(score, 2)))
    return sorted(found, key=lambda c: (-c.score, c.id))

"""Serious-incident reporting deadlines, modelled on EU AI Act (Regulation (EU) 2024/1689)
Art. 73 and applied by MPTC as a rule of the framework (Cambodia has no AI law yet).

Pure logic (no database, no web). ``data/serious_incidents.yaml`` lists the kinds of serious
incident (Art. 3(49) and the widespread infringement of Art. 3(61)), each with its deadline in
days (Art. 73(2) to (4)). It is read, checked and frozen into :class:`Rules`: unique kind ids,
positive ``deadline_days`` and Khmer text in Khmer script. The clock starts when the provider
becomes aware of the incident; several kinds at once get the SHORTEST deadline (:func:`due`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from soai.errors import ConfigurationError, InvalidInput
from soai.i18n import datafiles
from soai.i18n.markers import N_

DEFAULT_PATH = Path(__file__).parent / "data" / "serious_incidents.yaml"
ID = datafiles.ID
KHMER = datafiles.KHMER
KIND = "serious-incident rules"

Status = Literal["filed_on_time", "filed_late", "overdue", "open"]


class DeadlineDataError(ConfigurationError):
    code = "incident_rules_invalid"
    hint = "Fix the serious-incident rules file named above; nothing was changed."


_Model = datafiles.Frozen
Text = datafiles.Text


class Source(_Model):
    """The regulation the rules are modelled on and when it applies there."""

    regulation: str = Field(min_length=1)
    url: str = Field(min_length=1)
    application: str = Field(min_length=1)


class Kind(_Model):
    """A kind of serious incident, its definition and its reporting deadline."""

    id: str = Field(pattern=ID)
    title: Text
    definition: Text
    citation: str = Field(min_length=1)
    deadline_days: int = Field(gt=0, strict=True)
    deadline_citation: str = Field(min_length=1)


class Rules(_Model):
    version: int = Field(ge=1, strict=True)
    source: Source
    overlay_note: Text
    kinds: tuple[Kind, ...] = Field(min_length=1)

    def kind(self, kind_id: str) -> Kind:
        return next(k for k in self.kinds if k.id == kind_id)


@dataclass(frozen=True)
class Deadline:
    """When the report is due: ``aware_at`` + ``days`` whole days, set by ``kind``."""

    due_at: datetime
    days: int
    kind: str
    citation: str


def load(path: Path | None = None) -> Rules:
    """The rules in ``path`` (default: the shipped file, read once and cached)."""
    return _default() if path is None else _load(path)


@lru_cache(maxsize=1)
def _default() -> Rules:
    return _load(DEFAULT_PATH)


def _load(path: Path) -> Rules:
    label = str(path)
    raw = datafiles.read(path, kind=KIND, error=DeadlineDataError)
    rules = datafiles.validate(Rules, raw, label=label, kind=KIND, error=DeadlineDataError)
    ids = [k.id for k in rules.kinds]
    for twice in (i for n, i in enumerate(ids) if i in ids[:n]):
        datafiles.fail([(f"kinds[{twice}].id", "the kind id is used twice")], label=label,
                       kind=KIND, error=DeadlineDataError)  # fmt: skip
    return rules


def due(kinds: Sequence[str], aware_at: datetime, rules: Rules | None = None) -> Deadline:
    """The deadline of an incident of ``kinds`` (kind ids; a bare string is one id): ``aware_at``
    plus the shortest ``deadline_days`` among them as whole days (``timedelta(days=n)``: same
    wall-clock time in ``aware_at``'s zone; no working-day or end-of-day rounding). On a tie the
    kind listed first in the rules file sets it. No kinds, an unknown kind or a naive
    ``aware_at`` raise :class:`InvalidInput`."""
    rules = rules or load()
    wanted = [kinds] if isinstance(kinds, str) else list(kinds)
    if not wanted:
        raise InvalidInput(N_("Choose at least one kind of serious incident."), field="kinds")
    _require_aware(aware_at, "aware_at")
    order = {k.id: i for i, k in enumerate(rules.kinds)}
    for kind_id in wanted:
        if kind_id not in order:
            message = N_('Unknown kind of serious incident "{kind}"; known kinds: {known}.')
            raise InvalidInput(message, field="kinds", kind=kind_id, known=", ".join(order))
    chosen = min(
        (rules.kinds[order[k]] for k in wanted), key=lambda k: (k.deadline_days, order[k.id])
    )
    return Deadline(
        due_at=aware_at + timedelta(days=chosen.deadline_days),
        days=chosen.deadline_days,
        kind=chosen.id,
        citation=chosen.deadline_citation,
    )


def status(deadline: Deadline, filed_at: datetime | None, now: datetime) -> Status:
    """``filed_on_time`` (filed at or before ``due_at``; an initial, incomplete report counts,
    Art. 73(5)), ``filed_late`` (filed after it), ``overdue`` (not filed and ``now`` is after it)
    or ``open`` (not filed, ``now`` at or before it). Once filed, ``now`` does not matter. Naive
    datetimes raise :class:`InvalidInput`."""
    _require_aware(now, "now")
    if filed_at is not None:
        _require_aware(filed_at, "filed_at")
        return "filed_on_time" if filed_at <= deadline.due_at else "filed_late"
    return "overdue" if now > deadline.due_at else "open"


def _require_aware(value: datetime, field: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        message = N_("The time {value} has no time zone; give it with its UTC offset.")
        raise InvalidInput(message, field=field, value=value.isoformat())

"""The verifiable lottery of the 500,250-seat training giveaway (``soai giveaway allocate``).

Anyone holding the applications file, the seed and the quota table can recompute the draw with a
few lines of any language and check the published ``allocation_digest``. The rules:

**Applications.** The CSV is read and every row checked first (:mod:`soai.programme.applications`);
one bad row and nothing is allocated. ``applications`` counts the rows read.

**Re-submissions** (:mod:`soai.programme.resubmissions`). A row is a re-submission, set aside with
status ``duplicate``, when an earlier row has the same normalised full name (NFKC, case-folded,
invisible characters and punctuation removed, white space collapsed), the same date of birth and
either the same SHA-256 of the normalised document number (letters and digits, upper case; an
empty one never matches) or the same normalised e-mail (NFKC, lower case). The earliest row of a
person (file order) stays in the draw. False merges need the same name AND birth date AND
document or e-mail: twins with the same name sharing a family e-mail address would be merged
(the second twin is set aside and must re-apply with their own address), as would a document
number mistyped into another same-named, same-born applicant's. Misses: a person who changes
their name's spelling beyond case, spacing and punctuation, or their birth date, AND uses a new
e-mail and document is counted twice; so is "Chan-Sophea" against "Chan Sophea" (removing the
hyphen joins the words). Every ``duplicate`` row names the row it repeats in the results file.

**Tickets.** Each remaining applicant's ticket is ``SHA-256(seed ‖ application_id)``: the seed's
raw bytes (the ``--seed`` hex decoded, at least 16 bytes) followed by the UTF-8 bytes of the
trimmed application_id, nothing between. Applicants are ordered by ticket, compared as 32-byte
strings (= 256-bit big-endian unsigned integers), smallest first; ``rank`` is the 1-based
position in that order (duplicates have rank 0). Protocol: publish ``seed_commitment`` =
SHA-256(seed) and the applications file's SHA-256 before the draw, reveal the seed after it; no
one can then steer the draw by choosing application ids or the seed. Draw the seed from a
cryptographic source (``secrets.token_hex(32)``) or a public randomness beacon.

**Seats.** Reserved quotas (``{"KH": 100_000}``) are filled first: for each country, its
applicants in ticket order take up to its quota. A country with fewer applicants than its quota
leaves the rest of its reserved seats unused, and those flow to the general pool. The general
pool (``seats`` minus the reserved seats actually filled) then goes to everyone not yet allocated,
of every country including the reserved ones, in ticket order. Everyone else is waitlisted, in
ticket order (``waitlist_position`` 1, 2, ...). Quotas must be whole numbers ≥ 0 for known
countries and together no more than ``seats``. The summary reports ``reserved_unfilled`` (reserved
seats that went to the general pool) and ``seats_left_empty`` (more seats than applicants).

**Digest.** ``allocation_digest`` = SHA-256 of one line per row of the file (duplicates too),
``application_id TAB status TAB rank LF`` in UTF-8, the lines sorted by application_id byte by byte;
status is ``allocated``, ``waitlisted`` or ``duplicate``. From a results file:
``tail -n +2 results.csv | cut -d, -f1-3 | tr , '\\t' | LC_ALL=C sort | sha256sum`` (for ids with
no comma, quote or leading ``=+-@'``).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.programme.applications import COUNTRIES, read_checked
from soai.programme.resubmissions import find_duplicates
from soai.reports.tables import escape_cell

METHOD = "soai-giveaway-1: ticket=sha256(seed||utf8(application_id)); digest over sorted lines"
MIN_SEED_BYTES = 16
STATUSES = ("allocated", "waitlisted", "duplicate")
ALLOCATED, WAITLISTED, DUPLICATE = range(3)
RESULT_COLUMNS = (
    "application_id", "status", "rank", "waitlist_position", "seat", "country", "duplicate_of",
)  # fmt: skip


@dataclass(frozen=True)
class Applications:
    """What the draw needs of the applications: no names, birth dates, e-mails or documents."""

    ids: Sequence[str]
    countries: npt.NDArray[np.str_]
    duplicate_of: npt.NDArray[np.int64]
    """Per row, the earlier row (0-based position) it re-submits, or -1."""
    source: str = ""
    sha256: str = ""

    @property
    def rows(self) -> int:
        return len(self.ids)

    @property
    def duplicates(self) -> int:
        return int((self.duplicate_of >= 0).sum())

    @classmethod
    def of(
        cls,
        ids: Sequence[str],
        countries: Sequence[str],
        duplicate_of: Sequence[int] | npt.NDArray[np.int64] | None = None,
    ) -> Applications:
        """Applications built in memory (tests, other parts); ids must be unique."""
        dup = np.full(len(ids), -1) if duplicate_of is None else np.asarray(duplicate_of)
        return cls(list(ids), np.asarray(countries, dtype="<U2"), dup.astype(np.int64))


def read_applications(path: Path) -> Applications:
    """Read, check and de-duplicate an applications CSV (see the module docstring)."""
    checked = read_checked(path)
    columns = checked.columns
    duplicate_of = find_duplicates(
        name_key=columns["name_key"],
        date_of_birth=columns["date_of_birth"],
        email=columns["email"],
        document_number=columns["document_number"],
    )
    return Applications(
        ids=columns["application_id"].to_pylist(),
        countries=columns["country"].to_numpy(zero_copy_only=False).astype("<U2"),
        duplicate_of=duplicate_of,
        source=path.name,
        sha256=_file_sha256(path),
    )


@dataclass(frozen=True)
class Allocation:
    """The outcome, per row of the file (file order) and in total."""

    applications: Applications
    seats: int
    quotas: dict[str, int]
    status: npt.NDArray[np.int8]
    rank: npt.NDArray[np.int64]
    waitlist_position: npt.NDArray[np.int64]
    reserved: npt.NDArray[np.bool_]
    """Whether an allocated row took a reserved seat of its country."""
    digest: str
    seed_commitment: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON of the ``soai giveaway allocate --json`` contract."""
        apps = self.applications
        unique = self.status != DUPLICATE
        allocated = self.status == ALLOCATED
        codes, inverse = np.unique(apps.countries, return_inverse=True)

        def per_country(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
            return np.bincount(inverse[mask], minlength=len(codes)).astype(np.int64)

        applied, won, waiting = (
            per_country(unique),
            per_country(allocated),
            per_country(self.status == WAITLISTED),
        )
        repeats, reserved = per_country(~unique), per_country(allocated & self.reserved)
        by_country: dict[str, dict[str, int]] = {}
        for n, code in enumerate(codes.tolist()):
            by_country[code] = {
                "applied": int(applied[n]), "duplicates": int(repeats[n]),
                "allocated": int(won[n]), "waitlisted": int(waiting[n]),
                "reserved": self.quotas.get(code, 0), "reserved_filled": int(reserved[n]),
            }  # fmt: skip
        for code, quota in self.quotas.items():
            by_country.setdefault(code, {
                "applied": 0, "duplicates": 0, "allocated": 0, "waitlisted": 0,
                "reserved": quota, "reserved_filled": 0,
            })  # fmt: skip
        filled = int((allocated & self.reserved).sum())
        return {
            "applications": apps.rows,
            "duplicates": apps.duplicates,
            "unique_applicants": int(unique.sum()),
            "seats": self.seats,
            "allocated": int(allocated.sum()),
            "allocated_reserved": filled,
            "allocated_general": int(allocated.sum()) - filled,
            "reserved_unfilled": sum(self.quotas.values()) - filled,  # went to the general pool
            "seats_left_empty": self.seats - int(allocated.sum()),  # fewer applicants than seats
            "waitlisted": int((self.status == WAITLISTED).sum()),
            "quotas": dict(sorted(self.quotas.items())),
            "by_country": dict(sorted(by_country.items())),
            "allocation_digest": self.digest,
            "seed_commitment": self.seed_commitment,
            "input": {"file": apps.source, "sha256": apps.sha256},
            "method": METHOD,
        }


def check_quotas(quotas: Mapping[str, int] | None, seats: int) -> dict[str, int]:
    """The quota table, checked: known countries, whole numbers ≥ 0, adding up to ≤ seats."""
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 0:
        raise InvalidInput(N_("The number of seats must be a whole number ≥ 0."), field="seats")
    table: dict[str, int] = {}
    for code, quota in (quotas or {}).items():
        country = code.strip().upper()
        if country not in COUNTRIES:
            raise InvalidInput(
                N_("Quota for {country}: not an ISO 3166-1 alpha-2 country code."),
                field="quotas",
                country=code,
            )
        if isinstance(quota, bool) or not isinstance(quota, int) or quota < 0:
            raise InvalidInput(
                N_("Quota for {country}: {quota} is not a whole number ≥ 0."),
                field="quotas",
                country=country,
                quota=quota,
            )
        if country in table:
            raise InvalidInput(
                N_("Quota for {country} is given twice."), field="quotas", country=country
            )
        table[country] = quota
    if sum(table.values()) > seats:
        raise InvalidInput(
            N_(
                "The quota table does not add up: {reserved} reserved seats ({table}) but only "
                "{seats} seats in all."
            ),
            field="quotas",
            reserved=sum(table.values()),
            table=", ".join(f"{c}={q}" for c, q in sorted(table.items())),
            seats=seats,
        )
    return table


def tickets(ids: Sequence[str], seed: bytes) -> npt.NDArray[np.uint64]:
    """The tickets SHA-256(seed ‖ utf8(id)), as rows of four big-endian 64-bit words."""
    base = hashlib.sha256(seed)

    def ticket(application_id: str) -> bytes:
        h = base.copy()
        h.update(application_id.encode())
        return h.digest()

    joined = b"".join([ticket(application_id) for application_id in ids])
    return np.frombuffer(joined, dtype=">u8").reshape(-1, 4).astype(np.uint64)


def allocate(
    applications: Applications,
    *,
    seats: int,
    seed: bytes,
    quotas: Mapping[str, int] | None = None,
) -> Allocation:
    """Draw the seats (see the module docstring for every rule)."""
    if len(seed) < MIN_SEED_BYTES:
        raise InvalidInput(
            N_("The seed must be at least {minimum} random bytes ({hex} hex digits)."),
            field="seed",
            minimum=MIN_SEED_BYTES,
            hex=2 * MIN_SEED_BYTES,
        )
    table = check_quotas(quotas, seats)
    rows = applications.rows
    unique = np.flatnonzero(applications.duplicate_of < 0)
    words = tickets([applications.ids[i] for i in unique.tolist()], seed)
    order = unique[np.lexsort(words.T[::-1])] if len(unique) else unique
    countries = applications.countries[order]
    taken = np.zeros(len(order), dtype=bool)
    for country, quota in sorted(table.items()):
        taken[np.flatnonzero(countries == country)[:quota]] = True
    reserved_in_order = taken.copy()
    general = seats - int(taken.sum())
    taken[np.flatnonzero(~taken)[:general]] = True

    status = np.full(rows, DUPLICATE, dtype=np.int8)
    status[order] = np.where(taken, ALLOCATED, WAITLISTED)
    rank = np.zeros(rows, dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    waitlist = np.zeros(rows, dtype=np.int64)
    waitlist[order[~taken]] = np.arange(1, int((~taken).sum()) + 1)
    reserved = np.zeros(rows, dtype=bool)
    reserved[order] = reserved_in_order
    return Allocation(
        applications=applications, seats=seats, quotas=table, status=status, rank=rank,
        waitlist_position=waitlist, reserved=reserved,
        digest=allocation_digest(applications.ids, status, rank),
        seed_commitment=hashlib.sha256(seed).hexdigest(),
    )  # fmt: skip


def allocation_digest(
    ids: Sequence[str], status: npt.NDArray[np.int8], rank: npt.NDArray[np.int64]
) -> str:
    """SHA-256 over the lines ``id TAB status TAB rank LF`` sorted by id (UTF-8 bytes)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(ids):
        return hashlib.sha256(b"").hexdigest()
    names = pa.array(ids, pa.string())
    words = pa.array(STATUSES, pa.string()).take(pa.array(status))
    numbers = pc.binary_join_element_wise(pc.cast(pa.array(rank), pa.string()), "", "\n")
    lines = pc.binary_join_element_wise(names, words, numbers, "\t")
    lines = lines.take(pc.sort_indices(names)).cast(pa.large_string())
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    start, end = int(offsets[lines.offset]), int(offsets[lines.offset + len(lines)])
    return hashlib.sha256(memoryview(lines.buffers()[2])[start:end]).hexdigest()


def write_results(allocation: Allocation, path: Path) -> None:
    """One row per application, in file order: ``application_id, status, rank,
    waitlist_position, seat (reserved/general), country, duplicate_of`` (every text escaped)."""
    apps = allocation.applications
    statuses = [STATUSES[s] for s in allocation.status.tolist()]
    seat_kinds = np.where(allocation.reserved, "reserved", "general").tolist()
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(RESULT_COLUMNS)
        for n, (status, rank, position, of) in enumerate(zip(
            statuses, allocation.rank.tolist(), allocation.waitlist_position.tolist(),
            apps.duplicate_of.tolist(), strict=True,
        )):  # fmt: skip
            out.writerow((
                escape_cell(apps.ids[n]), status, rank, position or "",
                seat_kinds[n] if status == "allocated" else "",
                escape_cell(str(apps.countries[n])),
                escape_cell(apps.ids[of]) if of >= 0 else "",
            ))  # fmt: skip


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()

"""Spotting a person who applied twice, in one vectorised pass over the applications.

The rule (also in :mod:`soai.programme.giveaway`): a row is a *re-submission* when an EARLIER row
of the file has the same name key and the same date of birth, and either the same document key or
the same e-mail key. It is set aside (status ``duplicate``) and points at the earliest such row;
the earliest row of a person stays in the draw. Rows are never merged transitively beyond that:
rows A (document D, e-mail E) and B (document D2, e-mail E2) stay two applicants even if a later
row C shares D with A and E2 with B — C is the re-submission, A and B are not linked by it.

Keys:

- name key: Unicode NFKC, case-folded (``str.casefold``: ``ß`` → ``ss``), NFKC again (so
  NFKC-casefold is stable), invisible format characters removed (zero-width space and joiners,
  soft hyphen, byte-order mark), punctuation removed, runs of white space made one space, trimmed.
  ``"  CHAN   Sophea "`` and ``"chan sophea"`` share a key; ``"Chan-Sophea"`` becomes
  ``"chansophea"``, not ``"chan sophea"``. Khmer is left as written: NFKC does not reorder a
  coeng and its subscript consonant (they are ordinary letters and a mark of class 9 in a fixed
  order), and Khmer has no case.
- document key: SHA-256 (hex) of the document number in NFKC, upper case, with everything but
  letters and digits removed (``"N0 123-456"`` = ``"n0123456"``). An empty document number has no
  key: two rows without one never match on it.
- e-mail key: NFKC, lower case, trimmed. No provider-specific folding (dots or ``+tags`` of
  Gmail addresses stay significant).

The hashes are computed over the distinct values only (one Python call each); grouping uses
pyarrow's dictionary encoding, whose codes number values in order of first appearance.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

SEPARATOR = "\x1f"  # unit separator: cannot occur in a key, so joined keys cannot collide


def first_occurrence(values: Any) -> npt.NDArray[np.int64]:
    """For each value of a pyarrow array, the position of its first occurrence (nulls: their
    own position). The dictionary numbers values in order of first appearance."""
    import pyarrow.compute as pc

    rows = len(values)
    codes = pc.fill_null(pc.dictionary_encode(values).indices, -1).to_numpy()
    known = codes >= 0
    _, starts = np.unique(codes[known], return_index=True)
    firsts = np.flatnonzero(known)[starts]
    result = np.arange(rows, dtype=np.int64)
    result[known] = firsts[codes[known]]
    return result


def _per_distinct(values: Any, fn: Callable[[Any], Any]) -> Any:
    """``fn`` applied to the distinct values of ``values`` once, then spread back to the rows."""
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(values)
    return fn(encoded.dictionary).take(encoded.indices)


def _name_keys_of_distinct(names: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    composed = pc.utf8_normalize(names, form="NFKC").to_pylist()
    folded = pa.array([name.casefold() for name in composed], pa.string())
    text = pc.utf8_normalize(folded, form="NFKC")
    text = pc.replace_substring_regex(text, r"[\p{Cf}\p{P}]+", "")
    text = pc.replace_substring_regex(text, r"[\p{Z}\p{Cc}\s]+", " ")
    return pc.utf8_trim(text, characters=" ")


def name_keys(names: Any) -> Any:
    """The name key of each value of a pyarrow string array (see the module docstring)."""
    return _per_distinct(names, _name_keys_of_distinct)


def name_key(name: str) -> str:
    """The name key of one name."""
    import pyarrow as pa

    key: str = name_keys(pa.array([name], pa.string()))[0].as_py()
    return key


def _document_keys_of_distinct(documents: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.utf8_upper(pc.utf8_normalize(documents, form="NFKC"))
    text = pc.replace_substring_regex(text, r"[^\p{L}\p{N}]+", "").to_pylist()
    digests = [hashlib.sha256(value.encode()).hexdigest() if value else None for value in text]
    return pa.array(digests, pa.string())


def document_keys(documents: Any) -> Any:
    """SHA-256 (hex) of each normalised document number; null where there is none."""
    return _per_distinct(documents, _document_keys_of_distinct)


def email_keys(emails: Any) -> Any:
    import pyarrow.compute as pc

    return pc.utf8_trim_whitespace(pc.utf8_lower(pc.utf8_normalize(emails, form="NFKC")))


def find_duplicates(
    *, name_key: Any, date_of_birth: Any, email: Any, document_number: Any
) -> npt.NDArray[np.int64]:
    """For each row, the earliest earlier row it re-submits, or -1 (pyarrow string arrays in)."""
    import pyarrow.compute as pc

    person = pc.binary_join_element_wise(name_key, date_of_birth, SEPARATOR)
    by_document = pc.binary_join_element_wise(person, document_keys(document_number), SEPARATOR)
    by_email = pc.binary_join_element_wise(person, email_keys(email), SEPARATOR)
    earliest = np.minimum(first_occurrence(by_document), first_occurrence(by_email))
    return np.where(earliest < np.arange(len(earliest)), earliest, -1).astype(np.int64)

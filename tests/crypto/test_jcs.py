"""Canonical JSON (RFC 8785) agrees byte for byte with the reference ``rfc8785`` package."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from soai.crypto.jcs import CanonicalizationError, canonicalize, number

KHMER_DOC = {
    "name": "ក្របខណ្ឌសុវត្ថិភាពបញ្ញាសិប្បនិម្មិតកម្ពុជា",
    "regulator": {"km": "ក្រសួងប្រៃសណីយ៍ និងទូរគមនាគមន៍", "en": "Ministry of Post"},
    "seats": 33,
    "quorum": 22,
    "share": 0.6667,
    "flags": [True, False, None],
}


def test_khmer_strings_and_numbers_match_the_reference() -> None:
    assert canonicalize(KHMER_DOC) == rfc8785.dumps(KHMER_DOC)
    assert "ក្រសួង".encode() in canonicalize(KHMER_DOC)  # not \\u-escaped


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (0.1, "0.1"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (-1.5e-10, "-1.5e-10"),
        (333333333.3333333, "333333333.3333333"),
    ],
)
def test_numbers_are_written_as_ecmascript_writes_them(value: float, text: str) -> None:
    assert number(value) == text == rfc8785.dumps(value).decode()


def test_rfc_8785_appendix_example_orders_keys_by_utf16() -> None:
    # RFC 8785 §3.2.3: sorting is by UTF-16 code units, which differs from code points
    # for characters outside the Basic Multilingual Plane.
    doc = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    assert canonicalize(doc) == rfc8785.dumps(doc)
    keys_in_order = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert list(json.loads(canonicalize(doc))) == keys_in_order


@pytest.mark.parametrize(
    "value", [math.nan, math.inf, -math.inf, 2**53, -(2**53), {1: "x"}, b"bytes", {"s": "\ud800"}]
)
def test_values_outside_canonical_json_are_refused(value: Any) -> None:
    with pytest.raises(CanonicalizationError):
        canonicalize(value)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.text(st.characters(exclude_categories=("Cs",)), max_size=8), children, max_size=5
        )
    ),
    max_leaves=30,
)


@settings(max_examples=600, deadline=None)
@given(json_values)
def test_property_every_json_value_matches_the_reference(value: Any) -> None:
    assert canonicalize(value) == rfc8785.dumps(value)


@settings(max_examples=2000, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_property_every_double_matches_the_reference(value: float) -> None:
    assert canonicalize(value) == rfc8785.dumps(value)

"""Canonical JSON (RFC 8785) agrees byte for byte with the reference ``rfc8785`` package."""

from __future__ import annotations

import copy
import json
import math
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from soai.crypto.jcs import CanonicalizationError, CanonicalTemplate, canonicalize, number

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
    "value",
    [
        math.nan,
        math.inf,
        -math.inf,
        2**53,
        -(2**53),
        {1: "x"},
        b"bytes",
        {"s": "\ud800"},
        # types a fast JSON library would write on its own, but which are not JSON
        {"when": datetime(2026, 11, 27, tzinfo=UTC)},
        [uuid.UUID(int=7)],
        {"set": {1, 2}},
    ],
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


text_without_surrogates = st.text(st.characters(exclude_categories=("Cs",)))

# No floats: every one of these takes the fast path (orjson), which must agree byte for byte.
fast_path_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | text_without_surrogates
    | st.sampled_from(["ក្រសួងប្រៃសណីយ៍", "\U0001f600", "\x00\x1f\x7f\u2028", '"\\'])
    | st.text(st.characters(min_codepoint=0x1780, max_codepoint=0x17FF)),  # Khmer
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            text_without_surrogates.filter(lambda k: len(k) < 9), children, max_size=5
        )
    ),
    max_leaves=30,
)


@settings(max_examples=800, deadline=None)
@given(fast_path_values)
def test_property_values_without_floats_match_the_reference(value: Any) -> None:
    assert canonicalize(value) == rfc8785.dumps(value)


SLOTS = ["\ue000a", "\ue000b", "\ue000c"]
slot_values = st.one_of(
    text_without_surrogates, st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
)


@settings(max_examples=500, deadline=None)
@given(
    st.dictionaries(
        text_without_surrogates.filter(lambda k: len(k) < 9), fast_path_values, max_size=4
    ),
    st.permutations(SLOTS),
    st.lists(slot_values, min_size=3, max_size=3),
)
def test_property_a_compiled_template_renders_what_canonicalising_gives(
    extra: dict[str, Any], order: list[str], values: list[Any]
) -> None:
    """Filling a compiled template equals canonicalising the filled document (bulk issuance)."""
    document = {
        "id": order[0],
        "subject": {"hash": order[1], "list": [1, order[2]]},
        "extra": extra,
    }
    template = CanonicalTemplate(document, SLOTS)
    filled = copy.deepcopy(document)
    by_slot = dict(zip(SLOTS, values, strict=True))
    filled["id"] = by_slot[order[0]]
    filled["subject"]["hash"] = by_slot[order[1]]
    filled["subject"]["list"][1] = by_slot[order[2]]
    assert template.render(values) == rfc8785.dumps(filled)


@pytest.mark.parametrize("bad", [1.5, True, None, 2**53, b"x"])
def test_a_template_slot_refuses_what_is_not_a_string_or_a_safe_integer(bad: Any) -> None:
    template = CanonicalTemplate({"a": "\ue000a"}, ["\ue000a"])
    with pytest.raises(CanonicalizationError):
        template.render([bad])

from __future__ import annotations

import json
import math
import struct
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto.canonical import (
    _encode_plain,
    _fast,
    _general,
    _NotFast,
    _plain,
    canonical_json,
    canonical_json_of_plain,
)
from crypto.errors import CryptoError, InvalidClaim

if TYPE_CHECKING:
    from tests.crypto.conftest import NodeReference

VECTORS = json.loads((Path(__file__).parent / "vectors" / "rfc8785_examples.json").read_text())
MAX_SAFE_INTEGER = 2**53 - 1

# Strings that stress escaping and UTF-16 key ordering: CJK, astral plane (surrogate pairs in
# UTF-16, so they sort before U+E000..U+FFFF), controls, DEL, line/paragraph separators, BOM.
SPECIAL_STRINGS = [
    "",
    "版权登记",
    "作品名称\uff1a《春江花月夜》",
    "😀",
    "👩‍👩‍👧",
    "\U0010ffff",
    "\ue000",
    "\uffff",
    "\ufb33",
    "\u20ac",
    "\x00\x01\x1f",
    "\x7f\x80\x9f",
    "\u2028\u2029",
    "\ufeff",
    '"\\/\b\f\n\r\t',
    "__proto__",
    "constructor",
    "1",
    "10",
]

json_text = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(SPECIAL_STRINGS)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
    | st.sampled_from([0, -MAX_SAFE_INTEGER, MAX_SAFE_INTEGER, 2**31, -(2**31)])
    | st.floats(allow_nan=False, allow_infinity=False)
    | json_text
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(json_text, children, max_size=6)
    ),
    max_leaves=30,
)


@pytest.mark.parametrize("document", VECTORS["documents"], ids=lambda d: d["name"])
def test_rfc8785_documents(document: dict[str, str]) -> None:
    value = json.loads(document["input"])
    assert canonical_json(value) == document["expected"].encode("utf-8")


@pytest.mark.parametrize("number", VECTORS["numbers"], ids=lambda n: n["ieee754"])
def test_rfc8785_number_serialization(number: dict[str, str]) -> None:
    (value,) = struct.unpack(">d", bytes.fromhex(number["ieee754"]))
    assert canonical_json(value) == number["expected"].encode("ascii")


def test_keys_are_ordered_by_utf16_code_units_not_code_points() -> None:
    # U+1F600 is D83D DE00 in UTF-16, so it precedes U+E000 although its code point is larger.
    assert canonical_json({"\ue000": 1, "😀": 2}) == '{"😀":2,"\ue000":1}'.encode()


def test_output_is_utf8_without_insignificant_whitespace() -> None:
    value = {"title": "春江花月夜", "tags": ["诗", "唐"], "year": 1000}
    assert canonical_json(value) == '{"tags":["诗","唐"],"title":"春江花月夜","year":1000}'.encode()


def test_tuples_serialize_as_arrays() -> None:
    assert canonical_json({"a": (1, "b")}) == canonical_json({"a": [1, "b"]}) == b'{"a":[1,"b"]}'


def test_insertion_order_does_not_matter() -> None:
    forward = {"b": {"y": 1, "x": 2}, "a": [3]}
    backward = {"a": [3], "b": {"x": 2, "y": 1}}
    assert canonical_json(forward) == canonical_json(backward)


def test_safe_integer_bounds_are_accepted() -> None:
    assert canonical_json([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]) == (
        b"[9007199254740991,-9007199254740991]"
    )


@pytest.mark.parametrize(
    "value",
    [
        math.nan,
        math.inf,
        -math.inf,
        2**53,
        -(2**53),
        10**30,
        {1: "non-string key"},
        {"bytes": b"\x00"},
        {"set": {1, 2}},
        Decimal("1.5"),
        object(),
        "\ud800",
        {"\udfff": 1},
    ],
    ids=repr,
)
def test_non_json_values_are_rejected(value: object) -> None:
    with pytest.raises(InvalidClaim):
        canonical_json(value)


def test_cycles_are_rejected() -> None:
    cycle: list[object] = []
    cycle.append(cycle)
    with pytest.raises(InvalidClaim):
        canonical_json(cycle)


def test_rejection_is_a_crypto_error() -> None:
    with pytest.raises(CryptoError):
        canonical_json(math.nan)


def test_fixed_values_match_npm_canonicalize(reference: NodeReference) -> None:
    values: list[object] = [
        {key: index for index, key in enumerate(SPECIAL_STRINGS)},
        SPECIAL_STRINGS,
        {"作品": {"作者": "李白", "年份": 701, "标签": ["诗", "😀"]}, "size": MAX_SAFE_INTEGER},
        [0.1, -0.0, 1e-7, 1e21, 1e-6, 123456789012345680000.0, 5e-324, -1.5e300],
        {"nested": [[[]], {}, [{}], {"": None}]},
    ]
    for value in values:
        assert canonical_json(value) == reference.canonicalize(value)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values)
def test_random_values_match_npm_canonicalize(reference: NodeReference, value: object) -> None:
    assert canonical_json(value) == reference.canonicalize(value)


@given(value=json_values)
def test_canonical_json_is_a_fixed_point(value: object) -> None:
    once = canonical_json(value)
    # Integers are read back as floats: an integral float such as 2.0**53 serializes like an
    # integer that would be out of the safe range if parsed as an int.
    assert canonical_json(json.loads(once, parse_int=float)) == once


# What banquan's claims and metadata are made of (no floats): the fast path serializes them.
claim_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
    | st.sampled_from([0, -MAX_SAFE_INTEGER, MAX_SAFE_INTEGER])
    | json_text
)
claim_values = st.recursive(
    claim_scalars,
    lambda children: (
        st.lists(children, max_size=6)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(json_text, children, max_size=6)
    ),
    max_leaves=40,
)


@settings(max_examples=1000)
@given(value=claim_values)
def test_the_fast_path_is_the_general_rfc8785_implementation(value: object) -> None:
    assert _fast(value, []) is not None  # these shapes never leave the fast path
    assert canonical_json(value) == "".join(_fast(value, [])).encode() == _general(value)


# Claim shapes with ASCII keys, as banquan's claims and metadata have: the C encoder serializes
# them (escapes and ordering included) byte for byte as the general implementation does.
ascii_key_claim_values = st.recursive(
    claim_scalars,
    lambda children: (
        st.lists(children, max_size=6)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(
            st.text(st.characters(max_codepoint=0x7F), max_size=8), children, max_size=6
        )
    ),
    max_leaves=40,
)


@settings(max_examples=1000)
@given(value=ascii_key_claim_values)
def test_the_c_encoder_path_is_the_general_rfc8785_implementation(value: object) -> None:
    assert _encode_plain is not None
    assert _plain(value)
    assert "".join(_encode_plain(value, 0)).encode() == _general(value) == canonical_json(value)
    assert canonical_json_of_plain(value) == canonical_json(value)


@pytest.mark.parametrize(
    "value",
    [{"\U0001f600": 1, "\ue000": 2}, {"é": 1}, 1.5, [True, 2.0], {"a": 2**53}, Decimal(1), {1: 2}],
)
def test_non_ascii_keys_and_non_claim_values_leave_the_c_encoder_path(value: object) -> None:
    assert not _plain(value)


@given(value=json_values)
def test_values_with_floats_are_canonicalized_as_the_general_path_does(value: object) -> None:
    assert canonical_json(value) == _general(value)


@pytest.mark.parametrize(
    "value",
    [1.5, [1, 2.0], {"a": 2**53}, {"k": -(2**53)}, {1: "x"}, Decimal(1), {"s": "\ud800"}],
)
def test_what_the_fast_path_leaves_goes_to_the_general_path(value: object) -> None:
    with pytest.raises((_NotFast, UnicodeEncodeError)):
        "".join(_fast(value, [])).encode()
    try:
        expected: bytes | type[InvalidClaim] = _general(value)
    except InvalidClaim:
        expected = InvalidClaim
    if expected is InvalidClaim:
        with pytest.raises(InvalidClaim):
            canonical_json(value)
    else:
        assert canonical_json(value) == expected

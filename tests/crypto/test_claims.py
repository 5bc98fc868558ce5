from __future__ import annotations

import copy
import hashlib
import json
import random
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from Crypto.Hash import keccak as pycryptodome_keccak
from hypothesis import example, given
from hypothesis import strategies as st

from crypto.canonical import canonical_json
from crypto.claims import (
    CLAIM_LEAF_DOMAIN,
    CLAIM_VERSION,
    Claim,
    claim_leaf_v1,
    metadata_digest,
    new_nonce,
)
from crypto.errors import CryptoError, InvalidClaim

if TYPE_CHECKING:
    from tests.crypto.conftest import NodeReference

GOLDEN = json.loads(
    (Path(__file__).parent / "vectors" / "claim_leaf_v1.json").read_text(encoding="utf-8")
)

hex64 = st.binary(min_size=32, max_size=32).map(bytes.hex)
timestamps = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)
).map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
claims = st.builds(
    Claim,
    sha256=hex64,
    sm3=hex64,
    size=st.integers(min_value=0, max_value=2**53 - 1),
    metadata_digest=hex64,
    registered_at=timestamps,
    nonce=st.binary(min_size=16, max_size=16).map(bytes.hex),
    cid=st.none() | st.from_regex(r"[A-Za-z0-9]{1,80}", fullmatch=True),
    registrant=st.none()
    | st.binary(min_size=20, max_size=20).map(lambda a: f"secp256k1:0x{a.hex()}")
    | st.binary(min_size=64, max_size=64).map(lambda k: f"sm2:04{k.hex()}"),
)


def _golden_claim() -> dict[str, Any]:
    claim: dict[str, Any] = copy.deepcopy(GOLDEN["vectors"][0]["claim"])
    return claim


def _independent_keccak256(data: bytes) -> bytes:
    # pycryptodome directly, not through eth_hash's backend selection.
    return pycryptodome_keccak.new(digest_bits=256, data=data).digest()


def _shuffled(value: object, rng: random.Random) -> object:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: _shuffled(item, rng) for key, item in items}
    return value


def test_format_constants_are_frozen() -> None:
    assert CLAIM_VERSION == "banquan.claim/1"
    assert CLAIM_LEAF_DOMAIN == b"banquan.claim.leaf.v1\x00"


def test_golden_metadata_digest() -> None:
    assert metadata_digest(GOLDEN["metadata"]) == GOLDEN["metadata_digest"]


@pytest.mark.parametrize("vector", GOLDEN["vectors"], ids=lambda v: v["name"])
def test_golden_canonical_bytes_and_leaf(vector: dict[str, Any]) -> None:
    claim = Claim.from_json(vector["claim"])
    expected_bytes = vector["canonical"].encode("utf-8")
    assert claim.to_json() == vector["claim"]
    assert claim.canonical_bytes() == expected_bytes
    assert claim_leaf_v1(expected_bytes).hex() == vector["leaf"]
    assert _independent_keccak256(CLAIM_LEAF_DOMAIN + expected_bytes).hex() == vector["leaf"]


@pytest.mark.parametrize("vector", GOLDEN["vectors"], ids=lambda v: v["name"])
def test_golden_vector_against_node(vector: dict[str, Any], reference: NodeReference) -> None:
    expected_bytes = vector["canonical"].encode("utf-8")
    assert reference.canonicalize(vector["claim"]) == expected_bytes
    # noble-hashes keccak: an implementation sharing no code with pycryptodome.
    assert reference.keccak256(CLAIM_LEAF_DOMAIN + expected_bytes).hex() == vector["leaf"]
    metadata_bytes = reference.canonicalize(GOLDEN["metadata"])
    assert hashlib.sha256(metadata_bytes).hexdigest() == GOLDEN["metadata_digest"]


def test_to_json_omits_absent_optional_fields() -> None:
    claim = Claim.from_json(GOLDEN["vectors"][1]["claim"])
    value = claim.to_json()
    assert claim.cid is None
    assert claim.registrant is None
    assert "registrant" not in value
    content = value["content"]
    assert isinstance(content, dict)
    assert "cid" not in content


@given(claim=claims)
def test_json_round_trip(claim: Claim) -> None:
    assert Claim.from_json(claim.to_json()) == claim


@given(claim=claims)
def test_canonical_bytes_round_trip(claim: Claim) -> None:
    assert Claim.from_json(json.loads(claim.canonical_bytes())) == claim


@given(claim=claims, seed=st.integers())
def test_canonical_bytes_do_not_depend_on_key_order(claim: Claim, seed: int) -> None:
    reordered = _shuffled(claim.to_json(), random.Random(seed))
    assert canonical_json(reordered) == claim.canonical_bytes()
    assert Claim.from_json(reordered).canonical_bytes() == claim.canonical_bytes()


@given(claim=claims)
def test_equal_claims_have_equal_leaves(claim: Claim) -> None:
    twin = Claim(**{name: getattr(claim, name) for name in Claim.__dataclass_fields__})
    assert twin.canonical_bytes() == claim.canonical_bytes()
    assert claim_leaf_v1(twin.canonical_bytes()) == claim_leaf_v1(claim.canonical_bytes())


@given(claim=claims)
def test_leaf_is_domain_separated_keccak(claim: Claim) -> None:
    data = claim.canonical_bytes()
    leaf = claim_leaf_v1(data)
    assert len(leaf) == 32
    assert leaf == _independent_keccak256(CLAIM_LEAF_DOMAIN + data)
    assert leaf != _independent_keccak256(data)


def test_same_content_registered_twice_gives_different_leaves() -> None:
    first = Claim.from_json(GOLDEN["vectors"][1]["claim"])
    second = Claim.from_json({**GOLDEN["vectors"][1]["claim"], "nonce": new_nonce()})
    assert first.sha256 == second.sha256
    assert claim_leaf_v1(first.canonical_bytes()) != claim_leaf_v1(second.canonical_bytes())


def test_new_nonce_is_32_lowercase_hex_digits_and_fresh() -> None:
    nonces = {new_nonce() for _ in range(100)}
    assert len(nonces) == 100
    assert all(re.fullmatch(r"[0-9a-f]{32}", nonce) for nonce in nonces)


def test_metadata_digest_ignores_key_order() -> None:
    reordered = dict(reversed(list(GOLDEN["metadata"].items())))
    assert metadata_digest(reordered) == GOLDEN["metadata_digest"]


def test_metadata_digest_is_sha256_of_canonical_json() -> None:
    metadata = {"b": "版权", "a": 1}
    expected = hashlib.sha256('{"a":1,"b":"版权"}'.encode()).hexdigest()
    assert metadata_digest(metadata) == expected


@pytest.mark.parametrize("metadata", [["not", "an", "object"], "text", None, {"x": float("nan")}])
def test_metadata_digest_rejects_non_objects(metadata: Any) -> None:
    with pytest.raises(InvalidClaim):
        metadata_digest(metadata)


def _set(path: str, new: object) -> dict[str, Any]:
    claim = _golden_claim()
    *parents, last = path.split(".")
    target = claim
    for parent in parents:
        target = target[parent]
    target[last] = new
    return claim


def _drop(path: str) -> dict[str, Any]:
    claim = _golden_claim()
    *parents, last = path.split(".")
    target = claim
    for parent in parents:
        target = target[parent]
    del target[last]
    return claim


INVALID_CLAIMS: dict[str, object] = {
    "not an object": ["v", "content"],
    "null": None,
    "wrong version": _set("v", "banquan.claim/2"),
    "missing version": _drop("v"),
    "unknown member": _set("extra", 1),
    "unknown content member": _set("content.extra", 1),
    "content not an object": _set("content", "abc"),
    "missing content": _drop("content"),
    "missing sha256": _drop("content.sha256"),
    "missing sm3": _drop("content.sm3"),
    "missing size": _drop("content.size"),
    "missing metadata_digest": _drop("metadata_digest"),
    "missing registered_at": _drop("registered_at"),
    "missing nonce": _drop("nonce"),
    "sha256 uppercase": _set("content.sha256", "BA7816BF" + "00" * 28),
    "sha256 with 0x": _set("content.sha256", "0x" + "00" * 32),
    "sha256 too short": _set("content.sha256", "00" * 31),
    "sha256 too long": _set("content.sha256", "00" * 33),
    "sha256 not hex": _set("content.sha256", "zz" * 32),
    "sha256 as bytes list": _set("content.sha256", [0] * 32),
    "sm3 too short": _set("content.sm3", "ab" * 31),
    "metadata_digest not hex": _set("metadata_digest", "g" * 64),
    "negative size": _set("content.size", -1),
    "size too large for JSON": _set("content.size", 2**53),
    "size as float": _set("content.size", 3.0),
    "size as string": _set("content.size", "3"),
    "size as bool": _set("content.size", True),
    "timestamp without Z": _set("registered_at", "2026-11-27T08:00:00"),
    "timestamp with offset": _set("registered_at", "2026-11-27T08:00:00+00:00"),
    "timestamp with fraction": _set("registered_at", "2026-11-27T08:00:00.000Z"),
    "timestamp lowercase": _set("registered_at", "2026-11-27t08:00:00z"),
    "timestamp with space": _set("registered_at", "2026-11-27 08:00:00Z"),
    "timestamp date only": _set("registered_at", "2026-11-27"),
    "timestamp impossible date": _set("registered_at", "2026-02-30T08:00:00Z"),
    "timestamp hour 24": _set("registered_at", "2026-11-27T24:00:00Z"),
    "timestamp leap second": _set("registered_at", "2016-12-31T23:59:60Z"),
    "timestamp as number": _set("registered_at", 1795766400),
    "nonce too short": _set("nonce", "00" * 15),
    "nonce uppercase": _set("nonce", "AB" * 16),
    "cid null": _set("content.cid", None),
    "cid empty": _set("content.cid", ""),
    "cid with slash": _set("content.cid", "ipfs/bafy"),
    "cid as number": _set("content.cid", 1),
    "registrant null": _set("registrant", None),
    "registrant without scheme": _set("registrant", "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"),
    "registrant with space": _set("registrant", "sm2: 04ab"),
    "registrant empty key": _set("registrant", "sm2:"),
}


@pytest.mark.parametrize("value", INVALID_CLAIMS.values(), ids=INVALID_CLAIMS.keys())
def test_invalid_claims_are_rejected(value: object) -> None:
    with pytest.raises(InvalidClaim):
        Claim.from_json(value)


def test_the_valid_base_of_the_invalid_cases_is_accepted() -> None:
    assert Claim.from_json(_golden_claim()).to_json() == _golden_claim()


def test_direct_construction_is_validated() -> None:
    fields = Claim.from_json(_golden_claim()).__dict__
    with pytest.raises(InvalidClaim):
        Claim(**{**fields, "sha256": "00"})
    with pytest.raises(InvalidClaim):
        Claim(**{**fields, "size": -1})


def test_invalid_claim_is_a_crypto_error() -> None:
    with pytest.raises(CryptoError):
        Claim.from_json({})


def test_example_timestamp_format_matches_datetime_formatting() -> None:
    moment = datetime(2026, 11, 27, 8, 0, 0, tzinfo=UTC)
    registered_at = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    claim = Claim.from_json(_set("registered_at", registered_at))
    assert claim.registered_at == "2026-11-27T08:00:00Z"


@given(
    st.tuples(
        st.integers(0, 9999),
        st.integers(0, 99),
        st.integers(0, 99),
        st.integers(0, 99),
        st.integers(0, 99),
        st.integers(0, 99),
    )
)
@example((2024, 2, 29, 23, 59, 59))
@example((2023, 2, 29, 0, 0, 0))
@example((2026, 4, 31, 0, 0, 0))
@example((2016, 12, 31, 23, 59, 60))
@example((0, 1, 1, 0, 0, 0))
@example((1, 1, 1, 0, 0, 0))
@example((2026, 11, 27, 24, 0, 0))
def test_registered_at_is_accepted_exactly_when_strptime_reads_it(fields: tuple[int, ...]) -> None:
    # The check builds the datetime from the digits; strptime is the reference it replaced.
    text = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*fields)
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
        valid = True
    except ValueError:
        valid = False
    if valid:
        assert Claim.from_json(_set("registered_at", text)).registered_at == text
    else:
        with pytest.raises(InvalidClaim, match="not a valid time"):
            Claim.from_json(_set("registered_at", text))

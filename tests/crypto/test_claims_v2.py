"""banquan.claim/2: frozen vectors, JavaScript agreement, signatures, private fields."""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto.canonical import canonical_json, normalize_nfc
from crypto.claims import Claim, claim_leaf_v1
from crypto.claims_v2 import (
    CLAIM_LEAF_DOMAIN_V2,
    ClaimV2,
    Disclosure,
    claim_leaf_v2,
    parse_claim,
    private_field,
    salted_commitment,
)
from crypto.errors import InvalidClaim, UnsupportedAlgorithm
from crypto.secp256k1 import Secp256k1PrivateKey
from crypto.signing import KeySigner, PrivateKey, Signature
from crypto.sm2 import SM2PrivateKey, SM2PublicKey

if TYPE_CHECKING:
    from tests.crypto.conftest import NodeReference

VECTORS = Path(__file__).parent / "vectors"
GOLDEN = json.loads((VECTORS / "claim_leaf_v2.json").read_text(encoding="utf-8"))
GOLDEN_V1 = json.loads((VECTORS / "claim_leaf_v1.json").read_text(encoding="utf-8"))
KEYS: dict[str, PrivateKey] = {
    "sm2": SM2PrivateKey.generate(),
    "secp256k1": Secp256k1PrivateKey.generate(),
}
VECTOR_NAMES = [vector["name"] for vector in GOLDEN["vectors"]]


def _claim(registrant: PrivateKey, **changes: Any) -> ClaimV2:
    fields: dict[str, Any] = {
        "sha256": "ab" * 32,
        "sm3": "cd" * 32,
        "size": 1234,
        "metadata_digest": "ef" * 32,
        "rights": ("reproduction", "distribution"),
        "registrant": registrant.public_key,
        "registered_at": "2026-11-27T08:00:00Z",
        "nonce": "00" * 16,
    }
    fields.update(changes)
    return ClaimV2(**fields)


@pytest.mark.parametrize("index", range(len(VECTOR_NAMES)), ids=VECTOR_NAMES)
def test_frozen_vectors(index: int) -> None:
    vector = GOLDEN["vectors"][index]
    claim = ClaimV2.from_json(vector["claim"])
    assert claim.canonical_bytes() == vector["canonical"].encode("utf-8")
    assert claim.leaf().hex() == vector["leaf"]
    assert claim.to_json() == vector["claim"]
    for disclosure in vector.get("disclosures", []):
        assert claim.check_disclosure(Disclosure.from_json(disclosure))


@pytest.mark.parametrize("index", range(len(VECTOR_NAMES)), ids=VECTOR_NAMES)
def test_frozen_vectors_agree_with_javascript(reference: NodeReference, index: int) -> None:
    vector = GOLDEN["vectors"][index]
    canonical = reference.canonicalize(vector["claim"])
    assert canonical == vector["canonical"].encode("utf-8")
    assert reference.keccak256(CLAIM_LEAF_DOMAIN_V2 + canonical).hex() == vector["leaf"]


def test_version_1_still_parses_and_keeps_its_leaf() -> None:
    for vector in GOLDEN_V1["vectors"]:
        claim = parse_claim(vector["claim"])
        assert isinstance(claim, Claim)
        assert claim_leaf_v1(claim.canonical_bytes()).hex() == vector["leaf"]
    assert isinstance(parse_claim(GOLDEN["vectors"][0]["claim"]), ClaimV2)
    with pytest.raises(InvalidClaim):
        parse_claim({**GOLDEN["vectors"][0]["claim"], "v": "banquan.claim/3"})


def test_leaves_of_the_two_versions_are_domain_separated() -> None:
    data = GOLDEN["vectors"][0]["canonical"].encode("utf-8")
    assert claim_leaf_v2(data) != claim_leaf_v1(data)


@pytest.mark.parametrize("algorithm", KEYS)
def test_registrant_signs_and_anyone_verifies(algorithm: str) -> None:
    key = KEYS[algorithm]
    claim = _claim(key)
    signature = claim.sign(KeySigner(key))
    assert claim.verify_signature(signature)
    assert not _claim(key, size=1235).verify_signature(signature)
    restored = ClaimV2.from_json(json.loads(json.dumps(claim.to_json())))
    assert restored.verify_signature(Signature.from_text(signature.to_text()))


@pytest.mark.parametrize("algorithm", ["sm2", "secp256k1"])
def test_a_registrant_not_written_canonically_is_refused(algorithm: str) -> None:
    """The same key, compressed: the claim as written is not the bytes its leaf commits to, so a
    checker hashing it as written would disagree."""
    claim = _claim(KEYS[algorithm]).to_json()
    registrant = dict(cast("dict[str, str]", claim["registrant"]))
    point = bytes.fromhex(registrant["public_key"])
    prefix = b"\x02" if point[-1] % 2 == 0 else b"\x03"
    compressed = dict(registrant, public_key=(prefix + point[1:33]).hex())
    with pytest.raises(InvalidClaim, match="canonical form"):
        ClaimV2.from_json(dict(claim, registrant=compressed))


def test_another_key_neither_signs_nor_verifies() -> None:
    claim = _claim(KEYS["sm2"])
    impostor = SM2PrivateKey.generate()
    with pytest.raises(InvalidClaim, match="not the claim's registrant"):
        claim.sign(KeySigner(impostor))
    forged = KeySigner(impostor).sign(claim.canonical_bytes())
    assert not claim.verify_signature(forged)
    with pytest.raises(UnsupportedAlgorithm):
        claim.verify_signature(KeySigner(KEYS["secp256k1"]).sign(claim.canonical_bytes()))


def test_rights_are_a_set() -> None:
    key = KEYS["sm2"]
    a = _claim(key, rights=["reproduction", "distribution"])
    b = _claim(key, rights=("distribution", "reproduction", "distribution"))
    assert a.canonical_bytes() == b.canonical_bytes()
    unsorted = {**a.to_json(), "rights": ["reproduction", "distribution"]}
    with pytest.raises(InvalidClaim, match="sorted"):
        ClaimV2.from_json(unsorted)
    for rights in ([], "reproduction", ["Reproduction"], [1]):
        with pytest.raises(InvalidClaim):
            _claim(key, rights=rights)


class _Right(str):
    """A string subclass: its value, not the object, goes into the claim."""


def test_rights_seen_valid_before_do_not_let_a_bad_one_through() -> None:
    key = KEYS["sm2"]
    _claim(key, rights=["reproduction", "distribution"])  # both now known valid
    for bad in ("Reproduction", "reproduction ", "", 1, None, b"reproduction"):
        with pytest.raises(InvalidClaim, match="right"):
            _claim(key, rights=["reproduction", bad])
    claim = _claim(key, rights=[_Right("reproduction"), "distribution"])
    assert claim.rights == ("distribution", "reproduction")
    assert all(type(right) is str for right in claim.rights)


def test_private_fields_disclose_one_at_a_time() -> None:
    identity = private_field("author_id_number", "11010519491231002X")
    birth = private_field("author_birth_date", "1949-12-31")
    claim = _claim(
        KEYS["sm2"],
        private={identity.name: identity.commitment(), birth.name: birth.commitment()},
    )
    assert claim.check_disclosure(identity)
    assert claim.check_disclosure(Disclosure.from_json(json.loads(json.dumps(birth.to_json()))))
    assert not claim.check_disclosure(
        Disclosure(identity.name, "110105194912310021", identity.salt)
    )
    assert not claim.check_disclosure(Disclosure(identity.name, identity.value, bytes(32)))
    assert not claim.check_disclosure(Disclosure(birth.name, identity.value, identity.salt))
    assert not claim.check_disclosure(Disclosure("unknown_field", 1, identity.salt))
    assert not claim.check_disclosure(Disclosure(identity.name, identity.value, b"short"))
    # The same value under two salts gives unrelated commitments.
    again = private_field("author_id_number", "11010519491231002X")
    assert again.commitment() != identity.commitment()


def test_salted_commitment_refuses_bad_input() -> None:
    with pytest.raises(InvalidClaim):
        salted_commitment("Bad Name", 1, bytes(32))
    with pytest.raises(InvalidClaim):
        salted_commitment("name", 1, bytes(31))
    with pytest.raises(InvalidClaim):
        salted_commitment("name", float("nan"), bytes(32))


MALFORMED = {
    "unknown member": lambda c: c.update(extra=1),
    "missing registrant": lambda c: c.pop("registrant"),
    "bad registrant algorithm": lambda c: c["registrant"].update(algorithm="rsa"),
    "off-curve registrant": lambda c: c["registrant"].update(public_key="04" + "11" * 64),
    "registrant without sm2_id": lambda c: c["registrant"].pop("sm2_id"),
    "empty private": lambda c: c.update(private={}),
    "bad commitment": lambda c: c.update(private={"author_id_number": "xyz"}),
    "content extra member": lambda c: c["content"].update(md5="00"),
    "size as string": lambda c: c["content"].update(size="3"),
    "version 1 tag": lambda c: c.update(v="banquan.claim/1"),
    "bad time": lambda c: c.update(registered_at="2026-02-30T00:00:00Z"),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_claims_are_refused(name: str) -> None:
    claim = json.loads(json.dumps(GOLDEN["vectors"][0]["claim"]))
    MALFORMED[name](claim)
    with pytest.raises(InvalidClaim):
        ClaimV2.from_json(claim)


hex64 = st.binary(min_size=32, max_size=32).map(bytes.hex)
claims = st.builds(
    _claim,
    registrant=st.sampled_from(list(KEYS.values())),
    sha256=hex64,
    size=st.integers(0, 2**53 - 1),
    rights=st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True), min_size=1),
    cid=st.none() | st.from_regex(r"[A-Za-z0-9]{1,60}", fullmatch=True),
    private=st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True), hex64, max_size=3),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(claim=claims)
def test_any_claim_round_trips_and_matches_javascript(
    reference: NodeReference, claim: ClaimV2
) -> None:
    as_json = claim.to_json()
    assert ClaimV2.from_json(as_json) == claim
    assert reference.canonicalize(as_json) == claim.canonical_bytes()


json_scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)


def _shuffled(value: object, rng: random.Random) -> object:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: _shuffled(item, rng) for key, item in items}
    if isinstance(value, list):
        return [_shuffled(item, rng) for item in value]
    return value


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.dictionaries(st.text(), json_values, max_size=6), seed=st.integers())
def test_canonical_bytes_ignore_key_order_and_match_javascript(
    reference: NodeReference, value: dict[str, object], seed: int
) -> None:
    shuffled = _shuffled(value, random.Random(seed))
    assert canonical_json(shuffled) == canonical_json(value)
    assert reference.canonicalize(shuffled) == canonical_json(value)


TITLES = [
    "三体",
    "春江花月夜",
    "紅樓夢",
    "Ｆｕｌｌ－ｗｉｄｔｈ：全角",
    "😀 emoji 𠀀",
    "Café Müller",
]


@pytest.mark.parametrize("title", TITLES)
def test_chinese_and_other_titles_encode_the_same_in_javascript(
    reference: NodeReference, title: str
) -> None:
    metadata = {"title": title, "authors": ["刘慈欣"], title: [title]}
    assert reference.canonicalize(metadata) == canonical_json(metadata)
    # RFC 8785 writes non-ASCII as UTF-8, never as \\u escapes.
    assert title.encode("utf-8") in canonical_json(metadata)


def test_nfc_and_nfd_are_different_bytes_until_normalized(reference: NodeReference) -> None:
    composed = {"title": unicodedata.normalize("NFC", "Café"), "author": "Zoë"}
    decomposed = {
        "title": unicodedata.normalize("NFD", "Café"),
        "author": unicodedata.normalize("NFD", "Zoë"),
    }
    # The canonical encoding never normalizes, in Python or JavaScript...
    assert canonical_json(composed) != canonical_json(decomposed)
    assert reference.canonicalize(decomposed) == canonical_json(decomposed)
    # ...so text is normalized to NFC before it is digested.
    assert canonical_json(normalize_nfc(decomposed)) == canonical_json(composed)
    assert normalize_nfc({"三体": ["三体"]}) == {"三体": ["三体"]}


def test_normalize_nfc_refuses_keys_that_collide() -> None:
    with pytest.raises(InvalidClaim, match="equal under NFC"):
        normalize_nfc({"é": 1, unicodedata.normalize("NFD", "é"): 2})


sm2_ids = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=40)
registrants = st.sampled_from([KEYS["secp256k1"].public_key]) | sm2_ids.map(
    lambda distid: SM2PublicKey.from_bytes(KEYS["sm2"].public_key.to_bytes(), distid.encode())
)
any_claims = st.builds(
    ClaimV2,
    sha256=hex64,
    sm3=hex64,
    size=st.integers(0, 2**53 - 1),
    metadata_digest=hex64,
    rights=st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,63}", fullmatch=True), min_size=1),
    registrant=registrants,
    registered_at=st.datetimes(min_value=datetime(1000, 1, 1)).map(
        lambda at: at.strftime("%Y-%m-%dT%H:%M:%SZ")
    ),
    nonce=st.binary(min_size=16, max_size=16).map(bytes.hex),
    cid=st.none() | st.from_regex(r"[A-Za-z0-9]{1,256}", fullmatch=True),
    private=st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,63}", fullmatch=True), hex64),
)


@settings(max_examples=300, deadline=None)
@given(claim=any_claims)
def test_canonical_bytes_are_the_general_rfc8785_encoding(claim: ClaimV2) -> None:
    """The claim's own layout gives the bytes the general encoder (the ``rfc8785`` package, not
    banquan's) gives for the same JSON, for every valid claim: SM2 IDs with quotes and
    backslashes, private fields, with and without a CID, sizes to 2**53 - 1."""
    assert claim.canonical_bytes() == rfc8785.dumps(cast(Any, claim.to_json()))
    assert ClaimV2.from_json(json.loads(claim.canonical_bytes())) == claim


def test_a_registrant_id_with_a_quote_and_a_backslash_is_escaped() -> None:
    key = SM2PublicKey.from_bytes(KEYS["sm2"].public_key.to_bytes(), b'a"b\\c')
    canonical = replace(_claim(KEYS["sm2"]), registrant=key).canonical_bytes()
    assert b'"sm2_id":"a\\"b\\\\c"' in canonical
    assert json.loads(canonical)["registrant"]["sm2_id"] == 'a"b\\c'


@pytest.mark.parametrize(
    "rights",
    [[["reproduction"]], [{"right": "reproduction"}], ["distribution", "reproduction", 3]],
)
def test_rights_that_are_not_names_are_refused_even_beside_known_ones(rights: list[object]) -> None:
    known = _claim(KEYS["secp256k1"], rights=("distribution", "reproduction")).to_json()
    assert ClaimV2.from_json(known).rights == ("distribution", "reproduction")
    with pytest.raises(InvalidClaim):
        ClaimV2.from_json({**known, "rights": rights})
    with pytest.raises(InvalidClaim):
        _claim(KEYS["secp256k1"], rights=rights)

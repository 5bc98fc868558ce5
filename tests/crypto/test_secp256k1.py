"""secp256k1: RFC 6979 and Wycheproof vectors, Ethereum messages and typed data, low s."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address as eth_utils_checksum
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import secp256k1
from crypto.errors import InvalidKey, InvalidSignature
from crypto.secp256k1 import HALF_N, N, Secp256k1PrivateKey, Secp256k1PublicKey
from tests.crypto import ec_reference

VECTORS = Path(__file__).parent / "vectors"
RFC6979 = json.loads((VECTORS / "rfc6979_secp256k1.json").read_text(encoding="utf-8"))["vectors"]
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8

# The EIP-712 specification's example (https://eips.ethereum.org/EIPS/eip-712): the key is
# keccak256("cow"); digest and signature are the ones the specification publishes.
MAIL: dict[str, Any] = {
    "types": {
        "EIP712Domain": [
            {"name": "name", "type": "string"},
            {"name": "version", "type": "string"},
            {"name": "chainId", "type": "uint256"},
            {"name": "verifyingContract", "type": "address"},
        ],
        "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
        "Mail": [
            {"name": "from", "type": "Person"},
            {"name": "to", "type": "Person"},
            {"name": "contents", "type": "string"},
        ],
    },
    "primaryType": "Mail",
    "domain": {
        "name": "Ether Mail",
        "version": "1",
        "chainId": 1,
        "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC",
    },
    "message": {
        "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
        "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
        "contents": "Hello, Bob!",
    },
}


@pytest.fixture(scope="module")
def key() -> Secp256k1PrivateKey:
    return Secp256k1PrivateKey.generate()


@pytest.mark.parametrize("vector", RFC6979, ids=lambda v: v["message_ascii"][:16])
def test_rfc6979_vectors(vector: dict[str, str]) -> None:
    key = Secp256k1PrivateKey.from_bytes(bytes.fromhex(vector["d"]))
    digest = hashlib.sha256(vector["message_ascii"].encode("ascii")).digest()
    signature = key.sign_digest(digest)
    assert signature[:64].hex() == vector["r"] + vector["s"]
    # The published k gives the published r (independent arithmetic), so libsecp256k1's
    # nonce is RFC 6979's.
    point = ec_reference.multiply(secp256k1.P, 0, int(vector["k"], 16), (GX, GY))
    assert point is not None
    assert point[0] % N == int(vector["r"], 16)
    assert key.public_key.verify_digest(digest, signature)


def _wycheproof(name: str) -> list[tuple[str, bytes, bytes, bytes, str]]:
    data = json.loads((VECTORS / "wycheproof" / name).read_text(encoding="utf-8"))
    assert data["algorithm"] == "ECDSA"
    cases = []
    for group in data["testGroups"]:
        assert group["sha"] == "SHA-256"
        assert group["publicKey"]["curve"] == "secp256k1"
        public_key = bytes.fromhex(group["publicKey"]["uncompressed"])
        for test in group["tests"]:
            cases.append(
                (
                    f"{test['tcId']}",
                    public_key,
                    bytes.fromhex(test["msg"]),
                    bytes.fromhex(test["sig"]),
                    test["result"],
                )
            )
    return cases


PLAIN = _wycheproof("ecdsa_secp256k1_sha256_test.json")
BITCOIN = _wycheproof("ecdsa_secp256k1_sha256_bitcoin_test.json")


def test_wycheproof_files_hold_only_valid_and_invalid_cases() -> None:
    assert {case[4] for case in PLAIN + BITCOIN} == {"valid", "invalid"}
    assert len(PLAIN) == 476
    assert len(BITCOIN) == 463


@pytest.mark.parametrize(("tc_id", "public_key", "message", "signature", "result"), PLAIN)
def test_wycheproof_ecdsa_secp256k1_sha256(
    tc_id: str, public_key: bytes, message: bytes, signature: bytes, result: str
) -> None:
    # Plain ECDSA accepts high s; banquan's Ethereum path never does (see the bitcoin file).
    verified = secp256k1.verify_digest_der(
        Secp256k1PublicKey.from_bytes(public_key),
        hashlib.sha256(message).digest(),
        signature,
        low_s=False,
    )
    assert verified is (result == "valid")


@pytest.mark.parametrize(("tc_id", "public_key", "message", "signature", "result"), BITCOIN)
def test_wycheproof_ecdsa_secp256k1_sha256_low_s(
    tc_id: str, public_key: bytes, message: bytes, signature: bytes, result: str
) -> None:
    verified = secp256k1.verify_digest_der(
        Secp256k1PublicKey.from_bytes(public_key), hashlib.sha256(message).digest(), signature
    )
    assert verified is (result == "valid")


def test_eip191_signature_matches_eth_account_documented_example() -> None:
    key = Secp256k1PrivateKey.from_bytes(
        bytes.fromhex("b25c7db31feed9122727bf0939dc769a96564b2de4c4726d035b36ecf1e5b364")
    )
    message = "I♥SF".encode()
    assert secp256k1.eip191_digest(message).hex() == (
        "1476abb745d423bf09273f1afd887d951181d25adc66c4834a70491911b7f750"
    )
    assert key.sign(message).hex() == (
        "e6ca9bba58c88611fad66a6ce8f996908195593807c4b38bd528d2cff09d4eb3"
        "3e5bfbbf4d3e39b1a2fd816a7680c19ebebaf3a141b239934ad43cb33fcec8ce1c"
    )
    assert key.address == "0x5ce9454909639D2D17A3F753ce7d93fa0b9aB12E"


def test_eip712_matches_the_specification_example() -> None:
    cow = Secp256k1PrivateKey.from_bytes(keccak(b"cow"))
    assert cow.address == "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"
    assert secp256k1.eip712_digest(MAIL).hex() == (
        "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
    )
    signature = cow.sign_typed_data(MAIL)
    assert signature.hex() == (
        "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
        "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562" + "1c"
    )
    assert cow.public_key.verify_typed_data(MAIL, signature)
    altered = {**MAIL, "message": {**MAIL["message"], "contents": "Hello, Eve!"}}
    assert not cow.public_key.verify_typed_data(altered, signature)


@settings(max_examples=30, deadline=None)
@given(message=st.binary(max_size=300))
def test_eth_account_recovers_banquan_signatures(key: Secp256k1PrivateKey, message: bytes) -> None:
    signature = key.sign(message)
    assert Account.recover_message(encode_defunct(primitive=message), signature=signature) == (
        key.address
    )
    signed = Account.sign_message(encode_defunct(primitive=message), key.to_bytes())
    assert key.public_key.verify(message, bytes(signed.signature))
    assert secp256k1.recover_message(message, signature) == key.public_key


def test_eth_account_typed_data_agrees(key: Secp256k1PrivateKey) -> None:
    signable = encode_typed_data(full_message=MAIL)
    signed = Account.sign_message(signable, key.to_bytes())
    assert bytes(signed.message_hash) == secp256k1.eip712_digest(MAIL)
    assert key.public_key.verify_typed_data(MAIL, bytes(signed.signature))


@settings(max_examples=30, deadline=None)
@given(message=st.binary(max_size=300), index=st.integers(0, 64), bit=st.integers(0, 7))
def test_round_trip_and_mutations(
    key: Secp256k1PrivateKey, message: bytes, index: int, bit: int
) -> None:
    signature = key.sign(message)
    assert int.from_bytes(signature[32:64], "big") <= HALF_N
    assert key.public_key.verify(message, signature)
    assert not key.public_key.verify(message + b"\x00", signature)
    mutated = bytearray(signature)
    mutated[index] ^= 1 << bit
    assert not key.public_key.verify(message, bytes(mutated))


def test_high_s_twin_is_rejected(key: Secp256k1PrivateKey) -> None:
    signature = key.sign(b"claim")
    s = int.from_bytes(signature[32:64], "big")
    twin = signature[:32] + (N - s).to_bytes(32, "big") + bytes([55 - signature[64]])
    # The twin is a valid ECDSA signature (eth-account, ecrecover without EIP-2, accept it)...
    assert Account.recover_message(encode_defunct(primitive=b"claim"), signature=twin) == (
        key.address
    )
    # ...but banquan, like OpenZeppelin's ECDSA, rejects it.
    assert not key.public_key.verify(b"claim", twin)
    with pytest.raises(InvalidSignature):
        secp256k1.recover_message(b"claim", twin)


def _with(
    signature: bytes, *, r: int | None = None, s: int | None = None, v: int | None = None
) -> bytes:
    r_bytes = signature[:32] if r is None else r.to_bytes(32, "big")
    s_bytes = signature[32:64] if s is None else s.to_bytes(32, "big")
    return r_bytes + s_bytes + bytes([signature[64] if v is None else v])


def test_bad_signatures_are_false(key: Secp256k1PrivateKey) -> None:
    good = key.sign(b"m")
    bad = {
        "r = 0": _with(good, r=0),
        "s = 0": _with(good, s=0),
        "r = n": _with(good, r=N),
        "s = n": _with(good, s=N),
        "v = 0": _with(good, v=0),
        "v = 29": _with(good, v=29),
        "other v": _with(good, v=55 - good[64]),
        "truncated": good[:64],
        "empty": b"",
    }
    for name, signature in bad.items():
        assert key.public_key.verify(b"m", signature) is False, name


BAD_KEYS = {
    "off the curve": b"\x04" + GX.to_bytes(32, "big") + (GY + 1).to_bytes(32, "big"),
    "infinity": b"\x00",
    "x = p": b"\x04" + secp256k1.P.to_bytes(32, "big") + GY.to_bytes(32, "big"),
    "hybrid prefix": b"\x06" + GX.to_bytes(32, "big") + GY.to_bytes(32, "big"),
    "truncated": b"\x04" + GX.to_bytes(32, "big"),
    "empty": b"",
}


@pytest.mark.parametrize("name", BAD_KEYS)
def test_bad_public_keys_are_refused(name: str) -> None:
    with pytest.raises(InvalidKey):
        Secp256k1PublicKey.from_bytes(BAD_KEYS[name])


@pytest.mark.parametrize("scalar", [0, N, N + 1])
def test_bad_private_keys_are_refused(scalar: int) -> None:
    with pytest.raises(InvalidKey):
        Secp256k1PrivateKey.from_bytes(scalar.to_bytes(33, "big")[-32:] if scalar < 2**256 else b"")


def test_compressed_keys_and_addresses(key: Secp256k1PrivateKey) -> None:
    compressed = key.public_key.to_bytes(compressed=True)
    assert Secp256k1PublicKey.from_bytes(compressed) == key.public_key
    assert key.address == Account.from_key(key.to_bytes()).address
    assert secp256k1.to_checksum_address(bytes.fromhex(key.address[2:])) == eth_utils_checksum(
        key.address.lower()
    )


def _point_of_encoding(data: bytes) -> tuple[int, int] | None:
    """The point ``data`` encodes by SEC 1 (2.3.4) on y^2 = x^3 + 7, or None; independent
    of libsecp256k1."""
    p = secp256k1.P
    if len(data) == 65 and data[0] == 4:
        x, y = int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big")
        on_curve = x < p and y < p and (y * y - x**3 - 7) % p == 0
        return (x, y) if on_curve else None
    if len(data) == 33 and data[0] in (2, 3):
        x = int.from_bytes(data[1:], "big")
        rhs = (x**3 + 7) % p
        if x >= p or pow(rhs, (p - 1) // 2, p) != 1:
            return None
        y = pow(rhs, (p + 1) // 4, p)
        return (x, y if y % 2 == data[0] % 2 else p - y)
    return None


def test_the_point_oracle_agrees_on_the_generator() -> None:
    x, y = GX.to_bytes(32, "big"), GY.to_bytes(32, "big")
    assert _point_of_encoding(b"\x04" + x + y) == (GX, GY)
    assert _point_of_encoding(b"\x02" + x) == (GX, GY)
    assert _point_of_encoding(b"\x03" + x) == (GX, secp256k1.P - GY)
    assert _point_of_encoding(b"\x04" + x + (GY + 1).to_bytes(32, "big")) is None
    assert _point_of_encoding(b"\x06" + x + y) is None
    assert _point_of_encoding(b"\x02" + secp256k1.P.to_bytes(32, "big")) is None


@settings(max_examples=200, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=100),
        st.binary(min_size=32, max_size=32).map(lambda x: b"\x02" + x),
        st.binary(min_size=32, max_size=32).map(lambda x: b"\x03" + x),
    )
)
def test_random_bytes_get_the_documented_answers(key: Secp256k1PrivateKey, data: bytes) -> None:
    assert key.public_key.verify(b"m", data) is False
    assert secp256k1.verify_digest_der(key.public_key, bytes(32), data) is False
    point = _point_of_encoding(data)
    if point is None:
        with pytest.raises(InvalidKey, match="secp256k1 point"):
            Secp256k1PublicKey.from_bytes(data)
    else:
        x, y = point
        uncompressed = b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")
        assert Secp256k1PublicKey.from_bytes(data).to_bytes() == uncompressed


def test_invalid_typed_data_is_a_value_error(key: Secp256k1PrivateKey) -> None:
    with pytest.raises(ValueError, match="EIP-712"):
        key.sign_typed_data({"types": {}, "message": {}})


def test_signature_to_der_round_trips_through_libsecp256k1(key: Secp256k1PrivateKey) -> None:
    digest = hashlib.sha256(b"der").digest()
    signature = key.sign_digest(digest)
    der = secp256k1.signature_to_der(signature)
    assert der == key._key.sign(digest, hasher=None)
    assert secp256k1.verify_digest_der(key.public_key, digest, der)
    for bad in (signature[:63], bytes(64), b"\xff" * 64):
        with pytest.raises(InvalidSignature):
            secp256k1.signature_to_der(bad)


def test_pledge_consent_typed_data_signs_like_eth_account(key: Secp256k1PrivateKey) -> None:
    # The shape the Pledges contract checks (PLEDGE_CONSENT_TYPEHASH, OpenZeppelin EIP712
    # domain "banquan Pledges" / "1"); chain_client's tests compare eth-account's digest with
    # the deployed contract's consentDigest, so agreeing with eth-account here is agreeing
    # with the contract.
    consent: dict[str, Any] = {
        "types": {
            "EIP712Domain": MAIL["types"]["EIP712Domain"],
            "PledgeConsent": [
                {"name": "assetId", "type": "uint256"},
                {"name": "lender", "type": "address"},
                {"name": "amount", "type": "uint128"},
                {"name": "currencyCode", "type": "bytes3"},
                {"name": "maturity", "type": "uint64"},
                {"name": "officialRegistrationNo", "type": "bytes32"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "PledgeConsent",
        "domain": {
            "name": "banquan Pledges",
            "version": "1",
            "chainId": 31337,
            "verifyingContract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        },
        "message": {
            "assetId": 1,
            "lender": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "amount": 10**24,
            "currencyCode": b"CNY",
            "maturity": 1_900_000_000,
            "officialRegistrationNo": bytes(31) + b"\x2a",
            "nonce": 0,
            "deadline": 2**64,
        },
    }
    signed = Account.sign_typed_data(key.to_bytes(), full_message=consent)
    assert secp256k1.eip712_digest(consent) == bytes(signed.message_hash)
    assert key.sign_typed_data(consent) == bytes(signed.signature)

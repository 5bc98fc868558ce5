"""The one signing interface: algorithms named in keys and signatures, nothing guessed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import CryptoError, InvalidKey, InvalidSignature, UnsupportedAlgorithm
from crypto.signing import (
    Algorithm,
    KeySigner,
    PrivateKey,
    Signature,
    Signer,
    generate_private_key,
    private_key_from_bytes,
    public_key_from_json,
    public_key_to_json,
    verify,
)
from crypto.sm2 import SM2PrivateKey, SM2PublicKey

KEYS: dict[str, PrivateKey] = {
    "sm2": generate_private_key("sm2"),
    "secp256k1": generate_private_key(Algorithm.SECP256K1),
}


@pytest.mark.parametrize("algorithm", KEYS)
def test_signer_signs_and_verify_accepts(algorithm: str) -> None:
    signer = KeySigner(KEYS[algorithm])
    assert isinstance(signer, Signer)
    signature = signer.sign(b"claim bytes")
    assert signature.algorithm == algorithm == signer.algorithm
    assert verify(signer.public_key, b"claim bytes", signature)
    assert not verify(signer.public_key, b"claim bytez", signature)


@settings(max_examples=20, deadline=None)
@given(
    algorithm=st.sampled_from(sorted(KEYS)),
    message=st.binary(max_size=200),
    index=st.integers(min_value=0),
    bit=st.integers(0, 7),
)
def test_round_trip_and_any_mutation_fails(
    algorithm: str, message: bytes, index: int, bit: int
) -> None:
    signer = KeySigner(KEYS[algorithm])
    signature = signer.sign(message)
    assert verify(signer.public_key, message, signature)
    value = bytearray(signature.value)
    value[index % len(value)] ^= 1 << bit
    assert not verify(signer.public_key, message, Signature(signature.algorithm, bytes(value)))
    assert Signature.from_text(signature.to_text()) == signature


def test_a_signature_of_the_other_algorithm_raises() -> None:
    sm2_signature = KeySigner(KEYS["sm2"]).sign(b"m")
    with pytest.raises(UnsupportedAlgorithm, match="sm2 signature cannot be checked"):
        verify(KEYS["secp256k1"].public_key, b"m", sm2_signature)


def test_raw_bytes_are_not_a_signature_nor_a_key() -> None:
    with pytest.raises(UnsupportedAlgorithm):
        verify(KEYS["sm2"].public_key, b"m", b"\x00" * 64)  # type: ignore[arg-type]
    signature = KeySigner(KEYS["sm2"]).sign(b"m")
    with pytest.raises(UnsupportedAlgorithm):
        verify(KEYS["sm2"].public_key.to_bytes(), b"m", signature)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["rsa:00", "SM2:" + "00" * 64, "ed25519:" + "00" * 64])
def test_unknown_algorithm_tags_are_refused(text: str) -> None:
    with pytest.raises(UnsupportedAlgorithm):
        Signature.from_text(text)


@pytest.mark.parametrize(
    "text", ["sm2:" + "00" * 65, "secp256k1:" + "00" * 64, "sm2:0", "sm2", "", "sm2:zz"]
)
def test_malformed_signature_text_is_refused(text: str) -> None:
    with pytest.raises(InvalidSignature):
        Signature.from_text(text)


def test_signature_text_form() -> None:
    signature = Signature("secp256k1", bytes(range(65)))
    assert signature.to_text() == "secp256k1:" + bytes(range(65)).hex()
    assert Signature.from_text("secp256k1:0x" + bytes(range(65)).hex()) == signature
    with pytest.raises(AttributeError):
        signature.value = b""


@pytest.mark.parametrize("algorithm", KEYS)
def test_public_key_json_round_trips(algorithm: str) -> None:
    public_key = KEYS[algorithm].public_key
    value = public_key_to_json(public_key)
    assert value["algorithm"] == algorithm
    assert ("sm2_id" in value) is (algorithm == "sm2")
    assert public_key_from_json(value) == public_key


def test_sm2_public_key_json_keeps_a_custom_id() -> None:
    public_key = SM2PrivateKey.generate(b"publisher-42").public_key
    value = public_key_to_json(public_key)
    assert value["sm2_id"] == "publisher-42"
    restored = public_key_from_json(value)
    assert isinstance(restored, SM2PublicKey)
    assert restored.distid == b"publisher-42"


@pytest.mark.parametrize(
    "value",
    [
        {"algorithm": "sm2", "public_key": "04" + "00" * 64, "sm2_id": "1234567812345678"},
        {"algorithm": "sm2", "public_key": KEYS["sm2"].public_key.to_bytes().hex()},
        {"algorithm": "secp256k1", "public_key": "04", "sm2_id": "x"},
        {"algorithm": "secp256k1", "public_key": "XYZ"},
        "sm2:04",
    ],
)
def test_bad_public_key_json_is_refused(value: object) -> None:
    with pytest.raises(InvalidKey):
        public_key_from_json(value)


@pytest.mark.parametrize("algorithm", KEYS)
def test_a_key_parsed_before_does_not_vouch_for_another_object(algorithm: str) -> None:
    """Keys parsed once are found again by their members; an object that differs from a parsed
    one by a member (one too many, a null, an unhashable value) is still checked and refused."""
    value = public_key_to_json(KEYS[algorithm].public_key)
    assert public_key_from_json(dict(value)) is public_key_from_json(dict(value))
    for changed in (
        {**value, "extra": None},
        {**value, "sm2_id": None},
        {**value, "sm2_id": ["1234567812345678"]},
        {**value, "public_key": [value["public_key"]]},
        {key: member for key, member in value.items() if key != "algorithm"},
    ):
        with pytest.raises(CryptoError):
            public_key_from_json(changed)


def test_private_keys_from_bytes_name_their_algorithm() -> None:
    secret = bytes(31) + b"\x07"
    assert private_key_from_bytes("sm2", secret).algorithm == "sm2"
    assert private_key_from_bytes("secp256k1", secret).algorithm == "secp256k1"
    with pytest.raises(UnsupportedAlgorithm):
        private_key_from_bytes("ecdsa", secret)

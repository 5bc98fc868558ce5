"""SM4 and AES-256 GCM, HMAC-SM3 and content-key wrapping."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import DecryptionFailed, InvalidKey, UnsupportedAlgorithm
from crypto.sm2 import SM2PrivateKey
from crypto.symmetric import (
    Cipher,
    WrappedKey,
    gcm_decrypt,
    hmac_sm3,
    new_key,
    open_sealed,
    seal,
    sm4_encrypt_block,
    unwrap_key,
    unwrap_key_with,
    wrap_key,
    wrap_key_to,
)
from tests.crypto import sm2_reference

VECTORS = Path(__file__).parent / "vectors"
GM = json.loads((VECTORS / "gm_standard_examples.json").read_text(encoding="utf-8"))


def _groups(name: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    data = json.loads((VECTORS / "wycheproof" / name).read_text(encoding="utf-8"))
    return [(group, test) for group in data["testGroups"] for test in group["tests"]]


SM4_GCM = _groups("sm4_gcm_test.json")
HMAC_SM3 = _groups("hmac_sm3_test.json")


@pytest.mark.parametrize("example", GM["sm4_ecb"])
def test_sm4_standard_example(example: dict[str, str]) -> None:
    ciphertext = sm4_encrypt_block(
        bytes.fromhex(example["key"]), bytes.fromhex(example["plaintext"])
    )
    assert ciphertext.hex() == example["ciphertext"]


@pytest.mark.parametrize(("group", "test"), SM4_GCM, ids=[str(t["tcId"]) for _, t in SM4_GCM])
def test_wycheproof_sm4_gcm(group: dict[str, Any], test: dict[str, Any]) -> None:
    key, nonce = bytes.fromhex(test["key"]), bytes.fromhex(test["iv"])
    arguments = (Cipher.SM4_GCM, key, nonce, bytes.fromhex(test["ct"]), bytes.fromhex(test["tag"]))
    aad = bytes.fromhex(test["aad"])
    if not 8 <= len(nonce) <= 128:
        # banquan makes 12-byte nonces only, and refuses nonces shorter than 64 bits or
        # longer than 1024 bits outright (cryptography's limits), valid or not.
        with pytest.raises(DecryptionFailed):
            gcm_decrypt(*arguments, aad)
        return
    if test["result"] == "valid":
        assert gcm_decrypt(*arguments, aad) == bytes.fromhex(test["msg"])
    else:
        with pytest.raises(DecryptionFailed):
            gcm_decrypt(*arguments, aad)


@pytest.mark.parametrize(("group", "test"), HMAC_SM3, ids=[str(t["tcId"]) for _, t in HMAC_SM3])
def test_wycheproof_hmac_sm3(group: dict[str, Any], test: dict[str, Any]) -> None:
    mac = hmac_sm3(bytes.fromhex(test["key"]), bytes.fromhex(test["msg"]))
    matches = mac[: group["tagSize"] // 8] == bytes.fromhex(test["tag"])
    assert matches is (test["result"] == "valid")


@settings(max_examples=30, deadline=None)
@given(
    cipher=st.sampled_from(list(Cipher)),
    plaintext=st.binary(max_size=300),
    aad=st.binary(max_size=40),
)
def test_seal_round_trips_and_detects_tampering(
    cipher: Cipher, plaintext: bytes, aad: bytes
) -> None:
    key = new_key(cipher)
    sealed = seal(cipher, key, plaintext, aad)
    assert len(sealed) == 12 + len(plaintext) + 16
    assert open_sealed(cipher, key, sealed, aad) == plaintext
    with pytest.raises(DecryptionFailed):
        open_sealed(cipher, key, sealed, aad + b"x")
    with pytest.raises(DecryptionFailed):
        open_sealed(cipher, key, sealed[:-1] + bytes([sealed[-1] ^ 1]), aad)
    with pytest.raises(DecryptionFailed):
        open_sealed(cipher, new_key(cipher), sealed, aad)


def test_keys_of_the_wrong_size_are_refused() -> None:
    with pytest.raises(InvalidKey):
        seal(Cipher.SM4_GCM, bytes(32), b"x")
    with pytest.raises(InvalidKey):
        seal(Cipher.AES_256_GCM, bytes(16), b"x")
    with pytest.raises(DecryptionFailed):
        open_sealed(Cipher.AES_256_GCM, bytes(32), b"short")
    with pytest.raises(UnsupportedAlgorithm):
        seal("chacha20", bytes(32), b"x")  # type: ignore[arg-type]


@pytest.mark.parametrize("cipher", list(Cipher))
def test_content_key_wrapping_is_bound_to_its_context(cipher: Cipher) -> None:
    master, content_key = new_key(cipher), new_key(Cipher.SM4_GCM)
    wrapped = wrap_key(master, content_key, cipher=cipher, context=b"work:BQ-2026-00000001")
    assert wrapped.method == cipher.value
    assert WrappedKey.from_json(json.loads(json.dumps(wrapped.to_json()))) == wrapped
    assert unwrap_key(master, wrapped, context=b"work:BQ-2026-00000001") == content_key
    with pytest.raises(DecryptionFailed):
        unwrap_key(master, wrapped, context=b"work:BQ-2026-00000002")
    with pytest.raises(DecryptionFailed):
        unwrap_key(new_key(cipher), wrapped, context=b"work:BQ-2026-00000001")


def test_content_key_wrapped_to_an_sm2_recipient() -> None:
    recipient = SM2PrivateKey.generate()
    content_key = new_key(Cipher.SM4_GCM)
    wrapped = wrap_key_to(recipient.public_key, content_key)
    assert wrapped.method == "sm2"
    assert unwrap_key_with(recipient, wrapped) == content_key
    # The wrapped bytes are plain GB/T 32918.4 C1 || C3 || C2 that any SM2 tool can open.
    d = int.from_bytes(recipient.to_bytes(), "big")
    assert sm2_reference.decrypt(d, wrapped.data) == content_key
    with pytest.raises(DecryptionFailed):
        unwrap_key_with(SM2PrivateKey.generate(), wrapped)
    with pytest.raises(UnsupportedAlgorithm):
        unwrap_key(bytes(16), wrapped, context=b"")
    with pytest.raises(UnsupportedAlgorithm):
        unwrap_key_with(recipient, WrappedKey("sm4-gcm", wrapped.data))


@pytest.mark.parametrize(
    "value", [None, {"method": "sm2"}, {"method": "sm2", "data": "zz"}, {"method": 1, "data": ""}]
)
def test_malformed_wrapped_keys_are_refused(value: object) -> None:
    with pytest.raises(DecryptionFailed):
        WrappedKey.from_json(value)

"""The bad-input table: every row ends in a clean ``False`` or a typed ``CryptoError``.

A crash (a segfault in OpenSSL or libsecp256k1) would take the test process down with it,
so passing this table in-process is the proof that it does not happen.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable

import pytest

from crypto import secp256k1, sm2
from crypto.errors import CryptoError, InvalidKey, InvalidSignature, UnsupportedAlgorithm
from crypto.secp256k1 import Secp256k1PrivateKey, Secp256k1PublicKey
from crypto.signing import KeySigner, Signature, public_key_from_json, verify
from crypto.sm2 import SM2PrivateKey

SM2_KEY = SM2PrivateKey.generate()
K1_KEY = Secp256k1PrivateKey.generate()
MESSAGE = b"banquan claim bytes"
SM2_SIGNATURE = KeySigner(SM2_KEY).sign(MESSAGE)
K1_SIGNATURE = KeySigner(K1_KEY).sign(MESSAGE)
SM2_DER = sm2.signature_to_der(SM2_SIGNATURE.value)


def _point(x: int, y: int, size: int = 32) -> str:
    return "04" + x.to_bytes(size, "big").hex() + y.to_bytes(size, "big").hex()


def _sm2(r: int, s: int) -> Signature:
    return Signature("sm2", r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def _k1(r: int, s: int, v: int | None = None) -> Signature:
    v = K1_SIGNATURE.value[64] if v is None else v
    return Signature("secp256k1", r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v]))


R_SM2 = int.from_bytes(SM2_SIGNATURE.value[:32], "big")
S_SM2 = int.from_bytes(SM2_SIGNATURE.value[32:], "big")
R_K1 = int.from_bytes(K1_SIGNATURE.value[:32], "big")
S_K1 = int.from_bytes(K1_SIGNATURE.value[32:64], "big")
K1_DIGEST = hashlib.sha256(MESSAGE).digest()
K1_DIGEST_SIGNATURE = K1_KEY.sign_digest(K1_DIGEST)
K1_DIGEST_DER = secp256k1.signature_to_der(K1_DIGEST_SIGNATURE)
K1_DIGEST_HIGH_S = K1_DIGEST_SIGNATURE[:32] + (
    secp256k1.N - int.from_bytes(K1_DIGEST_SIGNATURE[32:64], "big")
).to_bytes(32, "big")

REFUSED: dict[str, tuple[Callable[[], object], type[CryptoError]]] = {
    "sm2 point off the curve": (
        lambda: public_key_from_json(
            {
                "algorithm": "sm2",
                "public_key": _point(sm2.GX, sm2.GY + 1),
                "sm2_id": "1234567812345678",
            }
        ),
        InvalidKey,
    ),
    "sm2 point at infinity": (lambda: sm2.SM2PublicKey.from_bytes(b"\x00"), InvalidKey),
    "sm2 coordinate >= p": (
        lambda: sm2.SM2PublicKey.from_point(sm2.P + sm2.GX, sm2.GY),
        InvalidKey,
    ),
    "secp256k1 point off the curve": (
        lambda: Secp256k1PublicKey.from_bytes(bytes.fromhex(_point(1, 1))),
        InvalidKey,
    ),
    "secp256k1 point at infinity": (lambda: Secp256k1PublicKey.from_bytes(b"\x00"), InvalidKey),
    "sm2 truncated DER signature": (lambda: sm2.signature_from_der(SM2_DER[:-3]), InvalidSignature),
    "signature with the wrong length": (lambda: Signature("sm2", bytes(63)), InvalidSignature),
    "unknown algorithm tag": (
        lambda: Signature.from_text("ed25519:" + "00" * 64),
        UnsupportedAlgorithm,
    ),
    "algorithm tag of the other key": (
        lambda: verify(K1_KEY.public_key, MESSAGE, SM2_SIGNATURE),
        UnsupportedAlgorithm,
    ),
    "public key with an unknown algorithm": (
        lambda: public_key_from_json({"algorithm": "p256", "public_key": "04"}),
        UnsupportedAlgorithm,
    ),
    "sm2 private key = n - 1": (lambda: SM2PrivateKey.from_int(sm2.N - 1), InvalidKey),
    "secp256k1 private key = 0": (lambda: Secp256k1PrivateKey.from_bytes(bytes(32)), InvalidKey),
    "recover from a high-s signature": (
        lambda: secp256k1.recover_message(
            MESSAGE, _k1(R_K1, secp256k1.N - S_K1, 55 - K1_SIGNATURE.value[64]).value
        ),
        InvalidSignature,
    ),
}

FALSE: dict[str, Callable[[], bool]] = {
    "sm2 r = 0": lambda: verify(SM2_KEY.public_key, MESSAGE, _sm2(0, S_SM2)),
    "sm2 s = 0": lambda: verify(SM2_KEY.public_key, MESSAGE, _sm2(R_SM2, 0)),
    "sm2 r = n": lambda: verify(SM2_KEY.public_key, MESSAGE, _sm2(sm2.N, S_SM2)),
    "sm2 s = n": lambda: verify(SM2_KEY.public_key, MESSAGE, _sm2(R_SM2, sm2.N)),
    "sm2 r = 2**256 - 1": lambda: verify(SM2_KEY.public_key, MESSAGE, _sm2(2**256 - 1, S_SM2)),
    "sm2 truncated DER": lambda: SM2_KEY.public_key.verify_der(MESSAGE, SM2_DER[:-1]),
    "sm2 wrong ID": lambda: verify(
        SM2_KEY.public_key.with_id(b"ALICE123@YAHOO.COM"), MESSAGE, SM2_SIGNATURE
    ),
    "sm2 empty ID (openssl CLI default)": lambda: verify(
        SM2_KEY.public_key.with_id(b""), MESSAGE, SM2_SIGNATURE
    ),
    "sm2 other message": lambda: verify(SM2_KEY.public_key, MESSAGE + b"!", SM2_SIGNATURE),
    "secp256k1 r = 0": lambda: verify(K1_KEY.public_key, MESSAGE, _k1(0, S_K1)),
    "secp256k1 s = 0": lambda: verify(K1_KEY.public_key, MESSAGE, _k1(R_K1, 0)),
    "secp256k1 r = n": lambda: verify(K1_KEY.public_key, MESSAGE, _k1(secp256k1.N, S_K1)),
    "secp256k1 s = n": lambda: verify(K1_KEY.public_key, MESSAGE, _k1(R_K1, secp256k1.N)),
    "secp256k1 high s": lambda: verify(
        K1_KEY.public_key, MESSAGE, _k1(R_K1, secp256k1.N - S_K1, 55 - K1_SIGNATURE.value[64])
    ),
    "secp256k1 v = 0": lambda: verify(K1_KEY.public_key, MESSAGE, _k1(R_K1, S_K1, 0)),
    "secp256k1 truncated DER": lambda: secp256k1.verify_digest_der(
        K1_KEY.public_key, K1_DIGEST, K1_DIGEST_DER[:-1]
    ),
    "secp256k1 high-s DER": lambda: secp256k1.verify_digest_der(
        K1_KEY.public_key, K1_DIGEST, secp256k1.signature_to_der(K1_DIGEST_HIGH_S)
    ),
    "secp256k1 other message": lambda: verify(K1_KEY.public_key, MESSAGE + b"!", K1_SIGNATURE),
}


def test_the_good_signatures_verify() -> None:
    # The rows below are mutations of these; they must verify unmutated.
    assert verify(SM2_KEY.public_key, MESSAGE, SM2_SIGNATURE)
    assert verify(K1_KEY.public_key, MESSAGE, K1_SIGNATURE)
    assert SM2_KEY.public_key.verify_der(MESSAGE, SM2_DER)
    assert secp256k1.verify_digest_der(K1_KEY.public_key, K1_DIGEST, K1_DIGEST_DER)


@pytest.mark.parametrize("row", REFUSED)
def test_refused_with_a_typed_crypto_error(row: str) -> None:
    call, expected = REFUSED[row]
    with pytest.raises(expected) as raised:
        call()
    assert isinstance(raised.value, CryptoError)


@pytest.mark.parametrize("row", FALSE)
def test_rejected_with_false(row: str) -> None:
    assert FALSE[row]() is False


def test_missing_libcrypto_is_a_clear_typed_error() -> None:
    # In a fresh interpreter: importing crypto.sm2 loads nothing; the first SM2 call does.
    script = (
        "import crypto.sm2, crypto.errors\n"
        "try:\n"
        "    crypto.sm2.SM2PrivateKey.generate()\n"
        "except crypto.errors.BackendUnavailable as exc:\n"
        "    print('unavailable:', exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"BANQUAN_LIBCRYPTO": "/nonexistent/libcrypto.so.3", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.startswith("unavailable: SM2 needs the system OpenSSL 3 libcrypto")
    assert "BANQUAN_LIBCRYPTO" in result.stdout

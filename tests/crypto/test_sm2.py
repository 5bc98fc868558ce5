"""SM2 (GB/T 32918): the standard's example, encodings, round trips and refusals."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import sm2
from crypto.errors import DecryptionFailed, InvalidKey, InvalidSignature
from crypto.sm2 import DEFAULT_ID, N, SM2PrivateKey, SM2PublicKey
from tests.crypto import ec_reference, sm2_reference

EXAMPLE = json.loads(
    (Path(__file__).parent / "vectors" / "gm_standard_examples.json").read_text(encoding="utf-8")
)["sm2_sign"]
EXAMPLE_KEY = bytes.fromhex(EXAMPLE["private_key"])
EXAMPLE_MESSAGE = EXAMPLE["message_ascii"].encode("ascii")
EXAMPLE_SIGNATURE = bytes.fromhex(EXAMPLE["r"] + EXAMPLE["s"])
EXAMPLE_ID = EXAMPLE["id_ascii"].encode("ascii")


@pytest.fixture(scope="module")
def example_key() -> SM2PrivateKey:
    return SM2PrivateKey.from_bytes(EXAMPLE_KEY, EXAMPLE_ID)


@pytest.fixture(scope="module")
def key() -> SM2PrivateKey:
    return SM2PrivateKey.generate()


def test_example_private_key_gives_the_published_public_key(example_key: SM2PrivateKey) -> None:
    assert example_key.public_key.point == (
        int(EXAMPLE["public_key_x"], 16),
        int(EXAMPLE["public_key_y"], 16),
    )


def test_za_and_e_match_the_standard_example(example_key: SM2PrivateKey) -> None:
    za = example_key.public_key.za()
    assert za.hex().upper() == EXAMPLE["za"]
    assert hashlib.new("sm3", za + EXAMPLE_MESSAGE).hexdigest().upper() == EXAMPLE["e"]


def test_the_published_signature_verifies(example_key: SM2PrivateKey) -> None:
    public_key = example_key.public_key
    assert public_key.verify(EXAMPLE_MESSAGE, EXAMPLE_SIGNATURE)
    assert public_key.verify_der(EXAMPLE_MESSAGE, sm2.signature_to_der(EXAMPLE_SIGNATURE))


def test_the_published_k_reproduces_the_published_signature() -> None:
    # OpenSSL offers no way to choose k, so the signing equations of GB/T 32918.2 (6.1) are
    # run here with the standard's k, on banquan's e, in independent arithmetic.
    d = int(EXAMPLE["private_key"], 16)
    k = int(EXAMPLE["k"], 16)
    za = sm2.compute_za(
        int(EXAMPLE["public_key_x"], 16), int(EXAMPLE["public_key_y"], 16), EXAMPLE_ID
    )
    e = int.from_bytes(hashlib.new("sm3", za + EXAMPLE_MESSAGE).digest(), "big")
    kg = ec_reference.multiply(sm2.P, sm2.A, k, (sm2.GX, sm2.GY))
    assert kg is not None
    r = (e + kg[0]) % N
    s = pow(1 + d, -1, N) * (k - r * d) % N
    assert (r.to_bytes(32, "big") + s.to_bytes(32, "big")) == EXAMPLE_SIGNATURE


def test_the_published_signature_fails_with_another_id_or_message(
    example_key: SM2PrivateKey,
) -> None:
    public_key = example_key.public_key
    assert not public_key.with_id(b"").verify(EXAMPLE_MESSAGE, EXAMPLE_SIGNATURE)
    assert not public_key.with_id(b"1234567812345679").verify(EXAMPLE_MESSAGE, EXAMPLE_SIGNATURE)
    assert not public_key.verify(EXAMPLE_MESSAGE + b".", EXAMPLE_SIGNATURE)


def test_sign_then_verify_with_a_fresh_key(key: SM2PrivateKey) -> None:
    signature = key.sign("《三体》".encode())
    assert len(signature) == 64
    assert key.public_key.verify("《三体》".encode(), signature)


def test_signatures_are_randomized(key: SM2PrivateKey) -> None:
    assert key.sign(b"same") != key.sign(b"same")


def test_the_id_is_per_key_and_part_of_the_signature() -> None:
    custom = SM2PrivateKey.generate(b"alice@example.com")
    signature = custom.sign(b"claim")
    assert custom.public_key.distid == b"alice@example.com"
    assert custom.public_key.verify(b"claim", signature)
    assert not custom.public_key.with_id(DEFAULT_ID).verify(b"claim", signature)


@settings(max_examples=25, deadline=None)
@given(message=st.binary(max_size=512))
def test_round_trip_and_mutation_property(key: SM2PrivateKey, message: bytes) -> None:
    signature = key.sign(message)
    assert key.public_key.verify(message, signature)
    assert not key.public_key.verify(message + b"\x00", signature)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not key.public_key.verify(message, flipped)


@settings(max_examples=25, deadline=None)
@given(index=st.integers(min_value=0, max_value=63), bit=st.integers(min_value=0, max_value=7))
def test_any_flipped_signature_bit_fails(key: SM2PrivateKey, index: int, bit: int) -> None:
    signature = bytearray(key.sign(b"fixed message"))
    signature[index] ^= 1 << bit
    assert not key.public_key.verify(b"fixed message", bytes(signature))


def test_public_key_encodings_round_trip(key: SM2PrivateKey) -> None:
    public_key = key.public_key
    uncompressed = public_key.to_bytes()
    compressed = public_key.to_bytes(compressed=True)
    assert len(uncompressed) == 65
    assert len(compressed) == 33
    assert SM2PublicKey.from_bytes(uncompressed) == public_key
    assert SM2PublicKey.from_bytes(compressed) == public_key
    assert SM2PublicKey.from_der(public_key.to_der()) == public_key
    assert SM2PublicKey.from_pem(public_key.to_pem()) == public_key
    assert public_key.to_pem().startswith("-----BEGIN PUBLIC KEY-----\n")


@settings(max_examples=20, deadline=None)
@given(scalar=st.integers(min_value=1, max_value=N - 2))
def test_compressed_points_decompress_to_the_same_point(scalar: int) -> None:
    public_key = SM2PrivateKey.from_int(scalar).public_key
    assert SM2PublicKey.from_bytes(public_key.to_bytes(compressed=True)).point == public_key.point


def test_private_key_encodings_round_trip(key: SM2PrivateKey) -> None:
    assert SM2PrivateKey.from_bytes(key.to_bytes()).public_key == key.public_key
    assert SM2PrivateKey.from_der(key.to_der()).public_key == key.public_key
    assert SM2PrivateKey.from_pem(key.to_pem()).public_key == key.public_key


def test_der_signature_round_trips(key: SM2PrivateKey) -> None:
    der = key.sign_der(b"m")
    raw = sm2.signature_from_der(der)
    assert sm2.signature_to_der(raw) == der
    assert key.public_key.verify_der(b"m", der)


def _c1_c2_c3(ciphertext: bytes) -> bytes:
    """The same ciphertext in the order of GM/T 0003-2012, C1 || C2 || C3."""
    return ciphertext[:65] + ciphertext[65 + 32 :] + ciphertext[65 : 65 + 32]


def test_the_reference_arithmetic_gives_the_published_public_key() -> None:
    # The curve constants and arithmetic the encryption tests check banquan against.
    d = int(EXAMPLE["private_key"], 16)
    assert sm2_reference.multiply(d) == (
        int(EXAMPLE["public_key_x"], 16),
        int(EXAMPLE["public_key_y"], 16),
    )


@pytest.mark.parametrize("length", [1, 16, 32, 33, 100])
def test_banquan_ciphertext_is_c1_c3_c2_by_the_standard_s_decryption(
    key: SM2PrivateKey, length: int
) -> None:
    # GB/T 32918.4-2016, 7.1, in independent arithmetic: C1 is the first 65 bytes, then
    # C3 = SM3(x2 || M || y2), then C2 = M xor KDF(x2 || y2, klen). 33 and 100 bytes take
    # the KDF past its first SM3 block.
    content_key = bytes((7 * i + 1) % 256 for i in range(length))
    d = int.from_bytes(key.to_bytes(), "big")
    ciphertext = key.public_key.encrypt(content_key)
    assert len(ciphertext) == 65 + 32 + length
    assert sm2_reference.decrypt(d, ciphertext) == content_key
    assert key.decrypt(ciphertext) == content_key
    with pytest.raises(ValueError, match="C3 does not match"):
        sm2_reference.decrypt(d, _c1_c2_c3(ciphertext))


@pytest.mark.parametrize("message", [b"encryption standard", b"\x00", bytes(range(70))])
def test_a_ciphertext_made_by_the_standard_s_steps_decrypts_in_banquan(
    example_key: SM2PrivateKey, message: bytes
) -> None:
    # OpenSSL offers no way to choose k, so the ciphertext is made here by GB/T 32918.4, 6.1,
    # with a fixed k, as C1 || C3 || C2; banquan must read that order and refuse the other.
    ciphertext = sm2_reference.encrypt(example_key.public_key.point, message, int(EXAMPLE["k"], 16))
    assert example_key.decrypt(ciphertext) == message
    with pytest.raises(DecryptionFailed, match="does not decrypt with this key"):
        example_key.decrypt(_c1_c2_c3(ciphertext))


def test_tampered_ciphertext_or_another_key_does_not_decrypt(key: SM2PrivateKey) -> None:
    ciphertext = key.public_key.encrypt(b"secret content key")
    tampered = ciphertext[:-1] + bytes([ciphertext[-1] ^ 1])
    with pytest.raises(DecryptionFailed):
        key.decrypt(tampered)
    with pytest.raises(DecryptionFailed):
        SM2PrivateKey.generate().decrypt(ciphertext)


def test_empty_plaintext_is_refused(key: SM2PrivateKey) -> None:
    with pytest.raises(ValueError, match="at least one byte"):
        key.public_key.encrypt(b"")


def _x_without_point() -> int:
    # Euler's criterion: x^3 + ax + b is not a square mod p.
    return next(
        x
        for x in range(1, 1000)
        if pow((x**3 + sm2.A * x + sm2.B) % sm2.P, (sm2.P - 1) // 2, sm2.P) == sm2.P - 1
    )


G_UNCOMPRESSED = b"\x04" + sm2.GX.to_bytes(32, "big") + sm2.GY.to_bytes(32, "big")

BAD_POINTS = {
    "off the curve": b"\x04" + sm2.GX.to_bytes(32, "big") + (sm2.GY + 1).to_bytes(32, "big"),
    "infinity": b"\x00",
    "x = p": b"\x04" + sm2.P.to_bytes(32, "big") + sm2.GY.to_bytes(32, "big"),
    "y >= p": b"\x04" + sm2.GX.to_bytes(32, "big") + (sm2.GY + sm2.P).to_bytes(33, "big")[1:],
    "no such x": b"\x02" + _x_without_point().to_bytes(32, "big"),
    "hybrid prefix": b"\x06" + G_UNCOMPRESSED[1:],
    "truncated": G_UNCOMPRESSED[:-1],
    "empty": b"",
    "all zero": bytes(65),
}


@pytest.mark.parametrize("name", BAD_POINTS)
def test_bad_public_keys_are_refused(name: str) -> None:
    with pytest.raises(InvalidKey):
        SM2PublicKey.from_bytes(BAD_POINTS[name])


@pytest.mark.parametrize("scalar", [0, N - 1, N, N + 1, 2**256])
def test_private_scalars_out_of_range_are_refused(scalar: int) -> None:
    with pytest.raises(InvalidKey):
        SM2PrivateKey.from_int(scalar)


def test_der_keys_on_another_curve_are_refused() -> None:
    # secp256k1 SubjectPublicKeyInfo of the secp256k1 generator
    spki = bytes.fromhex(
        "3056301006072a8648ce3d020106052b8104000a034200"
        "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
        "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"
    )
    with pytest.raises(InvalidKey, match="SM2 curve"):
        SM2PublicKey.from_der(spki)


def test_bad_pem_is_refused() -> None:
    with pytest.raises(InvalidKey):
        SM2PublicKey.from_pem("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n")
    with pytest.raises(InvalidKey):
        SM2PublicKey.from_pem("no pem here")


def _sig(r: int, s: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


R = int(EXAMPLE["r"], 16)
S = int(EXAMPLE["s"], 16)
BAD_SIGNATURES = {
    "r = 0": _sig(0, S),
    "s = 0": _sig(R, 0),
    "r = n": _sig(N, S),
    "s = n": _sig(R, N),
    "r + n (the value ignoring overflow)": _sig(R + N, S) if R + N < 2**256 else _sig(N, S),
    "s = n - s": _sig(R, N - S),
    "too short": EXAMPLE_SIGNATURE[:-1],
    "too long": EXAMPLE_SIGNATURE + b"\x00",
    "empty": b"",
}


@pytest.mark.parametrize("name", BAD_SIGNATURES)
def test_bad_signatures_are_false(example_key: SM2PrivateKey, name: str) -> None:
    assert example_key.public_key.verify(EXAMPLE_MESSAGE, BAD_SIGNATURES[name]) is False


GOOD_DER = sm2.signature_to_der(EXAMPLE_SIGNATURE)
BAD_DER = {
    "truncated": GOOD_DER[:-1],
    "trailing byte": GOOD_DER + b"\x00",
    "wrong outer tag": b"\x31" + GOOD_DER[1:],
    "long-form length": b"\x30\x81" + GOOD_DER[1:],
    "negative r": bytes.fromhex("3006020180020101"),
    "non-minimal integer": bytes.fromhex("300702020001020101"),
    "three integers": bytes.fromhex("3009020101020101020101"),
    "r = 0": bytes.fromhex("3006020100020101"),
    "empty": b"",
}


@pytest.mark.parametrize("name", BAD_DER)
def test_malformed_der_signatures_are_false_or_invalid_signature(
    example_key: SM2PrivateKey, name: str
) -> None:
    assert example_key.public_key.verify_der(EXAMPLE_MESSAGE, BAD_DER[name]) is False
    with pytest.raises(InvalidSignature):
        sm2.signature_from_der(BAD_DER[name])


def _point_of_encoding(data: bytes) -> tuple[int, int] | None:
    """The point ``data`` encodes by SEC 1 (2.3.4) on the SM2 curve, or None; independent of
    banquan's decoder."""
    if len(data) == 65 and data[0] == 4:
        x, y = int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big")
        return (x, y) if sm2_reference.on_curve(x, y) else None
    if len(data) == 33 and data[0] in (2, 3):
        x = int.from_bytes(data[1:], "big")
        rhs = (x**3 + sm2.A * x + sm2.B) % sm2.P
        if x >= sm2.P or pow(rhs, (sm2.P - 1) // 2, sm2.P) != 1:
            return None
        y = pow(rhs, (sm2.P + 1) // 4, sm2.P)
        return (x, y if y % 2 == data[0] % 2 else sm2.P - y)
    return None


# Every SubjectPublicKeyInfo or PKCS #8 key banquan reads holds this AlgorithmIdentifier, and
# every bare SEC 1 ECPrivateKey starts with version 1 and a 32-byte OCTET STRING.
SM2_ALGORITHM_IDENTIFIER = bytes.fromhex("301306072a8648ce3d020106082a811ccf5501822d")
SEC1_PREFIX = bytes.fromhex("0201010420")


def test_the_point_oracle_agrees_on_the_known_points() -> None:
    assert _point_of_encoding(G_UNCOMPRESSED) == (sm2.GX, sm2.GY)
    assert _point_of_encoding(b"\x02" + sm2.GX.to_bytes(32, "big")) == (sm2.GX, sm2.GY)
    assert _point_of_encoding(b"\x03" + sm2.GX.to_bytes(32, "big")) == (sm2.GX, sm2.P - sm2.GY)
    for data in BAD_POINTS.values():
        assert _point_of_encoding(data) is None


@settings(max_examples=200, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=120),
        st.binary(min_size=32, max_size=32).map(lambda x: b"\x02" + x),
        st.binary(min_size=32, max_size=32).map(lambda x: b"\x03" + x),
    )
)
def test_random_bytes_get_the_decoders_documented_answers(
    example_key: SM2PrivateKey, data: bytes
) -> None:
    public_key = example_key.public_key
    # A random string is a signature of the example message with probability about 1/n.
    assert public_key.verify(EXAMPLE_MESSAGE, data) is False
    assert public_key.verify_der(EXAMPLE_MESSAGE, data) is False
    point = _point_of_encoding(data)
    if point is None:
        with pytest.raises(InvalidKey, match="SM2 point"):
            SM2PublicKey.from_bytes(data)
    else:
        assert SM2PublicKey.from_bytes(data).point == point
    if SM2_ALGORITHM_IDENTIFIER not in data:
        with pytest.raises(InvalidKey, match="SM2 public key DER"):
            SM2PublicKey.from_der(data)
        if data[2:7] != SEC1_PREFIX and data[3:8] != SEC1_PREFIX:
            with pytest.raises(InvalidKey, match="SM2 private key DER"):
                SM2PrivateKey.from_der(data)
    with pytest.raises(DecryptionFailed, match="SM2 ciphertext"):
        example_key.decrypt(data)


def test_bad_ids_are_refused() -> None:
    with pytest.raises(InvalidKey):
        SM2PrivateKey.generate(b"x" * 8192)
    with pytest.raises(InvalidKey):
        SM2PrivateKey.generate("1234567812345678")  # type: ignore[arg-type]


def test_one_key_signs_and_verifies_from_many_threads(key: SM2PrivateKey) -> None:
    # ctypes releases the GIL around each OpenSSL call, so these really run concurrently on
    # the one shared EVP_PKEY.
    def work(worker: int) -> bool:
        results = []
        for i in range(40):
            message = f"{worker}:{i}".encode()
            signature = key.sign(message)
            results.append(key.public_key.verify(message, signature))
            results.append(not key.public_key.verify(message + b"x", signature))
        return all(results)

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(work, range(8)))

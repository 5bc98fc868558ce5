"""SM2 interoperability with the ``openssl`` command line, both ways.

OpenSSL 3.0's CLI signs and verifies with an EMPTY distinguishing ID unless
``-pkeyopt distid:…`` is given; every call here passes the standard ID explicitly, and one
test shows what happens when it is forgotten.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from crypto import sm2
from crypto.sm2 import DEFAULT_ID, SM2PrivateKey, SM2PublicKey
from tests.crypto import sm2_reference

OPENSSL = shutil.which("openssl")

DISTID = f"distid:{DEFAULT_ID.decode()}"
MESSAGE = "《三体》 — registered claim bytes".encode()


def openssl(*arguments: str | Path, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    if OPENSSL is None:
        pytest.fail(
            "the interoperability tests need the openssl command (Debian: apt-get install openssl)",
            pytrace=False,
        )
    return subprocess.run(
        [OPENSSL, *map(str, arguments)], capture_output=True, check=check, timeout=60
    )


@pytest.fixture
def openssl_key(tmp_path: Path) -> tuple[Path, Path]:
    """A key pair made by ``openssl genpkey``: (private PEM, public PEM)."""
    private = tmp_path / "openssl-key.pem"
    public = tmp_path / "openssl-pub.pem"
    openssl("genpkey", "-algorithm", "SM2", "-out", private)
    openssl("pkey", "-in", private, "-pubout", "-out", public)
    return private, public


@pytest.fixture
def message_file(tmp_path: Path) -> Path:
    path = tmp_path / "message"
    path.write_bytes(MESSAGE)
    return path


def test_openssl_key_and_signature_verify_in_banquan(
    tmp_path: Path, openssl_key: tuple[Path, Path], message_file: Path
) -> None:
    private, public = openssl_key
    signature = tmp_path / "sig.der"
    openssl("pkeyutl", "-sign", "-inkey", private, "-rawin", "-digest", "sm3",
            "-pkeyopt", DISTID, "-in", message_file, "-out", signature)  # fmt: skip
    public_key = SM2PublicKey.from_pem(public.read_text())
    assert public_key.verify_der(MESSAGE, signature.read_bytes())
    assert not public_key.verify_der(MESSAGE + b"!", signature.read_bytes())
    # banquan reads the openssl private key too, and it is the same key.
    assert SM2PrivateKey.from_pem(private.read_text()).public_key == public_key


def test_openssl_dgst_signature_verifies_in_banquan(
    tmp_path: Path, openssl_key: tuple[Path, Path], message_file: Path
) -> None:
    private, public = openssl_key
    signature = tmp_path / "sig.der"
    openssl("dgst", "-sm3", "-sign", private, "-sigopt", DISTID, "-out", signature, message_file)
    assert SM2PublicKey.from_pem(public.read_text()).verify_der(MESSAGE, signature.read_bytes())


def test_openssl_without_distid_uses_the_empty_id(
    tmp_path: Path, openssl_key: tuple[Path, Path], message_file: Path
) -> None:
    private, public = openssl_key
    signature = tmp_path / "sig.der"
    openssl("pkeyutl", "-sign", "-inkey", private, "-rawin", "-digest", "sm3",
            "-in", message_file, "-out", signature)  # fmt: skip
    public_key = SM2PublicKey.from_pem(public.read_text())
    assert not public_key.verify_der(MESSAGE, signature.read_bytes())
    assert public_key.with_id(b"").verify_der(MESSAGE, signature.read_bytes())


def test_banquan_signature_verifies_in_openssl(tmp_path: Path, message_file: Path) -> None:
    key = SM2PrivateKey.generate()
    public = tmp_path / "pub.pem"
    public.write_text(key.public_key.to_pem())
    signature = tmp_path / "sig.der"
    signature.write_bytes(sm2.signature_to_der(key.sign(MESSAGE)))
    verified = openssl("pkeyutl", "-verify", "-pubin", "-inkey", public, "-rawin",
                       "-digest", "sm3", "-pkeyopt", DISTID, "-in", message_file,
                       "-sigfile", signature)  # fmt: skip
    assert b"Signature Verified Successfully" in verified.stdout
    dgst = openssl("dgst", "-sm3", "-verify", public, "-sigopt", DISTID,
                   "-signature", signature, message_file)  # fmt: skip
    assert b"Verified OK" in dgst.stdout
    wrong_id = openssl("pkeyutl", "-verify", "-pubin", "-inkey", public, "-rawin",
                       "-digest", "sm3", "-pkeyopt", "distid:1234567812345679",
                       "-in", message_file, "-sigfile", signature, check=False)  # fmt: skip
    assert wrong_id.returncode != 0


def test_banquan_private_key_signs_in_openssl(tmp_path: Path, message_file: Path) -> None:
    key = SM2PrivateKey.generate()
    private = tmp_path / "key.pem"
    private.write_text(key.to_pem())
    signature = tmp_path / "sig.der"
    openssl("pkeyutl", "-sign", "-inkey", private, "-rawin", "-digest", "sm3",
            "-pkeyopt", DISTID, "-in", message_file, "-out", signature)  # fmt: skip
    assert key.public_key.verify_der(MESSAGE, signature.read_bytes())
    exported = openssl("pkey", "-in", private, "-pubout").stdout
    assert SM2PublicKey.from_pem(exported) == key.public_key


# The ciphertext tests convert between OpenSSL's DER (GM/T 0009 SM2Cipher: x1, y1, HASH = C3,
# CipherText = C2) and raw C1 || C3 || C2 with the tests' own converter, not banquan's, so that
# the order of banquan's raw form is checked against OpenSSL's named fields.


def test_openssl_ciphertext_decrypts_in_banquan(
    tmp_path: Path, openssl_key: tuple[Path, Path]
) -> None:
    private, public = openssl_key
    content_key = bytes(range(32))
    (tmp_path / "plain").write_bytes(content_key)
    ciphertext = tmp_path / "ct.der"
    openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", public,
            "-in", tmp_path / "plain", "-out", ciphertext)  # fmt: skip
    key = SM2PrivateKey.from_pem(private.read_text())
    raw = sm2_reference.ciphertext_from_der(ciphertext.read_bytes())
    assert key.decrypt(raw) == content_key
    assert sm2_reference.decrypt(int.from_bytes(key.to_bytes(), "big"), raw) == content_key
    assert sm2.ciphertext_from_der(ciphertext.read_bytes()) == raw


def test_banquan_ciphertext_decrypts_in_openssl(tmp_path: Path) -> None:
    key = SM2PrivateKey.generate()
    private = tmp_path / "key.pem"
    private.write_text(key.to_pem())
    content_key = bytes(range(100, 116))
    raw = key.public_key.encrypt(content_key)
    ciphertext = tmp_path / "ct.der"
    ciphertext.write_bytes(sm2_reference.ciphertext_to_der(raw))
    decrypted = openssl("pkeyutl", "-decrypt", "-inkey", private, "-in", ciphertext)
    assert decrypted.stdout == content_key
    assert sm2.ciphertext_to_der(raw) == ciphertext.read_bytes()
    # Read as C1 || C2 || C3, the same bytes do not decrypt in OpenSSL.
    ciphertext.write_bytes(sm2_reference.ciphertext_to_der(raw[:65] + raw[97:] + raw[65:97]))
    swapped = openssl("pkeyutl", "-decrypt", "-inkey", private, "-in", ciphertext, check=False)
    assert swapped.returncode != 0
    assert swapped.stdout == b""


def test_a_ciphertext_made_by_the_standard_s_steps_decrypts_in_openssl(tmp_path: Path) -> None:
    # Checks the tests' reference encryption (GB/T 32918.4, 6.1, with a fixed k) against
    # OpenSSL, so that it is not only this project's reading of the standard.
    key = SM2PrivateKey.generate()
    private = tmp_path / "key.pem"
    private.write_text(key.to_pem())
    message = b"encryption standard, and more than one KDF block of it"
    k = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
    ciphertext = tmp_path / "ct.der"
    ciphertext.write_bytes(
        sm2_reference.ciphertext_to_der(sm2_reference.encrypt(key.public_key.point, message, k))
    )
    decrypted = openssl("pkeyutl", "-decrypt", "-inkey", private, "-in", ciphertext)
    assert decrypted.stdout == message

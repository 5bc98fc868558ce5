"""Keystore files: banquan's format for both algorithms, and Ethereum V3 for secp256k1."""

from __future__ import annotations

import copy
import json
import stat
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from crypto.errors import DecryptionFailed, InvalidKeystore, UnsupportedAlgorithm
from crypto.keystore import (
    ETHEREUM_V3,
    FORMAT,
    decrypt_key,
    encrypt_key,
    inspect_keystore,
    read_keystore,
    write_keystore,
)
from crypto.secp256k1 import Secp256k1PrivateKey
from crypto.signing import Algorithm, PrivateKey, generate_private_key
from crypto.sm2 import SM2PrivateKey
from crypto.symmetric import Cipher

FAST = 2**10  # scrypt n for tests; the default is 2**17
PASSWORD = "正确的 horse battery staple"


@pytest.fixture(params=["sm2", "secp256k1"])
def key(request: pytest.FixtureRequest) -> PrivateKey:
    return generate_private_key(request.param)


def test_round_trip(key: PrivateKey) -> None:
    document = encrypt_key(key, PASSWORD, scrypt_n=FAST)
    assert document["format"] == FORMAT
    assert document["algorithm"] == key.algorithm
    assert document["cipher"]["name"] == ("sm4-gcm" if key.algorithm == "sm2" else "aes-256-gcm")
    restored = decrypt_key(json.loads(json.dumps(document)), PASSWORD)
    assert restored.to_bytes() == key.to_bytes()
    assert restored.public_key == key.public_key


def test_the_other_cipher_works_too(key: PrivateKey) -> None:
    other = Cipher.AES_256_GCM if key.algorithm == "sm2" else Cipher.SM4_GCM
    document = encrypt_key(key, PASSWORD, cipher=other, scrypt_n=FAST)
    assert document["cipher"]["name"] == other.value
    assert decrypt_key(document, PASSWORD).public_key == key.public_key


def test_inspect_needs_no_password(key: PrivateKey) -> None:
    info = inspect_keystore(encrypt_key(key, PASSWORD, scrypt_n=FAST))
    assert info.algorithm == Algorithm(key.algorithm)
    assert info.public_key == key.public_key
    assert (info.address is None) is (key.algorithm == "sm2")


def test_wrong_password_fails(key: PrivateKey) -> None:
    with pytest.raises(DecryptionFailed):
        decrypt_key(encrypt_key(key, PASSWORD, scrypt_n=FAST), PASSWORD + " ")


def test_password_is_nfc_normalized() -> None:
    key = SM2PrivateKey.generate()
    composed = unicodedata.normalize("NFC", "Café")
    decomposed = unicodedata.normalize("NFD", "Café")
    assert composed != decomposed
    document = encrypt_key(key, composed, scrypt_n=FAST)
    assert decrypt_key(document, decomposed).public_key == key.public_key


def test_custom_sm2_id_is_kept() -> None:
    key = SM2PrivateKey.generate(b"press@example.cn")
    document = encrypt_key(key, PASSWORD, scrypt_n=FAST)
    assert document["sm2_id"] == "press@example.cn"
    assert decrypt_key(document, PASSWORD).public_key.distid == b"press@example.cn"  # type: ignore[union-attr]


EDITS = {
    "algorithm": lambda d: d.update(algorithm="secp256k1"),
    "sm2_id": lambda d: d.update(sm2_id="1234567812345679"),
    "public_key": lambda d: d.update(
        public_key=SM2PrivateKey.generate().public_key.to_bytes().hex()
    ),
    "kdf salt": lambda d: d["kdf"].update(salt="00" * 32),
    # One bit flipped (writing a fixed byte would leave a ciphertext that had it unchanged).
    "ciphertext": lambda d: d.update(
        ciphertext=f"{int(d['ciphertext'][:2], 16) ^ 1:02x}" + d["ciphertext"][2:]
    ),
    "cipher name": lambda d: d["cipher"].update(name="aes-256-gcm"),
}


@pytest.mark.parametrize("edit", EDITS)
def test_an_edited_keystore_does_not_open(edit: str) -> None:
    document = encrypt_key(SM2PrivateKey.generate(), PASSWORD, scrypt_n=FAST)
    edited = copy.deepcopy(document)
    EDITS[edit](edited)
    with pytest.raises((DecryptionFailed, InvalidKeystore)):
        decrypt_key(edited, PASSWORD)


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"format": "banquan.keystore/9"},
        {"format": FORMAT, "algorithm": "rsa"},
        {"format": FORMAT, "algorithm": "sm2"},
    ],
)
def test_malformed_keystores_are_refused(document: object) -> None:
    with pytest.raises(InvalidKeystore):
        inspect_keystore(document)
    with pytest.raises(InvalidKeystore):
        decrypt_key(document, PASSWORD)


def test_hostile_scrypt_parameters_are_refused() -> None:
    document: dict[str, Any] = encrypt_key(SM2PrivateKey.generate(), PASSWORD, scrypt_n=FAST)
    for kdf in ({"n": 2**30}, {"n": 1000}, {"r": 1000}, {"p": 0}, {"salt": "00"}, {"n": True}):
        edited = copy.deepcopy(document)
        edited["kdf"].update(kdf)
        with pytest.raises(InvalidKeystore):
            decrypt_key(edited, PASSWORD)


def test_ethereum_v3_round_trip_and_interop() -> None:
    key = Secp256k1PrivateKey.generate()
    document = encrypt_key(key, PASSWORD, format=ETHEREUM_V3, scrypt_n=FAST)
    assert document["version"] == 3
    assert bytes(Account.decrypt(document, PASSWORD)) == key.to_bytes()
    assert decrypt_key(document, PASSWORD).to_bytes() == key.to_bytes()
    written_by_eth_account = Account.encrypt(key.to_bytes(), PASSWORD, kdf="pbkdf2", iterations=2)
    assert decrypt_key(written_by_eth_account, PASSWORD).to_bytes() == key.to_bytes()
    with pytest.raises(DecryptionFailed):
        decrypt_key(document, "wrong")
    with pytest.raises(InvalidKeystore, match="no public key"):
        inspect_keystore(document)


def test_sm2_keys_have_no_ethereum_v3_form() -> None:
    with pytest.raises(UnsupportedAlgorithm):
        encrypt_key(SM2PrivateKey.generate(), PASSWORD, format=ETHEREUM_V3, scrypt_n=FAST)


def test_files_are_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    document = encrypt_key(SM2PrivateKey.generate(), PASSWORD, scrypt_n=FAST)
    write_keystore(path, document)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_keystore(path) == document
    with pytest.raises(FileExistsError):
        write_keystore(path, document)
    (tmp_path / "bad.json").write_text("[1]")
    with pytest.raises(InvalidKeystore):
        read_keystore(tmp_path / "bad.json")

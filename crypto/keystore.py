"""Encrypted keystore files for SM2 and secp256k1 private keys.

banquan's format (``"format": "banquan.keystore/1"``), one JSON object::

    {"format": "banquan.keystore/1", "algorithm": "sm2", "public_key": "04…",
     "sm2_id": "1234567812345678",                       (SM2 only)
     "address": "0x…",                                   (secp256k1 only)
     "kdf": {"name": "scrypt", "n": 131072, "r": 8, "p": 1, "salt": "<32 bytes hex>"},
     "cipher": {"name": "sm4-gcm", "nonce": "<12 bytes hex>"},
     "ciphertext": "<32-byte private key + 16-byte tag, hex>"}

The key-encryption key is scrypt(NFC-normalized UTF-8 password), as long as the cipher's key
(16 bytes for SM4-GCM, the default for SM2; 32 for AES-256-GCM, the default for
secp256k1). Every member except ``ciphertext`` is authenticated (its RFC 8785 bytes are the
GCM associated data), so a keystore whose algorithm, ID or public key was edited does not
open. After decryption the public key is recomputed and must match.

Ethereum V3 keystores (``"version": 3``, as geth and eth-account write them) are read and
written for secp256k1 keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from eth_account import Account

from crypto.canonical import canonical_json
from crypto.errors import CryptoError, DecryptionFailed, InvalidKeystore, UnsupportedAlgorithm
from crypto.secp256k1 import Secp256k1PrivateKey, Secp256k1PublicKey
from crypto.signing import (
    Algorithm,
    PrivateKey,
    PublicKey,
    private_key_from_bytes,
    public_key_from_json,
    sm2_id_from_text,
    sm2_id_to_text,
)
from crypto.sm2 import DEFAULT_ID, SM2PrivateKey, SM2PublicKey
from crypto.symmetric import NONCE_SIZE, Cipher, gcm_decrypt, gcm_encrypt

FORMAT: Final = "banquan.keystore/1"
ETHEREUM_V3: Final = "ethereum-v3"

DEFAULT_SCRYPT_N: Final = 2**17
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
MAX_SCRYPT_N: Final = 2**20
"""Largest n a keystore may ask for (1 GiB of memory with r = 8): a hostile file cannot make
opening it take unbounded memory."""

_MEMBERS: Final = {"format", "algorithm", "public_key", "kdf", "cipher", "ciphertext"}


@dataclass(frozen=True)
class KeystoreInfo:
    """What a keystore says about its key, readable without the password."""

    algorithm: Algorithm
    public_key: PublicKey
    format: str

    @property
    def address(self) -> str | None:
        """The Ethereum address of a secp256k1 key, else ``None``."""
        if isinstance(self.public_key, Secp256k1PublicKey):
            return self.public_key.address
        return None


def encrypt_key(
    private_key: PrivateKey,
    password: str,
    *,
    cipher: Cipher | None = None,
    scrypt_n: int = DEFAULT_SCRYPT_N,
    format: str = FORMAT,
) -> dict[str, Any]:
    """The keystore JSON object of ``private_key`` under ``password``.

    ``format`` is :data:`FORMAT` or :data:`ETHEREUM_V3` (secp256k1 only, written by
    eth-account with the same scrypt ``n``).

    Raises:
        UnsupportedAlgorithm: an Ethereum V3 keystore of an SM2 key, or an unknown format.
        ValueError: ``scrypt_n`` is not a power of two in [2, 2**20].
    """
    _check_scrypt_n(scrypt_n)
    if format == ETHEREUM_V3:
        if not isinstance(private_key, Secp256k1PrivateKey):
            raise UnsupportedAlgorithm("Ethereum V3 keystores hold secp256k1 keys only")
        document: dict[str, Any] = Account.encrypt(
            private_key.to_bytes(), _password_text(password), kdf="scrypt", iterations=scrypt_n
        )
        return document
    if format != FORMAT:
        raise UnsupportedAlgorithm(f"unknown keystore format {format!r}")
    algorithm = Algorithm(private_key.algorithm)
    if cipher is None:
        cipher = Cipher.SM4_GCM if algorithm is Algorithm.SM2 else Cipher.AES_256_GCM
    cipher = Cipher.parse(cipher)
    header: dict[str, Any] = {
        "format": FORMAT,
        "algorithm": algorithm.value,
        "public_key": private_key.public_key.to_bytes().hex(),
        "kdf": {
            "name": "scrypt",
            "n": scrypt_n,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": secrets.token_hex(32),
        },
        "cipher": {"name": cipher.value, "nonce": secrets.token_hex(NONCE_SIZE)},
    }
    if isinstance(private_key, SM2PrivateKey):
        header["sm2_id"] = sm2_id_to_text(private_key.public_key.distid)
    else:
        header["address"] = private_key.address
    kek = _derive(password, header["kdf"], cipher.key_size)
    ciphertext = gcm_encrypt(
        cipher, kek, bytes.fromhex(header["cipher"]["nonce"]), private_key.to_bytes(),
        canonical_json(header),
    )  # fmt: skip
    return {**header, "ciphertext": ciphertext.hex()}


def inspect_keystore(document: object) -> KeystoreInfo:
    """The algorithm and public key a keystore declares (no password needed).

    For an Ethereum V3 keystore only the address is stored, so its public key is unknown
    until decryption: use :func:`decrypt_key`.

    Raises:
        InvalidKeystore: malformed, or an Ethereum V3 keystore.
    """
    header = _banquan_header(document)
    return KeystoreInfo(Algorithm(header["algorithm"]), _declared_public_key(header), FORMAT)


def decrypt_key(document: object, password: str) -> PrivateKey:
    """The private key in a keystore (banquan's or Ethereum V3).

    Raises:
        DecryptionFailed: a wrong password or tampered file.
        InvalidKeystore: a malformed file, or a key that does not match its public key.
    """
    if not isinstance(document, dict):
        raise InvalidKeystore("a keystore is a JSON object")
    if document.get("version") == 3 and "crypto" in document:
        return _decrypt_ethereum_v3(document, password)
    header = _banquan_header(document)
    cipher = Cipher.parse(header["cipher"]["name"])
    try:
        nonce = bytes.fromhex(header["cipher"]["nonce"])
        body = bytes.fromhex(document["ciphertext"])
    except (TypeError, ValueError):
        raise InvalidKeystore("nonce and ciphertext must be hex") from None
    if len(nonce) != NONCE_SIZE or len(body) != 32 + 16:
        raise InvalidKeystore("a keystore holds a 12-byte nonce and 48 bytes of ciphertext")
    kek = _derive(password, header["kdf"], cipher.key_size)
    try:
        secret = gcm_decrypt(cipher, kek, nonce, body[:-16], body[-16:], canonical_json(header))
    except DecryptionFailed:
        raise DecryptionFailed("wrong password, or the keystore was altered") from None
    declared = _declared_public_key(header)
    distid = declared.distid if isinstance(declared, SM2PublicKey) else DEFAULT_ID
    key = private_key_from_bytes(header["algorithm"], secret, sm2_id=distid)
    if key.public_key != declared:
        raise InvalidKeystore("the decrypted key does not match the keystore's public key")
    return key


def write_keystore(path: Path, document: dict[str, Any]) -> None:
    """Write a keystore to a new file readable by its owner only (mode 0600).

    Raises:
        FileExistsError: ``path`` exists (a keystore is never overwritten).
    """
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(document, file, indent=2, ensure_ascii=False)
        file.write("\n")


def read_keystore(path: Path) -> dict[str, Any]:
    """A keystore file's JSON object.

    Raises:
        InvalidKeystore: not a JSON object.
        OSError: the file cannot be read.
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidKeystore(f"{path} is not a JSON keystore: {exc}") from exc
    if not isinstance(document, dict):
        raise InvalidKeystore(f"{path} is not a JSON object")
    return document


def _banquan_header(document: object) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise InvalidKeystore("a keystore is a JSON object")
    if document.get("format") != FORMAT:
        if document.get("version") == 3:
            raise InvalidKeystore("an Ethereum V3 keystore stores no public key; decrypt it")
        raise InvalidKeystore(f"unknown keystore format {document.get('format')!r}")
    try:
        algorithm = Algorithm.parse(document.get("algorithm"))
    except UnsupportedAlgorithm as exc:
        raise InvalidKeystore(str(exc)) from exc
    extra = {"sm2_id"} if algorithm is Algorithm.SM2 else {"address"}
    if set(document) != _MEMBERS | extra:
        raise InvalidKeystore(f"a {algorithm} keystore has exactly {sorted(_MEMBERS | extra)}")
    kdf, cipher = document["kdf"], document["cipher"]
    if not isinstance(kdf, dict) or set(kdf) != {"name", "n", "r", "p", "salt"}:
        raise InvalidKeystore("kdf must be {name, n, r, p, salt}")
    if kdf["name"] != "scrypt":
        raise InvalidKeystore(f"unsupported kdf {kdf['name']!r}")
    if not isinstance(cipher, dict) or set(cipher) != {"name", "nonce"}:
        raise InvalidKeystore("cipher must be {name, nonce}")
    try:
        Cipher.parse(cipher["name"])
    except UnsupportedAlgorithm as exc:
        raise InvalidKeystore(str(exc)) from exc
    return {key: value for key, value in document.items() if key != "ciphertext"}


def _declared_public_key(header: dict[str, Any]) -> PublicKey:
    value = {"algorithm": header["algorithm"], "public_key": header["public_key"]}
    if header["algorithm"] == "sm2":
        value["sm2_id"] = header["sm2_id"]
        sm2_id_from_text(header["sm2_id"])
    try:
        public_key = public_key_from_json(value)
    except CryptoError as exc:
        raise InvalidKeystore(f"the keystore's public key: {exc}") from exc
    if isinstance(public_key, Secp256k1PublicKey) and header["address"] != public_key.address:
        raise InvalidKeystore("the keystore's address does not match its public key")
    return public_key


def _derive(password: str, kdf: dict[str, Any], length: int) -> bytes:
    n, r, p, salt = kdf["n"], kdf["r"], kdf["p"], kdf["salt"]
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in (n, r, p)):
        raise InvalidKeystore("scrypt n, r and p must be integers")
    try:
        _check_scrypt_n(n)
    except ValueError as exc:
        raise InvalidKeystore(str(exc)) from exc
    if not (1 <= r <= 32 and 1 <= p <= 16):
        raise InvalidKeystore("scrypt r must be in [1, 32] and p in [1, 16]")
    try:
        salt_bytes = bytes.fromhex(salt)
    except (TypeError, ValueError):
        raise InvalidKeystore("the scrypt salt must be hex") from None
    if len(salt_bytes) < 16:
        raise InvalidKeystore("the scrypt salt must be at least 16 bytes")
    return hashlib.scrypt(
        _password_bytes(password), salt=salt_bytes, n=n, r=r, p=p,
        maxmem=129 * r * (n + p + 2) * 2, dklen=length,
    )  # fmt: skip


def _decrypt_ethereum_v3(document: dict[str, Any], password: str) -> PrivateKey:
    try:
        secret = Account.decrypt(document, _password_text(password))
    except ValueError as exc:
        if "MAC mismatch" in str(exc):
            raise DecryptionFailed("wrong password, or the keystore was altered") from exc
        raise InvalidKeystore(f"Ethereum V3 keystore: {exc}") from exc
    except (KeyError, TypeError) as exc:
        raise InvalidKeystore(f"Ethereum V3 keystore: {exc!r}") from exc
    key = Secp256k1PrivateKey.from_bytes(bytes(secret))
    address = document.get("address")
    if isinstance(address, str) and address.lower().removeprefix("0x") != key.address[2:].lower():
        raise InvalidKeystore("the decrypted key does not match the keystore's address")
    return key


def _password_text(password: str) -> str:
    if not isinstance(password, str):
        raise TypeError("a keystore password is text")
    # The same password typed on two systems may arrive composed or decomposed.
    return unicodedata.normalize("NFC", password)


def _password_bytes(password: str) -> bytes:
    return _password_text(password).encode("utf-8")


def _check_scrypt_n(n: int) -> None:
    if not (2 <= n <= MAX_SCRYPT_N and n & (n - 1) == 0):
        raise ValueError("scrypt n must be a power of two in [2, 2**20]")

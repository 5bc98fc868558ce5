"""Authenticated encryption (SM4-GCM, AES-256-GCM), HMAC-SM3, and wrapping of per-work
content keys: by a master key (AEAD bound to a context) or to a recipient's SM2 key.

Sealed bytes are ``nonce (12) || ciphertext || tag (16)``; nonces are random (96 bits), so
one key must not seal more than about 2**32 messages (NIST SP 800-38D, 8.3).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher as _Cipher
from cryptography.hazmat.primitives.ciphers import algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.errors import DecryptionFailed, InvalidKey, UnsupportedAlgorithm
from crypto.sm2 import SM2PrivateKey, SM2PublicKey

NONCE_SIZE: Final = 12
TAG_SIZE: Final = 16
WRAP_DOMAIN: Final = b"banquan.key-wrap.v1\x00"
"""Prefix of the associated data of a wrapped key, so it cannot pass for other ciphertext."""


class Cipher(StrEnum):
    """An AEAD cipher, by the name banquan writes in keystores and wrapped keys."""

    SM4_GCM = "sm4-gcm"
    AES_256_GCM = "aes-256-gcm"

    @property
    def key_size(self) -> int:
        return 16 if self is Cipher.SM4_GCM else 32

    @classmethod
    def parse(cls, name: object) -> Cipher:
        try:
            return cls(str(name)) if isinstance(name, str) else cls(name)  # type: ignore[arg-type]
        except ValueError:
            raise UnsupportedAlgorithm(
                f"unknown cipher {name!r}; expected sm4-gcm or aes-256-gcm"
            ) from None


def new_key(cipher: Cipher) -> bytes:
    """A fresh random key for ``cipher`` (16 bytes for SM4, 32 for AES-256)."""
    return secrets.token_bytes(cipher.key_size)


def seal(cipher: Cipher, key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """``nonce || ciphertext || tag`` of ``plaintext`` under ``key``, authenticating ``aad``.

    Raises:
        InvalidKey: ``key`` has the wrong length for ``cipher``.
    """
    cipher = Cipher.parse(cipher)
    _check_key(cipher, key)
    nonce = secrets.token_bytes(NONCE_SIZE)
    return nonce + _gcm_encrypt(cipher, key, nonce, plaintext, aad)


def open_sealed(cipher: Cipher, key: bytes, sealed: bytes, aad: bytes = b"") -> bytes:
    """The plaintext of :func:`seal` output.

    Raises:
        InvalidKey: ``key`` has the wrong length for ``cipher``.
        DecryptionFailed: a wrong key or ``aad``, or tampered or truncated bytes.
    """
    cipher = Cipher.parse(cipher)
    _check_key(cipher, key)
    if len(sealed) < NONCE_SIZE + TAG_SIZE:
        raise DecryptionFailed("sealed data is shorter than a nonce and a tag")
    nonce, body = sealed[:NONCE_SIZE], sealed[NONCE_SIZE:]
    return gcm_decrypt(cipher, key, nonce, body[:-TAG_SIZE], body[-TAG_SIZE:], aad)


def gcm_decrypt(
    cipher: Cipher, key: bytes, nonce: bytes, ciphertext: bytes, tag: bytes, aad: bytes = b""
) -> bytes:
    """GCM decryption with explicit parts (any nonce of 8 to 128 bytes, a 16-byte tag).

    Raises:
        DecryptionFailed: the tag does not match, or the parts have unusable sizes.
    """
    _check_key(cipher, key)
    if len(tag) != TAG_SIZE or not 8 <= len(nonce) <= 128:
        raise DecryptionFailed("GCM needs a 16-byte tag and a nonce of 8 to 128 bytes")
    try:
        if cipher is Cipher.AES_256_GCM:
            return AESGCM(key).decrypt(nonce, ciphertext + tag, aad)
        decryptor = _Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(aad)
        return decryptor.update(ciphertext) + decryptor.finalize()
    except InvalidTag:
        raise DecryptionFailed("authentication failed: wrong key or tampered data") from None


def gcm_encrypt(
    cipher: Cipher, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b""
) -> bytes:
    """GCM encryption with an explicit nonce: ``ciphertext || tag``. Never reuse a nonce."""
    _check_key(cipher, key)
    if not 8 <= len(nonce) <= 128:
        raise ValueError("GCM needs a nonce of 8 to 128 bytes")
    return _gcm_encrypt(cipher, key, nonce, plaintext, aad)


def _gcm_encrypt(cipher: Cipher, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    if cipher is Cipher.AES_256_GCM:
        return AESGCM(key).encrypt(nonce, plaintext, aad)
    encryptor = _Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(plaintext) + encryptor.finalize()
    return body + encryptor.tag


def sm4_encrypt_block(key: bytes, block: bytes) -> bytes:
    """SM4 of one 16-byte block (GB/T 32907); for checking the cipher against the standard."""
    if len(key) != 16 or len(block) != 16:
        raise ValueError("SM4 takes a 16-byte key and a 16-byte block")
    encryptor = _Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - one block, for the standard's example
    return encryptor.update(block) + encryptor.finalize()


def hmac_sm3(key: bytes, message: bytes) -> bytes:
    """HMAC-SM3 (RFC 2104 with SM3, GB/T 15852.2)."""
    return hmac.new(key, message, "sm3").digest()


@dataclass(frozen=True)
class WrappedKey:
    """A content key wrapped for storage.

    ``method`` is a :class:`Cipher` name (wrapped by a master key; ``data`` is
    ``nonce || ciphertext || tag`` and the context was authenticated) or ``"sm2"``
    (encrypted to a recipient's SM2 public key; ``data`` is ``C1 || C3 || C2``).
    """

    method: str
    data: bytes

    def to_json(self) -> dict[str, str]:
        return {"method": self.method, "data": self.data.hex()}

    @classmethod
    def from_json(cls, value: object) -> WrappedKey:
        """Raises :class:`DecryptionFailed` for a malformed value."""
        if (
            not isinstance(value, dict)
            or set(value) != {"method", "data"}
            or not isinstance(value["method"], str)
            or not isinstance(value["data"], str)
        ):
            raise DecryptionFailed("a wrapped key is {method, data}")
        try:
            return cls(value["method"], bytes.fromhex(value["data"]))
        except ValueError:
            raise DecryptionFailed("wrapped key data must be hex") from None


def wrap_key(
    master_key: bytes, content_key: bytes, *, cipher: Cipher, context: bytes
) -> WrappedKey:
    """``content_key`` sealed by ``master_key``; ``context`` (e.g. the work's identifier) is
    authenticated, so a wrapped key moved to another work does not unwrap."""
    cipher = Cipher.parse(cipher)
    sealed = seal(cipher, master_key, content_key, _wrap_aad(cipher, context))
    return WrappedKey(cipher.value, sealed)


def unwrap_key(master_key: bytes, wrapped: WrappedKey, *, context: bytes) -> bytes:
    """The content key of :func:`wrap_key` output.

    Raises:
        UnsupportedAlgorithm: ``wrapped`` was not wrapped by a master key.
        DecryptionFailed: a wrong master key or context, or tampered bytes.
    """
    cipher = Cipher.parse(wrapped.method)
    return open_sealed(cipher, master_key, wrapped.data, _wrap_aad(cipher, context))


def wrap_key_to(recipient: SM2PublicKey, content_key: bytes) -> WrappedKey:
    """``content_key`` SM2-encrypted to ``recipient`` (only its private key unwraps it)."""
    return WrappedKey("sm2", recipient.encrypt(content_key))


def unwrap_key_with(private_key: SM2PrivateKey, wrapped: WrappedKey) -> bytes:
    """The content key of :func:`wrap_key_to` output.

    Raises:
        UnsupportedAlgorithm: ``wrapped`` was not SM2-encrypted.
        DecryptionFailed: not encrypted to this key, or tampered bytes.
    """
    if wrapped.method != "sm2":
        raise UnsupportedAlgorithm(f"expected an SM2-wrapped key, got {wrapped.method!r}")
    return private_key.decrypt(wrapped.data)


def _wrap_aad(cipher: Cipher, context: bytes) -> bytes:
    return WRAP_DOMAIN + cipher.value.encode("ascii") + b"\x00" + bytes(context)


def _check_key(cipher: Cipher, key: bytes) -> None:
    if not isinstance(key, bytes | bytearray) or len(key) != cipher.key_size:
        raise InvalidKey(f"{cipher.value} needs a {cipher.key_size}-byte key")

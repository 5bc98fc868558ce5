"""A thin ctypes binding to the system OpenSSL 3 ``libcrypto``, for SM2 only.

The library is loaded on first use (:func:`libcrypto`), never at import time. Every function
returning a pointer is declared with ``restype = c_void_p``: the ctypes default (``int``)
truncates 64-bit pointers. ctypes releases the GIL around each foreign call.

Callers hand this module only keys and points that Python has already validated; OpenSSL is
still trusted to reject anything else, and its error queue is cleared after every failure so
a failed call never leaks into the next one.
"""

import ctypes
import ctypes.util
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from ctypes import POINTER, byref, c_char_p, c_int, c_size_t, c_ulong, c_void_p
from typing import Any, Final

from crypto.errors import BackendUnavailable

LIBCRYPTO_ENV: Final = "BANQUAN_LIBCRYPTO"
"""Environment variable naming the ``libcrypto`` shared library to load, if not the system's."""

_CANDIDATES: Final = ("libcrypto.so.3", "libcrypto.3.dylib")

_lock = threading.Lock()
_loaded: "Libcrypto | None" = None

# (name, restype, argtypes)
_SIGNATURES: Final[list[tuple[str, object, list[object]]]] = [
    ("OpenSSL_version_num", c_ulong, []),
    ("ERR_clear_error", None, []),
    ("ERR_get_error", c_ulong, []),
    ("ERR_error_string_n", None, [c_ulong, c_char_p, c_size_t]),
    ("EVP_sm3", c_void_p, []),
    ("EVP_MD_CTX_new", c_void_p, []),
    ("EVP_MD_CTX_free", None, [c_void_p]),
    ("EVP_MD_CTX_set_pkey_ctx", None, [c_void_p, c_void_p]),
    ("EVP_PKEY_CTX_new", c_void_p, [c_void_p, c_void_p]),
    ("EVP_PKEY_CTX_new_from_name", c_void_p, [c_void_p, c_char_p, c_char_p]),
    ("EVP_PKEY_CTX_free", None, [c_void_p]),
    ("EVP_PKEY_CTX_set1_id", c_int, [c_void_p, c_void_p, c_int]),
    ("EVP_DigestSignInit", c_int, [c_void_p, c_void_p, c_void_p, c_void_p, c_void_p]),
    ("EVP_DigestSign", c_int, [c_void_p, c_char_p, POINTER(c_size_t), c_char_p, c_size_t]),
    ("EVP_DigestVerifyInit", c_int, [c_void_p, c_void_p, c_void_p, c_void_p, c_void_p]),
    ("EVP_DigestVerify", c_int, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t]),
    ("EVP_PKEY_encrypt_init", c_int, [c_void_p]),
    ("EVP_PKEY_encrypt", c_int, [c_void_p, c_char_p, POINTER(c_size_t), c_char_p, c_size_t]),
    ("EVP_PKEY_decrypt_init", c_int, [c_void_p]),
    ("EVP_PKEY_decrypt", c_int, [c_void_p, c_char_p, POINTER(c_size_t), c_char_p, c_size_t]),
    ("EVP_PKEY_free", None, [c_void_p]),
    ("EVP_PKEY_get_octet_string_param", c_int, [c_void_p, c_char_p, c_char_p, c_size_t,
                                                POINTER(c_size_t)]),
    ("d2i_PUBKEY", c_void_p, [c_void_p, POINTER(c_char_p), ctypes.c_long]),
    ("d2i_AutoPrivateKey", c_void_p, [c_void_p, POINTER(c_char_p), ctypes.c_long]),
]  # fmt: skip

SIGNATURE_BUFFER: Final = 128
"""Room for an SM2 DER signature (at most 72 bytes)."""


class Libcrypto:
    """The loaded library, with its functions declared. Use :func:`libcrypto`."""

    def __init__(self, library: ctypes.CDLL, path: str) -> None:
        self.path = path
        for name, restype, argtypes in _SIGNATURES:
            function = getattr(library, name)
            function.restype = restype
            function.argtypes = argtypes
            setattr(self, name, function)
        self.version_number: int = library.OpenSSL_version_num()
        self.sm3: int = library.EVP_sm3()

    def __getattr__(self, name: str) -> Callable[..., Any]:  # for mypy: set in __init__
        raise AttributeError(name)

    def last_error(self) -> str:
        """The oldest queued OpenSSL error as text, and an empty queue."""
        code = self.ERR_get_error()
        self.ERR_clear_error()
        if not code:
            return "no OpenSSL error queued"
        buffer = ctypes.create_string_buffer(256)
        self.ERR_error_string_n(code, buffer, len(buffer))
        return buffer.value.decode("ascii", "replace")


def libcrypto() -> Libcrypto:
    """The system OpenSSL 3 ``libcrypto``, loaded once.

    Raises:
        BackendUnavailable: no such library, an OpenSSL older than 3.0, or one without SM2.
    """
    global _loaded
    if _loaded is not None:
        return _loaded
    with _lock:
        if _loaded is None:
            _loaded = _load()
    return _loaded


def _load() -> Libcrypto:
    explicit = os.environ.get(LIBCRYPTO_ENV)
    names = [explicit] if explicit else [*_CANDIDATES, ctypes.util.find_library("crypto")]
    errors = []
    for name in names:
        if not name:
            continue
        try:
            library = ctypes.CDLL(name)
            lib = Libcrypto(library, name)
        except (OSError, AttributeError) as exc:
            errors.append(f"{name}: {exc}")
            continue
        if lib.version_number < 0x30000000:
            errors.append(f"{name}: OpenSSL {lib.version_number:#x} is older than 3.0")
            continue
        context = lib.EVP_PKEY_CTX_new_from_name(None, b"SM2", None)
        if not context:
            errors.append(f"{name}: this OpenSSL has no SM2 ({lib.last_error()})")
            continue
        lib.EVP_PKEY_CTX_free(context)
        return lib
    raise BackendUnavailable(
        "SM2 needs the system OpenSSL 3 libcrypto (Debian/Ubuntu: libssl3; or set "
        f"{LIBCRYPTO_ENV} to its path); tried: "
        + "; ".join(errors or ["nothing found"])
        + ". See docs/crypto.md (SM2 backend) for the alternatives."
    )


def load_public_key(spki_der: bytes) -> int:
    """An ``EVP_PKEY *`` from a SubjectPublicKeyInfo; the caller frees it."""
    return _decoded_key("d2i_PUBKEY", spki_der, "public key")


def load_private_key(pkcs8_der: bytes) -> int:
    """An ``EVP_PKEY *`` from a PKCS #8 PrivateKeyInfo; the caller frees it."""
    return _decoded_key("d2i_AutoPrivateKey", pkcs8_der, "private key")


def _decoded_key(decoder: str, der: bytes, what: str) -> int:
    """The ``EVP_PKEY *`` OpenSSL's ``decoder`` (a ``d2i_`` function) reads from ``der``."""
    lib = libcrypto()
    pointer = c_char_p(der)
    pkey: int | None = getattr(lib, decoder)(None, byref(pointer), len(der))
    if not pkey:
        raise ValueError(f"OpenSSL refused the {what}: {lib.last_error()}")
    return pkey


def encoded_public_key(pkey: int) -> bytes:
    """The uncompressed point ``04 || x || y`` of an EC ``EVP_PKEY``."""
    lib = libcrypto()
    buffer = ctypes.create_string_buffer(65)
    written = c_size_t(0)
    if lib.EVP_PKEY_get_octet_string_param(pkey, b"pub", buffer, 65, byref(written)) != 1:
        raise ValueError(f"OpenSSL has no public key for this key: {lib.last_error()}")
    return buffer.raw[: written.value]


def free_key(lib: Libcrypto, pkey: int) -> None:
    lib.EVP_PKEY_free(pkey)


def sm2_sign(pkey: int, distid: bytes, message: bytes) -> bytes:
    """The DER signature of ``message`` with SM3 and Z_A for ``distid`` (random k)."""
    lib = libcrypto()
    failed = "OpenSSL SM2 signing failed"
    with _sm2_digest(lib, lib.EVP_DigestSignInit, pkey, distid, "signing", failed) as md_context:
        length = c_size_t(SIGNATURE_BUFFER)
        buffer = ctypes.create_string_buffer(SIGNATURE_BUFFER)
        if lib.EVP_DigestSign(md_context, buffer, byref(length), message, len(message)) != 1:
            raise RuntimeError(f"{failed}: {lib.last_error()}")
        return buffer.raw[: length.value]


def sm2_verify(pkey: int, distid: bytes, message: bytes, der_signature: bytes) -> bool:
    """Whether ``der_signature`` is an SM2 signature of ``message`` for ``distid``."""
    lib = libcrypto()
    failed = "OpenSSL SM2 verification setup failed"
    init = lib.EVP_DigestVerifyInit
    with _sm2_digest(lib, init, pkey, distid, "verification", failed) as md_context:
        result: int = lib.EVP_DigestVerify(
            md_context, der_signature, len(der_signature), message, len(message)
        )
        if result != 1:
            # 0 is a wrong signature, < 0 a malformed one; both leave errors queued.
            lib.ERR_clear_error()
        return result == 1


@contextmanager
def _sm2_digest(
    lib: Libcrypto,
    init: Callable[..., Any],
    pkey: int,
    distid: bytes,
    purpose: str,
    failed: str,
) -> Iterator[int]:
    """An SM3 digest context that ``init`` (``EVP_DigestSignInit`` or ``EVP_DigestVerifyInit``)
    set up for ``pkey`` with Z_A for ``distid``; freed, with its pkey context, on leaving.
    ``MemoryError`` when OpenSSL cannot allocate, ``RuntimeError`` starting with ``failed``
    when it refuses the ID or the key."""
    md_context = lib.EVP_MD_CTX_new()
    pkey_context = lib.EVP_PKEY_CTX_new(pkey, None)
    try:
        if not md_context or not pkey_context:
            raise MemoryError(f"OpenSSL could not allocate a {purpose} context")
        # The pkey context carrying the ID must be attached before the init call; the MD context
        # then uses (but does not own) it, hence the explicit EVP_PKEY_CTX_free below.
        if lib.EVP_PKEY_CTX_set1_id(pkey_context, distid, len(distid)) != 1:
            raise RuntimeError(f"{failed}: {lib.last_error()}")
        lib.EVP_MD_CTX_set_pkey_ctx(md_context, pkey_context)
        if init(md_context, None, lib.sm3, None, pkey) != 1:
            raise RuntimeError(f"{failed}: {lib.last_error()}")
        yield md_context
    finally:
        lib.EVP_MD_CTX_free(md_context)
        lib.EVP_PKEY_CTX_free(pkey_context)


def sm2_encrypt(pkey: int, plaintext: bytes) -> bytes:
    """SM2 encryption with SM3 (GM/T 0009 DER: x, y, C3, C2)."""
    return _crypt(pkey, plaintext, encrypt=True)


def sm2_decrypt(pkey: int, ciphertext: bytes) -> bytes | None:
    """The plaintext of GM/T 0009 DER SM2 ciphertext, or ``None`` if it does not decrypt."""
    try:
        return _crypt(pkey, ciphertext, encrypt=False)
    except ValueError:
        return None


def _crypt(pkey: int, data: bytes, *, encrypt: bool) -> bytes:
    lib = libcrypto()
    context = lib.EVP_PKEY_CTX_new(pkey, None)
    if not context:
        raise MemoryError("OpenSSL could not allocate an SM2 encryption context")
    init, run = (
        (lib.EVP_PKEY_encrypt_init, lib.EVP_PKEY_encrypt)
        if encrypt
        else (lib.EVP_PKEY_decrypt_init, lib.EVP_PKEY_decrypt)
    )
    try:
        length = c_size_t(0)
        if init(context) != 1 or run(context, None, byref(length), data, len(data)) != 1:
            raise ValueError(f"OpenSSL SM2 {'en' if encrypt else 'de'}cryption: {lib.last_error()}")
        buffer = ctypes.create_string_buffer(length.value)
        if run(context, buffer, byref(length), data, len(data)) != 1:
            raise ValueError(f"OpenSSL SM2 {'en' if encrypt else 'de'}cryption: {lib.last_error()}")
        return buffer.raw[: length.value]
    finally:
        lib.EVP_PKEY_CTX_free(context)

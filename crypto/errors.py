"""Exceptions raised by :mod:`crypto`.

Every error is a :class:`CryptoError`, which is a :class:`ValueError`: the inputs were
well-typed but their content was rejected. Subclasses are named for what was wrong
(``InvalidClaim``), hence the ``noqa`` for the Error-suffix naming rule.
"""


class CryptoError(ValueError):
    """Root of every error raised by the ``crypto`` package."""


class InvalidDigest(CryptoError):
    """A hex digest was not 32 bytes written as 64 hex digits."""


class InvalidClaim(CryptoError):
    """A claim, or a value to be canonicalized into one, is malformed."""


class InvalidProof(CryptoError):
    """A Merkle input is malformed: no leaves, or a value, node or root that is not 32 bytes."""


class LeafNotInTree(CryptoError, KeyError):
    """A proof was requested for a value that is not a leaf of the tree.

    It is also a :class:`KeyError`, so it can be handled like a failed lookup.
    """

    # KeyError quotes its message (it expects a key); keep the plain ValueError text.
    def __str__(self) -> str:
        return BaseException.__str__(self)


class InvalidKey(CryptoError):
    """A key is malformed or unusable: a point off the curve or at infinity, a coordinate or
    scalar out of range, a bad encoding, or a distinguishing ID that cannot be used."""


class InvalidSignature(CryptoError):
    """A signature could not even be decoded (bad length, truncated DER, unknown prefix).

    :func:`crypto.signing.verify` never raises it for a signature that merely does not
    verify: that is ``False``.
    """


class UnsupportedAlgorithm(CryptoError):
    """An algorithm name that banquan does not know, or a key and a signature (or keystore)
    that name different algorithms."""


class DecryptionFailed(CryptoError):
    """Ciphertext that does not decrypt: a wrong key or password, or tampered bytes."""


class InvalidKeystore(CryptoError):
    """A keystore file is malformed, of an unknown format, or inconsistent with its key."""


class BackendUnavailable(CryptoError):
    """The system OpenSSL 3 ``libcrypto`` could not be loaded, or it lacks SM2."""

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

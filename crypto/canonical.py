"""RFC 8785 JSON Canonicalization Scheme (JCS)."""

import json.encoder
import unicodedata
from collections.abc import Callable, Sequence
from json.encoder import encode_basestring as _encode_string
from typing import Any, cast

import rfc8785

from crypto.errors import InvalidClaim


def canonical_json(value: object) -> bytes:
    """Serialize a JSON value to its RFC 8785 canonical UTF-8 bytes.

    Accepted values are ``None``, ``bool``, ``int`` within ±(2**53 - 1), finite ``float``,
    ``str`` without lone surrogates, and ``list``/``tuple``/``dict`` (with ``str`` keys) of
    these. Object members are ordered by the UTF-16 code units of their keys, as JCS
    requires.

    Raises:
        InvalidClaim: ``value`` is not such a JSON value.
    """
    try:
        if _encode_plain is not None and _plain(value):
            return "".join(_encode_plain(value, 0)).encode("utf-8")
        return "".join(_fast(value, [])).encode("utf-8")
    except _NotFast:
        pass
    except (UnicodeEncodeError, RecursionError):
        pass  # a lone surrogate, or too deep: the general path gives the error
    return _general(value)


def canonical_json_of_plain(value: object) -> bytes:
    """:func:`canonical_json` of a value its maker vouches is plain — only ``str``, ``int``
    within ±(2**53 - 1), ``bool``, ``None``, lists, tuples and dicts with ASCII ``str`` keys, as
    a validated claim is — without first walking it to choose the path (a third of the cost
    for a claim). A value that is not plain may get bytes that are not canonical: only for
    values whose every part is validated already."""
    if _encode_plain is None:
        return canonical_json(value)
    return "".join(_encode_plain(value, 0)).encode("utf-8")


def _general(value: object) -> bytes:
    """RFC 8785 by the ``rfc8785`` package: every JSON value, floats included."""
    try:
        return rfc8785.dumps(cast(Any, value))
    except rfc8785.CanonicalizationError as exc:
        raise InvalidClaim(f"not canonicalizable as JSON: {exc}") from exc
    except UnicodeEncodeError as exc:
        # rfc8785 encodes object keys to UTF-16 for sorting before checking them, so a lone
        # surrogate in a key surfaces here rather than as a CanonicalizationError.
        raise InvalidClaim(f"not canonicalizable as JSON: {exc}") from exc
    except RecursionError as exc:
        raise InvalidClaim("JSON value is nested too deeply or contains a cycle") from exc


class _NotFast(Exception):
    """The value has a part the fast path leaves to the general one (a float, a large int…)."""


_MAX_SAFE_INTEGER = 2**53 - 1


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be")  # bytewise order = UTF-16 code unit order


def _plain(value: object) -> bool:
    """Whether ``value`` is made only of what :func:`_fast` serializes and, besides, its keys
    are ASCII: then Python's own JSON encoder, keys sorted, gives the same text (an ASCII key
    orders the same by code points as by UTF-16 code units), in C."""
    if value.__class__ is str or value is None or value is True or value is False:
        return True
    if value.__class__ is int:
        return -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER
    if value.__class__ is dict:
        for key, item in cast(dict[object, object], value).items():
            if not (isinstance(key, str) and key.isascii() and _plain(item)):
                return False
        return True
    if value.__class__ is list or value.__class__ is tuple:
        # A loop, not all() over a generator: on a cycle, Python's recursion limit must stop
        # this before the C stack overflows, and a generator per level spends C stack.
        for item in cast(Sequence[object], value):  # noqa: SIM110
            if not _plain(item):
                return False
        return True
    return isinstance(value, str)


def _no_default(value: object) -> object:
    raise _NotFast  # unreachable after _plain; the encoder requires a default


# json's C encoder: keys sorted, no whitespace, strings escaped exactly as in _fast (None when
# the interpreter has no _json accelerator).
_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_encode_plain: Callable[[object, int], Sequence[str]] | None = (
    None
    if _make_encoder is None
    else _make_encoder(None, _no_default, _encode_string, None, ":", ",", True, False, False)
)


def _fast(value: object, out: list[str]) -> list[str]:
    """The canonical text of the values banquan's claims and metadata are made of — ``str``,
    ``int`` within ±(2**53 - 1), ``bool``, ``None``, lists, tuples and ``str``-keyed dicts of
    these — appended to ``out``; :class:`_NotFast` for anything else (floats, other types).

    For these values RFC 8785 is ECMAScript's ``JSON.stringify``: integers in decimal, strings
    with only ``"``, ``\\`` and the controls below U+0020 escaped (``\\b \\t \\n \\f \\r``,
    the others as lowercase ``\\u00xx``: exactly :func:`json.encoder.encode_basestring`),
    object members ordered by the UTF-16 code units of their keys. A property test proves it
    equal to the general implementation.
    """
    if isinstance(value, str):
        out.append(_encode_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif value.__class__ is int:
        if not -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER:
            raise _NotFast
        out.append(str(value))
    elif value.__class__ is dict:
        members = cast(dict[object, object], value)
        if not all(isinstance(key, str) for key in members):
            raise _NotFast
        out.append("{")
        first = True
        for key in sorted(cast(dict[str, object], members), key=_utf16):
            if not first:
                out.append(",")
            first = False
            out.append(_encode_string(key))
            out.append(":")
            _fast(members[key], out)
        out.append("}")
    elif value.__class__ is list or value.__class__ is tuple:
        out.append("[")
        for index, item in enumerate(cast(list[object], value)):
            if index:
                out.append(",")
            _fast(item, out)
        out.append("]")
    else:
        raise _NotFast
    return out


def normalize_nfc(value: object) -> object:
    """A copy of a JSON value with every string, keys included, in Unicode NFC.

    RFC 8785 (and so :func:`canonical_json`) never normalizes: "é" composed (U+00E9) and
    decomposed (U+0065 U+0301) are different bytes, different digests and different leaves.
    banquan therefore normalizes text that people type (titles, names) to NFC *before* it is
    digested; this is that step. Chinese characters are unchanged by NFC.

    Raises:
        InvalidClaim: two keys of one object become equal once normalized.
    """
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list | tuple):
        return [normalize_nfc(item) for item in value]
    if isinstance(value, dict):
        normalized: dict[object, object] = {}
        for key, item in value.items():
            new_key = normalize_nfc(key)
            if new_key in normalized:
                raise InvalidClaim(f"keys {key!r} and another become equal under NFC")
            normalized[new_key] = normalize_nfc(item)
        return normalized
    return value

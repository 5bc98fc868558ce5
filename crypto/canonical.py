"""RFC 8785 JSON Canonicalization Scheme (JCS)."""

import unicodedata
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
        return rfc8785.dumps(cast(Any, value))
    except rfc8785.CanonicalizationError as exc:
        raise InvalidClaim(f"not canonicalizable as JSON: {exc}") from exc
    except UnicodeEncodeError as exc:
        # rfc8785 encodes object keys to UTF-16 for sorting before checking them, so a lone
        # surrogate in a key surfaces here rather than as a CanonicalizationError.
        raise InvalidClaim(f"not canonicalizable as JSON: {exc}") from exc
    except RecursionError as exc:
        raise InvalidClaim("JSON value is nested too deeply or contains a cycle") from exc


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

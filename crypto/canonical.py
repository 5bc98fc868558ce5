"""RFC 8785 JSON Canonicalization Scheme (JCS)."""

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

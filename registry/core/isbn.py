"""ISBNs: validated by their check digit and kept as ISBN-13 (ISO 2108)."""

from __future__ import annotations

from registry.core.errors import InvalidIsbn


def normalize_isbn(text: str) -> str:
    """The ISBN-13 of an ISBN-10 or ISBN-13 given with or without hyphens and spaces.

    Raises :class:`InvalidIsbn` when the length or the check digit is wrong.
    """
    compact = "".join(c for c in text if c not in "- ").upper()
    if len(compact) == 10 and compact[:9].isdigit() and (compact[9].isdigit() or compact[9] == "X"):
        total = sum((10 - i) * int(c) for i, c in enumerate(compact[:9]))
        check = 10 if compact[9] == "X" else int(compact[9])
        if (total + check) % 11:
            raise InvalidIsbn(f"ISBN-10 check digit is wrong: {text}", details={"isbn": text})
        return _isbn13("978" + compact[:9])
    if len(compact) == 13 and compact.isdigit():
        if _isbn13(compact[:12]) != compact:
            raise InvalidIsbn(f"ISBN-13 check digit is wrong: {text}", details={"isbn": text})
        return compact
    raise InvalidIsbn(f"not an ISBN: {text!r}", details={"isbn": text})


def _isbn13(first_twelve: str) -> str:
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(first_twelve))
    return first_twelve + str((10 - total % 10) % 10)

"""ISBN normalization: ISBN-10 and ISBN-13, hyphens, check digits."""

from __future__ import annotations

import pytest

from registry.core.errors import InvalidIsbn
from registry.core.isbn import normalize_isbn


@pytest.mark.parametrize(
    ("given", "isbn13"),
    [
        ("9787536692930", "9787536692930"),
        ("978-7-5366-9293-0", "9787536692930"),
        ("7-5366-9293-5", "9787536692930"),  # the ISBN-10 form of the same book
        ("0-8044-2957-X", "9780804429573"),  # an ISBN-10 whose check digit is X
        ("0-306-40615-2", "9780306406157"),  # the ISO 2108 worked example
        ("978 0 306 40615 7", "9780306406157"),
    ],
)
def test_valid_isbns_normalize_to_isbn13(given: str, isbn13: str) -> None:
    assert normalize_isbn(given) == isbn13


@pytest.mark.parametrize(
    "given", ["9787536692931", "7-5366-9293-7", "978753669293", "abcdefghij", "", "97875366929300"]
)
def test_wrong_check_digit_or_shape_is_refused(given: str) -> None:
    with pytest.raises(InvalidIsbn):
        normalize_isbn(given)

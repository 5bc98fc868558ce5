"""The licence terms the API and the command line both build from rights named by a person."""

from __future__ import annotations

import pytest

from registry.assets import licence_terms
from registry.core.errors import InvalidLicenceTerms

START, END = 1_900_000_000, 1_900_086_400


def test_named_rights_become_the_contracts_bits_of_the_asset_found() -> None:
    terms = licence_terms(
        lambda: 7,
        "0x00000000000000000000000000000000000000a1",
        ["reproduction", "information_network"],
        exclusive=True,
        revocable=False,
        territory=156,
        start=START,
        end=END,
    )

    # Bits 4 (复制权) and 11 (信息网络传播权), as Right numbers them for the contracts.
    assert terms.rights == (1 << 4) | (1 << 11)
    assert (terms.asset_id, terms.territory, terms.start, terms.end) == (
        7, 156, START, END,
    )  # fmt: skip
    assert (terms.exclusive, terms.revocable) == (True, False)
    assert terms.terms_digest == bytes(32)


def test_terms_digest_is_kept_as_given() -> None:
    digest = bytes(range(32))
    terms = licence_terms(
        lambda: 1, "0x" + "b2" * 20, ["translation"], exclusive=False, revocable=True,
        terms_digest=digest, territory=156, start=START, end=END,
    )  # fmt: skip

    assert terms.terms_digest == digest
    assert terms.rights == 1 << 14


def test_unknown_rights_are_refused_before_the_asset_is_looked_up() -> None:
    looked_up: list[str] = []

    def asset_id() -> int:
        looked_up.append("asked")
        return 1

    with pytest.raises(InvalidLicenceTerms) as refused:
        licence_terms(
            asset_id, "0x" + "c3" * 20, ["reproduction", "telepathy", "abduction"],
            exclusive=False, revocable=False, territory=156, start=START, end=END,
        )  # fmt: skip

    assert refused.value.details == {"unknown": ["abduction", "telepathy"]}
    assert looked_up == []

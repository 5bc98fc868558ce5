"""The names of the rights of art. 10, as the contracts number them and as people read them."""

from __future__ import annotations

from chain_client.rights import Right
from registry.core.rights import RIGHT_NAMES, RIGHT_WORDS, right_names, right_words, rights_mask


def test_every_right_has_its_chinese_and_english_name() -> None:
    assert set(RIGHT_WORDS) == set(Right)
    assert RIGHT_WORDS[Right.REPRODUCTION] == ("复制权", "reproduction")
    assert RIGHT_WORDS[Right.INFORMATION_NETWORK][0] == "信息网络传播权"


def test_names_and_the_contracts_bitmask_mean_the_same_rights() -> None:
    assert rights_mask(["reproduction", "translation"]) == (1 << 4) | (1 << 14)
    assert right_names((1 << 5) | (1 << 4) | (1 << 14)) == (
        "reproduction",
        "distribution",
        "translation",
    )  # in the order of art. 10, as the certificate and the page list them
    assert right_names(rights_mask(RIGHT_NAMES)) == tuple(RIGHT_NAMES)


def test_rights_in_words_follow_art_10_with_unknown_names_last() -> None:
    assert right_words(["translation", "made_up", "reproduction", "translation"]) == [
        "复制权 reproduction",
        "翻译权 translation",
        "made_up",
    ]

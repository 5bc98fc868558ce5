"""The rights a registration claims: the 17 rights of art. 10 of the Copyright Law of the PRC.

Names are the lower-case names of ``chain_client.rights_assets.Right`` (whose bit numbers the
contracts use), so a claim's rights and an asset's bitmask always mean the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable

from chain_client.rights import MORAL_RIGHTS, PROPERTY_RIGHTS, Right
from registry.core.errors import InvalidInput, InvalidMetadata, MoralRightsNotTransferable

RIGHT_NAMES: dict[str, Right] = {right.name.lower(): right for right in Right}

# The 17 rights of art. 10 of the Copyright Law, as its paragraphs (1)–(17) name them; (1)–(4)
# are the moral rights, (5)–(17) the economic ones a registrant licenses or assigns.
RIGHT_WORDS: dict[Right, tuple[str, str]] = {
    Right.PUBLICATION: ("发表权", "publication"),
    Right.AUTHORSHIP: ("署名权", "authorship"),
    Right.ALTERATION: ("修改权", "alteration"),
    Right.INTEGRITY: ("保护作品完整权", "integrity"),
    Right.REPRODUCTION: ("复制权", "reproduction"),
    Right.DISTRIBUTION: ("发行权", "distribution"),
    Right.RENTAL: ("出租权", "rental"),
    Right.EXHIBITION: ("展览权", "exhibition"),
    Right.PERFORMANCE: ("表演权", "performance"),
    Right.SCREENING: ("放映权", "screening"),
    Right.BROADCASTING: ("广播权", "broadcasting"),
    Right.INFORMATION_NETWORK: ("信息网络传播权", "information network dissemination"),
    Right.CINEMATOGRAPHY: ("摄制权", "cinematography"),
    Right.ADAPTATION: ("改编权", "adaptation"),
    Right.TRANSLATION: ("翻译权", "translation"),
    Right.COMPILATION: ("汇编权", "compilation"),
    Right.OTHER: ("其他权利", "other rights"),
}

ALL_RIGHT_NAMES: tuple[str, ...] = tuple(sorted(RIGHT_NAMES))
# 发表权, 署名权, 修改权, 保护作品完整权 (art. 10 (1)–(4)): a registration claims them, but they
# stay with the author: no rights asset or licence carries them (art. 10 ¶2–3; Civil Code
# art. 444 lets only property rights be pledged).
MORAL_RIGHT_NAMES: tuple[str, ...] = tuple(sorted(r.name.lower() for r in MORAL_RIGHTS))
# Art. 10 (5)–(17): what a rights asset carries, by default every one its registration claims.
PROPERTY_RIGHT_NAMES: tuple[str, ...] = tuple(sorted(r.name.lower() for r in PROPERTY_RIGHTS))


def parse_rights(names: Iterable[object]) -> tuple[str, ...]:
    """Validated right names, sorted and without repeats; raises :class:`InvalidMetadata`."""
    unknown = sorted(str(n) for n in names if n not in RIGHT_NAMES)
    if unknown:
        raise InvalidMetadata(
            "unknown rights", details={"unknown": unknown, "known": list(ALL_RIGHT_NAMES)}
        )
    parsed = tuple(sorted({str(n) for n in names}))
    if not parsed:
        raise InvalidMetadata("at least one right must be claimed", details={"field": "rights"})
    return parsed


def refuse_moral_rights(names: Iterable[str]) -> None:
    """Raise :class:`MoralRightsNotTransferable` if ``names`` holds a moral right."""
    moral = sorted(set(names) & set(MORAL_RIGHT_NAMES))
    if moral:
        raise MoralRightsNotTransferable(
            "著作人身权不可许可、转让或质押 moral rights stay with the author: they cannot be "
            "licensed, transferred or pledged (Copyright Law art. 10)",
            details={"moral_rights": moral, "property_rights": list(PROPERTY_RIGHT_NAMES)},
        )


def asset_rights(claimed: Iterable[str], wanted: Iterable[str] | None = None) -> tuple[str, ...]:
    """The rights a registration's asset carries: ``wanted`` (validated: known, not moral, and
    claimed by the registration), by default every property right the registration claims.

    Raises :class:`InvalidMetadata` (unknown names), :class:`MoralRightsNotTransferable`,
    :class:`InvalidInput` (a right the registration does not claim, or none at all).
    """
    claimed_property = tuple(sorted(set(claimed) - set(MORAL_RIGHT_NAMES)))
    if wanted is None:
        if not claimed_property:
            raise MoralRightsNotTransferable(
                "登记只主张著作人身权，无可代币化的财产权 the registration claims moral rights "
                "only: there is no property right to tokenize",
                details={"claimed": sorted(set(claimed))},
            )
        return claimed_property
    names = parse_rights(wanted)
    refuse_moral_rights(names)
    not_claimed = sorted(set(names) - set(claimed_property))
    if not_claimed:
        raise InvalidInput(
            "the registration does not claim these rights",
            details={"not_claimed": not_claimed, "claimed": sorted(set(claimed))},
        )
    return names


def right_words(names: Iterable[str]) -> list[str]:
    """Rights by name as people read them, ``中文 English``, in the order of art. 10; names that
    are no right of art. 10 come last, as given."""
    given = list(names)
    known = sorted({RIGHT_NAMES[name] for name in given if name in RIGHT_NAMES})
    unknown = sorted(name for name in given if name not in RIGHT_NAMES)
    return [" ".join(RIGHT_WORDS[right]) for right in known] + unknown


def right_names(mask: int) -> tuple[str, ...]:
    """The names of the rights in the contracts' bitmask ``mask``, in the order of art. 10 (as
    the certificate and the verification page list them; bits beyond the 17 ignored)."""
    return tuple(right.name.lower() for right in Right if mask >> right & 1)


def rights_mask(names: Iterable[str]) -> int:
    """The contracts' bitmask of these rights."""
    mask = 0
    for name in names:
        mask |= 1 << RIGHT_NAMES[name]
    return mask

"""The rights a registration claims: the 17 rights of art. 10 of the Copyright Law of the PRC.

Names are the lower-case names of ``chain_client.rights_assets.Right`` (whose bit numbers the
contracts use), so a claim's rights and an asset's bitmask always mean the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable

from chain_client.rights import Right
from registry.core.errors import InvalidMetadata

RIGHT_NAMES: dict[str, Right] = {right.name.lower(): right for right in Right}
ALL_RIGHT_NAMES: tuple[str, ...] = tuple(sorted(RIGHT_NAMES))


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


def rights_mask(names: Iterable[str]) -> int:
    """The contracts' bitmask of these rights."""
    mask = 0
    for name in names:
        mask |= 1 << RIGHT_NAMES[name]
    return mask

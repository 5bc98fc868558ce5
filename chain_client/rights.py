"""The rights a ``RightsAsset`` carries, by bit number: plain values, importable without web3.py."""

from __future__ import annotations

import enum


class Right(enum.IntEnum):
    """The 17 rights of art. 10 of the Copyright Law of the PRC, by bit number."""

    PUBLICATION = 0  # 发表权
    AUTHORSHIP = 1  # 署名权
    ALTERATION = 2  # 修改权
    INTEGRITY = 3  # 保护作品完整权
    REPRODUCTION = 4  # 复制权
    DISTRIBUTION = 5  # 发行权
    RENTAL = 6  # 出租权
    EXHIBITION = 7  # 展览权
    PERFORMANCE = 8  # 表演权
    SCREENING = 9  # 放映权
    BROADCASTING = 10  # 广播权
    INFORMATION_NETWORK = 11  # 信息网络传播权
    CINEMATOGRAPHY = 12  # 摄制权
    ADAPTATION = 13  # 改编权
    TRANSLATION = 14  # 翻译权
    COMPILATION = 15  # 汇编权
    OTHER = 16  # 其他权利


# The moral rights (art. 10 (1)–(4)) stay with the author: they cannot be licensed or transferred
# (art. 10 ¶2–3) nor pledged (Civil Code art. 444), so no rights asset or licence carries them.
MORAL_RIGHTS: frozenset[Right] = frozenset(
    {Right.PUBLICATION, Right.AUTHORSHIP, Right.ALTERATION, Right.INTEGRITY}
)
# The property rights (art. 10 (5)–(17)): what a rights asset carries, by default all of them.
PROPERTY_RIGHTS: frozenset[Right] = frozenset(Right) - MORAL_RIGHTS
MORAL_RIGHTS_MASK = sum(1 << right for right in MORAL_RIGHTS)
PROPERTY_RIGHTS_MASK = sum(1 << right for right in PROPERTY_RIGHTS)

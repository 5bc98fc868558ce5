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

"""Typed access to ``RightsAsset``: ERC-721 copyright assets minted from proven registrations."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from eth_typing import BlockIdentifier
from web3 import Web3

from chain_client.bound_contract import BoundContract, LogPosition, role_id
from chain_client.transactions import TransactionSender

REGISTRAR_ROLE = role_id("REGISTRAR_ROLE")


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


ALL_RIGHTS = (1 << 17) - 1
WORLDWIDE = 0


def rights_mask(*rights: Right) -> int:
    """The bitmask of ``rights``."""
    mask = 0
    for right in rights:
        mask |= 1 << right
    return mask


@dataclass(frozen=True)
class AssetMetadata:
    """What the registrar states when tokenizing (the Solidity ``AssetMetadata`` struct)."""

    sha256_digest: bytes
    sm3_digest: bytes
    cid: bytes
    rights: int
    territory: int
    term_end: int


@dataclass(frozen=True)
class AssetTerms:
    """The stored slot of an asset."""

    registered_at: int
    term_end: int
    batch_id: int
    rights: int
    territory: int


@dataclass(frozen=True)
class Tokenized:
    asset_id: int
    owner: str
    root: bytes
    batch_id: int
    registered_at: int
    sha256_digest: bytes
    sm3_digest: bytes
    cid: bytes
    rights: int
    territory: int
    term_end: int
    position: LogPosition


@dataclass(frozen=True)
class Transfer:
    from_: str
    to: str
    token_id: int
    position: LogPosition


@dataclass(frozen=True)
class Approval:
    owner: str
    approved: str
    token_id: int
    position: LogPosition


@dataclass(frozen=True)
class ApprovalForAll:
    owner: str
    operator: str
    approved: bool
    position: LogPosition


@dataclass(frozen=True)
class TransferredByLien:
    asset_id: int
    from_: str
    to: str
    position: LogPosition


@dataclass(frozen=True)
class LienRegistryBound:
    lien_registry: str
    admin: str
    position: LogPosition


def asset_id_of(leaf: bytes) -> int:
    """The asset id of a registration: its claim leaf read as a number."""
    return int.from_bytes(leaf, "big")


class RightsAssetClient(BoundContract):
    """One deployed ``RightsAsset``."""

    CONTRACT_NAME = "RightsAsset"
    EVENT_TYPES: ClassVar[dict[str, type[Any]]] = {
        "Tokenized": Tokenized,
        "Transfer": Transfer,
        "Approval": Approval,
        "ApprovalForAll": ApprovalForAll,
        "TransferredByLien": TransferredByLien,
        "LienRegistryBound": LienRegistryBound,
    }

    @classmethod
    def deploy(
        cls,
        sender: TransactionSender,
        *,
        registry_anchor: str,
        moderation: str,
        admin: str | None = None,
        registrar: str | None = None,
    ) -> RightsAssetClient:
        """Deploy a new ``RightsAsset`` reading ``registry_anchor`` and ``moderation``."""
        return cls._deploy(
            sender,
            Web3.to_checksum_address(admin or sender.address),
            Web3.to_checksum_address(registrar or sender.address),
            Web3.to_checksum_address(registry_anchor),
            Web3.to_checksum_address(moderation),
        )

    def bind_lien_registry(self, pledges: str) -> LienRegistryBound:
        """Bind the ``Pledges`` contract (admin, once)."""
        receipt = self._transact("bindLienRegistry", Web3.to_checksum_address(pledges))
        return self._one_event(receipt, LienRegistryBound)

    def tokenize(
        self, to: str, leaf: bytes, proof: Sequence[bytes], root: bytes, metadata: AssetMetadata
    ) -> Tokenized:
        """Mint the asset of registration ``leaf`` (registrar only), proven under ``root``."""
        struct = (
            metadata.sha256_digest,
            metadata.sm3_digest,
            metadata.cid,
            metadata.rights,
            metadata.territory,
            metadata.term_end,
        )
        receipt = self._transact(
            "tokenize", Web3.to_checksum_address(to), leaf, list(proof), root, struct
        )
        return self._one_event(receipt, Tokenized)

    def transfer_from(self, from_: str, to: str, asset_id: int) -> Transfer:
        """ERC-721 ``transferFrom`` (owner or approved; refused while frozen or encumbered)."""
        receipt = self._transact(
            "transferFrom",
            Web3.to_checksum_address(from_),
            Web3.to_checksum_address(to),
            asset_id,
        )
        return self._one_event(receipt, Transfer)

    def approve(self, to: str, asset_id: int) -> Approval:
        """ERC-721 ``approve``."""
        receipt = self._transact("approve", Web3.to_checksum_address(to), asset_id)
        return self._one_event(receipt, Approval)

    def set_approval_for_all(self, operator: str, approved: bool) -> ApprovalForAll:
        """ERC-721 ``setApprovalForAll``."""
        receipt = self._transact("setApprovalForAll", Web3.to_checksum_address(operator), approved)
        return self._one_event(receipt, ApprovalForAll)

    def burn(self, asset_id: int) -> Transfer:
        """Burn an asset (owner or approved; refused while frozen or encumbered)."""
        return self._one_event(self._transact("burn", asset_id), Transfer)

    def owner_of(self, asset_id: int, *, block: BlockIdentifier = "latest") -> str:
        """The owner (reverts with ``ERC721NonexistentToken`` for an unknown asset)."""
        return str(self._call("ownerOf", asset_id, block=block))

    def balance_of(self, owner: str) -> int:
        """Number of assets ``owner`` holds."""
        return int(self._call("balanceOf", Web3.to_checksum_address(owner)))

    def get_approved(self, asset_id: int) -> str:
        """The account approved for ``asset_id``."""
        return str(self._call("getApproved", asset_id))

    def exists(self, asset_id: int) -> bool:
        """Whether the asset exists (tokenized, not burned)."""
        return bool(self._call("exists", asset_id))

    def asset_terms(self, asset_id: int, *, block: BlockIdentifier = "latest") -> AssetTerms:
        """The stored terms (zeros if never tokenized)."""
        values = self._call("assetTerms", asset_id, block=block)
        return AssetTerms(*(int(v) for v in values))

    def is_revoked(self, asset_id: int) -> bool:
        """Whether the asset's registration was revoked with its batch."""
        return bool(self._call("isRevoked", asset_id))

    def lien_registry(self) -> str:
        """Address of the bound ``Pledges`` (zero address if unbound)."""
        return str(self._call("lienRegistry"))

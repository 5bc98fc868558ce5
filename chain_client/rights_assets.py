"""Typed access to ``RightsAsset``: ERC-721 copyright assets minted from proven registrations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_typing import BlockIdentifier
from web3 import Web3

from chain_client.eip712 import sign_typed_data, struct_type, typed_data, typed_data_signer
from chain_client.records import LogPosition, Record
from chain_client.rights import MORAL_RIGHTS_MASK as MORAL_RIGHTS_MASK
from chain_client.rights import PROPERTY_RIGHTS_MASK as PROPERTY_RIGHTS_MASK
from chain_client.rights import Right as Right

# The roles RightsAsset checks, also importable from here.
from chain_client.roles import REGISTRAR_ROLE as REGISTRAR_ROLE
from chain_client.roles import RoleAdministered
from chain_client.transactions import TransactionSender

ALL_RIGHTS = (1 << 17) - 1
# What an asset may carry: the property rights, bits 4–16 (the moral rights, bits 0–3, never).
PROPERTY_RIGHTS = PROPERTY_RIGHTS_MASK
MORAL_RIGHTS = MORAL_RIGHTS_MASK
WORLDWIDE = 0
ZERO_ADDRESS = "0x" + "00" * 20

DOMAIN_NAME = "banquan RightsAsset"
MINT_AUTHORIZATION_TYPES = struct_type(
    "MintAuthorization(bytes32 leaf,address to,uint32 rights,uint16 territory,uint64 termEnd,"
    "uint256 deadline)"
)


def rights_mask(*rights: Right) -> int:
    """The bitmask of ``rights``."""
    mask = 0
    for right in rights:
        mask |= 1 << right
    return mask


class AssetMetadata(Record):
    """What the registrar states when tokenizing (the Solidity ``AssetMetadata`` struct, member
    for member)."""

    sha256_digest: bytes
    sm3_digest: bytes
    cid: bytes
    rights: int
    territory: int
    term_end: int


class AssetTerms(Record):
    """The stored slot of an asset."""

    registered_at: int
    term_end: int
    batch_id: int
    rights: int
    territory: int


class Tokenized(AssetMetadata):
    """An asset minted: the metadata stated, and the proof and parties it was minted with."""

    asset_id: int
    owner: str
    root: bytes
    batch_id: int
    registered_at: int
    controller: str
    position: LogPosition


class Transfer(Record):
    from_: str
    to: str
    token_id: int
    position: LogPosition


class Approval(Record):
    owner: str
    approved: str
    token_id: int
    position: LogPosition


class ApprovalForAll(Record):
    owner: str
    operator: str
    approved: bool
    position: LogPosition


class TransferredByLien(Record):
    asset_id: int
    from_: str
    to: str
    position: LogPosition


class LienRegistryBound(Record):
    lien_registry: str
    admin: str
    position: LogPosition


class SealScheduled(Record):
    successor: str
    ready_at: int
    admin: str
    position: LogPosition


class SealCancelled(Record):
    successor: str
    admin: str
    position: LogPosition


class Sealed(Record):
    suite: str
    successor: str
    sealed_at: int
    position: LogPosition


class AssetImported(Record):
    asset_id: int
    owner: str
    registered_at: int
    term_end: int
    batch_id: int
    rights: int
    territory: int
    position: LogPosition


class PendingSeal(Record):
    """A scheduled seal: the successor it names and when it can be executed."""

    successor: str
    ready_at: int


class MintAuthorization(Record):
    """What a registration's controller authorizes: mint ``leaf`` to ``to`` with these terms,
    until ``deadline`` (the EIP-712 ``MintAuthorization`` struct, member for member)."""

    leaf: bytes
    to: str
    rights: int
    territory: int
    term_end: int
    deadline: int


def mint_authorization_typed_data(
    authorization: MintAuthorization, *, chain_id: int, verifying_contract: str
) -> dict[str, Any]:
    """The EIP-712 typed data (eth-account's full-message form, JSON-ready: the leaf as 0x hex)
    of a controller's authorization to mint its registration on ``verifying_contract``."""
    message = {
        "leaf": "0x" + authorization.leaf.hex(),
        "to": Web3.to_checksum_address(authorization.to),
        "rights": authorization.rights,
        "territory": authorization.territory,
        "termEnd": authorization.term_end,
        "deadline": authorization.deadline,
    }
    return typed_data(
        DOMAIN_NAME,
        "MintAuthorization",
        MINT_AUTHORIZATION_TYPES["MintAuthorization"],
        message,
        chain_id=chain_id,
        verifying_contract=verifying_contract,
    )


# An authorization is signed and checked like any typed data of the suite.
sign_mint_authorization = sign_typed_data
mint_authorization_signer = typed_data_signer


def asset_id_of(leaf: bytes) -> int:
    """The asset id of a registration: its claim leaf read as a number."""
    return int.from_bytes(leaf, "big")


class RightsAssetClient(RoleAdministered):
    """One deployed ``RightsAsset``."""

    DELAYED_GRANTS = True
    CONTRACT_NAME = "RightsAsset"
    EVENT_TYPES = (
        Tokenized,
        Transfer,
        Approval,
        ApprovalForAll,
        TransferredByLien,
        LienRegistryBound,
        SealScheduled,
        SealCancelled,
        Sealed,
        AssetImported,
    )

    @classmethod
    def deploy(
        cls,
        sender: TransactionSender,
        *,
        registry_anchor: str,
        moderation: str,
        registrar: str | None = None,
        role_grant_delay: int = 0,
        generation: int = 0,
        predecessor: str = ZERO_ADDRESS,
    ) -> RightsAssetClient:
        """Deploy a new ``RightsAsset`` reading ``registry_anchor`` and ``moderation``; the
        sending account is its admin, ``registrar`` (by default the sending account) its
        registrar; further registrars are granted in two steps ``role_grant_delay`` apart.
        ``generation`` is 0 for a first suite and one more for each successor: the suite's own
        lien and licence ids start above ``generation << 64``, so a predecessor's keep theirs.
        ``predecessor`` (a successor's: the ``RightsAsset`` it succeeds) makes it mint nothing
        until that one is sealed naming it (``PredecessorLive``), and then refuse to mint anew a
        registration tokenized there or before (``TokenizedInPredecessor``): those come over by
        migration, with their liens and licences."""
        return cls._deploy(
            sender,
            sender.address,
            registrar or sender.address,
            registry_anchor,
            moderation,
            role_grant_delay,
            generation,
            predecessor,
        )

    def tokenized_here_or_before(self, asset_id: int) -> bool:
        """Whether ``asset_id`` was tokenized (or imported) in this suite or one it succeeds."""
        return bool(self._call("tokenizedHereOrBefore", asset_id))

    def schedule_seal(self, successor: str) -> SealScheduled:
        """Schedule the seal of this suite naming ``successor`` (the new suite's ``RightsAsset``;
        admin), executable after the admin delay."""
        return self._transact_one(SealScheduled, "scheduleSeal", successor)

    def cancel_seal(self) -> SealCancelled:
        """Cancel the scheduled seal (admin)."""
        return self._transact_one(SealCancelled, "cancelSeal")

    def execute_seal(self) -> Sealed:
        """Seal this suite (admin; from the scheduled time, once no registrar is left)."""
        return self._transact_one(Sealed, "executeSeal")

    def successor(self) -> str | None:
        """The successor's ``RightsAsset`` once this suite is sealed, else ``None``."""
        address = str(self._call("successor"))
        return None if int(address, 16) == 0 else address

    def pending_seal(self) -> PendingSeal | None:
        """The scheduled seal, if any."""
        successor, ready_at = self._call("pendingSeal")
        return None if int(ready_at) == 0 else PendingSeal(str(successor), int(ready_at))

    def registrar_count(self) -> int:
        """How many accounts hold ``REGISTRAR_ROLE`` (the seal needs none)."""
        return int(self._call("registrarCount"))

    def generation(self) -> int:
        """The suite's generation (0 for a first suite)."""
        return int(self._call("generation"))

    def id_base(self) -> int:
        """The suite's own lien and licence ids are above it; imported ones at most it."""
        return int(self._call("idBase"))

    def bind_lien_registry(self, pledges: str) -> LienRegistryBound:
        """Bind the ``Pledges`` contract (admin, once)."""
        return self._transact_one(LienRegistryBound, "bindLienRegistry", pledges)

    def tokenize(
        self,
        to: str,
        leaf: bytes,
        proof: Sequence[bytes],
        root: bytes,
        metadata: AssetMetadata,
        *,
        controller: str | None = None,
        deadline: int = 0,
        signature: bytes = b"",
    ) -> Tokenized:
        """Mint the asset of registration ``leaf``, proven under ``root``.

        Custodial (``controller`` None): registrar only. Bound to ``controller``: any sender,
        with the controller's EIP-712 ``signature`` of these terms valid until ``deadline``
        (see :func:`mint_authorization_typed_data`)."""
        struct = astuple(metadata)
        return self._transact_one(
            Tokenized,
            "tokenize",
            to,
            leaf,
            list(proof),
            root,
            struct,
            Web3.to_checksum_address(controller) if controller else ZERO_ADDRESS,
            deadline,
            signature,
        )

    def mint_authorization_typed_data(self, authorization: MintAuthorization) -> dict[str, Any]:
        """The typed data a controller signs for this contract and chain."""
        return mint_authorization_typed_data(
            authorization, chain_id=int(self.w3.eth.chain_id), verifying_contract=self.address
        )

    def sign_mint_authorization(
        self, controller: LocalAccount, authorization: MintAuthorization
    ) -> bytes:
        """``controller``'s EIP-712 signature of ``authorization`` (eth-account)."""
        typed = self.mint_authorization_typed_data(authorization)
        return sign_mint_authorization(controller, typed)

    def mint_authorization_digest(self, authorization: MintAuthorization) -> bytes:
        """The digest the contract checks (``mintAuthorizationDigest``)."""
        a = authorization
        terms = (a.rights, a.territory, a.term_end, a.deadline)
        return bytes(self._call("mintAuthorizationDigest", a.leaf, a.to, *terms))

    def transfer_from(self, from_: str, to: str, asset_id: int) -> Transfer:
        """ERC-721 ``transferFrom`` (owner or approved; refused while frozen or encumbered)."""
        return self._transact_one(Transfer, "transferFrom", from_, to, asset_id)

    def approve(self, to: str, asset_id: int) -> Approval:
        """ERC-721 ``approve``."""
        return self._transact_one(Approval, "approve", to, asset_id)

    def burn(self, asset_id: int) -> Transfer:
        """Burn an asset (owner or approved; refused while frozen or encumbered)."""
        return self._transact_one(Transfer, "burn", asset_id)

    def owner_of(self, asset_id: int, *, block: BlockIdentifier = "latest") -> str:
        """The owner (reverts with ``ERC721NonexistentToken`` for an unknown asset)."""
        return str(self._call("ownerOf", asset_id, block=block))

    def get_approved(self, asset_id: int) -> str:
        """The account approved for ``asset_id``."""
        return str(self._call("getApproved", asset_id))

    def exists(self, asset_id: int, *, block: BlockIdentifier = "latest") -> bool:
        """Whether the asset exists (tokenized, not burned)."""
        return bool(self._call("exists", asset_id, block=block))

    def asset_terms(self, asset_id: int, *, block: BlockIdentifier = "latest") -> AssetTerms:
        """The stored terms (zeros if never tokenized)."""
        values = self._call("assetTerms", asset_id, block=block)
        return AssetTerms(*(int(v) for v in values))

    def is_revoked(self, asset_id: int, *, block: BlockIdentifier = "latest") -> bool:
        """Whether the asset's registration was revoked (by itself, or with its batch root)."""
        return bool(self._call("isRevoked", asset_id, block=block))

    def lien_registry(self) -> str:
        """Address of the bound ``Pledges`` (zero address if unbound)."""
        return str(self._call("lienRegistry"))

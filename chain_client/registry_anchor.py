"""Typed access to the ``RegistryAnchor`` contract: anchoring Merkle roots and checking proofs."""

from __future__ import annotations

from collections.abc import Sequence

from eth_typing import BlockIdentifier
from hexbytes import HexBytes
from web3.exceptions import BlockNotFound
from web3.types import TxReceipt

from chain_client.anchor_reader import RegistrationStatus as RegistrationStatus
from chain_client.connection import translate_errors
from chain_client.errors import ContractNotDeployed, TransactionFailed
from chain_client.records import LogPosition, Record

# The roles RegistryAnchor checks, also importable from here.
from chain_client.roles import REGISTRAR_ROLE as REGISTRAR_ROLE
from chain_client.roles import REGULATOR_ROLE as REGULATOR_ROLE
from chain_client.roles import RoleAdministered
from chain_client.transactions import TransactionSender
from crypto.merkle import verify_proof

CONTRACT_NAME = "RegistryAnchor"


class AnchoredRoot(Record):
    """What the chain recorded for a root: when (block time, block number) and how many leaves."""

    anchored_at: int
    block_number: int
    leaf_count: int


class RootRecord(AnchoredRoot):
    """The whole on-chain record of a root, with its batch id and revocation."""

    batch_id: int
    revoked: bool


class AnchorReceipt(Record):
    """The transaction that anchored a root."""

    root: bytes
    tx_hash: str
    block_number: int
    anchored_at: int
    batch_id: int = 0


class Anchored(Record):
    root: bytes
    batch_id: int
    leaf_count: int
    anchored_at: int
    registrar: str
    position: LogPosition


class RootRevoked(Record):
    root: bytes
    batch_id: int
    reason_digest: bytes
    regulator: str
    position: LogPosition


class RegistrationRevoked(Record):
    """A regulator revoked one registration (claim leaf), under every root that holds it."""

    leaf: bytes
    reason_digest: bytes
    revoker: str
    position: LogPosition


class TokenizationRecord(Record):
    """What tokenizing a registration under a root reads: the root's record and both revocations."""

    anchored_at: int
    batch_id: int
    root_revoked: bool
    registration_revoked: bool


class RegistryAnchorClient(RoleAdministered):
    """One deployed ``RegistryAnchor``."""

    DELAYED_GRANTS = True
    CONTRACT_NAME = CONTRACT_NAME
    EVENT_TYPES = (Anchored, RootRevoked, RegistrationRevoked)

    @classmethod
    def deploy(
        cls, sender: TransactionSender, *, registrar: str | None = None, role_grant_delay: int = 0
    ) -> RegistryAnchorClient:
        """Deploy a new ``RegistryAnchor``; the sending account is its admin, ``registrar`` (by
        default the sending account too: a single-key development chain) its registrar. Other
        roles are granted in two steps ``role_grant_delay`` seconds apart (0: development only).
        """
        return cls._deploy(sender, sender.address, registrar or sender.address, role_grant_delay)

    def ensure_deployed(self) -> None:
        """Raise :class:`ContractNotDeployed` unless the address holds the expected code."""
        if not self.has_expected_code():
            raise ContractNotDeployed(f"no {CONTRACT_NAME} at {self.address}")

    def anchor(self, root: bytes, leaf_count: int) -> AnchorReceipt:
        """Anchor a batch root on chain and wait for the receipt."""
        return self._anchor_receipt(root, self._transact("anchor", root, leaf_count))

    def submit_anchor(self, root: bytes, leaf_count: int) -> str:
        """Send ``anchor(root, leafCount)`` without waiting; the transaction hash (0x…)."""
        return "0x" + bytes(self._submit("anchor", root, leaf_count)).hex()

    def mined_anchoring(
        self, root: bytes, tx_hash: str, *, wait: float = 0.0
    ) -> AnchorReceipt | None:
        """The anchoring by ``tx_hash`` if that transaction is in a block (within ``wait``
        seconds); else ``None``. Raises :class:`TransactionFailed` if it was mined but reverted.
        """
        receipt = self._sending().receipt_if_mined(HexBytes(tx_hash), wait=wait)
        if receipt is None:
            return None
        if receipt["status"] != 1:
            raise TransactionFailed(f"transaction {tx_hash} reverted")
        return self._anchor_receipt(root, receipt)

    def _anchor_receipt(self, root: bytes, receipt: TxReceipt) -> AnchorReceipt:
        # A call to an address without code "succeeds" too: only the event proves the anchoring.
        anchored = self.event_records.in_receipt(receipt, Anchored)
        if not anchored:
            raise ContractNotDeployed(f"no Anchored event from {self.address}: is it deployed?")
        with translate_errors():
            block = self.w3.eth.get_block(receipt["blockNumber"])
        return AnchorReceipt(
            root=root,
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            block_number=int(receipt["blockNumber"]),
            anchored_at=int(block["timestamp"]),
            batch_id=anchored[0].batch_id,
        )

    def revoke_root(self, root: bytes, reason_digest: bytes) -> RootRevoked:
        """Revoke an anchored root (regulator only), for a batch fraudulent as a whole: its
        registrations show revoked under this root. It stops this root only; one registration is
        revoked under every root with :meth:`revoke_registration`."""
        return self._transact_one(RootRevoked, "revokeRoot", root, reason_digest)

    def revoke_registration(self, leaf: bytes, reason_digest: bytes) -> RegistrationRevoked:
        """Revoke one registration by its claim leaf (regulator only): it shows revoked and is
        never tokenized, under any root that holds it; its batch's other registrations are
        untouched."""
        return self._transact_one(RegistrationRevoked, "revokeRegistration", leaf, reason_digest)

    def is_registration_revoked(self, leaf: bytes, *, block: BlockIdentifier = "latest") -> bool:
        """Whether a regulator revoked the registration ``leaf`` itself."""
        return bool(self._call("isRegistrationRevoked", leaf, block=block))

    def tokenization_record(self, root: bytes, leaf: bytes) -> TokenizationRecord | None:
        """The record of ``root`` with both revocations (of the root, of the registration
        ``leaf``), as ``RightsAsset.tokenize`` reads it; ``None`` if ``root`` is unknown."""
        anchored_at, batch_id, root_revoked, registration_revoked = self._call(
            "tokenizationRecord", root, leaf
        )
        if anchored_at == 0:
            return None
        return TokenizationRecord(
            int(anchored_at), int(batch_id), bool(root_revoked), bool(registration_revoked)
        )

    def block_number(self) -> int:
        """The number of the chain's latest block."""
        with translate_errors():
            return int(self.w3.eth.block_number)

    def block_hash(self, number: int) -> str | None:
        """The hash (0x…) of block ``number`` on this chain, or ``None`` if it has no such block."""
        with translate_errors():
            try:
                block = self.w3.eth.get_block(number)
            except BlockNotFound:
                return None
        return "0x" + bytes(block["hash"]).hex() if block.get("hash") else None

    def chain_id(self) -> int:
        """The chain's id (EIP-155)."""
        with translate_errors():
            return int(self.w3.eth.chain_id)

    def find_anchoring(self, root: bytes) -> AnchorReceipt | None:
        """The transaction that anchored ``root``, found from its ``Anchored`` event; None if none.

        Lets a submitter that crashed after sending, or lost a race, recover the anchoring record.
        """
        record = self.root_record(root)
        if record is None:
            return None
        with translate_errors(self.decoder):
            events = self.contract.events.Anchored().get_logs(
                from_block=record.block_number,
                to_block=record.block_number,
                argument_filters={"root": root},
            )
        if not events:
            return None
        return AnchorReceipt(
            root=root,
            tx_hash="0x" + bytes(events[0]["transactionHash"]).hex(),
            block_number=record.block_number,
            anchored_at=record.anchored_at,
            batch_id=record.batch_id,
        )

    def root_info(self, root: bytes) -> AnchoredRoot | None:
        """What the chain recorded for ``root``, or ``None`` if it was never anchored.

        A revoked root is still known here (see :meth:`root_record` for its revocation).
        """
        anchored_at, block_number, leaf_count = self._call("rootInfo", root)
        if anchored_at == 0:
            return None
        return AnchoredRoot(int(anchored_at), int(block_number), int(leaf_count))

    def root_record(self, root: bytes, *, block: BlockIdentifier = "latest") -> RootRecord | None:
        """The whole record of ``root`` (batch id, revocation), or ``None`` if unknown."""
        anchored_at, block_number, leaf_count, batch_id, revoked = self._call(
            "rootRecord", root, block=block
        )
        if anchored_at == 0:
            return None
        return RootRecord(
            int(anchored_at), int(block_number), int(leaf_count), int(batch_id), bool(revoked)
        )

    def is_revoked(self, root: bytes) -> bool:
        """Whether a regulator revoked ``root``."""
        return bool(self._call("isRevoked", root))

    def is_batch_revoked(self, batch_id: int) -> bool:
        """Whether the batch ``batch_id`` was revoked."""
        return bool(self._call("isBatchRevoked", batch_id))

    def batch_count(self) -> int:
        """Number of batches anchored (the last batch id)."""
        return int(self._call("batchCount"))

    def verify_registration(self, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
        """Whether ``leaf`` is under the anchored, unrevoked ``root`` by ``proof`` (on chain)."""
        return bool(self._call("verifyRegistration", leaf, list(proof), root))

    def registration_status(
        self, leaf: bytes, proof: Sequence[bytes], root: bytes
    ) -> RegistrationStatus:
        """``VALID``, ``REVOKED`` (proven, and the registration or its root was revoked) or
        ``UNPROVEN``."""
        return RegistrationStatus(self._call("registrationStatus", leaf, list(proof), root))

    def entry_status(
        self, leaf: bytes, proof: Sequence[bytes], root: bytes, *, controller: str | None = None
    ) -> RegistrationStatus:
        """:meth:`registration_status` of a tree entry, bound to ``controller`` or not.

        ``registrationStatus`` on chain proves the leaf alone; the entry (leaf, controller) is
        proven here the same way ``RightsAsset.tokenize`` does: the path from the entry to
        ``root`` (OpenZeppelin's ``MerkleProof``), and the chain's record of ``root`` and of the
        registration's revocation.
        """
        if controller is None:
            return self.registration_status(leaf, proof, root)
        if not verify_proof(leaf, proof, root, controller=controller):
            return RegistrationStatus.UNPROVEN
        record = self.tokenization_record(root, leaf)
        if record is None:
            return RegistrationStatus.UNPROVEN
        if record.root_revoked or record.registration_revoked:
            return RegistrationStatus.REVOKED
        return RegistrationStatus.VALID

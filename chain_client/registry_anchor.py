"""Typed access to the ``RegistryAnchor`` contract: anchoring Merkle roots and checking proofs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from chain_client.artifacts import ContractArtifact, load_artifact
from chain_client.connection import CustomErrorDecoder, translate_errors
from chain_client.errors import ContractNotDeployed, TransactionFailed
from chain_client.transactions import TransactionSender

CONTRACT_NAME = "RegistryAnchor"


@dataclass(frozen=True)
class AnchoredRoot:
    """What the chain recorded for a root: when (block time, block number) and how many leaves."""

    anchored_at: int
    block_number: int
    leaf_count: int


@dataclass(frozen=True)
class AnchorReceipt:
    """The transaction that anchored a root."""

    root: bytes
    tx_hash: str
    block_number: int
    anchored_at: int


class RegistryAnchorClient:
    """One deployed ``RegistryAnchor``; reads need only ``w3``, writes go through ``sender``."""

    def __init__(
        self,
        w3: Web3,
        address: str,
        sender: TransactionSender | None = None,
        artifact: ContractArtifact | None = None,
    ) -> None:
        self.artifact = artifact or load_artifact(CONTRACT_NAME)
        self.w3 = w3
        self.address: ChecksumAddress = Web3.to_checksum_address(address)
        self.sender = sender
        self.contract: Contract = w3.eth.contract(address=self.address, abi=self.artifact.abi)
        self.decoder = CustomErrorDecoder(self.artifact.abi)

    @classmethod
    def deploy(
        cls, sender: TransactionSender, *, admin: str | None = None, registrar: str | None = None
    ) -> RegistryAnchorClient:
        """Deploy a new ``RegistryAnchor``; admin and registrar default to the sending account."""
        artifact = load_artifact(CONTRACT_NAME)
        factory = sender.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        admin_address = Web3.to_checksum_address(admin or sender.address)
        registrar_address = Web3.to_checksum_address(registrar or sender.address)
        data = factory.constructor(admin_address, registrar_address).build_transaction(
            {"from": sender.address, "gas": 0, "gasPrice": 0, "nonce": 0, "chainId": 0}
        )["data"]
        receipt = sender.send({"data": data}, decoder=CustomErrorDecoder(artifact.abi))
        address = receipt["contractAddress"]
        if address is None:
            raise TransactionFailed("deployment receipt has no contract address")
        return cls(sender.w3, address, sender, artifact)

    def has_expected_code(self) -> bool:
        """Whether the address holds this artifact's runtime code (same build, same contract).

        ``RegistryAnchor`` has no immutables: deployed code equals the artifact byte for byte.
        """
        with translate_errors():
            code = self.w3.eth.get_code(self.address)
        return bytes(code).hex() == self.artifact.deployed_bytecode.removeprefix("0x")

    def ensure_deployed(self) -> None:
        """Raise :class:`ContractNotDeployed` unless the address holds the expected code."""
        if not self.has_expected_code():
            raise ContractNotDeployed(f"no {CONTRACT_NAME} at {self.address}")

    def anchor(self, root: bytes, leaf_count: int) -> AnchorReceipt:
        """Anchor a batch root on chain and wait for the receipt."""
        return self.await_anchoring(root, self.submit_anchor(root, leaf_count))

    def submit_anchor(self, root: bytes, leaf_count: int) -> str:
        """Send ``anchor(root, leafCount)`` without waiting; the transaction hash (0x…)."""
        if self.sender is None:
            raise TransactionFailed("this client was built without a sending account")
        data = self.contract.encode_abi("anchor", args=[root, leaf_count])
        tx_hash = self.sender.submit({"to": self.address, "data": data}, decoder=self.decoder)
        return "0x" + bytes(tx_hash).hex()

    def await_anchoring(self, root: bytes, tx_hash: str) -> AnchorReceipt:
        """Wait for the anchoring transaction ``tx_hash`` of ``root`` and read its record."""
        if self.sender is None:
            raise TransactionFailed("this client was built without a sending account")
        receipt = self.sender.wait(HexBytes(tx_hash), decoder=self.decoder)
        return self._anchor_receipt(root, receipt)

    def mined_anchoring(self, root: bytes, tx_hash: str) -> AnchorReceipt | None:
        """The anchoring by ``tx_hash`` if that transaction is in a block now; else ``None``."""
        if self.sender is None:
            raise TransactionFailed("this client was built without a sending account")
        receipt = self.sender.receipt_if_mined(HexBytes(tx_hash))
        if receipt is None:
            return None
        if receipt["status"] != 1:
            raise TransactionFailed(f"transaction {tx_hash} reverted")
        return self._anchor_receipt(root, receipt)

    def _anchor_receipt(self, root: bytes, receipt: TxReceipt) -> AnchorReceipt:
        # A call to an address without code "succeeds" too: only the event proves the anchoring.
        if not self.contract.events.Anchored().process_receipt(receipt, errors=DISCARD):
            raise ContractNotDeployed(f"no Anchored event from {self.address}: is it deployed?")
        with translate_errors():
            block = self.w3.eth.get_block(receipt["blockNumber"])
        return AnchorReceipt(
            root=root,
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            block_number=int(receipt["blockNumber"]),
            anchored_at=int(block["timestamp"]),
        )

    def chain_id(self) -> int:
        """The chain's id (EIP-155)."""
        with translate_errors():
            return int(self.w3.eth.chain_id)

    def find_anchoring(self, root: bytes) -> AnchorReceipt | None:
        """The transaction that anchored ``root``, found from its ``Anchored`` event; None if none.

        Lets a submitter that crashed after sending, or lost a race, recover the anchoring record.
        """
        info = self.root_info(root)
        if info is None:
            return None
        with translate_errors(self.decoder):
            events = self.contract.events.Anchored().get_logs(
                from_block=info.block_number,
                to_block=info.block_number,
                argument_filters={"root": root},
            )
        if not events:
            return None
        return AnchorReceipt(
            root=root,
            tx_hash="0x" + bytes(events[0]["transactionHash"]).hex(),
            block_number=info.block_number,
            anchored_at=info.anchored_at,
        )

    def root_info(self, root: bytes) -> AnchoredRoot | None:
        """What the chain recorded for ``root``, or ``None`` if it was never anchored."""
        with translate_errors(self.decoder):
            anchored_at, block_number, leaf_count = self.contract.functions.rootInfo(root).call()
        if anchored_at == 0:
            return None
        return AnchoredRoot(int(anchored_at), int(block_number), int(leaf_count))

    def verify_registration(self, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
        """Ask the contract whether ``leaf`` is under the anchored ``root`` by ``proof``."""
        with translate_errors(self.decoder):
            return bool(self.contract.functions.verifyRegistration(leaf, list(proof), root).call())

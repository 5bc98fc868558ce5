"""A client of one deployed contract of the suite: calls, transactions, events, its code.

Each contract of the suite has its own module with a subclass of :class:`BoundContract` (of
:class:`chain_client.roles.RoleAdministered` where the contract has roles). Arguments of ABI type
``address`` are put in checksum form here, events are decoded into the records of
:mod:`chain_client.records`, and reverts carry the custom error decoded against every suite ABI.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

from eth_typing import BlockIdentifier, ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.types import TxParams, TxReceipt

from chain_client.artifacts import load_artifact
from chain_client.connection import CustomErrorDecoder, translate_errors
from chain_client.errors import TransactionFailed
from chain_client.records import EventRecords, Record, RecordT
from chain_client.transactions import TransactionSender

SUITE_CONTRACTS = (
    "RegistryAnchor",
    "Moderation",
    "RightsAsset",
    "Pledges",
    "Licences",
    "Encumbrances",
    "IdentityAttestations",
    "Editions",
    "SuiteMigrator",
)


@functools.cache
def suite_error_decoder() -> CustomErrorDecoder:
    """Decodes the custom errors of every suite contract (errors bubble across contracts)."""
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for name in SUITE_CONTRACTS:
        for entry in load_artifact(name).abi:
            if entry.get("type") != "error":
                continue
            signature = f"{entry['name']}({','.join(i['type'] for i in entry.get('inputs', []))})"
            if signature not in seen:
                seen.add(signature)
                entries.append(entry)
    return CustomErrorDecoder(entries)


def _checksummed_addresses(
    abi: Sequence[Mapping[str, Any]], kind: str, name: str | None, args: Sequence[Any]
) -> list[Any]:
    """``args`` of the ``kind`` entry ``name`` of ``abi`` (a function, or the constructor with
    ``name`` None) with each ``address`` argument in checksum form, which web3.py requires.

    Arguments of an entry the ABI does not have go unchanged (web3.py then refuses the call).
    """
    for entry in abi:
        inputs = entry.get("inputs", [])
        if entry.get("type") == kind and entry.get("name") == name and len(inputs) == len(args):
            return [
                Web3.to_checksum_address(arg) if slot["type"] == "address" else arg
                for slot, arg in zip(inputs, args, strict=True)
            ]
    return list(args)


class BoundContract:
    """A client of the deployed contract ``CONTRACT_NAME`` at ``address``: reads need only
    ``w3``, writes go through ``sender``."""

    CONTRACT_NAME: ClassVar[str]
    #: The records of the contract's events, each named like its event.
    EVENT_TYPES: ClassVar[tuple[type[Record], ...]] = ()

    def __init__(self, w3: Web3, address: str, sender: TransactionSender | None = None) -> None:
        self.artifact = load_artifact(self.CONTRACT_NAME)
        self.w3 = w3
        self.address: ChecksumAddress = Web3.to_checksum_address(address)
        self.sender = sender
        self.contract: Contract = w3.eth.contract(address=self.address, abi=self.artifact.abi)
        self.decoder = suite_error_decoder()
        self.event_records = EventRecords(self.contract, self.event_types(), self.decoder)

    @classmethod
    def event_types(cls) -> tuple[type[Record], ...]:
        """The records of every event this client decodes."""
        return cls.EVENT_TYPES

    def with_sender(self, sender: TransactionSender) -> Self:
        """The same contract, with transactions sent by ``sender``. On the same node connection
        the web3 contract object is shared: building one parses the whole ABI again."""
        if sender.w3 is not self.w3:
            return type(self)(sender.w3, self.address, sender)
        bound = copy.copy(self)
        bound.sender = sender
        return bound

    @classmethod
    def _deploy(cls, sender: TransactionSender, *args: Any) -> Self:
        artifact = load_artifact(cls.CONTRACT_NAME)
        factory = sender.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        constructor_args = _checksummed_addresses(artifact.abi, "constructor", None, args)
        data = factory.constructor(*constructor_args).build_transaction(
            {"from": sender.address, "gas": 0, "gasPrice": 0, "nonce": 0, "chainId": 0}
        )["data"]
        receipt = sender.send({"data": data}, decoder=suite_error_decoder())
        address = receipt["contractAddress"]
        if address is None:
            raise TransactionFailed("deployment receipt has no contract address")
        return cls(sender.w3, address, sender)

    def _sending(self) -> TransactionSender:
        if self.sender is None:
            raise TransactionFailed("this client was built without a sending account")
        return self.sender

    def _transaction(self, function: str, args: Sequence[Any]) -> TxParams:
        args = _checksummed_addresses(self.artifact.abi, "function", function, args)
        return {"to": self.address, "data": self.contract.encode_abi(function, args=args)}

    def _transact(self, function: str, *args: Any) -> TxReceipt:
        """Send ``function(*args)`` and wait for its receipt."""
        return self._sending().send(self._transaction(function, args), decoder=self.decoder)

    def _transact_one(self, event_type: type[RecordT], function: str, *args: Any) -> RecordT:
        """Send ``function(*args)``; the one ``event_type`` event it emitted."""
        return self.event_records.one_in_receipt(self._transact(function, *args), event_type)

    def _submit(self, function: str, *args: Any) -> HexBytes:
        """Send ``function(*args)`` without waiting; the transaction hash."""
        return self._sending().submit(self._transaction(function, args), decoder=self.decoder)

    def _call(self, function: str, *args: Any, block: BlockIdentifier = "latest") -> Any:
        args = tuple(_checksummed_addresses(self.artifact.abi, "function", function, args))
        with translate_errors(self.decoder):
            return self.contract.get_function_by_name(function)(*args).call(block_identifier=block)

    def events(self, from_block: BlockIdentifier, to_block: BlockIdentifier) -> list[Any]:
        """Every event of this contract in the block range, decoded, in chain order.

        The database is rebuilt from these; the state "as of block N" is the fold of the events
        up to N.
        """
        return self.event_records.in_blocks(from_block, to_block)

    def deployed_by(self, block: int) -> bool:
        """Whether this contract's code stood at its address as of ``block`` (a block number
        that is mined): False before its deployment, where a call has nothing to answer."""
        with translate_errors():
            return len(self.w3.eth.get_code(self.address, block_identifier=block)) > 0

    def latest_block(self) -> int:
        """The number of the chain's latest block."""
        with translate_errors():
            return int(self.w3.eth.block_number)

    def has_expected_code(self) -> bool:
        """Whether the address holds this artifact's runtime code (same build, same contract).

        The bytes holding immutable values (the addresses of the other suite contracts) are
        compared after masking them in both codes.
        """
        with translate_errors():
            code = bytearray(self.w3.eth.get_code(self.address))
        expected = bytearray.fromhex(self.artifact.deployed_bytecode.removeprefix("0x"))
        if len(code) != len(expected):
            return False
        for start, length in self.artifact.immutable_ranges:
            code[start : start + length] = bytes(length)
            expected[start : start + length] = bytes(length)
        return code == expected

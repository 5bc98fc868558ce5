"""What every typed contract client shares: deployment, calls, transactions, roles, events.

Each contract of the suite has its own module with a subclass of :class:`BoundContract`; events are
decoded into frozen dataclasses (fields named like the Solidity parameters, in snake case, plus
where the log was found), and reverts carry the custom error decoded against every suite ABI.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import functools
import keyword
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypeVar, get_type_hints

from eth_typing import BlockIdentifier, ChecksumAddress
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import EventData, TxReceipt

from chain_client.artifacts import ContractArtifact, load_artifact
from chain_client.connection import CustomErrorDecoder, translate_errors
from chain_client.errors import TransactionFailed
from chain_client.transactions import TransactionSender

SUITE_CONTRACTS = (
    "RegistryAnchor",
    "Moderation",
    "RightsAsset",
    "Pledges",
    "Licences",
    "Encumbrances",
)

DEFAULT_ADMIN_ROLE = b"\x00" * 32


def role_id(name: str) -> bytes:
    """The AccessControl id of role ``name`` (e.g. ``"LENDER_ROLE"``)."""
    return bytes(keccak(text=name))


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


@dataclass(frozen=True)
class LogPosition:
    """Where an event was found on chain."""

    block_number: int
    tx_hash: str
    log_index: int


@dataclass(frozen=True)
class RoleGranted:
    role: bytes
    account: str
    sender: str
    position: LogPosition


@dataclass(frozen=True)
class RoleRevoked:
    role: bytes
    account: str
    sender: str
    position: LogPosition


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
T = TypeVar("T")


def snake_case(name: str) -> str:
    """``officialRegistrationNo`` → ``official_registration_no``; ``from`` → ``from_``."""
    snake = _CAMEL.sub("_", name).lower()
    return snake + "_" if keyword.iskeyword(snake) else snake


def _convert(hint: Any, value: Any) -> Any:
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return from_abi(hint, value)
    if isinstance(value, HexBytes | bytearray):
        return bytes(value)
    if getattr(hint, "__origin__", None) is tuple and isinstance(value, list | tuple):
        (item_hint, *_rest) = hint.__args__
        return tuple(_convert(item_hint, item) for item in value)
    return value


def from_abi(cls: type[T], values: Mapping[str, Any] | Sequence[Any], **extra: Any) -> T:
    """Build dataclass ``cls`` from decoded ABI values (a mapping by Solidity name, or a tuple
    in field order), converting bytes, enums, nested structs and arrays of structs."""
    assert dataclasses.is_dataclass(cls)
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name not in extra]
    if isinstance(values, Mapping):
        by_name = {snake_case(key): value for key, value in values.items()}
        raw = {name: by_name[name] for name in names}
    else:
        raw = dict(zip(names, values, strict=True))
    kwargs = {name: _convert(hints[name], value) for name, value in raw.items()}
    return cls(**kwargs, **extra)


def _position(log: EventData) -> LogPosition:
    return LogPosition(
        block_number=int(log["blockNumber"]),
        tx_hash="0x" + bytes(log["transactionHash"]).hex(),
        log_index=int(log["logIndex"]),
    )


class BoundContract:
    """One deployed contract of the suite; reads need only ``w3``, writes go through ``sender``."""

    CONTRACT_NAME: ClassVar[str]
    #: Event name → dataclass (with a ``position`` field) it is decoded into.
    EVENT_TYPES: ClassVar[dict[str, type[Any]]] = {}

    def __init__(
        self,
        w3: Web3,
        address: str,
        sender: TransactionSender | None = None,
        artifact: ContractArtifact | None = None,
    ) -> None:
        self.artifact = artifact or load_artifact(self.CONTRACT_NAME)
        self.w3 = w3
        self.address: ChecksumAddress = Web3.to_checksum_address(address)
        self.sender = sender
        self.contract: Contract = w3.eth.contract(address=self.address, abi=self.artifact.abi)
        self.decoder = suite_error_decoder()

    def with_sender(self, sender: TransactionSender) -> Self:
        """The same contract, with transactions sent by ``sender``. On the same node connection
        the web3 contract object is shared: building one parses the whole ABI again."""
        if sender.w3 is not self.w3:
            return type(self)(sender.w3, self.address, sender, self.artifact)
        bound = copy.copy(self)
        bound.sender = sender
        return bound

    @classmethod
    def _deploy(cls, sender: TransactionSender, *args: Any) -> Self:
        artifact = load_artifact(cls.CONTRACT_NAME)
        factory = sender.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        data = factory.constructor(*args).build_transaction(
            {"from": sender.address, "gas": 0, "gasPrice": 0, "nonce": 0, "chainId": 0}
        )["data"]
        receipt = sender.send({"data": data}, decoder=suite_error_decoder())
        address = receipt["contractAddress"]
        if address is None:
            raise TransactionFailed("deployment receipt has no contract address")
        return cls(sender.w3, address, sender, artifact)

    def _transact(self, function: str, *args: Any) -> TxReceipt:
        if self.sender is None:
            raise TransactionFailed("this client was built without a sending account")
        data = self.contract.encode_abi(function, args=list(args))
        return self.sender.send({"to": self.address, "data": data}, decoder=self.decoder)

    def _call(self, function: str, *args: Any, block: BlockIdentifier = "latest") -> Any:
        with translate_errors(self.decoder):
            return self.contract.get_function_by_name(function)(*args).call(block_identifier=block)

    def _events_of(self, receipt: TxReceipt, event_type: type[T]) -> list[T]:
        name = next(n for n, t in self._all_event_types().items() if t is event_type)
        logs = self.contract.events[name]().process_receipt(receipt, errors=DISCARD)
        return [self._decode_log(name, log) for log in logs]

    def _one_event(self, receipt: TxReceipt, event_type: type[T]) -> T:
        found = self._events_of(receipt, event_type)
        if len(found) != 1:
            raise TransactionFailed(
                f"expected one {event_type.__name__} event from {self.address}, got {len(found)}"
            )
        return found[0]

    @classmethod
    def _all_event_types(cls) -> dict[str, type[Any]]:
        return {"RoleGranted": RoleGranted, "RoleRevoked": RoleRevoked, **cls.EVENT_TYPES}

    def _decode_log(self, name: str, log: EventData) -> Any:
        event_type = self._all_event_types()[name]
        return from_abi(event_type, dict(log["args"]), position=_position(log))

    def events(self, from_block: BlockIdentifier, to_block: BlockIdentifier) -> list[Any]:
        """Every event of this contract in the block range, decoded, in chain order.

        The database is rebuilt from these; the state "as of block N" is the fold of the events
        up to N.
        """
        found: list[tuple[tuple[int, int], Any]] = []
        for name in self._all_event_types():
            if not any(e.get("type") == "event" and e["name"] == name for e in self.artifact.abi):
                continue
            with translate_errors(self.decoder):
                logs = self.contract.events[name]().get_logs(
                    from_block=from_block, to_block=to_block
                )
            for log in logs:
                key = (int(log["blockNumber"]), int(log["logIndex"]))
                found.append((key, self._decode_log(name, log)))
        return [event for _key, event in sorted(found, key=lambda item: item[0])]

    # ------------------------------------------------------------------ roles

    def has_role(self, role: bytes, account: str) -> bool:
        """Whether ``account`` holds ``role`` (see :func:`role_id`)."""
        return bool(self._call("hasRole", role, Web3.to_checksum_address(account)))

    def grant_role(self, role: bytes, account: str) -> RoleGranted | None:
        """Grant ``role`` (admin only); ``None`` if the account already held it."""
        receipt = self._transact("grantRole", role, Web3.to_checksum_address(account))
        granted = self._events_of(receipt, RoleGranted)
        return granted[0] if granted else None

    def revoke_role(self, role: bytes, account: str) -> RoleRevoked | None:
        """Revoke ``role`` (admin only); ``None`` if the account did not hold it."""
        receipt = self._transact("revokeRole", role, Web3.to_checksum_address(account))
        revoked = self._events_of(receipt, RoleRevoked)
        return revoked[0] if revoked else None

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

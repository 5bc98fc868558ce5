"""Typed records of ABI values: the structs calls return and the events logs carry.

A record is a frozen dataclass (a :class:`Record`) whose fields are named like the Solidity
members, in snake case. An event's record is named like the event and ends with ``position``,
where its log was found.
"""

from __future__ import annotations

import dataclasses
import enum
import keyword
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, dataclass_transform, get_type_hints

from eth_typing import BlockIdentifier
from hexbytes import HexBytes
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import EventData, LogReceipt, TxReceipt

from chain_client.connection import CustomErrorDecoder, translate_errors
from chain_client.errors import TransactionFailed

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@dataclass_transform(frozen_default=True)
class Record:
    """A typed record of ABI values: each subclass is a frozen dataclass of its fields."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclass(frozen=True)(cls)


RecordT = TypeVar("RecordT", bound=Record)


class LogPosition(Record):
    """Where an event was found on chain."""

    block_number: int
    tx_hash: str
    log_index: int


def snake_case(name: str) -> str:
    """``officialRegistrationNo`` → ``official_registration_no``; ``from`` → ``from_``."""
    snake = _CAMEL.sub("_", name).lower()
    return snake + "_" if keyword.iskeyword(snake) else snake


def from_abi(
    cls: type[RecordT], values: Mapping[str, Any] | Sequence[Any], **extra: Any
) -> RecordT:
    """Build record ``cls`` from decoded ABI values (a mapping by Solidity name, or a tuple
    in field order), converting bytes, enums, nested structs and arrays of structs."""
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name not in extra]
    if isinstance(values, Mapping):
        by_name = {snake_case(key): value for key, value in values.items()}
        raw = {name: by_name[name] for name in names}
    else:
        raw = dict(zip(names, values, strict=True))
    kwargs = {name: _convert(hints[name], value) for name, value in raw.items()}
    return cls(**kwargs, **extra)


def _convert(hint: Any, value: Any) -> Any:
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(hint, type) and issubclass(hint, Record):
        return from_abi(hint, value)
    if isinstance(value, HexBytes | bytearray):
        return bytes(value)
    if getattr(hint, "__origin__", None) is tuple and isinstance(value, list | tuple):
        (item_hint, *_rest) = hint.__args__
        return tuple(_convert(item_hint, item) for item in value)
    return value


def _position(log: EventData) -> LogPosition:
    return LogPosition(
        block_number=int(log["blockNumber"]),
        tx_hash="0x" + bytes(log["transactionHash"]).hex(),
        log_index=int(log["logIndex"]),
    )


class EventRecords:
    """Decodes the logs of one contract into the records of its events.

    ``types`` are the records known; each is named like its event, and those the contract does
    not emit are left out.
    """

    def __init__(
        self, contract: Contract, types: Iterable[type[Record]], errors: CustomErrorDecoder
    ) -> None:
        emitted = {entry.get("name") for entry in contract.abi if entry.get("type") == "event"}
        self.contract = contract
        self.types = {t.__name__: t for t in types if t.__name__ in emitted}
        self.errors = errors

    def decode(self, name: str, log: EventData) -> Any:
        """The record of event ``name`` from its decoded log."""
        return from_abi(self.types[name], dict(log["args"]), position=_position(log))

    def decode_raw(self, name: str, log: LogReceipt) -> Any:
        """The record of event ``name`` from a raw log (as ``eth_getLogs`` answers)."""
        return self.decode(name, self.contract.events[name]().process_log(log))

    def topics(self) -> dict[bytes, str]:
        """Event name by topic 0, for the events with a record."""
        return {bytes(HexBytes(self.contract.events[name]().topic)): name for name in self.types}

    def in_receipt(self, receipt: TxReceipt, event_type: type[RecordT]) -> list[RecordT]:
        """Every ``event_type`` event this contract emitted in the transaction of ``receipt``."""
        name = event_type.__name__
        logs = self.contract.events[name]().process_receipt(receipt, errors=DISCARD)
        return [self.decode(name, log) for log in logs]

    def one_in_receipt(self, receipt: TxReceipt, event_type: type[RecordT]) -> RecordT:
        """The one ``event_type`` event of the transaction (else :class:`TransactionFailed`)."""
        found = self.in_receipt(receipt, event_type)
        if len(found) != 1:
            raise TransactionFailed(
                f"expected one {event_type.__name__} event from {self.contract.address}, "
                f"got {len(found)}"
            )
        return found[0]

    def in_blocks(self, from_block: BlockIdentifier, to_block: BlockIdentifier) -> list[Any]:
        """Every event with a record in the block range, decoded, in chain order."""
        found: list[tuple[tuple[int, int], Any]] = []
        for name in self.types:
            with translate_errors(self.errors):
                logs = self.contract.events[name]().get_logs(
                    from_block=from_block, to_block=to_block
                )
            for log in logs:
                key = (int(log["blockNumber"]), int(log["logIndex"]))
                found.append((key, self.decode(name, log)))
        return [event for _key, event in sorted(found, key=lambda item: item[0])]

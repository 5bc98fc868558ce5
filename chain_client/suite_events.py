"""Reading the events of the whole suite at once, in chain order.

One ``eth_getLogs`` over every suite address per block range (instead of one per contract and
event type), each log decoded by the client of the contract that emitted it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from web3 import Web3
from web3.types import FilterParams, LogReceipt

from chain_client.bound_contract import BoundContract
from chain_client.connection import translate_errors
from chain_client.records import EventRecords
from chain_client.suite import Suite


@dataclass(frozen=True)
class BlockRef:
    """A block by number and hash (0x…): what a follower checks for reorgs."""

    number: int
    hash: str


def followed_clients(suite: Suite) -> tuple[BoundContract, ...]:
    """The suite contracts that emit events (``Encumbrances`` is a stateless lens), with
    ``Editions`` when the suite has it."""
    editions: tuple[BoundContract, ...] = (suite.editions,) if suite.editions is not None else ()
    return (
        suite.registry_anchor,
        suite.moderation,
        suite.rights_asset,
        suite.pledges,
        suite.licences,
        *editions,
    )


def block_ref(w3: Web3, number: int) -> BlockRef | None:
    """Block ``number`` of the chain as it is now, or ``None`` if the chain is not that long."""
    with translate_errors():
        if number > int(w3.eth.block_number):
            return None
        block = w3.eth.get_block(number)
    block_hash = block.get("hash")
    if block_hash is None:
        return None
    return BlockRef(number, "0x" + bytes(block_hash).hex())


def block_times(w3: Web3) -> Callable[[int], datetime]:
    """The time of a block by number (its timestamp, UTC), each block asked once."""

    @lru_cache(maxsize=1024)
    def at(number: int) -> datetime:
        with translate_errors():
            timestamp = int(w3.eth.get_block(number)["timestamp"])
        return datetime.fromtimestamp(timestamp, UTC)

    return at


def suite_events(suite: Suite, from_block: int, to_block: int) -> list[Any]:
    """Every decoded event of the suite's contracts in ``[from_block, to_block]``, in chain order.

    Logs of events no client types (OpenZeppelin's default-admin transfer bookkeeping) are left
    out.
    """
    clients = followed_clients(suite)
    by_key: dict[tuple[str, bytes], tuple[EventRecords, str]] = {}
    for client in clients:
        for topic, name in client.event_records.topics().items():
            by_key[(client.address, topic)] = (client.event_records, name)
    params: FilterParams = {
        "address": [client.address for client in clients],
        "fromBlock": from_block,
        "toBlock": to_block,
    }
    w3 = suite.registry_anchor.w3
    with translate_errors():
        logs: list[LogReceipt] = list(w3.eth.get_logs(params))
    ordered = sorted(logs, key=lambda log: (int(log["blockNumber"]), int(log["logIndex"])))
    events: list[Any] = []
    for log in ordered:
        if not log["topics"]:
            continue
        known = by_key.get((Web3.to_checksum_address(log["address"]), bytes(log["topics"][0])))
        if known is None:
            continue
        records, name = known
        events.append(records.decode_raw(name, log))
    return events

"""TransactionSender against real Anvil nodes: nonces, fees (EIP-1559 and legacy), failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account
from eth_typing import HexStr

from chain_client.connection import connect
from chain_client.errors import ChainUnavailable
from chain_client.registry_anchor import RegistryAnchorClient
from chain_client.transactions import TransactionSender
from cli.launcher import AnvilProcess
from registry.settings import DEV_CHAIN_PRIVATE_KEY
from tests.conftest import free_port

SECOND_DEV_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"


def test_back_to_back_transactions_use_consecutive_nonces(sender: TransactionSender) -> None:
    start = sender.w3.eth.get_transaction_count(sender.account.address)
    client = RegistryAnchorClient.deploy(sender)
    for n in range(1, 6):
        client.anchor(bytes([n]) * 32, n)
    assert sender.w3.eth.get_transaction_count(sender.account.address) == start + 6


def test_nonce_is_reread_after_another_writer_used_the_account(
    sender: TransactionSender, anvil: AnvilProcess
) -> None:
    client = RegistryAnchorClient.deploy(sender)
    other = TransactionSender(connect(anvil.rpc_url), Account.from_key(DEV_CHAIN_PRIVATE_KEY))
    RegistryAnchorClient(other.w3, client.address, other).anchor(b"\x01" * 32, 1)
    # sender's local nonce is now stale: the node refuses it, the sender re-reads and resends
    assert client.anchor(b"\x02" * 32, 1).block_number > 0
    assert client.root_info(b"\x02" * 32) is not None


def test_free_gas_chain_gets_zero_price_transactions(tmp_path: Path) -> None:
    # Permissioned networks (Besu with zero base fee) often run free: no ether is spent.
    free = ["--base-fee", "0", "--gas-price", "0", "--disable-min-priority-fee"]
    with AnvilProcess(port=free_port(), workdir=tmp_path, extra_args=free) as node:
        sender = TransactionSender(connect(node.rpc_url), Account.from_key(SECOND_DEV_KEY))
        balance = sender.w3.eth.get_balance(sender.account.address)
        client = RegistryAnchorClient.deploy(sender)
        receipt = client.anchor(b"\x07" * 32, 1)
        transaction = sender.w3.eth.get_transaction(HexStr(receipt.tx_hash))
        assert transaction["gasPrice"] == 0
        assert transaction["type"] == 0
        assert sender.w3.eth.get_balance(sender.account.address) == balance


def test_unreachable_node_is_reported_as_chain_unavailable() -> None:
    sender = TransactionSender(
        connect(f"http://127.0.0.1:{free_port()}", timeout=1),
        Account.from_key(DEV_CHAIN_PRIVATE_KEY),
    )
    with pytest.raises(ChainUnavailable):
        RegistryAnchorClient.deploy(sender)

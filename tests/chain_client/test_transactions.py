"""TransactionSender against real Anvil nodes: nonces, fees (EIP-1559 and legacy), failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account
from eth_typing import HexStr
from web3.types import RPCEndpoint, TxParams, Wei

from chain_client.connection import connect
from chain_client.errors import ChainUnavailable
from chain_client.registry_anchor import RegistryAnchorClient
from chain_client.transactions import TransactionSender
from cli.launcher import FREE_GAS_ARGS, AnvilProcess
from registry.core.settings import DEV_CHAIN_PRIVATE_KEY
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


def test_a_transaction_already_in_the_pool_is_taken_as_sent(tmp_path: Path) -> None:
    """A worker that died after sending leaves its transaction in the pool; the same signed
    transaction sent again is that one (the node says "already imported"), not a failure."""
    with AnvilProcess(port=free_port(), workdir=tmp_path, extra_args=["--no-mining"]) as node:
        key = Account.from_key(SECOND_DEV_KEY)
        survivor = TransactionSender(connect(node.rpc_url), key)
        transfer: TxParams = {"to": key.address, "value": Wei(1)}
        survivor.submit(transfer)  # its next nonce is now known to it
        crashed = TransactionSender(connect(node.rpc_url), key)
        anchor_call: TxParams = {"to": key.address, "value": Wei(2)}
        first = crashed.submit(anchor_call)
        again = survivor.submit(anchor_call)
        assert again == first
        assert node_pool_size(survivor) == 2


def node_pool_size(sender: TransactionSender) -> int:
    status = sender.w3.provider.make_request(RPCEndpoint("txpool_status"), [])["result"]
    return int(status["pending"], 16)


def test_free_gas_chain_gets_zero_price_transactions(tmp_path: Path) -> None:
    # Permissioned networks (Besu with zero base fee) often run free: no ether is spent.
    with AnvilProcess(port=free_port(), workdir=tmp_path, free_gas=True) as node:
        sender = TransactionSender(connect(node.rpc_url), Account.from_key(SECOND_DEV_KEY))
        balance = sender.w3.eth.get_balance(sender.account.address)
        client = RegistryAnchorClient.deploy(sender)
        receipt = client.anchor(b"\x07" * 32, 1)
        transaction = sender.w3.eth.get_transaction(HexStr(receipt.tx_hash))
        assert transaction["gasPrice"] == 0
        assert transaction["type"] == 0
        assert sender.w3.eth.get_balance(sender.account.address) == balance


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(list(FREE_GAS_ARGS), id="as-banquan-run"),
        # Anvil then still suggests its minimum priority fee (1 gwei) as the gas price.
        pytest.param(["--base-fee", "0", "--gas-price", "0"], id="price-suggested"),
    ],
)
def test_an_account_without_ether_sends_on_a_zero_fee_chain(
    tmp_path: Path, options: list[str]
) -> None:
    with AnvilProcess(port=free_port(), workdir=tmp_path, extra_args=options) as node:
        sender = TransactionSender(connect(node.rpc_url), Account.create())
        assert sender.w3.eth.get_balance(sender.account.address) == 0
        client = RegistryAnchorClient.deploy(sender)
        receipt = client.anchor(b"\x08" * 32, 1)
        transaction = sender.w3.eth.get_transaction(HexStr(receipt.tx_hash))
        assert transaction["gasPrice"] == 0
        assert client.root_info(b"\x08" * 32) is not None


def test_a_funded_account_keeps_eip1559_fees_where_the_node_asks_a_price(tmp_path: Path) -> None:
    with AnvilProcess(
        port=free_port(), workdir=tmp_path, extra_args=["--base-fee", "0", "--gas-price", "0"]
    ) as node:
        sender = TransactionSender(connect(node.rpc_url), Account.from_key(SECOND_DEV_KEY))
        receipt = RegistryAnchorClient.deploy(sender).anchor(b"\x09" * 32, 1)
        transaction = sender.w3.eth.get_transaction(HexStr(receipt.tx_hash))
        assert transaction["type"] == 2
        assert transaction["maxPriorityFeePerGas"] == sender.priority_fee_wei


def test_a_chain_saved_with_fees_restarts_free(tmp_path: Path) -> None:
    """`make run` on a data directory from before free gas: the saved chain's last block has a
    base fee; the launcher puts a free block on top, so a new account sends at once."""
    state = tmp_path / "state.json"
    with AnvilProcess(port=free_port(), workdir=tmp_path, state_file=state) as node:
        funded = TransactionSender(connect(node.rpc_url), Account.from_key(SECOND_DEV_KEY))
        funded.send({"to": funded.address, "value": Wei(1)})
        assert funded.w3.eth.get_block("latest")["baseFeePerGas"] > 0
    with AnvilProcess(port=free_port(), workdir=tmp_path, state_file=state, free_gas=True) as node:
        poor = TransactionSender(connect(node.rpc_url), Account.create())
        assert poor.send({"to": poor.address, "value": Wei(0)})["status"] == 1


def test_unreachable_node_is_reported_as_chain_unavailable() -> None:
    sender = TransactionSender(
        connect(f"http://127.0.0.1:{free_port()}", timeout=1),
        Account.from_key(DEV_CHAIN_PRIVATE_KEY),
    )
    with pytest.raises(ChainUnavailable):
        RegistryAnchorClient.deploy(sender)

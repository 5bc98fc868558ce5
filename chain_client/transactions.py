"""Sending transactions from one account: local nonce tracking, fees, receipts."""

from __future__ import annotations

import threading
from typing import Any, cast

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import TimeExhausted, TransactionNotFound, Web3RPCError
from web3.types import TxParams, TxReceipt

from chain_client.connection import CustomErrorDecoder, translate_errors
from chain_client.errors import TransactionFailed

# An estimate is exact for the state it ran on; the margin covers changes before inclusion.
GAS_MARGIN_NUMERATOR = 12
GAS_MARGIN_DENOMINATOR = 10


class TransactionSender:
    """Signs and sends transactions for one account and waits for their receipts.

    The nonce is tracked locally (one round trip fewer per transaction, and no gap when several
    transactions are sent back to back) and re-read from the node after any failure. Fees follow
    the chain: EIP-1559 where blocks carry a base fee, legacy ``gasPrice`` otherwise (Besu networks
    commonly run with a zero gas price; there an account that holds no ether sends at price zero).
    """

    def __init__(
        self,
        w3: Web3,
        account: LocalAccount,
        *,
        receipt_timeout: float = 60.0,
        poll_latency: float = 0.05,
        priority_fee_wei: int = 1_000_000_000,
    ) -> None:
        self.account = account
        self._configure(
            w3,
            receipt_timeout=receipt_timeout,
            poll_latency=poll_latency,
            priority_fee_wei=priority_fee_wei,
        )

    def _configure(
        self, w3: Web3, *, receipt_timeout: float, poll_latency: float, priority_fee_wei: int
    ) -> None:
        """Everything but the key: senders whose key is elsewhere (a transaction prepared for
        its signer, one signed by it) subclass this one and call only this."""
        self.w3 = w3
        self.receipt_timeout = receipt_timeout
        self.poll_latency = poll_latency
        self.priority_fee_wei = priority_fee_wei
        self._lock = threading.Lock()
        self._nonce: int | None = None

    @property
    def address(self) -> str:
        return str(self.account.address)

    def send(self, tx: TxParams, *, decoder: CustomErrorDecoder | None = None) -> TxReceipt:
        """Send ``tx`` (``to``/``data``/``value``; the rest is filled in) and wait for its receipt.

        Raises :class:`TransactionFailed` (with the decoded custom error, if any) when the node
        rejects it or it reverts, and :class:`ChainUnavailable` when the node cannot be reached.
        """
        return self.wait(self.submit(tx, decoder=decoder), decoder=decoder)

    def submit(self, tx: TxParams, *, decoder: CustomErrorDecoder | None = None) -> HexBytes:
        """Sign and send ``tx`` without waiting; its hash. A revert found by the gas estimate is
        raised here as :class:`TransactionFailed`, before anything is sent."""
        with translate_errors(decoder):
            try:
                with self._lock:
                    return self._sign_and_send(tx)
            except BaseException:
                self.forget_nonce()
                raise

    def wait(self, tx_hash: HexBytes, *, decoder: CustomErrorDecoder | None = None) -> TxReceipt:
        """Wait for the receipt of ``tx_hash``; :class:`TransactionFailed` if it reverted."""
        with translate_errors(decoder):
            try:
                receipt = self.w3.eth.wait_for_transaction_receipt(
                    tx_hash, timeout=self.receipt_timeout, poll_latency=self.poll_latency
                )
            except BaseException:
                self.forget_nonce()
                raise
        if receipt["status"] != 1:
            raise TransactionFailed(f"transaction {tx_hash.hex()} reverted")
        return receipt

    def receipt_if_mined(self, tx_hash: HexBytes, *, wait: float = 0.0) -> TxReceipt | None:
        """The receipt of ``tx_hash`` if it is in a block within ``wait`` seconds, else ``None``."""
        with translate_errors():
            try:
                if wait <= 0:
                    return self.w3.eth.get_transaction_receipt(tx_hash)
                return self.w3.eth.wait_for_transaction_receipt(
                    tx_hash, timeout=wait, poll_latency=self.poll_latency
                )
            except (TransactionNotFound, TimeExhausted):
                return None

    def forget_nonce(self) -> None:
        """Re-read the nonce from the node before the next transaction.

        Called after any failure, and by owners that know the chain changed under them (a reset
        development chain forgets every transaction, so the local count is ahead of it).
        """
        self._nonce = None

    def _sign_and_send(self, tx: TxParams, *, retry_stale_nonce: bool = True) -> HexBytes:
        eth = self.w3.eth
        if self._nonce is None:
            self._nonce = eth.get_transaction_count(self.account.address, "pending")
        full = self.complete(tx, nonce=self._nonce)
        signed = self.account.sign_transaction(full)
        try:
            tx_hash = eth.send_raw_transaction(signed.raw_transaction)
        except Web3RPCError as exc:
            if _is_already_known(exc):
                # The very same signed transaction waits in the node's pool (sent by a process
                # that died before recording it): it is ours, and it is out.
                self._nonce += 1
                return HexBytes(signed.hash)
            if not (retry_stale_nonce and _is_stale_nonce(exc)):
                raise
            # Another writer used this account: take the node's count and send once more.
            self._nonce = None
            return self._sign_and_send(tx, retry_stale_nonce=False)
        self._nonce += 1
        return tx_hash

    def complete(self, tx: TxParams, *, nonce: int) -> dict[str, Any]:
        """``tx`` with everything a signer needs: ``from``, ``nonce``, ``chainId``, ``gas`` (the
        estimate with a margin; a revert found by it raises here) and the fees."""
        eth = self.w3.eth
        full: dict[str, Any] = {**tx, "from": self.address, "nonce": nonce, "chainId": eth.chain_id}
        if "gas" not in full:
            estimate = eth.estimate_gas(cast(TxParams, full))
            full["gas"] = estimate * GAS_MARGIN_NUMERATOR // GAS_MARGIN_DENOMINATOR
        full.update(self._fees(int(full["gas"]), int(full.get("value", 0))))
        return full

    def _fees(self, gas: int, value: int) -> dict[str, int]:
        eth = self.w3.eth
        base_fee = eth.get_block("latest").get("baseFeePerGas")
        if base_fee is None:
            return {"gasPrice": eth.gas_price}  # pre-London chains
        if base_fee == 0 and not self._pays_for_gas(gas, value):
            return {"gasPrice": 0}
        return {
            "maxPriorityFeePerGas": self.priority_fee_wei,
            "maxFeePerGas": 2 * int(base_fee) + self.priority_fee_wei,
        }

    def _pays_for_gas(self, gas: int, value: int) -> bool:
        """On a chain whose base fee is zero, whether this account pays for its gas.

        A zero base fee is a setting (EIP-1559 alone never lowers it to zero): a free-gas
        permissioned network (Besu QBFT with ``zeroBaseFee``, the embedded Anvil) where accounts
        hold no ether. Such a node may still suggest a price (Anvil adds its minimum priority fee
        unless told not to); an account that could not pay it offers zero, which the chain takes.
        """
        suggested = self.w3.eth.gas_price
        if suggested == 0:
            return False
        balance = self.w3.eth.get_balance(Web3.to_checksum_address(self.address))
        return int(balance) >= gas * max(suggested, self.priority_fee_wei) + value


def _is_already_known(error: Web3RPCError) -> bool:
    # Anvil: "transaction already imported"; Geth: "already known"; Besu: "Known transaction".
    text = str(error).lower()
    return "already imported" in text or "already known" in text or "known transaction" in text


def _is_stale_nonce(error: Web3RPCError) -> bool:
    # Geth, Besu and Anvil all say "nonce too low" (Besu also "NONCE_TOO_LOW").
    text = str(error).lower().replace("_", " ")
    return "nonce too low" in text

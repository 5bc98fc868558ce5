"""Non-custodial edition writes: the acting account's transaction prepared (nothing sent) or
relayed as it signed it, through the same service checks (as ``registry.assets`` does for
rights assets; the registry holds no publisher's or reader's key)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from hexbytes import HexBytes
from web3 import Web3
from web3.types import TxParams

from chain_client.connection import CustomErrorDecoder, translate_errors
from chain_client.transactions import TransactionSender
from registry.assets.transactions_relay import (
    PreparingSender,
    RelaySender,
    decode_signed_transaction,
    refuse_other_chain,
)
from registry.core import errors
from registry.core.chain_refusals import account_address


class _Prepared(Exception):  # a signal that stops the service, not an error
    def __init__(self, transaction: dict[str, Any]) -> None:
        super().__init__("transaction prepared")
        self.transaction = transaction


class _EditionPreparing(PreparingSender):
    """Completes the acting account's transaction as it would be sent, and stops there."""

    def send(self, tx: TxParams, *, decoder: CustomErrorDecoder | None = None) -> NoReturn:
        with translate_errors(decoder):
            nonce = self.w3.eth.get_transaction_count(
                Web3.to_checksum_address(self.address), "pending"
            )
            full = self.complete(tx, nonce=nonce)
        raise _Prepared(full)

    def submit(self, tx: TxParams, *, decoder: CustomErrorDecoder | None = None) -> NoReturn:
        self.send(tx, decoder=decoder)


def prepare(
    w3: Web3, account: str, run: Callable[[TransactionSender], object]
) -> dict[str, object]:
    """The unsigned transaction ``run`` would send as ``account`` (after every check it makes),
    for ``eth_account.Account.sign_transaction`` or a wallet."""
    sender = _EditionPreparing(w3, account_address(account, field="from"))
    try:
        run(sender)
    except _Prepared as prepared:
        full = prepared.transaction
        out: dict[str, object] = {
            key: full.get(key, 0) for key in ("chainId", "from", "to", "nonce", "gas", "value")
        }
        out["data"] = "0x" + bytes(HexBytes(full["data"])).hex()
        out["to"] = Web3.to_checksum_address(full["to"])
        fees = ("maxFeePerGas", "maxPriorityFeePerGas", "gasPrice")
        out.update({key: int(full[key]) for key in fees if key in full})
        return out
    raise errors.RegistryError("the edition service finished without sending")


def relaying(w3: Web3, raw_transaction: str, editions_address: str) -> TransactionSender:
    """A sender that broadcasts ``raw_transaction`` (signed by the acting account) only when the
    service sends exactly it; :class:`InvalidTransaction` if it is not a transaction to
    ``Editions``, or not signed for this chain."""
    signed = decode_signed_transaction(raw_transaction)
    refuse_other_chain(w3, signed)
    if signed.to != Web3.to_checksum_address(editions_address):
        raise errors.InvalidTransaction(
            "the transaction is not to the Editions contract",
            details={"reason": "to", "to": signed.to},
        )
    return RelaySender(w3, signed)

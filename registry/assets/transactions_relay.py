"""Non-custodial writes on rights assets: prepare, sign, submit.

The registry holds no owner or lender keys. An acting account asks for its transaction
(*prepare*): the asset service runs with a :class:`PreparingSender`, whose ``send`` fills in
nonce, gas, fees and chain id instead of signing, so the transaction comes out of exactly the
checks (and the encoding) the service applies when it sends. The account signs it wherever its
key lives and hands the raw bytes back (*submit*): the registry recovers the signer, accepts only
the suite's contracts and the functions below, decodes the arguments and runs the same service
again with a :class:`RelaySender`, which broadcasts the signed bytes only if the service would
send the very same ``to``/``data``/``value``. Any refusal happens before broadcasting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from eth_account import Account
from eth_account._utils.legacy_transactions import Transaction as LegacyTransaction
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from hexbytes import HexBytes
from web3 import Web3
from web3.types import TxParams, TxReceipt, Wei

from chain_client.bound_contract import BoundContract
from chain_client.connection import CustomErrorDecoder, translate_errors
from chain_client.eip712 import json_ready
from chain_client.licences import LicenceGranted, LicenceRevoked, LicenceTerms
from chain_client.pledges import (
    LENDER_ROLE,
    Enforced,
    LenderChange,
    LenderChanged,
    LenderRecoveryCancelled,
    LicensingConsentSet,
    LienReduced,
    Pledged,
    PledgeTerms,
    Released,
    consent_typed_data,
    currency_code,
    licence_consent_digest,
    lien_transfer_typed_data,
    registration_number,
)
from chain_client.records import from_abi
from chain_client.rights_assets import Transfer
from chain_client.suite import Suite
from chain_client.transactions import TransactionSender
from registry.access import Principal, Scope
from registry.assets import rights_assets as assets
from registry.core import errors
from registry.core.chain_refusals import account_address, chain_refusals

#: (contract, function) → (operation, the API scope of whoever submits it).
OPERATIONS: dict[tuple[str, str], tuple[str, Scope]] = {
    ("RightsAsset", "transferFrom"): ("transfer", Scope.PUBLISHER),
    ("Licences", "grant"): ("licence_grant", Scope.PUBLISHER),
    ("Licences", "revoke"): ("licence_revoke", Scope.PUBLISHER),
    ("Pledges", "pledge"): ("pledge", Scope.LENDER),
    ("Pledges", "release"): ("release", Scope.LENDER),
    ("Pledges", "enforce"): ("enforce", Scope.LENDER),
    ("Pledges", "setLicensingConsent"): ("licensing_consent", Scope.LENDER),
    ("Pledges", "reduceLien"): ("lien_reduce", Scope.LENDER),
    ("Pledges", "assignLien"): ("lien_assign", Scope.LENDER),
    ("Pledges", "rotateLenderKey"): ("lender_key_rotation", Scope.LENDER),
    ("Pledges", "executeLenderRecovery"): ("lender_recovery", Scope.LENDER),
    ("Pledges", "cancelLenderRecovery"): ("lender_recovery_cancel", Scope.LENDER),
}

# How long an owner's consent stays usable when no deadline is asked for.
DEFAULT_CONSENT_SECONDS = 24 * 3600

AssetEvent = (
    Transfer
    | LicenceGranted
    | LicenceRevoked
    | Pledged
    | Released
    | Enforced
    | LicensingConsentSet
    | LienReduced
    | LenderChanged
    | LenderRecoveryCancelled
)


# ----------------------------------------------------------------------------------- prepare


@dataclass(frozen=True)
class PreparedTransaction:
    """An unsigned transaction for ``eth_account.Account.sign_transaction`` (or a wallet)."""

    operation: str
    transaction: dict[str, object]
    summary: dict[str, object]


class _Prepared(Exception):  # a signal that stops the service, not an error
    """Raised by :meth:`PreparingSender.send` with the filled-in transaction. Not a
    ``ChainError``, so the services' refusal mapping lets it through."""

    def __init__(self, transaction: dict[str, Any]) -> None:
        super().__init__("transaction prepared")
        self.transaction = transaction


class PreparingSender(TransactionSender):
    """Stands for an account whose key the registry does not hold: :meth:`send` completes the
    transaction as :class:`TransactionSender` would (pending nonce, estimated gas with its margin,
    the chain's fees) and stops the service there, sending nothing.

    It has no ``account``; every path that would sign is overridden.
    """

    def __init__(self, w3: Web3, address: str, *, priority_fee_wei: int = 1_000_000_000) -> None:
        self._address = Web3.to_checksum_address(address)
        self._configure(
            w3, receipt_timeout=0.0, poll_latency=0.0, priority_fee_wei=priority_fee_wei
        )

    @property
    def address(self) -> str:
        return str(self._address)

    def send(self, tx: TxParams, *, decoder: CustomErrorDecoder | None = None) -> NoReturn:
        with translate_errors(decoder):
            nonce = self.w3.eth.get_transaction_count(self._address, "pending")
            full = self.complete(tx, nonce=nonce)
        raise _Prepared(full)

    def submit(self, tx: TxParams, *, decoder: CustomErrorDecoder | None = None) -> NoReturn:
        self.send(tx, decoder=decoder)


def _prepare(
    suite: Suite,
    account: str,
    operation: str,
    summary: dict[str, object],
    service: Callable[..., object],
    *arguments: object,
) -> PreparedTransaction:
    """The transaction ``service(suite, sender, *arguments)`` would send for ``account``."""
    sender = PreparingSender(suite.rights_asset.w3, account_address(account, field="from"))
    try:
        service(suite, sender, *arguments)
    except _Prepared as prepared:
        return PreparedTransaction(operation, _transaction_json(prepared.transaction), summary)
    raise errors.RegistryError(f"the {operation} service finished without sending")


def _transaction_json(full: dict[str, Any]) -> dict[str, object]:
    keys = ("chainId", "from", "to", "data", "nonce", "gas", "value")
    fees = ("maxFeePerGas", "maxPriorityFeePerGas", "gasPrice")
    out: dict[str, object] = {key: full.get(key, 0) for key in keys}
    out["data"] = "0x" + bytes(HexBytes(full["data"])).hex()
    out["to"] = Web3.to_checksum_address(full["to"])
    out.update({key: int(full[key]) for key in fees if key in full})
    return out


def prepare_transfer(suite: Suite, account: str, asset_id: int, to: str) -> PreparedTransaction:
    """The owner's (or an approved account's) transfer of ``asset_id`` to ``to``."""
    return _prepare(
        suite,
        account,
        "transfer",
        {"asset_id": _hex(asset_id), "to": to},
        assets.transfer,
        asset_id,
        to,
    )


def prepare_licence_grant(suite: Suite, account: str, terms: LicenceTerms) -> PreparedTransaction:
    """The owner's grant of a licence on ``terms``."""
    return _prepare(
        suite,
        account,
        "licence_grant",
        {
            "asset_id": _hex(terms.asset_id),
            "licensee": terms.licensee,
            "rights": terms.rights,
            "territory": terms.territory,
            "start": terms.start,
            "end": terms.end,
            "exclusive": terms.exclusive,
            "revocable": terms.revocable,
        },
        assets.grant_licence,
        terms,
    )


def prepare_licence_revoke(
    suite: Suite, account: str, licence_id: int, reason_digest: bytes = assets.ZERO_BYTES32
) -> PreparedTransaction:
    """The owner's revocation of a revocable licence in force."""
    return _prepare(
        suite,
        account,
        "licence_revoke",
        {"licence_id": licence_id, "reason_digest": reason_digest.hex()},
        assets.revoke_licence,
        licence_id,
        reason_digest,
    )


def prepare_pledge(
    suite: Suite, account: str, terms: PledgeTerms, consent: assets.OwnerConsent | None
) -> PreparedTransaction:
    """A lender's pledge with the owner's EIP-712 consent, or an owner's pledge with the
    lender's EIP-712 offer."""
    return _prepare(
        suite,
        account,
        "pledge",
        {
            "asset_id": _hex(terms.asset_id),
            "lender": terms.lender,
            "amount": str(terms.amount),
            "currency": terms.currency_code.decode("ascii", "replace"),
            "maturity": terms.maturity,
            "deadline": consent.deadline if consent else None,
        },
        assets.pledge,
        terms,
        consent,
    )


def prepare_release(suite: Suite, account: str, lien_id: int) -> PreparedTransaction:
    """The lender's release of its lien."""
    return _prepare(suite, account, "release", {"lien_id": lien_id}, assets.release, lien_id)


def prepare_licensing_consent(
    suite: Suite, account: str, lien_id: int, terms: LicenceTerms | None
) -> PreparedTransaction:
    """The lender's consent to the one licence with ``terms`` (``None``: withdrawal)."""
    summary: dict[str, object] = {"lien_id": lien_id, "licence_digest": None}
    if terms is not None:
        summary["licence_digest"] = "0x" + licence_consent_digest(terms).hex()
    return _prepare(
        suite, account, "licensing_consent", summary, assets.consent_to_licence, lien_id, terms
    )


def prepare_reduce(suite: Suite, account: str, lien_id: int, amount: int) -> PreparedTransaction:
    """The lender's partial release: the lien secures ``amount`` from now on."""
    return _prepare(
        suite,
        account,
        "lien_reduce",
        {"lien_id": lien_id, "amount": str(amount)},
        assets.reduce_lien,
        lien_id,
        amount,
    )


def prepare_lien_transfer(
    suite: Suite,
    account: str,
    lien_id: int,
    to: str,
    how: LenderChange,
    consent: assets.OwnerConsent,
) -> PreparedTransaction:
    """One lender's assignment of a lien (or rotation to the lender's new key) with the other
    lender's EIP-712 consent."""
    operation = "lien_assign" if how is LenderChange.ASSIGNMENT else "lender_key_rotation"
    return _prepare(
        suite,
        account,
        operation,
        {"lien_id": lien_id, "to": to, "deadline": consent.deadline},
        assets.transfer_lien,
        lien_id,
        to,
        how,
        consent,
    )


def prepare_recovery(
    suite: Suite, account: str, lien_id: int, *, cancel: bool = False
) -> PreparedTransaction:
    """The new key's execution of a recovery past its delay, or (``cancel``) the current key's
    cancellation of it."""
    operation = "lender_recovery_cancel" if cancel else "lender_recovery"
    service = assets.cancel_lender_recovery if cancel else assets.execute_lender_recovery
    return _prepare(suite, account, operation, {"lien_id": lien_id}, service, lien_id)


def lien_transfer_consent(
    suite: Suite, lien_id: int, signer: str, to: str, how: LenderChange, deadline: int | None
) -> ConsentRequest:
    """The typed data ``signer`` (the lien's lender, or the lender ``to`` it moves to) signs so
    that the other lender can send the move; ``owner`` in the answer is the signer."""
    signer = account_address(signer, field="signer")
    to = account_address(to, field="to")
    details: dict[str, object] = {"lien_id": lien_id, "to": to}
    with chain_refusals():
        lien = assets.existing_lien(suite, lien_id, details)
        if signer not in (lien.lender, to):
            raise errors.NotLienLender(
                "the signer is neither the lien's lender nor the lender it moves to",
                details=details,
            )
        with translate_errors():
            now = int(suite.pledges.w3.eth.get_block("latest")["timestamp"])
            chain_id = int(suite.pledges.w3.eth.chain_id)
        deadline = deadline if deadline is not None else now + DEFAULT_CONSENT_SECONDS
        if deadline <= now:
            raise errors.ConsentExpired(
                "the deadline must be in the future", details={**details, "deadline": deadline}
            )
        nonce = suite.pledges.nonces(signer)
    typed = lien_transfer_typed_data(
        lien_id, from_=lien.lender, to=to, how=how, nonce=nonce, deadline=deadline,
        chain_id=chain_id, verifying_contract=suite.pledges.address,
    )  # fmt: skip
    typed, digest = json_ready(typed, decimal=("lienId", "nonce", "deadline"))
    return ConsentRequest(
        owner=signer, nonce=nonce, deadline=deadline, typed_data=typed, digest=digest
    )


def prepare_enforce(suite: Suite, account: str, lien_id: int, to: str) -> PreparedTransaction:
    """The lender's enforcement of its matured, most senior lien: the asset moves to ``to``."""
    return _prepare(
        suite, account, "enforce", {"lien_id": lien_id, "to": to}, assets.enforce, lien_id, to
    )


# --------------------------------------------------------------------------- pledge consent


@dataclass(frozen=True)
class ConsentRequest:
    """What an owner signs to consent to a pledge: EIP-712 typed data (JSON form: integers as
    decimal strings, bytes as 0x-hex, as ``eth_signTypedData_v4`` takes them)."""

    owner: str
    nonce: int
    deadline: int
    typed_data: dict[str, Any]
    digest: bytes


def pledge_terms(
    asset_id: int,
    lender: str,
    amount: int,
    currency: str,
    maturity: int,
    official_registration_no: str = "",
) -> PledgeTerms:
    """Pledge terms from their plain values; :class:`InvalidPledgeTerms` for a currency code or
    registration number that cannot be encoded (the services check the rest)."""
    lender = account_address(lender, field="lender")
    try:
        code = currency_code(currency)
        number = registration_number(official_registration_no)
    except ValueError as exc:
        raise errors.InvalidPledgeTerms(str(exc), details={"asset_id": _hex(asset_id)}) from exc
    return PledgeTerms(
        asset_id=asset_id,
        lender=lender,
        amount=amount,
        currency_code=code,
        maturity=maturity,
        official_registration_no=number,
    )


def pledge_consent(suite: Suite, terms: PledgeTerms, deadline: int | None) -> ConsentRequest:
    """The typed data the asset's current owner signs to let ``terms.lender`` record a pledge;
    without a ``deadline``, the consent is valid for :data:`DEFAULT_CONSENT_SECONDS`.

    Refused: :class:`AssetNotFound`, :class:`LenderNotAuthorized`, :class:`InvalidPledgeTerms`,
    :class:`ConsentExpired` (a deadline not in the future). The owner's nonce is the current one:
    the consent is void once another consent of this owner is used or cancelled.
    """
    details: dict[str, object] = {"asset_id": _hex(terms.asset_id), "lender": terms.lender}
    with chain_refusals():
        if not suite.rights_asset.exists(terms.asset_id):
            raise errors.AssetNotFound(
                "no such asset (never tokenized, or burned)", details=details
            )
        owner = suite.rights_asset.owner_of(terms.asset_id)
        if not suite.pledges.has_role(LENDER_ROLE, terms.lender):
            raise errors.LenderNotAuthorized("the lender has no lender role", details=details)
        with translate_errors():
            block = suite.pledges.w3.eth.get_block("latest")
            chain_id = int(suite.pledges.w3.eth.chain_id)
        now = int(block["timestamp"])
        if deadline is None:
            deadline = now + DEFAULT_CONSENT_SECONDS
        if not 0 < terms.amount <= assets.MAX_AMOUNT:
            raise errors.InvalidPledgeTerms("the amount must be positive", details=details)
        if not all(ord("A") <= c <= ord("Z") for c in terms.currency_code):
            raise errors.InvalidPledgeTerms(
                "the currency code must be three letters A-Z (ISO 4217)", details=details
            )
        if terms.maturity <= now:
            raise errors.InvalidPledgeTerms("the maturity must be in the future", details=details)
        if deadline <= now:
            raise errors.ConsentExpired(
                "the deadline must be in the future",
                details={**details, "deadline": deadline, "chain_time": now},
            )
        nonce = suite.pledges.nonces(owner)
    typed = consent_typed_data(
        terms,
        nonce=nonce,
        deadline=deadline,
        chain_id=chain_id,
        verifying_contract=suite.pledges.address,
    )
    typed, digest = json_ready(
        typed,
        decimal=("assetId", "amount", "maturity", "nonce", "deadline"),
        hexadecimal=("currencyCode", "officialRegistrationNo"),
    )
    return ConsentRequest(
        owner=owner, nonce=nonce, deadline=deadline, typed_data=typed, digest=digest
    )


# ------------------------------------------------------------------------------------ submit


@dataclass(frozen=True)
class SignedTransaction:
    """A signed transaction as decoded from its raw bytes."""

    raw: bytes
    signer: str
    to: str | None
    data: bytes
    value: int
    nonce: int
    gas: int
    chain_id: int | None
    fee_cap: int  # maxFeePerGas, or gasPrice for legacy transactions


@dataclass(frozen=True)
class SubmittedTransaction:
    """A relayed transaction, mined, and the event it emitted."""

    operation: str
    event: str
    signer: str
    tx_hash: str
    block_number: int
    asset_id: int
    lien_id: int | None
    licence_id: int | None
    parties: dict[str, str]


def decode_signed_transaction(raw_hex: str) -> SignedTransaction:
    """Decode and recover a raw signed transaction; :class:`InvalidTransaction` if it is not
    one."""
    try:
        raw = bytes.fromhex(raw_hex.strip().removeprefix("0x"))
        signer = str(Account.recover_transaction(raw))
        if raw[0] <= 0x7F:
            fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
            chain_id: int | None = int(fields["chainId"])
            fee_cap = int(fields.get("maxFeePerGas", fields.get("gasPrice", 0)))
        else:
            fields = LegacyTransaction.from_bytes(raw).as_dict()
            v = int(fields["v"])
            chain_id = (v - 35) // 2 if v >= 35 else None
            fee_cap = int(fields["gasPrice"])
        to = bytes(fields["to"])
    except Exception as exc:  # any malformed input: hex, RLP, type, signature
        raise errors.InvalidTransaction(
            "raw_transaction is not a signed transaction", details={"reason": str(exc)[:200]}
        ) from exc
    return SignedTransaction(
        raw=raw,
        signer=signer,
        to=Web3.to_checksum_address(to) if to else None,
        data=bytes(fields["data"]),
        value=int(fields["value"]),
        nonce=int(fields["nonce"]),
        gas=int(fields["gas"]),
        chain_id=chain_id,
        fee_cap=fee_cap,
    )


def refuse_other_chain(w3: Web3, signed: SignedTransaction) -> None:
    """:class:`InvalidTransaction` unless ``signed`` is signed for this very chain (EIP-155): one
    without a chain id could be replayed on any chain where its signer's nonce matches."""
    with chain_refusals(), translate_errors():
        chain_id = int(w3.eth.chain_id)
    if signed.chain_id != chain_id:
        raise errors.InvalidTransaction(
            "the transaction is signed for another chain (or without replay protection)",
            details={"reason": "chain_id", "chain_id": signed.chain_id, "expected": chain_id},
        )


class RelaySender(TransactionSender):
    """Sends one transaction signed elsewhere, as its signer: :meth:`send` broadcasts the signed
    bytes only if the service asks to send exactly their ``to``, ``data`` and ``value``, with the
    signer's next nonce, enough gas and a fee the chain takes."""

    def __init__(self, w3: Web3, signed: SignedTransaction, *, receipt_timeout: float = 60.0):
        self.signed = signed
        self._configure(w3, receipt_timeout=receipt_timeout, poll_latency=0.05, priority_fee_wei=0)

    @property
    def address(self) -> str:
        return self.signed.signer

    def send(self, tx: TxParams, *, decoder: CustomErrorDecoder | None = None) -> TxReceipt:
        return self.wait(self.submit(tx, decoder=decoder), decoder=decoder)

    def submit(self, tx: TxParams, *, decoder: CustomErrorDecoder | None = None) -> HexBytes:
        signed = self.signed
        to = tx.get("to")
        intended = (
            Web3.to_checksum_address(str(to)) if to else None,
            bytes(HexBytes(tx.get("data", b""))),
            int(tx.get("value", 0)),
        )
        if intended != (signed.to, signed.data, signed.value):
            raise errors.TransactionMismatch(
                "the signed transaction is not the one the checks allow",
                details={
                    "expected_to": intended[0],
                    "expected_data": "0x" + intended[1].hex(),
                    "expected_value": intended[2],
                },
            )
        eth = self.w3.eth
        with translate_errors(decoder):
            signer = Web3.to_checksum_address(signed.signer)
            expected_nonce = eth.get_transaction_count(signer, "pending")
            if signed.nonce != expected_nonce:
                raise errors.InvalidTransaction(
                    "the transaction's nonce is not the signer's next nonce",
                    details={"reason": "nonce", "nonce": signed.nonce, "expected": expected_nonce},
                )
            # A revert shows here, decoded, before anything is broadcast.
            call: TxParams = {
                "from": signer,
                "to": Web3.to_checksum_address(str(signed.to)),
                "data": HexBytes(signed.data),
                "value": Wei(signed.value),
            }
            estimate = eth.estimate_gas(call)
            if signed.gas < estimate:
                raise errors.InvalidTransaction(
                    "the gas limit is below what the transaction needs",
                    details={"reason": "gas", "gas": signed.gas, "estimate": estimate},
                )
            base_fee = eth.get_block("latest").get("baseFeePerGas")
            if base_fee is not None and signed.fee_cap < int(base_fee):
                raise errors.InvalidTransaction(
                    "the fee is below the chain's base fee",
                    details={"reason": "fee", "fee": signed.fee_cap, "base_fee": int(base_fee)},
                )
            return eth.send_raw_transaction(signed.raw)


@dataclass(frozen=True)
class _Call:
    operation: str
    scope: Scope
    arguments: dict[str, Any]


def _call_of(suite: Suite, signed: SignedTransaction) -> _Call:
    clients: dict[str, BoundContract] = {
        client.address: client for client in (suite.rights_asset, suite.licences, suite.pledges)
    }
    client = clients.get(signed.to or "")
    if client is None:
        raise errors.TransactionNotAllowed(
            "the transaction is not addressed to a rights-asset contract of this registry",
            details={"to": signed.to},
        )
    selector = "0x" + signed.data[:4].hex()
    try:
        function_name = client.contract.get_function_by_selector(selector).name
    except ValueError:
        function_name = ""
    allowed = OPERATIONS.get((client.CONTRACT_NAME, function_name))
    if allowed is None:
        raise errors.TransactionNotAllowed(
            "the registry relays transfers, licences and pledges only",
            details={"to": signed.to, "selector": selector},
        )
    try:
        _function, arguments = client.contract.decode_function_input(signed.data)
    except Exception as exc:  # truncated or malformed ABI arguments
        raise errors.InvalidTransaction(
            "the call's arguments do not decode", details={"reason": "arguments"}
        ) from exc
    operation, scope = allowed
    return _Call(operation, scope, dict(arguments))


def submit_transaction(suite: Suite, raw_hex: str, principal: Principal) -> SubmittedTransaction:
    """Relay a transaction signed by the acting account, after the same checks as prepare.

    Refused before broadcasting: :class:`InvalidTransaction` (not a signed transaction, another
    chain, a stale nonce, too little gas or fee), :class:`TransactionNotAllowed` (another
    contract, another function), :class:`MissingScope` (the key may not submit this operation),
    every refusal of the matching asset service, and :class:`TransactionMismatch` (the signed
    call differs from what the service sends for these arguments).
    """
    signed = decode_signed_transaction(raw_hex)
    w3 = suite.rights_asset.w3
    refuse_other_chain(w3, signed)
    call = _call_of(suite, signed)
    principal.require(call.scope)
    sender = RelaySender(w3, signed)
    event = _run(suite, sender, call)
    return _submitted(call.operation, signed.signer, event)


def _signed_consent(a: dict[str, Any]) -> assets.OwnerConsent:
    # The signature is the other party's: the owner's consent when the lender sends, the
    # lender's offer when the owner sends (or the other lender's consent to a lien's move). A
    # pledge by an owner that is its own lender needs none; the service then encodes an empty
    # one, and anything else signed is a mismatch.
    return assets.OwnerConsent(int(a["deadline"]), bytes(a["signature"]))


def _lien_move(how: LenderChange, to: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    # assignLien and rotateLenderKey differ only in the name of the lender the lien moves to.
    return lambda a: (
        assets.transfer_lien,
        int(a["lienId"]),
        str(a[to]),
        how,
        _signed_consent(a),
    )


#: operation → the service it runs and that service's arguments from the call's decoded ones.
_SERVICE_CALLS: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {
    "transfer": lambda a: (assets.transfer, int(a["tokenId"]), str(a["to"])),
    "licence_grant": lambda a: (assets.grant_licence, from_abi(LicenceTerms, a)),
    "licence_revoke": lambda a: (
        assets.revoke_licence,
        int(a["licenceId"]),
        bytes(a["reasonDigest"]),
    ),
    "pledge": lambda a: (assets.pledge, from_abi(PledgeTerms, a), _signed_consent(a)),
    "release": lambda a: (assets.release, int(a["lienId"])),
    "lien_reduce": lambda a: (assets.reduce_lien, int(a["lienId"]), int(a["newAmount"])),
    "lien_assign": _lien_move(LenderChange.ASSIGNMENT, "to"),
    "lender_key_rotation": _lien_move(LenderChange.KEY_ROTATION, "newKey"),
    "lender_recovery": lambda a: (assets.execute_lender_recovery, int(a["lienId"])),
    "lender_recovery_cancel": lambda a: (assets.cancel_lender_recovery, int(a["lienId"])),
    "licensing_consent": lambda a: (
        assets.set_licensing_consent,
        int(a["lienId"]),
        bytes(a["licenceDigest"]),
    ),
    "enforce": lambda a: (assets.enforce, int(a["lienId"]), str(a["to"])),
}


def _run(suite: Suite, sender: RelaySender, call: _Call) -> AssetEvent:
    service, *arguments = _SERVICE_CALLS[call.operation](call.arguments)
    event: AssetEvent = service(suite, sender, *arguments)
    return event


#: The accounts each event names, by their part in it (a consent's lender is its sender).
_PARTIES: dict[type[Any], Callable[[Any, str], dict[str, str]]] = {
    Transfer: lambda event, _signer: {"from": event.from_, "to": event.to},
    LicenceGranted: lambda event, _signer: {"licensor": event.licensor, "licensee": event.licensee},
    LicenceRevoked: lambda event, _signer: {"licensor": event.licensor},
    Pledged: lambda event, _signer: {"owner": event.owner, "lender": event.lender},
    Released: lambda event, _signer: {"lender": event.lender},
    Enforced: lambda event, _signer: {"lender": event.lender, "from": event.from_, "to": event.to},
    LicensingConsentSet: lambda _event, signer: {"lender": signer},
    LienReduced: lambda event, _signer: {"lender": event.lender},
    LenderChanged: lambda event, _signer: {"from": event.old_lender, "to": event.new_lender},
    LenderRecoveryCancelled: lambda event, _signer: {"lender": event.by},
}


def _submitted(operation: str, signer: str, event: AssetEvent) -> SubmittedTransaction:
    return SubmittedTransaction(
        operation=operation,
        event=type(event).__name__,
        signer=signer,
        tx_hash=event.position.tx_hash,
        block_number=event.position.block_number,
        asset_id=event.token_id if isinstance(event, Transfer) else event.asset_id,
        lien_id=getattr(event, "lien_id", None),
        licence_id=getattr(event, "licence_id", None),
        parties=_PARTIES[type(event)](event, signer),
    )


def _hex(asset_id: int) -> str:
    return asset_id.to_bytes(32, "big").hex()

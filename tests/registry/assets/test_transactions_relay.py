"""Prepare and relay against a real suite on Anvil: the prepared transaction is the one the
service would send, preparing sends nothing, and the relay broadcasts only the checked call."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain_client.connection import connect
from chain_client.licences import LicenceTerms
from chain_client.pledges import PledgeTerms, currency_code
from chain_client.rights_assets import Right, Tokenized, rights_mask
from chain_client.suite import Suite, deploy_suite
from chain_client.transactions import TransactionSender
from cli.launcher import AnvilProcess
from registry.access.keys import Principal, Scope
from registry.assets.rights_assets import OwnerConsent, pledge
from registry.assets.transactions_relay import (
    PreparedTransaction,
    decode_signed_transaction,
    pledge_consent,
    pledge_terms,
    prepare_licence_grant,
    prepare_pledge,
    prepare_release,
    prepare_transfer,
    submit_transaction,
)
from registry.core import errors
from registry.core.settings import DEV_CHAIN_PRIVATE_KEY
from tests.chain_client.conftest import ROLE_KEYS
from tests.chain_client.conftest import tokenize as tokenize_on_chain
from tests.conftest import free_port

DAY = 24 * 3600
OWNER = Account.from_key(ROLE_KEYS["owner"])
LENDER = Account.from_key(ROLE_KEYS["lender"])
BUYER = Account.from_key(ROLE_KEYS["buyer"])
PUBLISHER = Principal("k1", "publisher", frozenset({Scope.PUBLISHER}))
LENDING = Principal("k2", "bank", frozenset({Scope.LENDER}))


@pytest.fixture(scope="module")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilProcess]:
    with AnvilProcess(port=free_port(), workdir=tmp_path_factory.mktemp("relay-anvil")) as node:
        yield node


@pytest.fixture
def w3(anvil: AnvilProcess) -> Web3:
    return connect(anvil.rpc_url)


@pytest.fixture
def suite(w3: Web3) -> Suite:
    admin = TransactionSender(w3, Account.from_key(DEV_CHAIN_PRIVATE_KEY), poll_latency=0.01)
    return deploy_suite(admin, lenders=[LENDER.address])


@pytest.fixture
def asset(suite: Suite) -> Tokenized:
    leaves = [bytes(Web3.keccak(text=f"relay {n} {time.time_ns()}")) for n in range(2)]
    return tokenize_on_chain(suite, OWNER.address, leaves)


def chain_time(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


def signed(prepared: PreparedTransaction, signer: LocalAccount, **changes: Any) -> str:
    tx = {**prepared.transaction, **changes}
    return "0x" + bytes(signer.sign_transaction(tx).raw_transaction).hex()


def unchanged(w3: Web3, account: LocalAccount) -> Callable[[], None]:
    """A check that ``account`` sent nothing since this call."""
    before = w3.eth.get_transaction_count(account.address)

    def check() -> None:
        assert w3.eth.get_transaction_count(account.address) == before

    return check


def test_prepared_transaction_is_what_the_sender_would_send(
    suite: Suite, w3: Web3, asset: Tokenized
) -> None:
    check = unchanged(w3, OWNER)
    prepared = prepare_transfer(suite, OWNER.address, asset.asset_id, BUYER.address)
    check()  # preparing sent nothing
    tx = prepared.transaction
    assert tx["from"] == OWNER.address
    assert tx["to"] == suite.rights_asset.address
    assert tx["nonce"] == w3.eth.get_transaction_count(OWNER.address, "pending")
    assert tx["chainId"] == w3.eth.chain_id
    assert tx["data"] == suite.rights_asset.contract.encode_abi(
        "transferFrom", args=[OWNER.address, BUYER.address, asset.asset_id]
    )
    assert "maxFeePerGas" in tx or "gasPrice" in tx
    done = submit_transaction(suite, signed(prepared, OWNER), PUBLISHER)
    assert (done.operation, done.event, done.signer) == ("transfer", "Transfer", OWNER.address)
    assert done.asset_id == asset.asset_id
    assert suite.rights_asset.owner_of(asset.asset_id) == BUYER.address


def test_a_legacy_transaction_is_relayed_too(suite: Suite, w3: Web3, asset: Tokenized) -> None:
    now = chain_time(w3)
    terms = LicenceTerms(
        asset_id=asset.asset_id,
        licensee=BUYER.address,
        rights=rights_mask(Right.TRANSLATION),
        territory=0,
        start=now + 60,
        end=now + 30 * DAY,
    )
    prepared = prepare_licence_grant(suite, OWNER.address, terms)
    fee = prepared.transaction.pop("maxFeePerGas")
    prepared.transaction.pop("maxPriorityFeePerGas")
    raw = signed(prepared, OWNER, gasPrice=fee)
    decoded = decode_signed_transaction(raw)
    assert (decoded.chain_id, decoded.signer, decoded.fee_cap) == (
        w3.eth.chain_id,
        OWNER.address,
        fee,
    )
    done = submit_transaction(suite, raw, PUBLISHER)
    assert done.event == "LicenceGranted"
    assert done.parties == {"licensor": OWNER.address, "licensee": BUYER.address}
    assert suite.licences.licence_of(int(str(done.licence_id))).licensee == BUYER.address


def test_lender_pledge_from_the_consent_payload(suite: Suite, w3: Web3, asset: Tokenized) -> None:
    terms = pledge_terms(
        asset.asset_id, LENDER.address, 10_000, "CNY", chain_time(w3) + 30 * DAY, "DJ-2026-7"
    )
    request = pledge_consent(suite, terms, None)
    assert request.owner == OWNER.address
    assert request.deadline > chain_time(w3)
    signature = OWNER.sign_typed_data(full_message=request.typed_data).signature
    assert bytes(OWNER.unsafe_sign_hash(request.digest).signature) == bytes(signature)
    prepared = prepare_pledge(
        suite, LENDER.address, terms, OwnerConsent(request.deadline, bytes(signature))
    )
    raw = signed(prepared, LENDER)
    check = unchanged(w3, LENDER)
    with pytest.raises(errors.MissingScope):
        submit_transaction(suite, raw, PUBLISHER)  # a lender operation needs the lender scope
    check()
    done = submit_transaction(suite, raw, LENDING)
    assert done.event == "Pledged"
    assert done.parties == {"owner": OWNER.address, "lender": LENDER.address}
    assert suite.pledges.active_liens(asset.asset_id)[0].lien_id == done.lien_id
    released = submit_transaction(
        suite,
        signed(prepare_release(suite, LENDER.address, int(str(done.lien_id))), LENDER),
        LENDING,
    )
    assert released.event == "Released"


def test_the_checks_run_again_at_submit(suite: Suite, w3: Web3, asset: Tokenized) -> None:
    # Prepared while the asset was free; pledged before the signed transfer came back.
    prepared = prepare_transfer(suite, OWNER.address, asset.asset_id, BUYER.address)
    terms = PledgeTerms(
        asset_id=asset.asset_id,
        lender=LENDER.address,
        amount=1,
        currency_code=currency_code("CNY"),
        maturity=chain_time(w3) + DAY,
    )
    owner = TransactionSender(w3, OWNER, poll_latency=0.01)
    deadline = chain_time(w3) + DAY
    offer = suite.pledges.sign_offer(LENDER, terms, deadline=deadline)
    pledge(suite, owner, terms, OwnerConsent(deadline, offer))
    raw = signed(prepared, OWNER, nonce=w3.eth.get_transaction_count(OWNER.address))
    check = unchanged(w3, OWNER)
    with pytest.raises(errors.Encumbered):
        submit_transaction(suite, raw, PUBLISHER)
    check()
    assert suite.rights_asset.owner_of(asset.asset_id) == OWNER.address


def test_an_owner_pledge_carries_the_lenders_offer(
    suite: Suite, w3: Web3, asset: Tokenized
) -> None:
    terms = pledge_terms(asset.asset_id, LENDER.address, 5, "USD", chain_time(w3) + DAY)
    with pytest.raises(errors.InvalidLenderSignature):
        prepare_pledge(suite, OWNER.address, terms, None)
    deadline = chain_time(w3) + 3600
    offer = suite.pledges.sign_offer(LENDER, terms, deadline=deadline)
    prepared = prepare_pledge(suite, OWNER.address, terms, OwnerConsent(deadline, offer))
    # The same call with a signature of another key in place of the lender's offer: the checks,
    # run again on what was signed, refuse it.
    forged = suite.pledges.sign_offer(OWNER, terms, deadline=deadline)
    data = suite.pledges.contract.encode_abi(
        "pledge",
        args=[
            asset.asset_id,
            LENDER.address,
            5,
            b"USD",
            terms.maturity,
            b"\x00" * 32,
            deadline,
            forged,
        ],
    )
    check = unchanged(w3, OWNER)
    with pytest.raises(errors.InvalidLenderSignature):
        submit_transaction(suite, signed(prepared, OWNER, data=data), LENDING)
    check()
    done = submit_transaction(suite, signed(prepared, OWNER), LENDING)
    assert done.parties == {"owner": OWNER.address, "lender": LENDER.address}


def test_consent_payload_refusals(suite: Suite, w3: Web3, asset: Tokenized) -> None:
    maturity = chain_time(w3) + DAY

    def terms(**overrides: Any) -> PledgeTerms:
        values: dict[str, Any] = {
            "asset_id": asset.asset_id,
            "lender": LENDER.address,
            "amount": 1,
            "currency": "CNY",
            "maturity": maturity,
        }
        values.update(overrides)
        return pledge_terms(**values)

    with pytest.raises(errors.AssetNotFound):
        pledge_consent(suite, terms(asset_id=asset.asset_id + 1), None)
    with pytest.raises(errors.LenderNotAuthorized):
        pledge_consent(suite, terms(lender=BUYER.address), None)
    with pytest.raises(errors.InvalidPledgeTerms):
        pledge_consent(suite, terms(currency="cny"), None)
    with pytest.raises(errors.InvalidPledgeTerms):
        terms(currency="YUAN")
    with pytest.raises(errors.InvalidPledgeTerms):
        terms(official_registration_no="X" * 33)
    with pytest.raises(errors.InvalidPledgeTerms):
        pledge_consent(suite, terms(amount=0), None)
    with pytest.raises(errors.InvalidPledgeTerms):
        pledge_consent(suite, terms(maturity=1), None)
    with pytest.raises(errors.ConsentExpired):
        pledge_consent(suite, terms(), chain_time(w3))
    with pytest.raises(errors.InvalidAddress):
        terms(lender="0x" + "00" * 20)

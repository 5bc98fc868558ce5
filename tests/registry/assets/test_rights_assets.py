"""The asset services against real Anvil (a node of this module's own: tests move its clock) and
real databases: every success, every refusal, and that a refusal sent nothing (nonce unchanged)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain_client.connection import connect
from chain_client.licences import LicenceTerms
from chain_client.moderation import ARBITER_ROLE, MODERATOR_ROLE, asset_target
from chain_client.pledges import (
    JUNIOR_ENFORCEMENT_GRACE,
    RECOVERY_DELAY,
    LenderChange,
    PledgeTerms,
    currency_code,
    licence_consent_digest,
)
from chain_client.registry_anchor import REGULATOR_ROLE as ANCHOR_REGULATOR_ROLE
from chain_client.rights_assets import Right, Tokenized, rights_mask, sign_mint_authorization
from chain_client.suite import Suite, deploy_suite
from chain_client.transactions import TransactionSender
from cli.launcher import AnvilProcess
from crypto.secp256k1 import Secp256k1PrivateKey
from crypto.signing import KeySigner
from registry.assets.lenders import propose_lender_recovery
from registry.assets.rights_assets import (
    MAX_LICENCES_PER_ASSET,
    MintAuthorizationGrant,
    OwnerConsent,
    consent_to_licence,
    encumbrances,
    enforce,
    execute_lender_recovery,
    grant_licence,
    mint_authorization,
    pledge,
    reduce_lien,
    release,
    resolve_asset_id,
    revoke_licence,
    tokenize,
    transfer,
    transfer_lien,
)
from registry.content.ingest import describe
from registry.core import errors
from registry.core.chain_refusals import chain_refusals
from registry.core.metadata import WorkMetadata
from registry.core.settings import DEV_CHAIN_PRIVATE_KEY
from registry.platform.runtime import Runtime
from registry.proofs.verification import get_registration
from registry.registration.claims import ClientSignedClaim, claim_for
from registry.registration.registrar import Registrar
from tests.chain_client.conftest import ROLE_KEYS, advance_time
from tests.chain_client.conftest import tokenize as tokenize_on_chain
from tests.conftest import free_port

DAY = 24 * 3600
ACCOUNTS = {name: Account.from_key(key) for name, key in ROLE_KEYS.items()}
OWNER = ACCOUNTS["owner"]
LENDER = ACCOUNTS["lender"]
LENDER2 = ACCOUNTS["lender2"]
MODERATOR = ACCOUNTS["moderator"]
BUYER = ACCOUNTS["buyer"]


@pytest.fixture(scope="module")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilProcess]:
    """A node of this module's own (overrides the shared one): enforcement moves its clock."""
    with AnvilProcess(port=free_port(), workdir=tmp_path_factory.mktemp("assets-anvil")) as node:
        yield node


def sender_of(w3: Web3, account: LocalAccount) -> TransactionSender:
    return TransactionSender(w3, account, poll_latency=0.01)


def nonce(w3: Web3, account: LocalAccount) -> int:
    return int(w3.eth.get_transaction_count(account.address))


def refused_without_sending(
    w3: Web3,
    account: LocalAccount | str,
    error: type[errors.RegistryError],
    call: Callable[[], object],
) -> errors.RegistryError:
    """``call`` raises ``error`` (exactly that class) and ``account`` sent no transaction."""
    address = Web3.to_checksum_address(account if isinstance(account, str) else account.address)
    before = w3.eth.get_transaction_count(address)
    with pytest.raises(errors.RegistryError) as raised:
        call()
    assert type(raised.value) is error, raised.value
    assert w3.eth.get_transaction_count(address) == before
    return raised.value


def chain_time(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


# ------------------------------------------------------------------- tokenize (runtime, both DBs)


def register_and_anchor(runtime: Runtime, count: int = 1, *, anchor: bool = True) -> list[str]:
    numbers = [
        Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)
        .register(
            io.BytesIO(f"asset work {n} {time.time_ns()}".encode()),
            WorkMetadata(title=f"作品 {n}", rights=("reproduction", "translation")),
        )
        .number
        for n in range(count)
    ]
    if anchor:
        assert runtime.new_batcher().run_once().error is None
    return numbers


def test_anchored_registration_is_tokenized_with_its_claimed_rights(runtime: Runtime) -> None:
    (number,) = register_and_anchor(runtime)
    suite = runtime.suite()
    minted = tokenize(runtime.sessions, suite, number, OWNER.address, territory=156)
    assert minted.owner == OWNER.address
    assert minted.asset_id == resolve_asset_id(runtime.sessions, number)
    assert minted.rights == rights_mask(Right.REPRODUCTION, Right.TRANSLATION)
    assert minted.territory == 156
    assert suite.rights_asset.owner_of(minted.asset_id) == OWNER.address
    assert resolve_asset_id(runtime.sessions, minted.asset_id.to_bytes(32, "big").hex()) == (
        minted.asset_id
    )


def test_tokenizing_carries_property_rights_only(runtime: Runtime) -> None:
    registrar = Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)
    claimed = ("authorship", "publication", "reproduction", "translation")
    number, moral_only = (
        registrar.register(
            io.BytesIO(f"moral rights work {n} {time.time_ns()}".encode()),
            WorkMetadata(title=f"作品 {n}", rights=rights),
        ).number
        for n, rights in enumerate((claimed, ("authorship", "integrity")))
    )
    assert runtime.new_batcher().run_once().error is None
    suite, w3, sessions = runtime.suite(), runtime.w3, runtime.sessions
    sender = runtime.sender.address

    def attempt(reference: str, rights: list[str] | None) -> Callable[[], object]:
        return lambda: tokenize(sessions, suite, reference, OWNER.address, rights=rights)

    refused = refused_without_sending(
        w3, sender, errors.MoralRightsNotTransferable, attempt(number, ["authorship", "rental"])
    )
    assert refused.code == "moral_rights_not_transferable"
    assert refused.details["moral_rights"] == ["authorship"]
    refused_without_sending(w3, sender, errors.InvalidInput, attempt(number, ["rental"]))
    refused_without_sending(w3, sender, errors.InvalidMetadata, attempt(number, ["fame"]))
    refused_without_sending(
        w3, sender, errors.MoralRightsNotTransferable, attempt(moral_only, None)
    )
    # By default: the property rights the registration claims, never its moral rights.
    minted = tokenize(sessions, suite, number, OWNER.address)
    assert minted.rights == rights_mask(Right.REPRODUCTION, Right.TRANSLATION)
    assert suite.rights_asset.asset_terms(minted.asset_id).rights == minted.rights


def test_a_revoked_registration_is_refused_and_spares_its_batch(runtime: Runtime) -> None:
    fraud, innocent = register_and_anchor(runtime, 2)
    suite, w3, sessions = runtime.suite(), runtime.w3, runtime.sessions
    registrar = runtime.sender.address
    suite.registry_anchor.grant_role(ANCHOR_REGULATOR_ROLE, registrar)
    leaf = resolve_asset_id(sessions, fraud).to_bytes(32, "big")
    suite.registry_anchor.revoke_registration(leaf, b"\x04" * 32)
    refused = refused_without_sending(
        w3, registrar, errors.Revoked, lambda: tokenize(sessions, suite, fraud, OWNER.address)
    )
    assert refused.message == "the registration was revoked"
    minted = tokenize(sessions, suite, innocent, OWNER.address)
    assert not suite.rights_asset.is_revoked(minted.asset_id)


def test_tokenize_refusals_send_nothing(runtime: Runtime) -> None:
    first, second = register_and_anchor(runtime, 2)
    (pending,) = register_and_anchor(runtime, anchor=False)
    suite = runtime.suite()
    w3, registrar, sessions = runtime.w3, runtime.sender.address, runtime.sessions

    def attempt(number: str, owner: str = OWNER.address) -> Callable[[], object]:
        return lambda: tokenize(sessions, suite, number, owner)

    refused_without_sending(w3, registrar, errors.RegistrationNotFound, attempt("BQ-1999-1"))
    refused_without_sending(w3, registrar, errors.InvalidAddress, attempt(first, "0x1234"))
    refused_without_sending(w3, registrar, errors.NotAnchored, attempt(pending))
    first_target = resolve_asset_id(sessions, first).to_bytes(32, "big")
    suite.moderation.grant_role(MODERATOR_ROLE, registrar)
    suite.moderation.freeze(first_target, b"\x01" * 32)
    refused_without_sending(w3, registrar, errors.Frozen, attempt(first))
    suite.moderation.restore(first_target, b"\x02" * 32)
    refused_without_sending(
        w3,
        registrar,
        errors.InvalidInput,
        lambda: tokenize(sessions, suite, second, OWNER.address, term_end=1),
    )
    tokenize(sessions, suite, second, OWNER.address)
    refused_without_sending(w3, registrar, errors.AlreadyTokenized, attempt(second))
    anchored = get_registration(sessions, first).anchor
    assert anchored is not None
    suite.registry_anchor.grant_role(ANCHOR_REGULATOR_ROLE, registrar)
    suite.registry_anchor.revoke_root(bytes.fromhex(anchored.root), b"\x03" * 32)
    refused_without_sending(w3, registrar, errors.Revoked, attempt(first))


# ----------------------------------------------- controller-bound registrations (runtime, both DBs)


def register_bound_and_anchor(runtime: Runtime, controller: LocalAccount) -> str:
    """A registration whose claim ``controller``'s own secp256k1 key signed, anchored."""
    key = Secp256k1PrivateKey.from_bytes(bytes(controller.key))
    signer = KeySigner(key)
    content = f"bound work {time.time_ns()}".encode()
    metadata = WorkMetadata(title="约束作品", rights=("reproduction",))
    claim = claim_for(
        describe(io.BytesIO(content)), metadata, signer.public_key, registered_at=runtime.now()
    )
    view = Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now).register(
        io.BytesIO(content),
        metadata,
        client_signed=ClientSignedClaim(claim.to_json(), claim.sign(signer).to_text()),
    )
    assert view.controller == controller.address
    assert runtime.new_batcher().run_once().error is None
    return view.number


def authorize(
    runtime: Runtime, number: str, controller: LocalAccount, owner: str, **terms: int | None
) -> MintAuthorizationGrant:
    """``controller``'s signature of the typed data the service gives for these terms."""
    request = mint_authorization(runtime.sessions, runtime.suite(), number, owner, **terms)  # type: ignore[arg-type]
    signature = sign_mint_authorization(controller, request.typed_data)
    return MintAuthorizationGrant(request.deadline, signature)


def test_a_bound_registration_is_refused_without_its_controllers_authorization(
    runtime: Runtime,
) -> None:
    number = register_bound_and_anchor(runtime, OWNER)
    suite, sessions, w3 = runtime.suite(), runtime.sessions, runtime.w3
    registrar = runtime.sender.address
    asset_id = resolve_asset_id(sessions, number)

    def attempt(
        owner: str = OWNER.address,
        authorization: MintAuthorizationGrant | None = None,
        **terms: Any,
    ) -> Callable[[], object]:
        return lambda: tokenize(
            sessions, suite, number, owner, authorization=authorization, **terms
        )

    # No authorization at all: the registrar alone cannot mint a bound registration.
    refused = refused_without_sending(w3, registrar, errors.MintAuthorizationRequired, attempt())
    assert refused.details["controller"] == OWNER.address
    # Another party's key signs (to itself, or to the owner).
    forged = authorize(runtime, number, BUYER, BUYER.address)
    refused_without_sending(
        w3, registrar, errors.InvalidMintAuthorization, attempt(BUYER.address, forged)
    )
    forged = authorize(runtime, number, BUYER, OWNER.address)
    refused_without_sending(
        w3, registrar, errors.InvalidMintAuthorization, attempt(OWNER.address, forged)
    )
    # The controller's signature, with other terms than signed.
    signed = authorize(runtime, number, OWNER, OWNER.address)
    for tampered in (
        attempt(BUYER.address, signed),
        attempt(OWNER.address, signed, territory=156),
        attempt(OWNER.address, signed, term_end=chain_time(w3) + 365 * DAY),
        attempt(OWNER.address, MintAuthorizationGrant(signed.deadline + 1, signed.signature)),
        attempt(OWNER.address, MintAuthorizationGrant(signed.deadline, b"\x01" * 65)),
    ):
        refused_without_sending(w3, registrar, errors.InvalidMintAuthorization, tampered)
    # Expired.
    now = chain_time(w3)
    stale = authorize(runtime, number, OWNER, OWNER.address, deadline=now + 1)
    advance_time(w3, 5)
    refused = refused_without_sending(
        w3, registrar, errors.MintAuthorizationExpired, attempt(OWNER.address, stale)
    )
    assert refused.details["deadline"] == now + 1
    assert not suite.rights_asset.exists(asset_id)


def test_a_bound_registration_is_minted_with_its_controllers_authorization(
    runtime: Runtime,
) -> None:
    number = register_bound_and_anchor(runtime, OWNER)
    suite = runtime.suite()
    request = mint_authorization(runtime.sessions, suite, number, BUYER.address, territory=156)
    assert request.controller == OWNER.address
    assert request.typed_data["message"]["to"] == BUYER.address
    assert request.typed_data["message"]["territory"] == "156"
    signature = sign_mint_authorization(OWNER, request.typed_data)
    minted = tokenize(
        runtime.sessions, suite, number, BUYER.address, territory=156,
        authorization=MintAuthorizationGrant(request.deadline, signature),
    )  # fmt: skip
    assert minted.controller == OWNER.address
    assert minted.owner == BUYER.address
    assert minted.territory == 156
    assert suite.rights_asset.owner_of(minted.asset_id) == BUYER.address


def test_mint_authorization_of_a_custodial_registration_is_refused(runtime: Runtime) -> None:
    (number,) = register_and_anchor(runtime)
    with pytest.raises(errors.InvalidInput):
        mint_authorization(runtime.sessions, runtime.suite(), number, OWNER.address)
    bound = register_bound_and_anchor(runtime, OWNER)
    with pytest.raises(errors.MintAuthorizationExpired):
        mint_authorization(runtime.sessions, runtime.suite(), bound, OWNER.address, deadline=1)


# ------------------------------------------------------------- owner and lender services (chain)


@pytest.fixture
def w3(anvil: AnvilProcess) -> Web3:
    return connect(anvil.rpc_url)


@pytest.fixture
def suite(w3: Web3) -> Suite:
    admin = sender_of(w3, Account.from_key(DEV_CHAIN_PRIVATE_KEY))
    return deploy_suite(
        admin,
        moderators=[MODERATOR.address],
        lenders=[LENDER.address, LENDER2.address],
        junior_liens_allowed=True,
    )


@pytest.fixture
def asset(suite: Suite) -> Tokenized:
    leaves = [bytes(Web3.keccak(text=f"asset {n} {time.time_ns()}")) for n in range(3)]
    return tokenize_on_chain(suite, OWNER.address, leaves)


def licence_terms(w3: Web3, asset: Tokenized, **overrides: object) -> LicenceTerms:
    now = chain_time(w3)
    values: dict[str, object] = {
        "asset_id": asset.asset_id,
        "licensee": BUYER.address,
        "rights": rights_mask(Right.TRANSLATION),
        "territory": 156,
        "start": now + 60,  # a licence starts no earlier than its grant
        "end": now + 365 * DAY,
        "exclusive": True,
        "revocable": True,
    }
    values.update(overrides)
    return LicenceTerms(**values)  # type: ignore[arg-type]


def pledge_terms(w3: Web3, asset: Tokenized, **overrides: object) -> PledgeTerms:
    values: dict[str, object] = {
        "asset_id": asset.asset_id,
        "lender": LENDER.address,
        "amount": 1_000_000_00,
        "currency_code": currency_code("CNY"),
        "maturity": chain_time(w3) + 30 * DAY,
    }
    values.update(overrides)
    return PledgeTerms(**values)  # type: ignore[arg-type]


def consent(suite: Suite, terms: PledgeTerms, *, deadline: int | None = None) -> OwnerConsent:
    deadline = deadline if deadline is not None else chain_time(suite.pledges.w3) + 3600
    return OwnerConsent(deadline, suite.pledges.sign_consent(OWNER, terms, deadline=deadline))


def lender_pledge(suite: Suite, w3: Web3, asset: Tokenized, lender: LocalAccount = LENDER) -> int:
    terms = pledge_terms(w3, asset, lender=lender.address)
    return pledge(suite, sender_of(w3, lender), terms, consent(suite, terms)).lien_id


def test_owner_transfers_an_asset(suite: Suite, w3: Web3, asset: Tokenized) -> None:
    moved = transfer(suite, sender_of(w3, OWNER), asset.asset_id, BUYER.address)
    assert (moved.from_, moved.to) == (OWNER.address, BUYER.address)
    assert suite.rights_asset.owner_of(asset.asset_id) == BUYER.address


def test_transfer_refusals_send_nothing(suite: Suite, w3: Web3, asset: Tokenized) -> None:
    owner = sender_of(w3, OWNER)
    refused_without_sending(
        w3, OWNER, errors.AssetNotFound, lambda: transfer(suite, owner, 12345, BUYER.address)
    )
    refused_without_sending(
        w3, OWNER, errors.InvalidAddress, lambda: transfer(suite, owner, asset.asset_id, "nobody")
    )
    refused_without_sending(
        w3,
        BUYER,
        errors.NotAssetOwner,
        lambda: transfer(suite, sender_of(w3, BUYER), asset.asset_id, BUYER.address),
    )
    lien_id = lender_pledge(suite, w3, asset)
    refused_without_sending(
        w3, OWNER, errors.Encumbered, lambda: transfer(suite, owner, asset.asset_id, BUYER.address)
    )
    release(suite, sender_of(w3, LENDER), lien_id)
    suite.as_sender(sender_of(w3, MODERATOR)).moderation.freeze(
        asset_target(asset.asset_id), b"\x01" * 32
    )
    refused_without_sending(
        w3, OWNER, errors.Frozen, lambda: transfer(suite, owner, asset.asset_id, BUYER.address)
    )


def test_owner_grants_and_revokes_a_licence(suite: Suite, w3: Web3, asset: Tokenized) -> None:
    owner = sender_of(w3, OWNER)
    granted = grant_licence(suite, owner, licence_terms(w3, asset))
    assert granted.licensee == BUYER.address
    assert granted.exclusive
    revoked = revoke_licence(suite, owner, granted.licence_id, b"\x05" * 32)
    assert revoked.licence_id == granted.licence_id
    assert suite.licences.licence_of(granted.licence_id).revoked


def test_the_licence_cap_counts_live_licences_only(
    suite: Suite, w3: Web3, asset: Tokenized
) -> None:
    owner = sender_of(w3, OWNER)
    granted = [
        grant_licence(
            suite,
            owner,
            licence_terms(w3, asset, licensee=Account.create().address, exclusive=False),
        )
        for _ in range(MAX_LICENCES_PER_ASSET)
    ]
    assert suite.licences.live_licence_count(asset.asset_id) == MAX_LICENCES_PER_ASSET
    refused_without_sending(
        w3,
        OWNER,
        errors.LicenceLimitReached,
        lambda: grant_licence(suite, owner, licence_terms(w3, asset, exclusive=False)),
    )
    revoke_licence(suite, owner, granted[0].licence_id)
    assert suite.licences.live_licence_count(asset.asset_id) == MAX_LICENCES_PER_ASSET - 1
    grant_licence(suite, owner, licence_terms(w3, asset, exclusive=False))
    assert len(suite.licences.licence_ids_of(asset.asset_id)) == MAX_LICENCES_PER_ASSET + 1


def test_licence_refusals_send_nothing(suite: Suite, w3: Web3, asset: Tokenized) -> None:
    owner = sender_of(w3, OWNER)
    now = chain_time(w3)

    def grant(**overrides: object) -> Callable[[], object]:
        return lambda: grant_licence(suite, owner, licence_terms(w3, asset, **overrides))

    refused_without_sending(w3, OWNER, errors.AssetNotFound, grant(asset_id=7))
    refused_without_sending(
        w3,
        BUYER,
        errors.NotAssetOwner,
        lambda: grant_licence(suite, sender_of(w3, BUYER), licence_terms(w3, asset)),
    )
    refused_without_sending(w3, OWNER, errors.InvalidLicenceTerms, grant(licensee=OWNER.address))
    refused_without_sending(w3, OWNER, errors.InvalidLicenceTerms, grant(rights=1 << 17))
    refused_without_sending(
        w3,
        OWNER,
        errors.MoralRightsNotTransferable,
        grant(rights=rights_mask(Right.AUTHORSHIP, Right.INFORMATION_NETWORK)),
    )
    refused_without_sending(w3, OWNER, errors.InvalidLicenceTerms, grant(end=now - 1))
    backdated = refused_without_sending(w3, OWNER, errors.LicenceBackdated, grant(start=now - 1))
    assert backdated.code == "licence_backdated"
    exclusive = grant_licence(suite, owner, licence_terms(w3, asset))
    refused_without_sending(
        w3, OWNER, errors.LicenceConflict, grant(licensee=LENDER2.address, exclusive=False)
    )
    irrevocable = grant_licence(
        suite,
        owner,
        licence_terms(w3, asset, rights=rights_mask(Right.ADAPTATION), revocable=False),
    )
    refused_without_sending(
        w3,
        OWNER,
        errors.LicenceNotRevocable,
        lambda: revoke_licence(suite, owner, irrevocable.licence_id),
    )
    refused_without_sending(
        w3, OWNER, errors.LicenceNotFound, lambda: revoke_licence(suite, owner, 10_000)
    )
    refused_without_sending(
        w3,
        BUYER,
        errors.NotAssetOwner,
        lambda: revoke_licence(suite, sender_of(w3, BUYER), exclusive.licence_id),
    )
    revoke_licence(suite, owner, exclusive.licence_id)
    refused_without_sending(
        w3,
        OWNER,
        errors.LicenceNotInForce,
        lambda: revoke_licence(suite, owner, exclusive.licence_id),
    )
    lender_pledge(suite, w3, asset)
    refused_without_sending(w3, OWNER, errors.Encumbered, grant(rights=rights_mask(Right.RENTAL)))
    suite.as_sender(sender_of(w3, MODERATOR)).moderation.freeze(
        asset_target(asset.asset_id), b"\x01" * 32
    )
    refused_without_sending(w3, OWNER, errors.Frozen, grant(rights=rights_mask(Right.RENTAL)))


def test_a_lenders_consent_covers_one_licence_with_exactly_its_terms_once(
    suite: Suite, w3: Web3, asset: Tokenized
) -> None:
    lien_id = lender_pledge(suite, w3, asset)
    owner = sender_of(w3, OWNER)
    consented = licence_terms(w3, asset, exclusive=False)
    # Another lender (a valid key, not this lien's) cannot consent for it.
    refused_without_sending(
        w3,
        LENDER2,
        errors.NotLienLender,
        lambda: consent_to_licence(suite, sender_of(w3, LENDER2), lien_id, consented),
    )
    refused_without_sending(
        w3,
        LENDER,
        errors.InvalidLicenceTerms,
        lambda: consent_to_licence(
            suite, sender_of(w3, LENDER), lien_id, licence_terms(w3, asset, asset_id=1)
        ),
    )
    recorded = consent_to_licence(suite, sender_of(w3, LENDER), lien_id, consented)
    assert recorded.licence_digest == licence_consent_digest(consented)
    # The owner asks for an exclusive, irrevocable, worldwide licence instead: refused.
    wider = licence_terms(w3, asset, exclusive=True, revocable=False, territory=0)
    refusal = refused_without_sending(
        w3, OWNER, errors.Encumbered, lambda: grant_licence(suite, owner, wider)
    )
    assert refusal.details["liens"] == [lien_id]
    grant_licence(suite, owner, consented)
    refused_without_sending(
        w3, OWNER, errors.Encumbered, lambda: grant_licence(suite, owner, consented)
    )
    # A consent can be withdrawn before it is used.
    again = consent_to_licence(suite, sender_of(w3, LENDER), lien_id, wider)
    assert any(again.licence_digest)
    withdrawn = consent_to_licence(suite, sender_of(w3, LENDER), lien_id, None)
    assert withdrawn.licence_digest == bytes(32)
    refused_without_sending(
        w3, OWNER, errors.Encumbered, lambda: grant_licence(suite, owner, wider)
    )


def test_lender_records_a_pledge_from_the_owners_consent(
    suite: Suite, w3: Web3, asset: Tokenized
) -> None:
    terms = pledge_terms(w3, asset)
    pledged = pledge(suite, sender_of(w3, LENDER), terms, consent(suite, terms))
    assert (pledged.owner, pledged.lender, pledged.rank) == (
        OWNER.address,
        LENDER.address,
        1,
    )
    found = encumbrances(suite, asset.asset_id)
    assert found.owner == OWNER.address
    assert [lien.lien_id for lien in found.report.liens] == [pledged.lien_id]
    before = encumbrances(suite, asset.asset_id, block=pledged.position.block_number - 1)
    assert before.report.is_clear


def test_owner_pledges_with_the_lenders_offer(suite: Suite, w3: Web3, asset: Tokenized) -> None:
    terms = pledge_terms(w3, asset)
    owner = sender_of(w3, OWNER)
    deadline = chain_time(w3) + 3600
    nonce = w3.eth.get_transaction_count(OWNER.address)
    # Without the lender's offer, or with the owner's own signature in its place: nothing sent.
    with pytest.raises(errors.InvalidLenderSignature):
        pledge(suite, owner, terms)
    own = suite.pledges.sign_consent(OWNER, terms, deadline=deadline)
    with pytest.raises(errors.InvalidLenderSignature):
        pledge(suite, owner, terms, OwnerConsent(deadline, own))
    assert w3.eth.get_transaction_count(OWNER.address) == nonce
    offer = suite.pledges.sign_offer(LENDER, terms, deadline=deadline)
    pledged = pledge(suite, owner, terms, OwnerConsent(deadline, offer))
    assert (pledged.owner, pledged.lender, pledged.creator) == (
        OWNER.address,
        LENDER.address,
        OWNER.address,
    )
    # The offer is used up: once the lien is released, it makes no second one.
    suite.as_sender(sender_of(w3, LENDER)).pledges.release(pledged.lien_id)
    with pytest.raises(errors.ConsentAlreadyUsed):
        pledge(suite, owner, terms, OwnerConsent(deadline, offer))


def test_pledge_refusals_send_nothing(suite: Suite, w3: Web3, asset: Tokenized) -> None:
    lender = sender_of(w3, LENDER)

    def attempt(
        by: TransactionSender = lender, signed: OwnerConsent | None = None, **overrides: object
    ) -> Callable[[], object]:
        terms = pledge_terms(w3, asset, **overrides)
        return lambda: pledge(suite, by, terms, signed or consent(suite, terms))

    refused_without_sending(w3, LENDER, errors.AssetNotFound, attempt(asset_id=99))
    refused_without_sending(w3, BUYER, errors.NotPledgeParty, attempt(by=sender_of(w3, BUYER)))
    refused_without_sending(
        w3,
        BUYER,
        errors.LenderNotAuthorized,
        attempt(by=sender_of(w3, BUYER), lender=BUYER.address),
    )
    refused_without_sending(w3, LENDER, errors.InvalidPledgeTerms, attempt(amount=0))
    refused_without_sending(w3, LENDER, errors.InvalidPledgeTerms, attempt(currency_code=b"cny"))
    refused_without_sending(w3, LENDER, errors.InvalidPledgeTerms, attempt(maturity=1))
    terms = pledge_terms(w3, asset)
    refused_without_sending(
        w3,
        LENDER,
        errors.ConsentExpired,
        lambda: pledge(suite, lender, terms, consent(suite, terms, deadline=1)),
    )
    forged = OwnerConsent(chain_time(w3) + 3600, b"\x01" * 65)
    refused_without_sending(
        w3, LENDER, errors.InvalidConsentSignature, lambda: pledge(suite, lender, terms, forged)
    )
    refused_without_sending(
        w3, LENDER, errors.InvalidConsentSignature, lambda: pledge(suite, lender, terms)
    )
    used = consent(suite, terms)
    release(suite, lender, pledge(suite, lender, terms, used).lien_id)
    refused_without_sending(
        w3, LENDER, errors.ConsentAlreadyUsed, lambda: pledge(suite, lender, terms, used)
    )
    lender_pledge(suite, w3, asset)
    refused_without_sending(
        w3,
        LENDER2,
        errors.SeniorConsentMissing,
        attempt(by=sender_of(w3, LENDER2), lender=LENDER2.address),
    )
    suite.pledges.set_junior_liens_allowed(False)
    refused_without_sending(
        w3,
        LENDER2,
        errors.AlreadyPledged,
        attempt(by=sender_of(w3, LENDER2), lender=LENDER2.address),
    )
    suite.as_sender(sender_of(w3, MODERATOR)).moderation.freeze(
        asset_target(asset.asset_id), b"\x01" * 32
    )
    refused_without_sending(w3, LENDER, errors.Frozen, attempt())


def test_a_lien_cannot_mature_after_the_assets_term(
    suite: Suite, w3: Web3, asset: Tokenized
) -> None:
    term_end = suite.rights_asset.asset_terms(asset.asset_id).term_end
    terms = pledge_terms(w3, asset, maturity=term_end + 1)
    refused = refused_without_sending(
        w3,
        LENDER,
        errors.MaturityAfterTermEnd,
        lambda: pledge(suite, sender_of(w3, LENDER), terms, consent(suite, terms)),
    )
    assert refused.code == "maturity_after_term_end"
    assert refused.details["term_end"] == term_end
    at_term_end = pledge_terms(w3, asset, maturity=term_end)
    pledge(suite, sender_of(w3, LENDER), at_term_end, consent(suite, at_term_end))


def test_lender_releases_a_lien(suite: Suite, w3: Web3, asset: Tokenized) -> None:
    lien_id = lender_pledge(suite, w3, asset)
    assert release(suite, sender_of(w3, LENDER), lien_id).lien_id == lien_id
    assert encumbrances(suite, asset.asset_id).report.is_clear


def test_lender_enforces_a_matured_lien_to_a_buyer(
    suite: Suite, w3: Web3, asset: Tokenized
) -> None:
    lien_id = lender_pledge(suite, w3, asset)
    advance_time(w3, 31 * DAY)
    enforced = enforce(suite, sender_of(w3, LENDER), lien_id, BUYER.address)
    assert (enforced.from_, enforced.to) == (OWNER.address, BUYER.address)
    assert suite.rights_asset.owner_of(asset.asset_id) == BUYER.address


def test_a_moderators_freeze_pauses_enforcement_for_90_days_unless_an_arbiter_extends_it(
    suite: Suite, w3: Web3, asset: Tokenized
) -> None:
    lender = sender_of(w3, LENDER)
    lien_id = lender_pledge(suite, w3, asset)
    target = asset_target(asset.asset_id)
    frozen_at = chain_time(w3) + 1
    suite.as_sender(sender_of(w3, MODERATOR)).moderation.freeze(target, b"\x01" * 32)
    admin = sender_of(w3, Account.from_key(DEV_CHAIN_PRIVATE_KEY))
    suite.as_sender(admin).moderation.grant_role(ARBITER_ROLE, LENDER2.address)
    extended = suite.as_sender(sender_of(w3, LENDER2)).moderation.extend_freeze(
        target, frozen_at + 100 * DAY, b"\x02" * 32
    )
    assert (extended.until, extended.arbiter) == (frozen_at + 100 * DAY, LENDER2.address)
    advance_time(w3, 95 * DAY)
    refused = refused_without_sending(
        w3, LENDER, errors.Frozen, lambda: enforce(suite, lender, lien_id, LENDER.address)
    )
    assert refused.details["paused_until"] == suite.moderation.enforcement_paused_until(target)
    advance_time(w3, 6 * DAY)
    enforced = enforce(suite, lender, lien_id, LENDER.address)
    assert enforced.to == LENDER.address
    assert suite.moderation.is_frozen(target)  # still frozen in the lender's hands


def test_release_and_enforce_refusals_send_nothing(
    suite: Suite, w3: Web3, asset: Tokenized
) -> None:
    lender, lender2 = sender_of(w3, LENDER), sender_of(w3, LENDER2)
    senior = lender_pledge(suite, w3, asset)
    suite.as_sender(lender).pledges.approve_junior_lien(senior, LENDER2.address)
    junior = lender_pledge(suite, w3, asset, LENDER2)
    refused_without_sending(w3, LENDER, errors.LienNotFound, lambda: release(suite, lender, 999))
    refused_without_sending(
        w3, LENDER2, errors.NotLienLender, lambda: release(suite, lender2, senior)
    )
    refused_without_sending(
        w3, LENDER, errors.LienNotMatured, lambda: enforce(suite, lender, senior, BUYER.address)
    )
    advance_time(w3, 31 * DAY)
    refused_without_sending(
        w3, LENDER2, errors.LienNotSenior, lambda: enforce(suite, lender2, junior, BUYER.address)
    )
    refused_without_sending(
        w3, LENDER, errors.InvalidAddress, lambda: enforce(suite, lender, senior, "0x" + "00" * 20)
    )
    for stuck in (suite.rights_asset.address, suite.pledges.address):
        # The asset contract, and a contract that cannot hold ERC-721 tokens.
        refused_without_sending(
            w3,
            LENDER,
            errors.InvalidAddress,
            partial(enforce, suite, lender, senior, stuck),
        )
    suite.as_sender(sender_of(w3, MODERATOR)).moderation.freeze(
        asset_target(asset.asset_id), b"\x01" * 32
    )
    refused_without_sending(
        w3, LENDER, errors.Frozen, lambda: enforce(suite, lender, senior, BUYER.address)
    )
    release(suite, lender, senior)
    refused_without_sending(
        w3, LENDER, errors.LienNotActive, lambda: release(suite, lender, senior)
    )


def test_a_lien_changes_lender_only_with_both_lenders_or_a_delayed_recovery(
    suite: Suite, w3: Web3, asset: Tokenized
) -> None:
    lender, lender2 = sender_of(w3, LENDER), sender_of(w3, LENDER2)
    lien_id = lender_pledge(suite, w3, asset)
    deadline = chain_time(w3) + 3600

    def signed_by(
        account: LocalAccount, how: LenderChange = LenderChange.ASSIGNMENT
    ) -> OwnerConsent:
        signature = suite.pledges.sign_lien_transfer(
            account, lien_id, from_=LENDER.address, to=LENDER2.address, how=how,
            deadline=deadline,
        )  # fmt: skip
        return OwnerConsent(deadline, signature)

    assign = LenderChange.ASSIGNMENT
    # The would-be new lender sends with its own signature; a stranger sends a valid one.
    refused_without_sending(
        w3, LENDER2, errors.InvalidConsentSignature,
        lambda: transfer_lien(suite, lender2, lien_id, LENDER2.address, assign, signed_by(LENDER2)),
    )  # fmt: skip
    refused_without_sending(
        w3, BUYER, errors.NotLienLender,
        lambda: transfer_lien(
            suite, sender_of(w3, BUYER), lien_id, LENDER2.address, assign, signed_by(LENDER2)
        ),
    )  # fmt: skip
    # A key-rotation signature does not stand for an assignment.
    rotation = signed_by(LENDER2, LenderChange.KEY_ROTATION)
    refused_without_sending(
        w3, LENDER, errors.InvalidConsentSignature,
        lambda: transfer_lien(suite, lender, lien_id, LENDER2.address, assign, rotation),
    )  # fmt: skip
    refused_without_sending(
        w3, LENDER, errors.LenderNotAuthorized,
        lambda: transfer_lien(suite, lender, lien_id, BUYER.address, assign, signed_by(BUYER)),
    )  # fmt: skip
    moved = transfer_lien(suite, lender, lien_id, LENDER2.address, assign, signed_by(LENDER2))
    assert (moved.old_lender, moved.new_lender, moved.how) == (
        LENDER.address, LENDER2.address, LenderChange.ASSIGNMENT,
    )  # fmt: skip

    refused_without_sending(
        w3, LENDER, errors.NotLienLender, lambda: reduce_lien(suite, lender, lien_id, 1)
    )
    refused_without_sending(
        w3, LENDER2, errors.InvalidPledgeTerms, lambda: reduce_lien(suite, lender2, lien_id, 0)
    )
    assert reduce_lien(suite, lender2, lien_id, 7).new_amount == 7

    # LENDER2 "lost" its key: the administrator proposes LENDER's key, which waits 30 days.
    refused_without_sending(
        w3, LENDER, errors.RecoveryNotPending,
        lambda: execute_lender_recovery(suite, lender, lien_id),
    )  # fmt: skip
    propose_lender_recovery(suite, lien_id, LENDER.address)
    refused_without_sending(
        w3, BUYER, errors.RecoveryNotPending,
        lambda: execute_lender_recovery(suite, sender_of(w3, BUYER), lien_id),
    )  # fmt: skip
    refused_without_sending(
        w3, LENDER, errors.RecoveryNotReady,
        lambda: execute_lender_recovery(suite, lender, lien_id),
    )  # fmt: skip
    advance_time(w3, RECOVERY_DELAY + 1)
    recovered = execute_lender_recovery(suite, lender, lien_id)
    assert (recovered.new_lender, recovered.how) == (LENDER.address, LenderChange.RECOVERY)
    assert suite.pledges.lien_of(lien_id).lender == LENDER.address


def test_a_junior_lien_is_enforced_after_its_grace_period(
    suite: Suite, w3: Web3, asset: Tokenized
) -> None:
    lender, lender2 = sender_of(w3, LENDER), sender_of(w3, LENDER2)
    senior = lender_pledge(suite, w3, asset)
    suite.as_sender(lender).pledges.approve_junior_lien(senior, LENDER2.address)
    junior = lender_pledge(suite, w3, asset, LENDER2)
    advance_time(w3, 31 * DAY)
    early = refused_without_sending(
        w3, LENDER2, errors.LienNotSenior, lambda: enforce(suite, lender2, junior, BUYER.address)
    )
    assert early.details["enforceable_at"] == (
        suite.pledges.lien_of(junior).maturity + JUNIOR_ENFORCEMENT_GRACE
    )
    advance_time(w3, JUNIOR_ENFORCEMENT_GRACE)
    enforce(suite, lender2, junior, BUYER.address)
    assert suite.rights_asset.owner_of(asset.asset_id) == BUYER.address
    assert [r.lien_id for r in suite.pledges.active_liens(asset.asset_id)] == [senior]


def test_a_refusal_the_checks_missed_still_becomes_a_domain_error(
    suite: Suite, w3: Web3, asset: Tokenized
) -> None:
    # Burning is no service of its own; the contract's refusal, caught by the gas estimate before
    # anything is sent, maps to the same domain errors the services raise.
    buyer = suite.as_sender(sender_of(w3, BUYER))

    def burn(asset_id: int) -> Callable[[], object]:
        def run() -> None:
            with chain_refusals():
                buyer.rights_asset.burn(asset_id)

        return run

    refused_without_sending(w3, BUYER, errors.AssetNotFound, burn(asset.asset_id + 1))
    refused_without_sending(w3, BUYER, errors.NotAssetOwner, burn(asset.asset_id))


def test_a_revoked_asset_is_shown_and_neither_sold_nor_licensed(
    suite: Suite, w3: Web3, asset: Tokenized
) -> None:
    """A regulator revoked the registration after it was tokenized: a lender reading the asset
    is told so (never `clear`), and its owner can neither sell it nor license it."""
    before = encumbrances(suite, asset.asset_id)
    assert (before.clear, before.revoked) == (True, False)
    suite.registry_anchor.grant_role(
        ANCHOR_REGULATOR_ROLE, Account.from_key(DEV_CHAIN_PRIVATE_KEY).address
    )
    suite.registry_anchor.revoke_registration(asset.asset_id.to_bytes(32, "big"), b"\x04" * 32)
    shown = encumbrances(suite, asset.asset_id)
    assert (shown.clear, shown.revoked, shown.owner) == (False, True, OWNER.address)
    owner = sender_of(w3, OWNER)
    refused_without_sending(
        w3, OWNER, errors.Revoked, lambda: transfer(suite, owner, asset.asset_id, BUYER.address)
    )
    refused_without_sending(
        w3, OWNER, errors.Revoked, lambda: grant_licence(suite, owner, licence_terms(w3, asset))
    )
    # The contracts refuse it too, whoever asks past the registry (the gas estimate reverts).
    with pytest.raises(errors.Revoked), chain_refusals():
        suite.as_sender(owner).rights_asset.transfer_from(
            OWNER.address, BUYER.address, asset.asset_id
        )
    assert suite.rights_asset.owner_of(asset.asset_id) == OWNER.address


def test_encumbrances_before_the_suite_or_after_the_chain_are_refused(
    suite: Suite, w3: Web3, asset: Tokenized
) -> None:
    before = w3.eth.block_number
    later = deploy_suite(sender_of(w3, Account.from_key(DEV_CHAIN_PRIVATE_KEY)))
    leaves = [bytes(Web3.keccak(text=f"later {time.time_ns()}"))]
    later_asset = tokenize_on_chain(later, OWNER.address, leaves)
    with pytest.raises(errors.AssetNotFound):  # the suite was not deployed yet
        encumbrances(later, later_asset.asset_id, block=before)
    # Block 0: nothing stood there (404), or this node keeps no state that old (400, a node
    # started from a saved state); a refusal either way, never a failed call (500).
    with pytest.raises((errors.AssetNotFound, errors.InvalidInput)):
        encumbrances(suite, asset.asset_id, block=0)
    with pytest.raises(errors.InvalidInput):
        encumbrances(suite, asset.asset_id, block=w3.eth.block_number + 10)
    then = encumbrances(suite, asset.asset_id, block=w3.eth.block_number)
    assert then.owner == OWNER.address

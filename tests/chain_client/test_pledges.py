"""PledgesClient against real Anvil: eth-account EIP-712 consents verified on chain, liens,
ranks, enforcement, and the encumbrance history rebuilt from events."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak

from chain_client.errors import TransactionFailed
from chain_client.moderation import Authority, asset_target
from chain_client.pledges import (
    JUNIOR_ENFORCEMENT_GRACE,
    RECOVERY_DELAY,
    REGISTRY_AUTHORITY_ROLE,
    Enforced,
    LenderChange,
    LiensReordered,
    LienStatus,
    Pledged,
    PledgeTerms,
    Released,
    consent_typed_data,
    currency_code,
    offer_typed_data,
    registration_number,
)
from chain_client.rights_assets import Tokenized
from chain_client.suite import Suite
from tests.chain_client.conftest import Actors, advance_time, as_actor, chain_time

DAY = 24 * 3600
REPO_ROOT = Path(__file__).resolve().parents[2]


def _terms(suite: Suite, asset: Tokenized, lender: str) -> PledgeTerms:
    return PledgeTerms(
        asset_id=asset.asset_id,
        lender=lender,
        amount=5_000_000_00,
        currency_code=currency_code("CNY"),
        maturity=chain_time(suite) + 30 * DAY,
        official_registration_no=registration_number("2026-Z-00012345"),
    )


def _pledge_with_consent(
    suite: Suite, actors: Actors, asset: Tokenized, lender_key: str
) -> Pledged:
    lender = getattr(actors, lender_key)
    terms = _terms(suite, asset, lender.address)
    deadline = chain_time(suite) + 3600
    signature = suite.pledges.sign_consent(actors.owner, terms, deadline=deadline)
    return as_actor(suite, actors, lender).pledges.pledge(
        terms, deadline=deadline, signature=signature
    )


def test_eth_account_typed_data_hashes_to_the_contract_digest(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    terms = _terms(suite, asset, actors.lender.address)
    typed = consent_typed_data(
        terms,
        nonce=0,
        deadline=123,
        chain_id=int(suite.pledges.w3.eth.chain_id),
        verifying_contract=suite.pledges.address,
    )
    signable = encode_typed_data(full_message=typed)
    python_digest = keccak(b"\x19" + signable.version + signable.header + signable.body)
    assert python_digest == suite.pledges.consent_digest(terms, nonce=0, deadline=123)


def test_lender_pledges_with_the_owners_eth_account_signature(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    pledged = _pledge_with_consent(suite, actors, asset, "lender")
    assert pledged.owner == actors.owner.address
    assert pledged.lender == actors.lender.address
    assert pledged.creator == actors.lender.address
    assert pledged.rank == 1
    assert pledged.currency_code == b"CNY"
    assert pledged.official_registration_no.rstrip(b"\x00") == b"2026-Z-00012345"
    assert suite.pledges.nonces(actors.owner.address) == 1
    lien = suite.pledges.lien_of(pledged.lien_id)
    assert lien.status is LienStatus.ACTIVE
    assert lien.amount == 5_000_000_00


def test_owner_pledges_with_the_lenders_eth_account_offer(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    terms = _terms(suite, asset, actors.lender.address)
    deadline = chain_time(suite) + 3600
    typed = offer_typed_data(
        terms,
        nonce=0,
        deadline=deadline,
        chain_id=int(suite.pledges.w3.eth.chain_id),
        verifying_contract=suite.pledges.address,
    )
    signable = encode_typed_data(full_message=typed)
    python_digest = keccak(b"\x19" + signable.version + signable.header + signable.body)
    assert python_digest == suite.pledges.offer_digest(terms, nonce=0, deadline=deadline)

    owner = as_actor(suite, actors, actors.owner)
    with pytest.raises(TransactionFailed) as caught:
        owner.pledges.pledge(terms, deadline=deadline)
    assert caught.value.error_name == "InvalidLenderSignature"
    assert caught.value.error_args == (asset.asset_id, actors.lender.address.lower())
    # The owner's own consent does not stand for the lender's offer.
    own = suite.pledges.sign_consent(actors.owner, terms, deadline=deadline)
    with pytest.raises(TransactionFailed) as caught:
        owner.pledges.pledge(terms, deadline=deadline, signature=own)
    assert caught.value.error_name == "InvalidLenderSignature"

    offer = suite.pledges.sign_offer(actors.lender, terms, deadline=deadline)
    pledged = owner.pledges.pledge(terms, deadline=deadline, signature=offer)
    assert (pledged.owner, pledged.lender, pledged.creator) == (
        actors.owner.address,
        actors.lender.address,
        actors.owner.address,
    )
    assert suite.pledges.nonces(actors.lender.address) == 1
    assert suite.pledges.nonces(actors.owner.address) == 0


def test_replayed_consent_is_refused(suite: Suite, actors: Actors, asset: Tokenized) -> None:
    terms = _terms(suite, asset, actors.lender.address)
    deadline = chain_time(suite) + 3600
    signature = suite.pledges.sign_consent(actors.owner, terms, deadline=deadline)
    lender = as_actor(suite, actors, actors.lender)
    first = lender.pledges.pledge(terms, deadline=deadline, signature=signature)
    lender.pledges.release(first.lien_id)
    with pytest.raises(TransactionFailed) as caught:
        lender.pledges.pledge(terms, deadline=deadline, signature=signature)
    assert caught.value.error_name == "ConsentAlreadyUsed"
    assert caught.value.error_args == (actors.owner.address.lower(), 0)
    assert suite.pledges.active_lien_count(asset.asset_id) == 0


def test_expired_consent_is_refused(suite: Suite, actors: Actors, asset: Tokenized) -> None:
    terms = _terms(suite, asset, actors.lender.address)
    deadline = chain_time(suite) + 60
    signature = suite.pledges.sign_consent(actors.owner, terms, deadline=deadline)
    advance_time(suite.pledges.w3, 120)
    with pytest.raises(TransactionFailed) as caught:
        as_actor(suite, actors, actors.lender).pledges.pledge(
            terms, deadline=deadline, signature=signature
        )
    assert caught.value.error_name == "ConsentExpired"
    assert suite.pledges.nonces(actors.owner.address) == 0


def test_pledged_asset_cannot_be_transferred_and_frozen_asset_cannot_be_pledged(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    _pledge_with_consent(suite, actors, asset, "lender")
    with pytest.raises(TransactionFailed) as caught:
        as_actor(suite, actors, actors.owner).rights_asset.transfer_from(
            actors.owner.address, actors.buyer.address, asset.asset_id
        )
    assert caught.value.error_name == "AssetEncumbered"
    assert caught.value.error_args == (asset.asset_id, 1)

    as_actor(suite, actors, actors.moderator).moderation.freeze(
        asset_target(asset.asset_id), b"\x01" * 32
    )
    with pytest.raises(TransactionFailed) as frozen:
        _pledge_with_consent(suite, actors, asset, "lender2")
    assert frozen.value.error_name == "AssetFrozen"


def test_enforcement_after_maturity_moves_the_asset_to_the_buyer(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    pledged = _pledge_with_consent(suite, actors, asset, "lender")
    lender = as_actor(suite, actors, actors.lender)
    with pytest.raises(TransactionFailed) as early:
        lender.pledges.enforce(pledged.lien_id, actors.buyer.address)
    assert early.value.error_name == "LienNotMatured"
    advance_time(suite.pledges.w3, 31 * DAY)
    enforced = lender.pledges.enforce(pledged.lien_id, actors.buyer.address)
    assert enforced.from_ == actors.owner.address
    assert enforced.to == actors.buyer.address
    assert suite.rights_asset.owner_of(asset.asset_id) == actors.buyer.address
    assert suite.pledges.lien_of(pledged.lien_id).status is LienStatus.ENFORCED


def test_encumbrances_as_of_a_block_match_the_event_history(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    senior = _pledge_with_consent(suite, actors, asset, "lender")
    as_actor(suite, actors, actors.lender).pledges.approve_junior_lien(
        senior.lien_id, actors.lender2.address
    )
    junior = _pledge_with_consent(suite, actors, asset, "lender2")
    assert junior.rank == 2
    both_block = junior.position.block_number
    as_actor(suite, actors, actors.moderator).moderation.freeze(
        asset_target(asset.asset_id), b"\x02" * 32
    )
    released = as_actor(suite, actors, actors.lender).pledges.release(senior.lien_id)

    now = suite.encumbrances.encumbrances_of(asset.asset_id)
    assert [lien.lien_id for lien in now.liens] == [junior.lien_id]
    assert now.liens[0].rank == 1
    assert now.freeze_authority is Authority.MODERATOR
    assert not now.is_clear

    then = suite.encumbrances.encumbrances_of(asset.asset_id, block=both_block)
    assert [(lien.lien_id, lien.rank) for lien in then.liens] == [
        (senior.lien_id, 1),
        (junior.lien_id, 2),
    ]
    assert then.freeze_authority is Authority.NONE

    # The same answer folded from the events up to that block.
    history = suite.pledges.events(senior.position.block_number, released.position.block_number)
    active: list[int] = []
    for event in history:
        if event.position.block_number > both_block:
            break
        if isinstance(event, Pledged) and event.asset_id == asset.asset_id:
            active.append(event.lien_id)
        elif isinstance(event, Released | Enforced):
            active.remove(event.lien_id)
    assert active == [lien.lien_id for lien in then.liens]


def _node() -> str:
    """Node 22 installed by ``make install``, else whatever ``node`` is on PATH."""
    bundled = REPO_ROOT / ".tools" / "node22" / "node_modules" / ".bin" / "node"
    found = str(bundled) if bundled.exists() else shutil.which("node")
    if found is None:
        pytest.fail("node is not installed: run `make install`")
    return found


def test_lender_pledges_with_the_owners_ethers_signature(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    terms = _terms(suite, asset, actors.lender.address)
    deadline = chain_time(suite) + 3600
    nonce = suite.pledges.nonces(actors.owner.address)
    request = {
        "privateKey": "0x" + bytes(actors.owner.key).hex(),
        "chainId": str(suite.pledges.w3.eth.chain_id),
        "verifyingContract": suite.pledges.address,
        "message": {
            "assetId": str(terms.asset_id),
            "lender": terms.lender,
            "amount": str(terms.amount),
            "currencyCode": "0x" + terms.currency_code.hex(),
            "maturity": str(terms.maturity),
            "officialRegistrationNo": "0x" + terms.official_registration_no.hex(),
            "nonce": str(nonce),
            "deadline": str(deadline),
        },
    }
    completed = subprocess.run(
        [_node(), str(REPO_ROOT / "contracts" / "scripts" / "sign-pledge-consent.mjs")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        timeout=60,
    )
    signed = json.loads(completed.stdout)
    assert signed["signer"] == actors.owner.address
    expected_digest = suite.pledges.consent_digest(terms, nonce=nonce, deadline=deadline)
    assert bytes.fromhex(signed["digest"][2:]) == expected_digest
    pledged = as_actor(suite, actors, actors.lender).pledges.pledge(
        terms, deadline=deadline, signature=bytes.fromhex(signed["signature"][2:])
    )
    assert pledged.owner == actors.owner.address
    assert suite.pledges.nonces(actors.owner.address) == nonce + 1


def test_a_lien_moves_to_another_lender_only_with_both_lenders(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    pledged = _pledge_with_consent(suite, actors, asset, "lender")
    old, new = as_actor(suite, actors, actors.lender), as_actor(suite, actors, actors.lender2)
    deadline = chain_time(suite) + 3600
    # The new lender signs its own consent and sends it: not the old lender's consent.
    own = suite.pledges.sign_lien_transfer(
        actors.lender2, pledged.lien_id, from_=actors.lender.address, to=actors.lender2.address,
        how=LenderChange.ASSIGNMENT, deadline=deadline,
    )  # fmt: skip
    with pytest.raises(TransactionFailed) as refused:
        new.pledges.assign_lien(
            pledged.lien_id, actors.lender2.address, deadline=deadline, signature=own
        )
    assert refused.value.error_name == "InvalidTransferSignature"
    changed = old.pledges.assign_lien(
        pledged.lien_id, actors.lender2.address, deadline=deadline, signature=own
    )
    assert (changed.old_lender, changed.new_lender) == (
        actors.lender.address,
        actors.lender2.address,
    )
    assert changed.how is LenderChange.ASSIGNMENT
    assert suite.pledges.lien_of(pledged.lien_id).lender == actors.lender2.address

    reduced = new.pledges.reduce_lien(pledged.lien_id, 1_000)
    assert (reduced.old_amount, reduced.new_amount) == (5_000_000_00, 1_000)
    assert suite.pledges.lien_of(pledged.lien_id).amount == 1_000

    proposed = suite.pledges.propose_lender_recovery(pledged.lien_id, actors.lender.address)
    assert proposed.executable_at == chain_time(suite) + RECOVERY_DELAY
    assert suite.pledges.pending_recovery(pledged.lien_id) is not None
    new.pledges.cancel_lender_recovery(pledged.lien_id)
    assert suite.pledges.pending_recovery(pledged.lien_id) is None


def test_a_junior_lien_is_enforced_after_its_grace_period(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    senior = _pledge_with_consent(suite, actors, asset, "lender")
    as_actor(suite, actors, actors.lender).pledges.approve_junior_lien(
        senior.lien_id, actors.lender2.address
    )
    junior = _pledge_with_consent(suite, actors, asset, "lender2")
    junior_lender = as_actor(suite, actors, actors.lender2)
    advance_time(suite.pledges.w3, 31 * DAY)
    with pytest.raises(TransactionFailed) as early:
        junior_lender.pledges.enforce(junior.lien_id, actors.buyer.address)
    assert early.value.error_name == "LienNotSenior"
    assert early.value.error_args[2] == junior.maturity + JUNIOR_ENFORCEMENT_GRACE
    advance_time(suite.pledges.w3, JUNIOR_ENFORCEMENT_GRACE)
    junior_lender.pledges.enforce(junior.lien_id, actors.buyer.address)
    assert suite.rights_asset.owner_of(asset.asset_id) == actors.buyer.address
    assert [r.lien_id for r in suite.pledges.active_liens(asset.asset_id)] == [senior.lien_id]


def test_an_attested_registration_ranks_a_lien_before_unregistered_ones(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    senior = _pledge_with_consent(suite, actors, asset, "lender")
    as_actor(suite, actors, actors.lender).pledges.approve_junior_lien(
        senior.lien_id, actors.lender2.address
    )
    junior = _pledge_with_consent(suite, actors, asset, "lender2")
    number = registration_number("2026-Z-00099999")
    with pytest.raises(TransactionFailed) as lender_attests:
        as_actor(suite, actors, actors.lender2).pledges.attest_registration(
            junior.lien_id, number, chain_time(suite)
        )
    assert lender_attests.value.error_name == "AccessControlUnauthorizedAccount"
    suite.pledges.grant_role(REGISTRY_AUTHORITY_ROLE, actors.regulator.address)
    authority = as_actor(suite, actors, actors.regulator)
    attested = authority.pledges.attest_registration(junior.lien_id, number, chain_time(suite) - 60)
    assert attested.official_registration_no == number
    assert [r.lien_id for r in suite.pledges.active_liens(asset.asset_id)] == [
        junior.lien_id,
        senior.lien_id,
    ]
    reordered = [e for e in suite.pledges.events(0, "latest") if isinstance(e, LiensReordered)]
    assert reordered[-1].lien_ids == (junior.lien_id, senior.lien_id)
    assert suite.pledges.registration_time_of(junior.lien_id) == attested.registered_at

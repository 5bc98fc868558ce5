"""LicencesClient against real Anvil: grants, the licence question, exclusivity, revocation."""

from __future__ import annotations

import pytest

from chain_client.errors import TransactionFailed
from chain_client.licences import LicenceTerms
from chain_client.pledges import (
    LicensingConsentUsed,
    PledgeTerms,
    currency_code,
    licence_consent_digest,
)
from chain_client.rights_assets import Right, Tokenized, rights_mask
from chain_client.suite import Suite
from tests.chain_client.conftest import Actors, as_actor

CHINA = 156
YEAR = 365 * 24 * 3600


def _terms(suite: Suite, asset: Tokenized, licensee: str, **overrides: object) -> LicenceTerms:
    now = int(suite.licences.w3.eth.get_block("latest")["timestamp"])
    values: dict[str, object] = {
        "asset_id": asset.asset_id,
        "licensee": licensee,
        "rights": rights_mask(Right.INFORMATION_NETWORK),
        "territory": CHINA,
        "start": now + 60,  # not before the grant, whenever it is mined
        "end": now + YEAR,
        "exclusive": True,
        "revocable": True,
        "terms_digest": b"\x07" * 32,
    }
    values.update(overrides)
    return LicenceTerms(**values)  # type: ignore[arg-type]


def test_granted_licence_answers_the_licence_question(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    owner = as_actor(suite, actors, actors.owner)
    terms = _terms(suite, asset, actors.buyer.address)
    granted = owner.licences.grant(terms)
    assert granted.licensor == actors.owner.address
    assert granted.terms_digest == b"\x07" * 32
    network = Right.INFORMATION_NETWORK
    assert (
        suite.licences.is_licensed(
            asset.asset_id, actors.buyer.address, network, CHINA, terms.start
        )
        == granted.licence_id
    )
    assert (
        suite.licences.is_licensed(asset.asset_id, actors.buyer.address, network, 392, terms.start)
        is None
    )
    exclusive = suite.licences.exclusive_licences(asset.asset_id)
    assert [entry.licence_id for entry in exclusive] == [granted.licence_id]
    assert exclusive[0].licence.licensee == actors.buyer.address


def test_overlapping_licence_is_refused_by_an_exclusive_one(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    owner = as_actor(suite, actors, actors.owner)
    first = owner.licences.grant(_terms(suite, asset, actors.buyer.address))
    with pytest.raises(TransactionFailed) as caught:
        owner.licences.grant(_terms(suite, asset, actors.lender.address, exclusive=False))
    assert caught.value.error_name == "LicenceConflict"
    assert caught.value.error_args == (asset.asset_id, first.licence_id)
    assert suite.licences.licence_ids_of(asset.asset_id) == [first.licence_id]


def test_revocable_licence_is_revoked_by_the_owner(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    owner = as_actor(suite, actors, actors.owner)
    granted = owner.licences.grant(_terms(suite, asset, actors.buyer.address))
    revoked = owner.licences.revoke(granted.licence_id, b"\x09" * 32)
    assert revoked.licensor == actors.owner.address
    assert suite.licences.licence_of(granted.licence_id).revoked
    with pytest.raises(TransactionFailed) as caught:
        owner.licences.revoke(granted.licence_id, b"\x09" * 32)
    assert caught.value.error_name == "LicenceNotInForce"


def test_stranger_cannot_grant(suite: Suite, actors: Actors, asset: Tokenized) -> None:
    with pytest.raises(TransactionFailed) as caught:
        as_actor(suite, actors, actors.buyer).licences.grant(
            _terms(suite, asset, actors.lender.address)
        )
    assert caught.value.error_name == "NotAssetOwner"
    assert suite.licences.licence_count() == 0


def test_pledged_asset_is_licensed_only_with_a_one_shot_consent_to_those_terms(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    now = int(suite.pledges.w3.eth.get_block("latest")["timestamp"])
    terms = PledgeTerms(
        asset_id=asset.asset_id,
        lender=actors.lender.address,
        amount=1_000_00,
        currency_code=currency_code("CNY"),
        maturity=now + 30 * 24 * 3600,
    )
    deadline = now + 3600
    signature = suite.pledges.sign_consent(actors.owner, terms, deadline=deadline)
    lender = as_actor(suite, actors, actors.lender)
    lien = lender.pledges.pledge(terms, deadline=deadline, signature=signature)
    owner = as_actor(suite, actors, actors.owner)
    licence = _terms(suite, asset, actors.buyer.address, exclusive=False)
    digest = licence_consent_digest(licence)
    assert digest == suite.pledges.licence_consent_digest(licence)

    # The owner's affiliate asks for more than the lender consented to: refused.
    consented = lender.pledges.set_licensing_consent(lien.lien_id, digest)
    assert consented.licence_digest == digest
    wider = _terms(suite, asset, actors.buyer.address, exclusive=True, revocable=False)
    with pytest.raises(TransactionFailed) as other_terms:
        owner.licences.grant(wider)
    assert other_terms.value.error_name == "LicenceNotConsented"
    assert other_terms.value.error_args == (
        asset.asset_id,
        lien.lien_id,
        licence_consent_digest(wider),
    )

    owner.licences.grant(licence)
    assert suite.pledges.licence_consent_of(lien.lien_id) == bytes(32)
    used = [e for e in suite.pledges.events(0, "latest") if isinstance(e, LicensingConsentUsed)]
    assert [(event.lien_id, event.licence_digest) for event in used] == [(lien.lien_id, digest)]
    with pytest.raises(TransactionFailed) as twice:
        owner.licences.grant(licence)
    assert twice.value.error_name == "LicenceNotConsented"

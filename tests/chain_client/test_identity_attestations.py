"""IdentityAttestationsClient against real Anvil: the registry's account records and revokes a
party's commitment; any other account is refused; an older suite record gains the contract."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from chain_client.deployment import ensure_suite, load_record, save_record
from chain_client.errors import TransactionFailed
from chain_client.identity_attestations import (
    ATTESTOR_ROLE,
    AttestationRevoked,
    Attested,
    party_key,
)
from chain_client.suite import Suite
from chain_client.transactions import TransactionSender
from tests.chain_client.conftest import Actors, as_actor

PARTY = "party_5f0c2a9e4b7d1c33"
COMMITMENT = bytes.fromhex("99d42d0e3a2877388b0934b442f9f4a1a903275b4135130cb0c2fc3ec32cce07")
SIGNATURE = b"\x2f" * 64
REASON = b"\x07" * 32


def test_attest_and_revoke_are_evented(suite: Suite, actors: Actors) -> None:
    ledger = suite.identity_attestations
    assert ledger is not None
    assert ledger.has_role(ATTESTOR_ROLE, actors.admin.address)
    expires = int(time.time()) + 365 * 86400
    attested = ledger.attest(PARTY, COMMITMENT, expires, SIGNATURE)
    assert attested.party == party_key(PARTY)
    assert (attested.commitment, attested.expires_at) == (COMMITMENT, expires)
    assert attested.attestor_signature == SIGNATURE
    assert ledger.is_verified(PARTY)
    assert ledger.attestation_of(PARTY).commitment == COMMITMENT

    revoked = ledger.revoke(PARTY, COMMITMENT, REASON)
    assert revoked.reason_digest == REASON
    assert not ledger.is_verified(PARTY)
    assert ledger.attestation_of(PARTY).revoked
    history = ledger.events(attested.position.block_number, "latest")
    assert [type(e) for e in history] == [Attested, AttestationRevoked]


def test_another_account_cannot_attest(suite: Suite, actors: Actors) -> None:
    stranger = as_actor(suite, actors, actors.owner).identity_attestations
    assert stranger is not None
    with pytest.raises(TransactionFailed) as caught:
        stranger.attest(PARTY, COMMITMENT, int(time.time()) + 86400, SIGNATURE)
    assert caught.value.error_name == "AccessControlUnauthorizedAccount"
    assert suite.identity_attestations is not None
    assert not suite.identity_attestations.is_verified(PARTY)


def test_a_suite_recorded_before_it_gains_the_contract(
    sender: TransactionSender, tmp_path: Path
) -> None:
    record_path = tmp_path / "deployment.json"
    suite, start_block, _ = ensure_suite(sender, record_path)
    record = load_record(record_path)
    assert record is not None
    assert record.suite is not None
    older = replace(record, suite=replace(record.suite, identity_attestations=None))
    save_record(record_path, older)
    grown, grown_start, deployed = ensure_suite(sender, record_path)
    assert deployed
    assert grown_start == start_block
    assert grown.registry_anchor.address == suite.registry_anchor.address
    assert grown.rights_asset.address == suite.rights_asset.address
    assert grown.identity_attestations is not None
    assert grown.identity_attestations.address != suite.identity_attestations.address  # type: ignore[union-attr]
    again = load_record(record_path)
    assert again is not None
    assert again.suite == grown.addresses

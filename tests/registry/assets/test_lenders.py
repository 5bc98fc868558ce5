"""The lender role, granted and revoked through the assets service, on a real suite on Anvil."""

from __future__ import annotations

import pytest
from eth_account import Account

from chain_client.roles import LENDER_ROLE
from registry.core.errors import InvalidAddress
from registry.platform.runtime import Runtime


def test_grant_is_seen_on_chain_and_sent_once(runtime: Runtime) -> None:
    lender = Account.create().address
    assets = runtime.assets
    assert assets.lender_role(lender).lender is False
    granted = assets.grant_lender(lender)
    assert (granted.address, granted.lender, granted.changed) == (lender, True, True)
    assert runtime.suite().pledges.has_role(LENDER_ROLE, lender)
    nonce = runtime.w3.eth.get_transaction_count(runtime.sender.account.address)
    assert assets.grant_lender(lender.lower()).changed is False
    assert runtime.w3.eth.get_transaction_count(runtime.sender.account.address) == nonce

    revoked = assets.revoke_lender(lender)
    assert (revoked.lender, revoked.changed) == (False, True)
    assert revoked.tx_hash is not None
    assert not runtime.suite().pledges.has_role(LENDER_ROLE, lender)
    assert assets.revoke_lender(lender).changed is False


def test_not_an_address_is_refused(runtime: Runtime) -> None:
    with pytest.raises(InvalidAddress):
        runtime.assets.grant_lender("0x" + "00" * 20)
    with pytest.raises(InvalidAddress):
        runtime.assets.revoke_lender("lender")

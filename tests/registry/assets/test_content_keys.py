"""grant_content_key against real Anvil: the licence on chain is asked about at the time of the
clock the service is given, not the machine's, in whatever territory it was granted."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from chain_client.licences import LicenceTerms
from chain_client.rights_assets import Right
from chain_client.transactions import TransactionSender
from crypto.signing import generate_private_key
from crypto.sm2 import SM2PrivateKey
from registry.assets.content_keys import content_key_request, grant_content_key
from registry.assets.rights_assets import grant_licence, tokenize
from registry.core.errors import NotLicensed
from registry.core.metadata import WorkMetadata
from registry.platform.runtime import Runtime
from registry.registration.registrar import Registrar
from tests.chain_client.conftest import ROLE_KEYS

OWNER = Account.from_key(ROLE_KEYS["owner"])
LICENSEE = Account.from_key(ROLE_KEYS["buyer"])
RIGHT = "information_network"


@pytest.mark.parametrize("territory", [0, 156])  # worldwide, or China alone: the same key
def test_the_licence_is_checked_at_the_injected_clocks_time(
    runtime: Runtime, territory: int
) -> None:
    registrar = Registrar(
        runtime.sessions,
        runtime.store,
        max_bytes=1 << 20,
        now=runtime.now,
        protection=runtime.protection,
    )
    number = registrar.register(
        io.BytesIO(f"licensed private work {time.time_ns()}".encode()),
        WorkMetadata(title="私有作品"),
    ).number
    assert runtime.new_batcher().run_once().error is None
    suite = runtime.suite()
    asset = tokenize(runtime.sessions, suite, number, OWNER.address)
    owner = TransactionSender(runtime.w3, OWNER)
    chain_now = int(runtime.w3.eth.get_block("latest")["timestamp"])
    grant_licence(
        suite.as_sender(owner),
        owner,
        LicenceTerms(
            asset_id=asset.asset_id,
            licensee=LICENSEE.address,
            rights=1 << int(Right.INFORMATION_NETWORK),
            territory=territory,
            start=chain_now + 60,  # a licence starts no earlier than its grant
            end=chain_now + 3600,
        ),
    )
    platform_key = generate_private_key("sm2")
    assert isinstance(platform_key, SM2PrivateKey)
    request = content_key_request(number, LICENSEE.address, RIGHT, platform_key.public_key)
    signature = bytes(LICENSEE.sign_message(encode_defunct(request)).signature)

    def ask_at(moment: datetime) -> object:
        return grant_content_key(
            runtime.sessions, suite, runtime.protection, number,
            licensee=LICENSEE.address, right=RIGHT, recipient=platform_key.public_key,
            signature=signature, now=lambda: moment,
        )  # fmt: skip

    licensed_at = datetime.fromtimestamp(chain_now + 60, UTC)
    with pytest.raises(NotLicensed):
        ask_at(licensed_at - timedelta(seconds=1))
    assert ask_at(licensed_at) is not None
    with pytest.raises(NotLicensed):
        ask_at(licensed_at + timedelta(hours=2))

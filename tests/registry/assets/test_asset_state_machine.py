"""A model-based test of the asset services: transfers, licences, pledges, releases, freezes and
restores in random orders on a real suite on Anvil, checked after every step against a simple
model — a frozen or pledged asset never moves, a pledged one is not licensed without its
lender's consent, a second pledge is refused, and the chain agrees."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from eth_account import Account
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from web3 import Web3

from chain_client.connection import connect
from chain_client.licences import LicenceTerms
from chain_client.moderation import asset_target
from chain_client.pledges import PledgeTerms, currency_code
from chain_client.suite import Suite, deploy_suite
from chain_client.transactions import TransactionSender
from cli.launcher import AnvilProcess
from registry.assets.rights_assets import OwnerConsent, grant_licence, pledge, release, transfer
from registry.core import errors
from registry.core.settings import DEV_CHAIN_PRIVATE_KEY
from tests.chain_client.conftest import ROLE_KEYS
from tests.chain_client.conftest import tokenize as tokenize_on_chain
from tests.conftest import free_port

ACCOUNTS = {name: Account.from_key(key) for name, key in ROLE_KEYS.items()}
HOLDERS = ("owner", "buyer")
ASSETS = 3


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilProcess]:
    with AnvilProcess(port=free_port(), workdir=tmp_path_factory.mktemp("model-anvil")) as anvil:
        yield anvil


@dataclass
class AssetModel:
    holder: str = "owner"
    frozen: bool = False
    liens: list[int] = field(default_factory=list)
    licences: int = 0


class AssetMachine(RuleBasedStateMachine):
    rpc_url = ""

    def __init__(self) -> None:
        super().__init__()
        w3 = connect(self.rpc_url)
        admin = TransactionSender(w3, Account.from_key(DEV_CHAIN_PRIVATE_KEY), poll_latency=0.01)
        self.senders = {
            name: TransactionSender(w3, account, poll_latency=0.01)
            for name, account in ACCOUNTS.items()
        }
        self.suite: Suite = deploy_suite(
            admin,
            moderators=[ACCOUNTS["moderator"].address],
            lenders=[ACCOUNTS["lender"].address],
        )
        leaves = [bytes(Web3.keccak(text=f"model {n} {time.time_ns()}")) for n in range(ASSETS)]
        self.asset_ids = [
            tokenize_on_chain(self.suite, ACCOUNTS["owner"].address, leaves, n).asset_id
            for n in range(ASSETS)
        ]
        self.model = [AssetModel() for _ in range(ASSETS)]

    def as_(self, name: str) -> tuple[Suite, TransactionSender]:
        return self.suite.as_sender(self.senders[name]), self.senders[name]

    @rule(n=st.integers(0, ASSETS - 1))
    def transfer_to_the_other_holder(self, n: int) -> None:
        model = self.model[n]
        to = HOLDERS[1 - HOLDERS.index(model.holder)]
        suite, sender = self.as_(model.holder)
        expected = errors.Frozen if model.frozen else errors.Encumbered if model.liens else None
        if expected is None:
            transfer(suite, sender, self.asset_ids[n], ACCOUNTS[to].address)
            model.holder = to
        else:
            with pytest.raises(expected):
                transfer(suite, sender, self.asset_ids[n], ACCOUNTS[to].address)

    @rule(n=st.integers(0, ASSETS - 1))
    def holder_pledges_to_the_lender(self, n: int) -> None:
        model = self.model[n]
        suite, sender = self.as_(model.holder)
        now = int(self.suite.rights_asset.w3.eth.get_block("latest")["timestamp"])
        terms = PledgeTerms(
            asset_id=self.asset_ids[n],
            lender=ACCOUNTS["lender"].address,
            amount=1_000_000,
            currency_code=currency_code("CNY"),
            maturity=now + 365 * 24 * 3600,
        )
        # The holder sends the pledge with the lender's signed offer of its terms.
        deadline = now + 3600
        offer = OwnerConsent(
            deadline, self.suite.pledges.sign_offer(ACCOUNTS["lender"], terms, deadline=deadline)
        )
        expected = errors.Frozen if model.frozen else errors.AlreadyPledged if model.liens else None
        if expected is None:
            model.liens.append(pledge(suite, sender, terms, offer).lien_id)
        else:
            with pytest.raises(expected):
                pledge(suite, sender, terms, offer)

    @rule(n=st.integers(0, ASSETS - 1))
    def holder_licenses_a_platform(self, n: int) -> None:
        model = self.model[n]
        suite, sender = self.as_(model.holder)
        held = self.suite.rights_asset.asset_terms(self.asset_ids[n])
        now = int(self.suite.rights_asset.w3.eth.get_block("latest")["timestamp"])
        terms = LicenceTerms(
            asset_id=self.asset_ids[n],
            licensee=ACCOUNTS["regulator"].address,  # any account but the holders
            rights=held.rights & -held.rights,  # one right the asset holds
            territory=held.territory,
            start=now + 60,  # a licence starts no earlier than its grant
            end=min(now + 365 * 24 * 3600, held.term_end),
        )
        expected = errors.Frozen if model.frozen else errors.Encumbered if model.liens else None
        if expected is None:
            grant_licence(suite, sender, terms)
            model.licences += 1
        else:
            with pytest.raises(expected):
                grant_licence(suite, sender, terms)

    @rule(n=st.integers(0, ASSETS - 1))
    def lender_releases(self, n: int) -> None:
        model = self.model[n]
        if not model.liens:
            return
        suite, sender = self.as_("lender")
        release(suite, sender, model.liens.pop())

    @rule(n=st.integers(0, ASSETS - 1))
    def moderator_freezes_or_restores(self, n: int) -> None:
        model = self.model[n]
        moderation = self.as_("moderator")[0].moderation
        target = asset_target(self.asset_ids[n])
        if model.frozen:
            moderation.restore(target, b"\x02" * 32)
        else:
            moderation.freeze(target, b"\x01" * 32)
        model.frozen = not model.frozen

    @invariant()
    def chain_agrees_with_the_model(self) -> None:
        for asset_id, model in zip(self.asset_ids, self.model, strict=True):
            assert self.suite.rights_asset.owner_of(asset_id) == ACCOUNTS[model.holder].address
            assert self.suite.pledges.active_lien_count(asset_id) == len(model.liens)
            assert self.suite.moderation.is_frozen(asset_target(asset_id)) == model.frozen
            assert len(self.suite.licences.licence_ids_of(asset_id)) == model.licences


@pytest.mark.slow
def test_asset_services_against_a_model(node: AnvilProcess) -> None:
    AssetMachine.rpc_url = node.rpc_url
    run_state_machine_as_test(
        AssetMachine,
        settings=settings(
            max_examples=8,
            stateful_step_count=15,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )

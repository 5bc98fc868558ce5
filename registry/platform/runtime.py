"""Everything a running banquan needs, built once from settings at the entry point."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from eth_account import Account
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3.types import Wei

from chain_client.connection import connect, translate_errors
from chain_client.deployment import ensure_suite, load_record, suite_at
from chain_client.errors import ChainError
from chain_client.moderation import MODERATOR_ROLE, ModerationClient
from chain_client.moderation import REGULATOR_ROLE as MODERATION_REGULATOR_ROLE
from chain_client.registry_anchor import REGULATOR_ROLE as ANCHOR_REGULATOR_ROLE
from chain_client.registry_anchor import RegistryAnchorClient
from chain_client.roles import RoleAdministered, RoleGrantPending
from chain_client.suite import Suite, SuiteAddresses
from chain_client.suite_events import block_times
from chain_client.transactions import TransactionSender
from crypto.symmetric import Cipher
from registry.access.attestation import (
    AttestationLedger,
    Attestors,
    send_pending_attestations,
    send_pending_unbindings,
)
from registry.assets import Assets, FollowedSuite, FollowResult, follow_chain, rebuild_chain_state
from registry.content import (
    ContentProtection,
    ContentStore,
    KuboContentStore,
    LocalBlockstore,
    read_master_key_file,
)
from registry.core.database import create_database_engine, session_factory
from registry.core.errors import ChainUnreachable, ContractsNotConfigured
from registry.core.group_commit import GroupCommitter
from registry.core.settings import Settings
from registry.editions import Editions
from registry.editions.follower import edition_handlers
from registry.moderation import (
    HookChain,
    Moderation,
    ModerationEvents,
    ModerationGate,
    build_hook_chain,
)
from registry.platform.attestors import ChainLedger, load_attestors
from registry.platform.evidence_support import load_operator_key, rights_state_reader
from registry.platform.external_chains import ExternalChainHandle, external_chain_handles
from registry.platform.moderator_account import load_moderator_account
from registry.proofs import (
    AnchoringPolicy,
    Batcher,
    Proofs,
    release_batches_missing_on_chain,
    timestamper_for,
)
from registry.proofs.evidence import Evidence
from registry.proofs.external_anchoring import ExternalAnchorer, ExternalPolicy
from registry.registration import Registrar

if TYPE_CHECKING:  # psycopg's asyncio side is imported only for a PostgreSQL database
    from registry.proofs.loop_lookups import LoopLookups


def utc_now() -> datetime:
    return datetime.now(UTC)


# What the registry's account gives the development moderator account to send with (wei).
DEV_MODERATOR_FUNDS = 10**18


@dataclass
class Runtime:
    """Database, content store and chain access of one banquan instance."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    store: ContentStore
    w3: Web3
    sender: TransactionSender
    now: Callable[[], datetime] = utc_now
    moderation_chain: HookChain = field(default_factory=lambda: HookChain(()))
    moderation_events: ModerationEvents = field(default_factory=ModerationEvents)
    external_chains: list[ExternalChainHandle] = field(default_factory=list)
    _anchor: RegistryAnchorClient | None = field(default=None, init=False)
    _followed: FollowedSuite | None = field(default=None, init=False)
    _anchor_lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def anchor_client(self) -> RegistryAnchorClient:
        """The ``RegistryAnchor`` in use, resolved on first need (the chain may start later).

        With ``anchor_address`` set, that contract is used and must hold the expected code. In
        dev mode without it, the whole contract suite is deployed once and remembered in the data
        directory; a reset chain is noticed (the anchor's code is checked on every call) and the
        suite redeployed. Batches whose roots the contract does not know are re-opened and
        anchored again.
        """
        return self._resolved()[0]

    def followed_suite(self) -> FollowedSuite:
        """The contract suite in use (sending as the registrar) and its first block.

        Dev mode deploys and remembers it with the anchor; otherwise it is built from the
        ``*_ADDRESS`` settings, and :class:`ContractsNotConfigured` is raised when they are unset.
        """
        followed = self._resolved()[1]
        if followed is None:
            raise ContractsNotConfigured(
                "the asset contracts are not configured: set BANQUAN_MODERATION_ADDRESS, "
                "BANQUAN_RIGHTS_ASSET_ADDRESS, BANQUAN_PLEDGES_ADDRESS, BANQUAN_LICENCES_ADDRESS "
                "and BANQUAN_ENCUMBRANCES_ADDRESS"
            )
        return followed

    def suite(self) -> Suite:
        """The contract suite in use, its transactions sent by the registrar account."""
        return self.followed_suite().suite

    def _resolved(self) -> tuple[RegistryAnchorClient, FollowedSuite | None]:
        with self._anchor_lock:
            try:
                if self._anchor is not None:
                    if self._anchor.has_expected_code():
                        return self._anchor, self._followed
                    self.sender.forget_nonce()  # the chain was reset under us
                anchor, followed = self._resolve_contracts()
                release_batches_missing_on_chain(self.sessions, anchor)
            except ChainError as exc:
                raise ChainUnreachable(f"chain not ready: {exc}") from exc
            self._anchor, self._followed = anchor, followed
            return anchor, followed

    def _resolve_contracts(self) -> tuple[RegistryAnchorClient, FollowedSuite | None]:
        settings = self.settings
        if not settings.anchor_address:
            suite, start_block, _ = ensure_suite(self.sender, settings.deployment_file)
            return suite.registry_anchor, self._followed_suite(suite, start_block)
        anchor = RegistryAnchorClient(self.w3, settings.anchor_address, self.sender)
        anchor.ensure_deployed()
        if not all(settings.suite_addresses_given):
            return anchor, None
        addresses = SuiteAddresses(
            registry_anchor=settings.anchor_address,
            moderation=str(settings.moderation_address),
            rights_asset=str(settings.rights_asset_address),
            pledges=str(settings.pledges_address),
            licences=str(settings.licences_address),
            encumbrances=str(settings.encumbrances_address),
            identity_attestations=settings.identity_attestations_address,
            editions=settings.editions_address,
        )
        suite = suite_at(self.w3, addresses, self.sender)
        return anchor, self._followed_suite(suite, settings.suite_start_block)

    def _followed_suite(self, suite: Suite, start_block: int) -> FollowedSuite:
        """The suite as the follower reads it, the editions' events folded by their handlers."""
        handlers = (
            edition_handlers(suite.editions.address, block_times(self.w3))
            if suite.editions is not None
            else {}
        )
        return FollowedSuite(suite, start_block, handlers)

    def follow_chain(self) -> FollowResult:
        """Bring the chain-derived tables up to ``head - confirmations`` (see
        registry.assets.follower)."""
        return follow_chain(
            self.sessions, self.followed_suite(), confirmations=self.settings.chain_confirmations
        )

    def rebuild_chain_state(self) -> FollowResult:
        """Wipe the chain-derived tables and replay them from the suite's first block."""
        return rebuild_chain_state(
            self.sessions, self.followed_suite(), confirmations=self.settings.chain_confirmations
        )

    def moderation_gate(self, submitted_by: str | None) -> ModerationGate:
        """The hook chain a registration by ``submitted_by`` (an API key id) passes."""
        return ModerationGate(self.moderation_chain, submitted_by, self.moderation_events)

    def moderation_client(self, authority: str = "regulator") -> ModerationClient:
        """The suite's ``Moderation``, sending as the account of ``authority``: a regulator's
        decision as the registry's account (in dev mode granted ``REGULATOR_ROLE`` on first
        need), a moderator's as the moderator account (``registry.platform.moderator_account``;
        in dev mode funded and granted ``MODERATOR_ROLE`` on first need). Elsewhere an operator
        grants each account its role."""
        moderation = self.suite().moderation
        if authority != "moderator":
            self._grant_dev_role(moderation, MODERATION_REGULATOR_ROLE, self.sender.address)
            return moderation
        sender = self.moderator_sender
        if self._embedded_dev_suite:
            try:
                with translate_errors():
                    balance = self.w3.eth.get_balance(Web3.to_checksum_address(sender.address))
                if balance < DEV_MODERATOR_FUNDS // 10:
                    self.sender.send({"to": sender.address, "value": Wei(DEV_MODERATOR_FUNDS)})
            except ChainError as exc:
                raise ChainUnreachable(f"chain not ready: {exc}") from exc
            self._grant_dev_role(moderation, MODERATOR_ROLE, sender.address)
        return moderation.with_sender(sender)

    @cached_property
    def moderator_sender(self) -> TransactionSender:
        """The account a moderator's takedowns and restores are sent from (one nonce keeper)."""
        return TransactionSender(self.w3, load_moderator_account(self.settings))

    def regulator_anchor_client(self) -> RegistryAnchorClient:
        """The ``RegistryAnchor`` in use, sending as the registry's account to carry out a
        regulator's revocation. In dev mode the account (the contract's admin) is granted
        ``REGULATOR_ROLE`` on first need; elsewhere an operator grants it."""
        anchor = self.anchor_client()
        self._grant_dev_role(anchor, ANCHOR_REGULATOR_ROLE, self.sender.address)
        return anchor

    @property
    def _embedded_dev_suite(self) -> bool:
        return self.settings.mode == "dev" and not self.settings.anchor_address

    def _grant_dev_role(self, contract: RoleAdministered, role: bytes, account: str) -> None:
        """In dev mode on the embedded suite, give ``account`` ``role`` on ``contract`` if it
        lacks it (the registry's account is the admin). A grant still waiting out the contract's
        delay is a configuration state (its ``ready_at`` told), not a chain outage."""
        if not self._embedded_dev_suite:
            return
        try:
            if not contract.has_role(role, account):
                contract.grant_role(role, account)
        except RoleGrantPending as pending:
            raise ContractsNotConfigured(
                f"a role on {type(contract).__name__} is scheduled for {account}; it can be "
                "executed from ready_at",
                details={"account": account, "ready_at": pending.ready_at},
            ) from pending
        except ChainError as exc:
            raise ChainUnreachable(f"chain not ready: {exc}") from exc

    @property
    def assets(self) -> Assets:
        """Rights assets, licences, liens and relayed writes (see ``registry.assets``)."""
        return Assets(
            sessions=self.sessions, suite=self.suite, protection=self.protection, now=self.now
        )

    @property
    def editions(self) -> Editions:
        """Numbered editions of registered works (see ``registry.editions``)."""
        return Editions(
            sessions=self.sessions,
            suite=self.suite,
            protection=self.protection,
            attestors=lambda: self.attestors,
            now=self.now,
            operator_name=self.settings.operator_name,
            public_base_url=self.settings.public_base_url,
        )

    @property
    def moderation(self) -> Moderation:
        """Review, blocklist, takedowns and the audit log (see ``registry.moderation``)."""
        return Moderation(
            sessions=self.sessions,
            now=self.now,
            chain=self.moderation_client,
            events=self.moderation_events,
            anchor=self.regulator_anchor_client,
        )

    @property
    def proofs(self) -> Proofs:
        """Lookups, proof checks, bundles and certificates (see ``registry.proofs``)."""
        return Proofs(
            sessions=self.sessions,
            anchor_client=self.existing_anchor_client,
            public_base_url=self.settings.public_base_url,
            operator_name=self.settings.operator_name,
            timestamper=timestamper_for(self.settings, self.sessions, self.now),
            moderation_contract=self.known_moderation_address,
            local_lookups=self.engine.dialect.name == "sqlite",
            loop_lookups=self.loop_lookups,
        )

    @cached_property
    def loop_lookups(self) -> LoopLookups | None:
        """Lookups by SHA-256 awaited on the API's event loop: PostgreSQL only (a lookup in a
        database file on this machine runs on the loop as it is); opened by the API."""
        if self.engine.dialect.name != "postgresql":
            return None
        from registry.proofs.loop_lookups import LoopLookups
        from registry.proofs.verification import sha256_rows_query

        url = self.engine.url.render_as_string(hide_password=False)
        return LoopLookups(url, sha256_rows_query())

    @property
    def evidence(self) -> Evidence:
        """Evidence packages (存证报告) signed with the operator's SM2 key (see
        ``registry.proofs.evidence``)."""
        return Evidence(
            sessions=self.sessions,
            proofs=self.proofs,
            registrar=self.registrar,
            rights_state=rights_state_reader(self.assets, self.now),
            operator_key=lambda: load_operator_key(self.settings),
            now=self.now,
        )

    @property
    def registrar(self) -> Registrar:
        """The registrar every face registers works through (see ``registry.registration``)."""
        return Registrar(
            sessions=self.sessions,
            store=self.store,
            max_bytes=self.settings.max_upload_bytes,
            now=self.now,
            protection=self.protection,
            moderation=self.moderation_gate,
            committer=self.committer,
            asset_owner=self.assets.owner_now,
        )

    @cached_property
    def committer(self) -> GroupCommitter:
        """Commits the registrations of concurrent requests together (its thread starts on use)."""
        return GroupCommitter(self.sessions)

    @cached_property
    def attestors(self) -> Attestors:
        """The identity attestors accepted (and, in dev mode, the development attestor, its key
        created in the data directory on first need)."""
        return load_attestors(self.settings)

    def identity_ledger(self) -> AttestationLedger | None:
        """``IdentityAttestations``, sending as the registry's account (which holds
        ``ATTESTOR_ROLE``): deployed with the suite in dev mode, else
        ``BANQUAN_IDENTITY_ATTESTATIONS_ADDRESS``; None when not configured."""
        try:
            client = self.suite().identity_attestations
        except ContractsNotConfigured:
            return None
        return ChainLedger(client) if client is not None else None

    def send_pending_unbindings(self, key_ids: Sequence[int] | None = None) -> None:
        """Take the addresses of revoked keys and parties off ``IdentityAttestations`` as
        verified readers, where they are bound (what a revocation left pending): those of
        ``key_ids``, else every one."""
        send_pending_unbindings(self.sessions, ledger=self.identity_ledger, key_ids=key_ids)

    def send_pending_identity_records(self) -> None:
        """What the chain still lacks of the registry's identity records: attestations and
        their revocations, and the unbinding of revoked addresses (after each anchoring cycle,
        so that an outage delays them and loses none)."""
        send_pending_attestations(self.sessions, ledger=self.identity_ledger, now=self.now)
        self.send_pending_unbindings()

    @property
    def protection(self) -> ContentProtection:
        return ContentProtection(
            Cipher.parse(self.settings.content_cipher), self.settings.master_key_bytes
        )

    def existing_anchor_client(self) -> RegistryAnchorClient | None:
        """The ``RegistryAnchor`` in use if one is configured or remembered; never deploys."""
        if self.settings.anchor_address:
            return RegistryAnchorClient(self.w3, self.settings.anchor_address)
        record = load_record(self.settings.deployment_file)
        return RegistryAnchorClient(self.w3, record.registry_anchor) if record else None

    def known_moderation_address(self) -> str | None:
        """The suite's ``Moderation`` if one is configured or remembered; never deploys."""
        if self.settings.moderation_address:
            return self.settings.moderation_address
        record = load_record(self.settings.deployment_file)
        return record.suite.moderation if record and record.suite else None

    def new_batcher(self) -> Batcher:
        return Batcher(
            self.sessions,
            self.anchor_client,
            policy=self.anchoring_policy(),
            interval=self.settings.batch_interval_seconds,
            now=self.now,
            after_cycle=self._follow_if_configured,
        )

    def new_external_anchorers(self) -> list[ExternalAnchorer]:
        """One anchorer per configured external chain (second anchoring), each to run in a
        thread of its own beside the batcher."""
        policy = ExternalPolicy(
            retry_base=timedelta(seconds=self.settings.batch_interval_seconds),
            retry_max=timedelta(seconds=self.settings.external_retry_max_seconds),
            resend_after=timedelta(seconds=self.settings.resubmit_after_seconds),
        )
        return [
            ExternalAnchorer(
                self.sessions,
                handle.config.name,
                handle.resolve,
                policy=policy,
                interval=self.settings.batch_interval_seconds,
                now=self.now,
            )
            for handle in self.external_chains
        ]

    def _follow_if_configured(self) -> None:
        # Outside dev mode the asset contracts are optional: without them there is nothing to
        # follow, and anchoring goes on alone.
        try:
            followed = self.followed_suite()
        except ContractsNotConfigured:
            return
        follow_chain(self.sessions, followed, confirmations=self.settings.chain_confirmations)
        self.send_pending_identity_records()

    def anchoring_policy(self) -> AnchoringPolicy:
        return AnchoringPolicy(
            max_size=self.settings.batch_max_size,
            confirmations=self.settings.chain_confirmations,
            resubmit_after=timedelta(seconds=self.settings.resubmit_after_seconds),
        )

    def close(self) -> None:
        committer = self.__dict__.pop("committer", None)  # a later use builds a new one
        if committer is not None:
            committer.close()
        self.engine.dispose()
        self.store.close()


def _content_store(settings: Settings) -> ContentStore:
    if settings.content_backend == "kubo":
        return KuboContentStore.connect(settings.kubo_api_url)
    return LocalBlockstore(settings.content_dir)


def build_runtime(settings: Settings) -> Runtime:
    """Build the runtime described by ``settings`` (nothing is contacted yet).

    Raises :class:`InsecureKeyFile` or :class:`InvalidKeyFile` for a master key file that is
    not private to its owner or not usable (see ``registry.content.key_files``).
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.master_key_file is not None:
        master_key = read_master_key_file(settings.master_key_file, dev_mode=settings.mode == "dev")
        settings = settings.model_copy(update={"master_key": SecretStr(master_key)})
    moderation_chain = build_hook_chain(settings)  # a misconfigured chain stops start-up here
    engine = create_database_engine(settings.resolved_database_url)
    w3 = connect(settings.chain_rpc_url)
    account = Account.from_key(settings.chain_private_key.get_secret_value())
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        store=_content_store(settings),
        w3=w3,
        sender=TransactionSender(w3, account),
        moderation_chain=moderation_chain,
        external_chains=external_chain_handles(
            settings.external_chains, data_dir=settings.data_dir, dev_mode=settings.mode == "dev"
        ),
    )

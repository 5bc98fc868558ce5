"""Deploying and addressing the whole contract suite as one unit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chain_client.editions import EditionsClient
from chain_client.encumbrances import EncumbrancesClient
from chain_client.identity_attestations import IdentityAttestationsClient
from chain_client.licences import LicencesClient
from chain_client.moderation import ModerationClient
from chain_client.pledges import PledgesClient
from chain_client.registry_anchor import RegistryAnchorClient
from chain_client.rights_assets import ZERO_ADDRESS, RightsAssetClient
from chain_client.roles import (
    ATTESTOR_ROLE,
    LENDER_ROLE,
    MODERATOR_ROLE,
    REGISTRAR_ROLE,
    REGULATOR_ROLE,
    RoleAdministered,
    RoleGrantScheduled,
)
from chain_client.transactions import TransactionSender


@dataclass(frozen=True)
class SuiteAddresses:
    """Where each contract of the suite lives."""

    registry_anchor: str
    moderation: str
    rights_asset: str
    pledges: str
    licences: str
    encumbrances: str
    identity_attestations: str | None = None  # absent in records from before it
    editions: str | None = None  # absent in records from before it


@dataclass(frozen=True)
class Suite:
    """Typed clients of one deployed suite, all sending through the same account."""

    registry_anchor: RegistryAnchorClient
    moderation: ModerationClient
    rights_asset: RightsAssetClient
    pledges: PledgesClient
    licences: LicencesClient
    encumbrances: EncumbrancesClient
    identity_attestations: IdentityAttestationsClient | None = None
    editions: EditionsClient | None = None

    @property
    def addresses(self) -> SuiteAddresses:
        return SuiteAddresses(
            registry_anchor=self.registry_anchor.address,
            moderation=self.moderation.address,
            rights_asset=self.rights_asset.address,
            pledges=self.pledges.address,
            licences=self.licences.address,
            encumbrances=self.encumbrances.address,
            identity_attestations=(
                self.identity_attestations.address if self.identity_attestations else None
            ),
            editions=self.editions.address if self.editions else None,
        )

    def as_sender(self, sender: TransactionSender) -> Suite:
        """The same contracts, with transactions sent by ``sender``'s account."""
        return Suite(
            registry_anchor=self.registry_anchor.with_sender(sender),
            moderation=self.moderation.with_sender(sender),
            rights_asset=self.rights_asset.with_sender(sender),
            pledges=self.pledges.with_sender(sender),
            licences=self.licences.with_sender(sender),
            encumbrances=self.encumbrances.with_sender(sender),
            identity_attestations=(
                self.identity_attestations.with_sender(sender)
                if self.identity_attestations
                else None
            ),
            editions=self.editions.with_sender(sender) if self.editions else None,
        )


def deploy_suite(
    sender: TransactionSender,
    *,
    registrar: str | None = None,
    registrars: Iterable[str] = (),
    moderators: Iterable[str] = (),
    regulators: Iterable[str] = (),
    lenders: Iterable[str] = (),
    attestors: Iterable[str] = (),
    junior_liens_allowed: bool = False,
    registry_anchor: RegistryAnchorClient | None = None,
    moderation: ModerationClient | None = None,
    identity_attestations: IdentityAttestationsClient | None = None,
    generation: int = 0,
    predecessor: str | None = None,
    role_grant_delay: int = 0,
) -> Suite:
    """Deploy every contract, wire them together and grant the roles.

    ``sender`` (the deployer) becomes the default admin of every contract; ``registrar`` is
    made registrar of ``RegistryAnchor`` and ``RightsAsset`` by their constructors, so a deployer
    that names another registrar never holds ``REGISTRAR_ROLE`` (without ``registrar`` the
    deployer is the registrar: a single-key development chain). The other accounts are granted
    their roles on the contracts where the roles exist (registrars on ``RegistryAnchor`` and
    ``RightsAsset``, regulators on ``RegistryAnchor`` and ``Moderation``, moderators on
    ``Moderation``, lenders on ``Pledges``, further attestors on ``IdentityAttestations``) by
    :func:`grant_suite_roles`: operational roles in two steps ``role_grant_delay`` seconds apart
    (``DelayedRoleGrants``; with a delay they are left scheduled), lenders at once. Moving the
    admin role elsewhere afterwards is a two-step transfer with a delay
    (``AccessControlDefaultAdminRules``).

    With ``registry_anchor`` the suite is built around that deployed anchor (its roots stay
    valid for tokenizing) instead of a new one; its admin must be ``sender``. A successor suite
    (:func:`deploy_successor_suite`) also keeps ``moderation`` and ``identity_attestations``
    (freezes and attestations stay where they are), has the next ``generation`` and names its
    ``predecessor`` ``RightsAsset``: a registration tokenized there is never minted anew here.
    """
    anchor = registry_anchor or RegistryAnchorClient.deploy(
        sender, registrar=registrar, role_grant_delay=role_grant_delay
    )
    moderation = moderation or ModerationClient.deploy(sender, role_grant_delay=role_grant_delay)
    rights = RightsAssetClient.deploy(
        sender,
        registry_anchor=anchor.address,
        moderation=moderation.address,
        registrar=registrar,
        role_grant_delay=role_grant_delay,
        generation=generation,
        predecessor=predecessor or ZERO_ADDRESS,
    )
    pledges = PledgesClient.deploy(
        sender,
        rights_asset=rights.address,
        moderation=moderation.address,
        junior_liens_allowed=junior_liens_allowed,
        role_grant_delay=role_grant_delay,
    )
    rights.bind_lien_registry(pledges.address)
    licences = LicencesClient.deploy(
        sender,
        rights_asset=rights.address,
        moderation=moderation.address,
        pledges=pledges.address,
    )
    pledges.bind_licences(licences.address)
    encumbrances = EncumbrancesClient.deploy(
        sender,
        moderation=moderation.address,
        pledges=pledges.address,
        licences=licences.address,
    )
    # The registry's account (the registrar) records the identity attestations it has checked;
    # the deployer keeps no attestor role when it names another registrar.
    identity_attestations = identity_attestations or IdentityAttestationsClient.deploy(
        sender, attestor=registrar, role_grant_delay=role_grant_delay
    )
    editions = deploy_editions(sender, rights, licences, moderation, identity_attestations)
    suite = Suite(
        anchor, moderation, rights, pledges, licences, encumbrances, identity_attestations, editions
    )
    grant_suite_roles(
        suite,
        registrars=registrars,
        moderators=moderators,
        regulators=regulators,
        lenders=lenders,
        attestors=attestors,
    )
    return suite


def deploy_successor_suite(
    sender: TransactionSender,
    predecessor: Suite,
    *,
    registrar: str | None = None,
    lenders: Iterable[str] = (),
    junior_liens_allowed: bool = False,
    role_grant_delay: int = 0,
) -> Suite:
    """Deploy the successor of ``predecessor`` (to be sealed and migrated,
    ``chain_client.migration``): built around its anchor, moderation and identity attestations,
    with the next generation, so imported liens and licences keep their ids, naming its
    ``RightsAsset`` as predecessor: it mints nothing until the predecessor is sealed naming it,
    and no registration tokenized there (pledged, licensed) is minted here afresh, shedding its
    liens and licences, before it is migrated. The other roles are granted as
    :func:`deploy_suite` grants them."""
    shared = predecessor.as_sender(sender)
    return deploy_suite(
        sender,
        registrar=registrar,
        lenders=lenders,
        junior_liens_allowed=junior_liens_allowed,
        registry_anchor=shared.registry_anchor,
        moderation=shared.moderation,
        identity_attestations=shared.identity_attestations,
        generation=predecessor.rights_asset.generation() + 1,
        predecessor=predecessor.rights_asset.address,
        role_grant_delay=role_grant_delay,
    )


@dataclass(frozen=True)
class PendingRoleGrant:
    """A role grant scheduled on ``contract`` and executable from ``scheduled.ready_at``, for
    seven days (``ROLE_GRANT_WINDOW``)."""

    contract: str
    scheduled: RoleGrantScheduled


def grant_suite_roles(
    suite: Suite,
    *,
    registrars: Iterable[str] = (),
    moderators: Iterable[str] = (),
    regulators: Iterable[str] = (),
    lenders: Iterable[str] = (),
    attestors: Iterable[str] = (),
) -> list[PendingRoleGrant]:
    """Grant the suite's roles as its admin: lenders at once; the operational roles scheduled
    and, on a contract whose delay is 0, executed at once. Returns the grants left scheduled
    (executable later by the admin or the grantee, :meth:`RoleAdministered.execute_role_grant`)."""
    pending: list[PendingRoleGrant] = []

    def grant(client: RoleAdministered, role: bytes, account: str) -> None:
        if client.has_role(role, account):
            return
        if not client.role_grant_delayed(role):
            client.grant_role(role, account)
            return
        scheduled = client.schedule_role_grant(role, account)
        if client.role_grant_delay() == 0:
            client.execute_role_grant(role, account)
        else:
            pending.append(PendingRoleGrant(client.CONTRACT_NAME, scheduled))

    for account in registrars:
        grant(suite.registry_anchor, REGISTRAR_ROLE, account)
        grant(suite.rights_asset, REGISTRAR_ROLE, account)
    for account in regulators:
        grant(suite.registry_anchor, REGULATOR_ROLE, account)
        grant(suite.moderation, REGULATOR_ROLE, account)
    for account in moderators:
        grant(suite.moderation, MODERATOR_ROLE, account)
    for account in lenders:
        grant(suite.pledges, LENDER_ROLE, account)
    for account in attestors:
        if suite.identity_attestations is None:
            raise ValueError("this suite has no IdentityAttestations to grant attestors on")
        grant(suite.identity_attestations, ATTESTOR_ROLE, account)
    return pending


def deploy_editions(
    sender: TransactionSender,
    rights: RightsAssetClient,
    licences: LicencesClient,
    moderation: ModerationClient,
    identity_attestations: IdentityAttestationsClient,
) -> EditionsClient:
    """Deploy ``Editions`` reading the suite's rights assets, licences, takedowns and verified
    persons (it has no roles: publishers are the works' owners and licensees)."""
    return EditionsClient.deploy(
        sender,
        rights_asset=rights.address,
        licences=licences.address,
        moderation=moderation.address,
        identity_attestations=identity_attestations.address,
    )

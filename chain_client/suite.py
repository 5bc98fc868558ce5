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
from chain_client.rights_assets import RightsAssetClient
from chain_client.roles import LENDER_ROLE, MODERATOR_ROLE, REGISTRAR_ROLE, REGULATOR_ROLE
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
    registrars: Iterable[str] = (),
    moderators: Iterable[str] = (),
    regulators: Iterable[str] = (),
    lenders: Iterable[str] = (),
    junior_liens_allowed: bool = False,
    registry_anchor: RegistryAnchorClient | None = None,
) -> Suite:
    """Deploy every contract, wire them together and grant the roles.

    ``sender`` becomes the default admin of every contract and a registrar; the other accounts
    are granted their roles on the contracts where the roles exist (registrars on
    ``RegistryAnchor`` and ``RightsAsset``, regulators on ``RegistryAnchor`` and ``Moderation``,
    moderators on ``Moderation``, lenders on ``Pledges``). Moving the admin role elsewhere
    afterwards is a two-step transfer with a delay (``AccessControlDefaultAdminRules``).

    With ``registry_anchor`` the suite is built around that deployed anchor (its roots stay
    valid for tokenizing) instead of a new one; its admin must be ``sender``.
    """
    anchor = registry_anchor or RegistryAnchorClient.deploy(sender)
    moderation = ModerationClient.deploy(sender)
    rights = RightsAssetClient.deploy(
        sender, registry_anchor=anchor.address, moderation=moderation.address
    )
    pledges = PledgesClient.deploy(
        sender,
        rights_asset=rights.address,
        moderation=moderation.address,
        junior_liens_allowed=junior_liens_allowed,
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
    # The registry's account records the identity attestations it has checked.
    identity_attestations = IdentityAttestationsClient.deploy(sender)
    editions = deploy_editions(sender, rights, licences, moderation, identity_attestations)
    for account in registrars:
        anchor.grant_role(REGISTRAR_ROLE, account)
        rights.grant_role(REGISTRAR_ROLE, account)
    for account in regulators:
        anchor.grant_role(REGULATOR_ROLE, account)
        moderation.grant_role(REGULATOR_ROLE, account)
    for account in moderators:
        moderation.grant_role(MODERATOR_ROLE, account)
    for account in lenders:
        pledges.grant_role(LENDER_ROLE, account)
    return Suite(
        anchor, moderation, rights, pledges, licences, encumbrances, identity_attestations, editions
    )


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

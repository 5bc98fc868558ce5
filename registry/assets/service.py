"""The assets service: rights assets minted from anchored registrations, what encumbers them,
licences, licensees' content keys, and owner- and lender-signed writes prepared and relayed.

One object, built once by the runtime (``Runtime.assets``) and used by the API; assets are
named by a registration number or their 64-hex id wherever a caller gives a ``reference``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chain_client.licences import LicenceTerms
from chain_client.pledges import LenderChange, LenderRecoveryProposed, PledgeTerms
from chain_client.rights_assets import WORLDWIDE, Tokenized
from chain_client.suite import Suite
from crypto.sm2 import SM2PublicKey
from crypto.symmetric import WrappedKey
from registry.access import Principal, check_asset_owner, party_addresses
from registry.assets.content_keys import grant_content_key
from registry.assets.lenders import (
    LenderRole,
    grant_lender,
    lender_role,
    propose_lender_recovery,
    revoke_lender,
)
from registry.assets.licensing import LicenceAnswer, licence_for
from registry.assets.rights_assets import (
    ZERO_BYTES32,
    AssetEncumbrances,
    MintAuthorizationGrant,
    MintAuthorizationRequest,
    OwnerConsent,
    encumbrances,
    lien_asset_id,
    mint_authorization,
    resolve_asset_id,
    tokenize,
)
from registry.assets.standing import AssetStanding, asset_standing
from registry.assets.transactions_relay import (
    ConsentRequest,
    PreparedTransaction,
    SubmittedTransaction,
    lien_transfer_consent,
    pledge_consent,
    pledge_terms,
    prepare_enforce,
    prepare_licence_grant,
    prepare_licence_revoke,
    prepare_licensing_consent,
    prepare_lien_transfer,
    prepare_pledge,
    prepare_recovery,
    prepare_reduce,
    prepare_release,
    prepare_transfer,
    submit_transaction,
)
from registry.content import ContentProtection
from registry.core.chain_refusals import account_address, chain_refusals
from registry.core.errors import PartyHasNoAddress
from registry.core.models import ChainAsset, Registration
from registry.core.views import refuse_if_taken_down
from registry.registration import Caller, require_own


@dataclass(frozen=True)
class Assets:
    """The contract suite's rights assets, licences and liens, seen and written through the
    registry's checks. ``suite`` gives the suite in use (resolved on first need)."""

    sessions: sessionmaker[Session]
    suite: Callable[[], Suite]
    protection: ContentProtection
    now: Callable[[], datetime]

    def owner_now(self, leaf: str) -> str | None:
        """The address that owns the rights asset of registration ``leaf`` now; None while it has
        none. The follower's record says whether it was tokenized (so a registry that tokenizes
        nothing never asks the chain), the chain who owns it now (a sale the follower has not
        read yet counts)."""
        with self.sessions() as session:
            recorded = session.get(ChainAsset, leaf)
        if recorded is None or recorded.burned:
            return None
        asset_id = int(leaf, 16)
        with chain_refusals():
            rights_asset = self.suite().rights_asset
            return rights_asset.owner_of(asset_id) if rights_asset.exists(asset_id) else None

    def asset_id(self, reference: str) -> int:
        """The asset id of a registration number, or of a 64-hex asset id as given."""
        return resolve_asset_id(self.sessions, reference)

    def tokenize(
        self,
        number: str,
        owner: str,
        *,
        caller: Caller | None,
        territory: int = WORLDWIDE,
        term_end: int | None = None,
        authorization: MintAuthorizationGrant | None = None,
        rights: Sequence[str] | None = None,
    ) -> Tokenized:
        """Mint the rights asset of anchored registration ``number`` to ``owner``, an address of
        the party that registered it: asked by that party (or an admin key), never by another
        publisher; ``caller`` None is the operator's own command line. A registration bound to
        a controller also needs the controller's signed ``authorization`` of these terms
        (:meth:`mint_authorization`); nothing is sent without it. The asset carries ``rights``,
        by default every property right the registration claims (never a moral right)."""
        if caller is not None:
            require_own(self.sessions, caller, number)
        owner = account_address(owner, field="owner")
        check_asset_owner(self.sessions, number, owner)
        return tokenize(
            self.sessions, self.suite(), number, owner,
            territory=territory, term_end=term_end, authorization=authorization, rights=rights,
        )  # fmt: skip

    def mint_authorization(
        self,
        number: str,
        owner: str,
        *,
        territory: int = WORLDWIDE,
        term_end: int | None = None,
        deadline: int | None = None,
        rights: Sequence[str] | None = None,
    ) -> MintAuthorizationRequest:
        """The EIP-712 typed data the controller of registration ``number`` signs to have its
        asset minted to ``owner`` with these terms. Anyone may ask: it is only what to sign."""
        return mint_authorization(
            self.sessions, self.suite(), number, owner,
            territory=territory, term_end=term_end, deadline=deadline, rights=rights,
        )  # fmt: skip

    def lien_asset_id(self, lien_id: int) -> int:
        """The asset lien ``lien_id`` encumbers (:class:`LienNotFound` if there is no such lien)."""
        return lien_asset_id(self.suite(), lien_id)

    def standing(self, reference: str) -> AssetStanding:
        """The asset as it stands now, as anyone may see it on chain: its owner (and the party
        holding that address), terms, liens by rank, the freeze, every licence and its state."""
        return asset_standing(self.sessions, self.suite(), self.asset_id(reference))

    def encumbrances(self, asset_id: int, *, block: int | None = None) -> AssetEncumbrances:
        """The asset's owner and everything that encumbers it, now or as of ``block``."""
        return encumbrances(self.suite(), asset_id, block=block if block is not None else "latest")

    def licensed(
        self, reference: str, licensee: str, right: str, *, territory: int, at: int | None
    ) -> LicenceAnswer:
        """Is the asset licensed to ``licensee`` for ``right`` in ``territory`` at ``at``?"""
        return licence_for(
            self.suite(), self.asset_id(reference), licensee, right, territory=territory, at=at
        )

    def content_key(
        self, number: str, *, licensee: str, right: str, recipient: SM2PublicKey, signature: bytes
    ) -> WrappedKey:
        """A private work's content key for a licensee that proved control of its address;
        :class:`TakenDown` while the work is taken down."""
        with self.sessions() as session:
            takedown = session.scalar(
                select(Registration.takedown_json).where(Registration.number == number)
            )
        refuse_if_taken_down(number, takedown)
        return grant_content_key(
            self.sessions, self.suite(), self.protection, number,
            licensee=licensee, right=right, recipient=recipient, signature=signature,
            now=self.now,
        )  # fmt: skip

    # ------------------------------------------- lenders (sent by the registry's account)

    def grant_lender(self, address: str) -> LenderRole:
        """Let ``address`` hold liens: the ``Pledges`` contract's lender role (an admin's act)."""
        return grant_lender(self.suite(), address)

    def revoke_lender(self, address: str) -> LenderRole:
        """Take the lender role from ``address``; its recorded liens stay its own."""
        return revoke_lender(self.suite(), address)

    def grant_lender_party(self, party_id: str) -> list[LenderRole]:
        """The lender role for every active address of a party (:class:`PartyHasNoAddress` when
        it has none)."""
        return [self.grant_lender(address) for address in self._party_addresses(party_id)]

    def revoke_lender_party(self, party_id: str) -> list[LenderRole]:
        """Take the lender role from every address the party ever linked."""
        addresses = party_addresses(self.sessions, party_id, include_revoked=True)
        return [self.revoke_lender(address) for address in addresses]

    def _party_addresses(self, party_id: str) -> tuple[str, ...]:
        addresses = party_addresses(self.sessions, party_id)
        if not addresses:
            raise PartyHasNoAddress(
                f"party {party_id} has no chain address to grant a role to",
                details={"party": party_id},
            )
        return addresses

    def lender_role(self, address: str) -> LenderRole:
        """Whether ``address`` holds the lender role now."""
        return lender_role(self.suite(), address)

    # ------------------------------------------- writes signed by the owner or the lender

    def pledge_terms(
        self,
        reference: str,
        lender: str,
        amount: int,
        currency: str,
        maturity: int,
        official_registration_no: str = "",
    ) -> PledgeTerms:
        return pledge_terms(
            self.asset_id(reference), lender, amount, currency, maturity, official_registration_no
        )

    def pledge_consent(self, terms: PledgeTerms, deadline: int | None) -> ConsentRequest:
        """The EIP-712 consent the owner signs for these pledge terms."""
        return pledge_consent(self.suite(), terms, deadline)

    def prepare_transfer(self, account: str, reference: str, to: str) -> PreparedTransaction:
        return prepare_transfer(self.suite(), account, self.asset_id(reference), to)

    def prepare_licence(self, account: str, terms: LicenceTerms) -> PreparedTransaction:
        return prepare_licence_grant(self.suite(), account, terms)

    def prepare_revoke(
        self, account: str, licence_id: int, reason_digest: bytes = ZERO_BYTES32
    ) -> PreparedTransaction:
        return prepare_licence_revoke(self.suite(), account, licence_id, reason_digest)

    def prepare_pledge(
        self, account: str, terms: PledgeTerms, consent: OwnerConsent | None
    ) -> PreparedTransaction:
        return prepare_pledge(self.suite(), account, terms, consent)

    def prepare_release(self, account: str, lien_id: int) -> PreparedTransaction:
        return prepare_release(self.suite(), account, lien_id)

    def prepare_enforce(self, account: str, lien_id: int, to: str) -> PreparedTransaction:
        return prepare_enforce(self.suite(), account, lien_id, to)

    def prepare_reduce(self, account: str, lien_id: int, amount: int) -> PreparedTransaction:
        """The lender's partial release (the lien secures ``amount`` from now on), unsigned."""
        return prepare_reduce(self.suite(), account, lien_id, amount)

    def lien_transfer_consent(
        self, lien_id: int, signer: str, to: str, how: LenderChange, deadline: int | None
    ) -> ConsentRequest:
        """The EIP-712 consent one lender signs so that the other may move the lien."""
        return lien_transfer_consent(self.suite(), lien_id, signer, to, how, deadline)

    def prepare_lien_transfer(
        self, account: str, lien_id: int, to: str, how: LenderChange, consent: OwnerConsent
    ) -> PreparedTransaction:
        """One lender's assignment (or key rotation) of a lien with the other's consent,
        unsigned."""
        return prepare_lien_transfer(self.suite(), account, lien_id, to, how, consent)

    def prepare_recovery(
        self, account: str, lien_id: int, *, cancel: bool = False
    ) -> PreparedTransaction:
        """The new key's execution of a lender recovery, or the current key's cancellation."""
        return prepare_recovery(self.suite(), account, lien_id, cancel=cancel)

    def propose_lender_recovery(self, lien_id: int, new_lender: str) -> LenderRecoveryProposed:
        """Propose, for a lender that lost its key, to move a lien to its new key after the
        delay (sent by the registry's account: an admin's act)."""
        return propose_lender_recovery(self.suite(), lien_id, new_lender)

    def prepare_licensing_consent(
        self, account: str, lien_id: int, terms: LicenceTerms | None
    ) -> PreparedTransaction:
        """The lender's one-shot consent to the licence with exactly ``terms`` (``None``:
        withdraw it), unsigned."""
        return prepare_licensing_consent(self.suite(), account, lien_id, terms)

    def submit(self, raw_transaction: str, principal: Principal) -> SubmittedTransaction:
        """Relay a signed transaction after the same checks (see ``transactions_relay``)."""
        return submit_transaction(self.suite(), raw_transaction, principal)

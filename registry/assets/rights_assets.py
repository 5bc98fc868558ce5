"""Use cases on rights assets: tokenize, transfer, license, pledge, release, enforce, and read
the encumbrances.

Every service checks what the contracts would refuse and raises the domain error *before*
sending anything (a refusal costs no gas and moves no nonce). Who sends:

- ``tokenize``: the registry's registrar account (the suite passed in sends as the registrar);
  a registration bound to a controller is minted only with the controller's EIP-712
  ``MintAuthorization`` (checked here first), which the registrar relays;
- everything else: the account that acts — the owner, or the lender — signs its own
  transactions through the :class:`TransactionSender` the caller passes. The registry holds no
  owner or lender keys (custodial owner accounts are out of scope).

The services return the contracts' events (``chain_client`` dataclasses: ids, parties, block);
the chain-derived tables follow through ``registry.assets.follower`` once the blocks are confirmed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_typing import BlockIdentifier
from multiformats import CID
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3

from chain_client.connection import translate_errors
from chain_client.eip712 import json_ready, typed_data_signer
from chain_client.encumbrances import EncumbranceReport
from chain_client.errors import TransactionFailed
from chain_client.licences import LicenceGranted, LicenceRevoked, LicenceTerms
from chain_client.moderation import asset_target
from chain_client.pledges import (
    JUNIOR_ENFORCEMENT_GRACE,
    LENDER_ROLE,
    REGISTRY_AUTHORITY_ROLE,
    Enforced,
    LenderChange,
    LenderChanged,
    LenderRecoveryCancelled,
    LicensingConsentSet,
    Lien,
    LienReduced,
    LienStatus,
    Pledged,
    PledgeTerms,
    RegistrationAttested,
    Released,
    consent_typed_data,
    licence_consent_digest,
    lien_transfer_typed_data,
    offer_typed_data,
    registration_number,
)
from chain_client.rights_assets import (
    WORLDWIDE,
    AssetMetadata,
    MintAuthorization,
    Tokenized,
    Transfer,
    asset_id_of,
    mint_authorization_typed_data,
)
from chain_client.suite import Suite
from chain_client.transactions import TransactionSender
from registry.core import errors
from registry.core.chain_refusals import account_address, chain_refusals
from registry.core.models import Registration
from registry.core.rights import (
    ALL_RIGHT_NAMES,
    asset_rights,
    refuse_moral_rights,
    right_names,
    rights_mask,
)
from registry.core.states import BATCH_ON_CHAIN
from registry.core.views import as_utc, registrations_for_views

# Without a stated term, an asset's rights run 50 years from registration (the term of art. 23
# of the Copyright Law for economic rights counted from publication).
DEFAULT_TERM_SECONDS = int(50 * 365.25 * 24 * 3600)
# The contracts' bounds (Pledges.MAX_LIENS_PER_ASSET, Licences.MAX_LICENCES_PER_ASSET).
MAX_LIENS_PER_ASSET = 8
MAX_LICENCES_PER_ASSET = 64
MAX_AMOUNT = (1 << 128) - 1
ZERO_BYTES32 = b"\x00" * 32
_ASSET_ID_HEX = re.compile(r"(0x)?[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class OwnerConsent:
    """The other party's EIP-712 signature of a pledge's terms (see ``chain_client.pledges``):
    the owner's ``PledgeConsent`` when the lender sends the pledge, the lender's ``LienOffer``
    when the owner sends it."""

    deadline: int
    signature: bytes


def resolve_asset_id(sessions: sessionmaker[Session], reference: str) -> int:
    """The asset id named by a registration number (``BQ-…``) or by the id itself (64 hex
    digits, the registration's leaf)."""
    reference = reference.strip()
    if _ASSET_ID_HEX.fullmatch(reference):
        return int(reference.removeprefix("0x"), 16)
    with sessions() as session:
        leaf = session.scalar(select(Registration.leaf).where(Registration.number == reference))
    if leaf is None:
        raise errors.RegistrationNotFound.numbered(reference)
    return int(leaf, 16)


# ------------------------------------------------------------------------------------ tokenize


# Without a stated deadline, a mint authorization is valid for a day.
DEFAULT_MINT_AUTHORIZATION_SECONDS = 24 * 3600


@dataclass(frozen=True)
class _Tokenizable:
    leaf: bytes
    root: bytes
    proof: list[bytes]
    metadata: AssetMetadata
    controller: str | None = None


@dataclass(frozen=True)
class MintAuthorizationGrant:
    """A controller's EIP-712 ``MintAuthorization`` signature (``chain_client.rights_assets``)."""

    deadline: int
    signature: bytes


@dataclass(frozen=True)
class MintAuthorizationRequest:
    """What a registration's controller signs to have its asset minted: EIP-712 typed data
    (JSON form: integers as decimal strings, bytes as 0x-hex, as ``eth_signTypedData_v4`` takes
    them), for exactly this owner, rights, territory, term end and deadline."""

    registration: str
    controller: str
    deadline: int
    typed_data: dict[str, Any]
    digest: bytes


def mint_authorization(
    sessions: sessionmaker[Session],
    suite: Suite,
    registration_number: str,
    owner: str,
    *,
    territory: int = WORLDWIDE,
    term_end: int | None = None,
    deadline: int | None = None,
    rights: Sequence[str] | None = None,
) -> MintAuthorizationRequest:
    """The typed data the controller of ``registration_number`` signs to mint its asset to
    ``owner`` with these terms (the ones :func:`tokenize` computes for the same arguments);
    without a ``deadline``, valid for :data:`DEFAULT_MINT_AUTHORIZATION_SECONDS`.

    Refused: :class:`RegistrationNotFound`, :class:`NotAnchored`, :class:`InvalidAddress`,
    :class:`MoralRightsNotTransferable` (``rights`` naming a moral right),
    :class:`InvalidInput` (the registration has no controller: the registrar mints it alone),
    :class:`MintAuthorizationExpired` (a deadline not in the future).
    """
    owner = account_address(owner, field="owner")
    wanted = _tokenizable(sessions, registration_number, territory, term_end, rights)
    details: dict[str, object] = {"registration": registration_number}
    if wanted.controller is None:
        raise errors.InvalidInput(
            "the registration has no controller: it is minted without an authorization",
            details=details,
        )
    now = _chain_time(suite)
    if deadline is None:
        deadline = now + DEFAULT_MINT_AUTHORIZATION_SECONDS
    if deadline <= now:
        raise errors.MintAuthorizationExpired(
            "the deadline must be in the future",
            details={**details, "deadline": deadline, "chain_time": now},
        )
    typed, digest = json_ready(
        _authorization_typed_data(suite, wanted, owner, deadline),
        decimal=("rights", "territory", "termEnd", "deadline"),
    )
    return MintAuthorizationRequest(
        registration=registration_number,
        controller=wanted.controller,
        deadline=deadline,
        typed_data=typed,
        digest=digest,
    )


def _authorization_typed_data(
    suite: Suite, wanted: _Tokenizable, owner: str, deadline: int
) -> dict[str, Any]:
    terms = wanted.metadata
    authorization = MintAuthorization(
        wanted.leaf, owner, terms.rights, terms.territory, terms.term_end, deadline
    )
    with chain_refusals(), translate_errors():
        chain_id = int(suite.rights_asset.w3.eth.chain_id)
    return mint_authorization_typed_data(
        authorization, chain_id=chain_id, verifying_contract=suite.rights_asset.address
    )


def tokenize(
    sessions: sessionmaker[Session],
    suite: Suite,
    registration_number: str,
    owner: str,
    *,
    territory: int = WORLDWIDE,
    term_end: int | None = None,
    authorization: MintAuthorizationGrant | None = None,
    rights: Sequence[str] | None = None,
) -> Tokenized:
    """Mint the asset of an anchored registration to ``owner``, proven against its root.

    The asset carries ``rights`` (names of :data:`registry.core.rights.RIGHT_NAMES`), by default
    every property right the registration claims; the moral rights (art. 10 (1)–(4)) never.

    ``suite`` sends as the registrar. A registration bound to a controller needs the
    controller's ``authorization`` of exactly these terms (see :func:`mint_authorization`); a
    custodial one is minted by the registrar alone (an authorization is then ignored).

    Refused before sending: :class:`RegistrationNotFound`,
    :class:`NotAnchored` (pending, or a root the contracts in use do not know yet),
    :class:`MoralRightsNotTransferable`, :class:`InvalidInput` (a right not claimed),
    :class:`Revoked` (the registration itself, under any root, or its batch root),
    :class:`Frozen` (the registry does not mint frozen registrations, though
    the contract would mint them frozen), :class:`AlreadyTokenized`, :class:`InvalidAddress`,
    :class:`InvalidInput` (a term already over), :class:`MintAuthorizationRequired`,
    :class:`MintAuthorizationExpired`, :class:`InvalidMintAuthorization`.
    """
    owner = account_address(owner, field="owner")
    wanted = _tokenizable(sessions, registration_number, territory, term_end, rights)
    asset_id = asset_id_of(wanted.leaf)
    details = {"registration": registration_number, "asset_id": wanted.leaf.hex()}
    if wanted.controller is not None:
        _check_authorization(suite, wanted, wanted.controller, owner, authorization, details)
    with chain_refusals():
        record = suite.registry_anchor.tokenization_record(wanted.root, wanted.leaf)
        if record is None:
            raise errors.NotAnchored(
                "the registration's root is not anchored on the contracts in use yet",
                details=details,
            )
        if record.registration_revoked:
            raise errors.Revoked("the registration was revoked", details=details)
        if record.root_revoked:
            raise errors.Revoked("the registration's root was revoked", details=details)
        if suite.moderation.is_frozen(wanted.leaf):
            raise errors.Frozen("the registration is frozen", details=details)
        if suite.rights_asset.asset_terms(asset_id).registered_at != 0:
            raise errors.AlreadyTokenized("the registration is an asset already", details=details)
        if wanted.metadata.term_end <= _chain_time(suite):
            raise errors.InvalidInput(
                "the term has ended", details={"term_end": wanted.metadata.term_end}
            )
        if wanted.controller is None or authorization is None:
            return suite.rights_asset.tokenize(
                owner, wanted.leaf, wanted.proof, wanted.root, wanted.metadata
            )
        return suite.rights_asset.tokenize(
            owner,
            wanted.leaf,
            wanted.proof,
            wanted.root,
            wanted.metadata,
            controller=wanted.controller,
            deadline=authorization.deadline,
            signature=authorization.signature,
        )


def _check_authorization(
    suite: Suite,
    wanted: _Tokenizable,
    controller: str,
    owner: str,
    authorization: MintAuthorizationGrant | None,
    details: Mapping[str, object],
) -> None:
    """Refuse, before anything is sent, an authorization the contract would refuse."""
    details = {**details, "controller": controller}
    if authorization is None:
        raise errors.MintAuthorizationRequired(
            "the registration is bound to its controller: its signed authorization is needed",
            details=details,
        )
    now = _chain_time(suite)
    if authorization.deadline < now:
        raise errors.MintAuthorizationExpired(
            "the controller's authorization has expired",
            details={**details, "deadline": authorization.deadline, "chain_time": now},
        )
    typed = _authorization_typed_data(suite, wanted, owner, authorization.deadline)
    if typed_data_signer(typed, authorization.signature) == controller:
        return
    with chain_refusals(), translate_errors():
        wallet = len(suite.rights_asset.w3.eth.get_code(Web3.to_checksum_address(controller)))
    if wallet:
        return  # a contract wallet's signature (ERC-1271) is checked by the contract itself
    raise errors.InvalidMintAuthorization(
        "the authorization is not the controller's signature of these terms", details=details
    )


def _tokenizable(
    sessions: sessionmaker[Session],
    number: str,
    territory: int,
    term_end: int | None,
    rights: Sequence[str] | None = None,
) -> _Tokenizable:
    with sessions() as session:
        registration = session.scalar(
            registrations_for_views().where(Registration.number == number)
        )
        if registration is None:
            raise errors.RegistrationNotFound.numbered(number)
        batch = registration.batch
        if batch is None or batch.status not in BATCH_ON_CHAIN or registration.proof_json is None:
            raise errors.NotAnchored(
                "the registration is not anchored yet", details={"registration": number}
            )
        work = registration.work
        claimed = json.loads(work.metadata_json).get("rights", list(ALL_RIGHT_NAMES))
        carried = asset_rights(claimed, rights)
        registered = int(as_utc(registration.created_at).timestamp())
        metadata = AssetMetadata(
            sha256_digest=bytes.fromhex(work.sha256),
            sm3_digest=bytes.fromhex(work.sm3),
            cid=bytes(CID.decode(work.cid)) if work.cid else b"",
            rights=rights_mask(carried),
            territory=territory,
            term_end=term_end if term_end is not None else registered + DEFAULT_TERM_SECONDS,
        )
        return _Tokenizable(
            leaf=bytes.fromhex(registration.leaf),
            root=bytes.fromhex(batch.root),
            proof=[bytes.fromhex(step) for step in json.loads(registration.proof_json)],
            metadata=metadata,
            controller=registration.controller,
        )


# ------------------------------------------------------------------------------------ transfer


def transfer(suite: Suite, sender: TransactionSender, asset_id: int, to: str) -> Transfer:
    """Transfer an asset from its owner to ``to``; sent by the owner (or an approved account).

    Refused before sending: :class:`AssetNotFound`, :class:`NotAssetOwner`, :class:`Frozen`,
    :class:`Revoked` (the registration revoked), :class:`Encumbered` (active liens),
    :class:`InvalidAddress`.
    """
    to = account_address(to, field="to")
    with chain_refusals():
        owner = _existing_owner(suite, asset_id)
        rights_asset = suite.rights_asset
        allowed = sender.address == owner or sender.address == rights_asset.get_approved(asset_id)
        if not allowed:
            with translate_errors(rights_asset.decoder):
                allowed = bool(
                    rights_asset.contract.functions.isApprovedForAll(owner, sender.address).call()
                )
        if not allowed:
            raise errors.NotAssetOwner(
                "only the owner or an approved account may transfer the asset",
                details={"asset_id": _hex(asset_id), "owner": owner},
            )
        _refuse_frozen(suite, asset_id)
        _refuse_revoked(suite, asset_id)
        liens = suite.pledges.active_lien_count(asset_id)
        if liens:
            raise errors.Encumbered(
                "the asset is pledged: it cannot move until its liens are released",
                details={"asset_id": _hex(asset_id), "active_liens": liens},
            )
        return suite.as_sender(sender).rights_asset.transfer_from(owner, to, asset_id)


# ------------------------------------------------------------------------------------ licences


def grant_licence(suite: Suite, sender: TransactionSender, terms: LicenceTerms) -> LicenceGranted:
    """Grant a licence; sent by the asset's owner.

    Refused before sending: :class:`AssetNotFound`, :class:`NotAssetOwner`,
    :class:`InvalidLicenceTerms` (licensee, rights, territory, period),
    :class:`MoralRightsNotTransferable` (a moral right, art. 10 (1)–(4)), :class:`Frozen`,
    :class:`Revoked`, :class:`Encumbered` (a lender has not consented to exactly this licence,
    or its consent was used by an earlier grant), :class:`LicenceLimitReached`,
    :class:`LicenceConflict`.
    """
    licensee = account_address(terms.licensee, field="licensee")
    asset_id = terms.asset_id
    details: dict[str, object] = {"asset_id": _hex(asset_id)}
    with chain_refusals():
        owner = _existing_owner(suite, asset_id)
        if sender.address != owner:
            raise errors.NotAssetOwner("only the owner may license the asset", details=details)
        if licensee == owner:
            raise errors.InvalidLicenceTerms("the owner cannot license itself", details=details)
        refuse_moral_rights(right_names(terms.rights))
        held = suite.rights_asset.asset_terms(asset_id)
        if terms.rights == 0 or terms.rights & ~held.rights:
            raise errors.InvalidLicenceTerms(
                "the asset does not hold these rights",
                details={**details, "rights": terms.rights, "held_rights": held.rights},
            )
        if held.territory != WORLDWIDE and terms.territory != held.territory:
            raise errors.InvalidLicenceTerms(
                "the asset does not hold this territory",
                details={**details, "territory": terms.territory, "held": held.territory},
            )
        now = _chain_time(suite)
        if terms.start >= terms.end or terms.end <= now or terms.end > held.term_end:
            raise errors.InvalidLicenceTerms(
                "the period is empty, over, or beyond the asset's term",
                details={**details, "start": terms.start, "end": terms.end},
            )
        if terms.start < now:
            raise errors.LicenceBackdated(
                "a licence cannot start before it is granted",
                details={**details, "start": terms.start, "now": now},
            )
        _refuse_frozen(suite, asset_id)
        _refuse_revoked(suite, asset_id)
        digest = licence_consent_digest(terms)
        if not suite.pledges.licensing_consented(asset_id, digest):
            missing = [
                ranked.lien_id
                for ranked in suite.pledges.active_liens(asset_id)
                if suite.pledges.licence_consent_of(ranked.lien_id) != digest
            ]
            raise errors.Encumbered(
                "the asset is pledged and a lender has not consented to this licence "
                "(a consent covers one licence with exactly its terms, once)",
                details={**details, "liens": missing, "licence_digest": "0x" + digest.hex()},
            )
        _refuse_licence_conflict(suite, terms, now)
        return suite.as_sender(sender).licences.grant(terms)


def _refuse_licence_conflict(suite: Suite, terms: LicenceTerms, now: int) -> None:
    # Only live licences (neither revoked nor expired) conflict or count under the cap.
    for licence_id in suite.licences.licence_ids_of(terms.asset_id):
        other = suite.licences.licence_of(licence_id)
        if other.revoked or other.end <= now or not (terms.exclusive or other.exclusive):
            continue
        same_place = other.territory == terms.territory or WORLDWIDE in (
            other.territory,
            terms.territory,
        )
        if (
            other.rights & terms.rights
            and same_place
            and terms.start < other.end
            and other.start < terms.end
        ):
            raise errors.LicenceConflict(
                "an exclusive licence overlaps this one",
                details={"asset_id": _hex(terms.asset_id), "conflicting_licence": licence_id},
            )
    if suite.licences.live_licence_count(terms.asset_id) >= MAX_LICENCES_PER_ASSET:
        raise errors.LicenceLimitReached(
            "the asset carries as many live licences as the contract allows",
            details={"asset_id": _hex(terms.asset_id), "limit": MAX_LICENCES_PER_ASSET},
        )


def revoke_licence(
    suite: Suite, sender: TransactionSender, licence_id: int, reason_digest: bytes = ZERO_BYTES32
) -> LicenceRevoked:
    """Revoke a revocable licence in force; sent by the asset's current owner.

    Refused before sending: :class:`LicenceNotFound`, :class:`NotAssetOwner`,
    :class:`LicenceNotRevocable`, :class:`LicenceNotInForce`.
    """
    details = {"licence_id": licence_id}
    with chain_refusals():
        licence = suite.licences.licence_of(licence_id)
        if licence.end == 0:
            raise errors.LicenceNotFound(f"no licence {licence_id}", details=details)
        if suite.rights_asset.owner_of(licence.asset_id) != sender.address:
            raise errors.NotAssetOwner("only the asset's owner may revoke", details=details)
        if not licence.revocable:
            raise errors.LicenceNotRevocable("the licence is irrevocable", details=details)
        if licence.revoked or licence.end <= _chain_time(suite):
            raise errors.LicenceNotInForce("the licence is revoked or over", details=details)
        return suite.as_sender(sender).licences.revoke(licence_id, reason_digest)


# ------------------------------------------------------------------------------------- pledges


def pledge(
    suite: Suite,
    sender: TransactionSender,
    terms: PledgeTerms,
    consent: OwnerConsent | None = None,
) -> Pledged:
    """Record a lien: sent by the lender with the owner's EIP-712 consent, or by the owner with
    the lender's EIP-712 offer of the same terms (``consent`` is the other party's signature; a
    lien never names a lender that did not agree to it).

    Refused before sending: :class:`AssetNotFound`, :class:`NotPledgeParty`,
    :class:`LenderNotAuthorized`, :class:`InvalidPledgeTerms`, :class:`Frozen`, :class:`Revoked`,
    :class:`AlreadyPledged`, :class:`LienLimitReached`, :class:`SeniorConsentMissing`,
    :class:`ConsentExpired`, :class:`ConsentAlreadyUsed`, :class:`InvalidConsentSignature`,
    :class:`InvalidLenderSignature`.
    """
    lender = account_address(terms.lender, field="lender")
    asset_id = terms.asset_id
    details: dict[str, object] = {"asset_id": _hex(asset_id), "lender": lender}
    with chain_refusals():
        owner = _existing_owner(suite, asset_id)
        if sender.address not in (owner, lender):
            raise errors.NotPledgeParty(
                "a pledge is sent by its lender or by the asset's owner", details=details
            )
        if not suite.pledges.has_role(LENDER_ROLE, lender):
            raise errors.LenderNotAuthorized("the lender has no lender role", details=details)
        now = _chain_time(suite)
        _check_pledge_terms(terms, now, details)
        term_end = suite.rights_asset.asset_terms(asset_id).term_end
        if terms.maturity > term_end:
            raise errors.MaturityAfterTermEnd(
                "the lien cannot mature after the asset's term ends",
                details={**details, "maturity": terms.maturity, "term_end": term_end},
            )
        _refuse_frozen(suite, asset_id)
        _refuse_revoked(suite, asset_id)
        _refuse_senior_liens(suite, asset_id, lender)
        if sender.address == owner == lender:
            return suite.as_sender(sender).pledges.pledge(terms)
        by_owner = sender.address == owner
        if consent is None:
            if by_owner:
                raise errors.InvalidLenderSignature(
                    "the owner's pledge needs the lender's signed offer of its terms",
                    details=details,
                )
            raise errors.InvalidConsentSignature(
                "a lender needs the owner's signed consent", details=details
            )
        if consent.deadline <= now:
            raise errors.ConsentExpired(
                "the lender's offer has expired" if by_owner else "the owner's consent has expired",
                details={**details, "deadline": consent.deadline, "chain_time": now},
            )
        if by_owner:
            _check_signature(suite, terms, lender, consent, details, offer=True)
        else:
            _check_signature(suite, terms, owner, consent, details, offer=False)
        return suite.as_sender(sender).pledges.pledge(
            terms, deadline=consent.deadline, signature=consent.signature
        )


def _check_pledge_terms(terms: PledgeTerms, now: int, details: dict[str, object]) -> None:
    code = terms.currency_code
    if not 0 < terms.amount <= MAX_AMOUNT:
        raise errors.InvalidPledgeTerms("the amount must be positive", details=details)
    if len(code) != 3 or not all(ord("A") <= c <= ord("Z") for c in code):
        raise errors.InvalidPledgeTerms(
            "the currency code must be three letters A-Z (ISO 4217)", details=details
        )
    if terms.maturity <= now:
        raise errors.InvalidPledgeTerms(
            "the maturity must be in the future", details={**details, "maturity": terms.maturity}
        )


def _refuse_senior_liens(suite: Suite, asset_id: int, lender: str) -> None:
    active = suite.pledges.active_liens(asset_id)
    if not active:
        return
    details: dict[str, object] = {"asset_id": _hex(asset_id), "active_liens": len(active)}
    if not suite.pledges.junior_liens_allowed():
        raise errors.AlreadyPledged("the asset is pledged already", details=details)
    if len(active) >= MAX_LIENS_PER_ASSET:
        raise errors.LienLimitReached("the asset carries the most liens allowed", details=details)
    for senior in active:
        if not suite.pledges.junior_consent(senior.lien_id, lender):
            raise errors.SeniorConsentMissing(
                "a higher-ranked lender has not consented to a junior lien",
                details={**details, "senior_lien": senior.lien_id, "lender": senior.lien.lender},
            )


def _check_signature(
    suite: Suite,
    terms: PledgeTerms,
    signer: str,
    consent: OwnerConsent,
    details: dict[str, object],
    *,
    offer: bool,
) -> None:
    """``consent`` must be ``signer``'s current consent (the owner's) or offer (the lender's)."""
    with translate_errors():
        signer_code = suite.pledges.w3.eth.get_code(Web3.to_checksum_address(signer))
    if signer_code:
        return  # a contract signer answers ERC-1271 on chain; only the contract can judge it
    nonce = suite.pledges.nonces(signer)
    if _consent_signer(suite, terms, consent, nonce, offer=offer) == signer:
        return
    party = "lender's offer" if offer else "owner's consent"
    if nonce > 0 and _consent_signer(suite, terms, consent, nonce - 1, offer=offer) == signer:
        raise errors.ConsentAlreadyUsed(
            f"the {party} was used already", details={**details, "nonce": nonce - 1}
        )
    if offer:
        raise errors.InvalidLenderSignature(
            "the offer is not the lender's signature of these terms", details=details
        )
    raise errors.InvalidConsentSignature(
        "the consent is not the owner's signature of these terms", details=details
    )


def _consent_signer(
    suite: Suite, terms: PledgeTerms, consent: OwnerConsent, nonce: int, *, offer: bool = False
) -> str | None:
    typed = (offer_typed_data if offer else consent_typed_data)(
        terms,
        nonce=nonce,
        deadline=consent.deadline,
        chain_id=suite.registry_anchor.chain_id(),
        verifying_contract=suite.pledges.address,
    )
    return typed_data_signer(typed, consent.signature)


def consent_to_licence(
    suite: Suite, sender: TransactionSender, lien_id: int, terms: LicenceTerms | None
) -> LicensingConsentSet:
    """The lender's consent to ONE licence of the pledged asset: the one with exactly ``terms``
    (licensee, rights, territory, period, exclusivity, revocability, contract digest); its grant
    uses the consent up. ``None`` withdraws the consent. Sent by the lien's lender.

    Refused before sending: :class:`LienNotFound`, :class:`NotLienLender`, :class:`LienNotActive`,
    :class:`InvalidLicenceTerms` (terms of another asset, or a licensee that is no address).
    """
    if terms is None:
        return set_licensing_consent(suite, sender, lien_id, ZERO_BYTES32)
    account_address(terms.licensee, field="licensee")
    with chain_refusals():
        lien = _lenders_active_lien(suite, sender, lien_id)
    if terms.asset_id != lien.asset_id:
        raise errors.InvalidLicenceTerms(
            "the licence is of another asset than the lien's",
            details={"lien_id": lien_id, "asset_id": _hex(terms.asset_id)},
        )
    return set_licensing_consent(suite, sender, lien_id, licence_consent_digest(terms))


def set_licensing_consent(
    suite: Suite, sender: TransactionSender, lien_id: int, licence_digest: bytes
) -> LicensingConsentSet:
    """Record the lender's consent to the one licence whose ``licence_consent_digest`` is
    ``licence_digest`` (zero bytes: withdraw); :func:`consent_to_licence` computes it from the
    terms. Refused before sending: :class:`LienNotFound`, :class:`NotLienLender`,
    :class:`LienNotActive`."""
    with chain_refusals():
        _lenders_active_lien(suite, sender, lien_id)
        return suite.as_sender(sender).pledges.set_licensing_consent(lien_id, licence_digest)


def release(suite: Suite, sender: TransactionSender, lien_id: int) -> Released:
    """Release a lien; sent by its lender.

    Refused before sending: :class:`LienNotFound`, :class:`NotLienLender`, :class:`LienNotActive`.
    """
    with chain_refusals():
        _lenders_active_lien(suite, sender, lien_id)
        return suite.as_sender(sender).pledges.release(lien_id)


def enforce(suite: Suite, sender: TransactionSender, lien_id: int, to: str) -> Enforced:
    """Enforce the most senior lien after maturity: the asset moves to ``to`` (the lender or a
    buyer it names); sent by the lien's lender.

    A lien ranked below another can be enforced from its maturity plus
    ``JUNIOR_ENFORCEMENT_GRACE`` (90 days); the liens above it stay attached to the asset.

    Refused before sending: :class:`LienNotFound`, :class:`NotLienLender`, :class:`LienNotActive`,
    :class:`LienNotMatured`, :class:`LienNotSenior`, :class:`Frozen`, :class:`InvalidAddress`
    (also for the asset contract itself; a contract that does not accept ERC-721 tokens is refused
    by the gas estimate, before anything is sent).
    """
    to = account_address(to, field="to")
    if to == suite.rights_asset.address:
        raise errors.InvalidAddress(
            "the asset contract cannot receive its own assets", details={"field": "to"}
        )
    details: dict[str, object] = {"lien_id": lien_id}
    with chain_refusals():
        lien = _lenders_active_lien(suite, sender, lien_id)
        if lien.maturity > _chain_time(suite):
            raise errors.LienNotMatured(
                "the lien is not matured yet", details={**details, "maturity": lien.maturity}
            )
        senior = suite.pledges.active_liens(lien.asset_id)[0].lien_id
        enforceable_at = lien.maturity + JUNIOR_ENFORCEMENT_GRACE
        if senior != lien_id and _chain_time(suite) < enforceable_at:
            raise errors.LienNotSenior(
                "a lien ranked below another can be enforced only from its maturity plus the "
                "grace period (the liens above it then stay attached to the asset)",
                details={**details, "senior_lien": senior, "enforceable_at": enforceable_at},
            )
        paused_until = suite.moderation.enforcement_paused_until(asset_target(lien.asset_id))
        if paused_until > _chain_time(suite):
            raise errors.Frozen(
                "the asset's freeze pauses enforcement",
                details={**details, "asset_id": _hex(lien.asset_id), "paused_until": paused_until},
            )
        return suite.as_sender(sender).pledges.enforce(lien_id, to)


def reduce_lien(
    suite: Suite, sender: TransactionSender, lien_id: int, new_amount: int
) -> LienReduced:
    """Partial release: the lien's lender lowers the secured amount (its rank stays).

    Refused before sending: :class:`LienNotFound`, :class:`NotLienLender`, :class:`LienNotActive`,
    :class:`InvalidPledgeTerms` (not above zero and below the current amount; a release ends a
    lien).
    """
    with chain_refusals():
        lien = _lenders_active_lien(suite, sender, lien_id)
        if not 0 < new_amount < lien.amount:
            raise errors.InvalidPledgeTerms(
                "a partial release lowers the amount: above zero, below the current amount",
                details={
                    "lien_id": lien_id,
                    "amount": str(lien.amount),
                    "new_amount": str(new_amount),
                },
            )
        return suite.as_sender(sender).pledges.reduce_lien(lien_id, new_amount)


def transfer_lien(
    suite: Suite,
    sender: TransactionSender,
    lien_id: int,
    to: str,
    how: LenderChange,
    consent: OwnerConsent,
) -> LenderChanged:
    """Assign a lien to another lender (``how`` ASSIGNMENT) or move it to its lender's new key
    (KEY_ROTATION). Sent by one of the two lenders with the other's EIP-712 ``LienTransfer``
    signature (``consent``; see ``chain_client.pledges.lien_transfer_typed_data``).

    Refused before sending: :class:`LienNotFound`, :class:`LienNotActive`, :class:`NotLienLender`
    (the sender is neither lender), :class:`InvalidAddress` (``to`` is the current lender),
    :class:`LenderNotAuthorized` (``to`` has no lender role), :class:`ConsentExpired`,
    :class:`ConsentAlreadyUsed`, :class:`InvalidConsentSignature`.
    """
    if how is LenderChange.RECOVERY:
        raise errors.InvalidInput("a recovery is proposed by the admin, not signed by lenders")
    to = account_address(to, field="to")
    details: dict[str, object] = {"lien_id": lien_id, "to": to}
    with chain_refusals():
        lien = active_lien(suite, lien_id, details)
        if sender.address == lien.lender:
            signer = to
        elif sender.address == to:
            signer = lien.lender
        else:
            raise errors.NotLienLender(
                "only the lien's lender or the lender it moves to may send this", details=details
            )
        if to == lien.lender:
            raise errors.InvalidAddress("the lien is that lender's already", details=details)
        if not suite.pledges.has_role(LENDER_ROLE, to):
            raise errors.LenderNotAuthorized("the new lender has no lender role", details=details)
        if consent.deadline < _chain_time(suite):
            raise errors.ConsentExpired(
                "the other lender's consent has expired",
                details={**details, "deadline": consent.deadline},
            )
        nonce = suite.pledges.nonces(signer)

        def transfer(nonce: int) -> str | None:
            return _transfer_signer(suite, lien_id, lien.lender, to, how, consent, nonce)

        if transfer(nonce) != signer:
            if nonce > 0 and transfer(nonce - 1) == signer:
                raise errors.ConsentAlreadyUsed(
                    "this consent of the other lender was used already", details=details
                )
            raise errors.InvalidConsentSignature(
                "the consent is not the other lender's signature of this move",
                details={**details, "signer": signer},
            )
        pledges = suite.as_sender(sender).pledges
        move = pledges.assign_lien if how is LenderChange.ASSIGNMENT else pledges.rotate_lender_key
        return move(lien_id, to, deadline=consent.deadline, signature=consent.signature)


def execute_lender_recovery(suite: Suite, sender: TransactionSender, lien_id: int) -> LenderChanged:
    """The lender's new key takes over lien ``lien_id`` once the recovery the admin proposed
    (``registry.assets.lenders.propose_lender_recovery``) is past its delay; sent by the new key.

    Refused before sending: :class:`LienNotFound`, :class:`LienNotActive`,
    :class:`RecoveryNotPending` (none, or for another key), :class:`RecoveryNotReady`.
    """
    details: dict[str, object] = {"lien_id": lien_id}
    with chain_refusals():
        active_lien(suite, lien_id, details)
        recovery = suite.pledges.pending_recovery(lien_id)
        if recovery is None or recovery.new_lender != sender.address:
            raise errors.RecoveryNotPending(
                "no recovery of this lien to this key is pending", details=details
            )
        if _chain_time(suite) < recovery.executable_at:
            raise errors.RecoveryNotReady(
                "the recovery's delay has not passed",
                details={**details, "executable_at": recovery.executable_at},
            )
        return suite.as_sender(sender).pledges.execute_lender_recovery(lien_id)


def cancel_lender_recovery(
    suite: Suite, sender: TransactionSender, lien_id: int
) -> LenderRecoveryCancelled:
    """The lien's current key cancels a recovery proposed for it (its key was not lost).

    Refused before sending: :class:`LienNotFound`, :class:`NotLienLender`,
    :class:`RecoveryNotPending`.
    """
    details: dict[str, object] = {"lien_id": lien_id}
    with chain_refusals():
        lien = existing_lien(suite, lien_id, details)
        if lien.lender != sender.address:
            raise errors.NotLienLender("only the lien's lender may cancel", details=details)
        if suite.pledges.pending_recovery(lien_id) is None:
            raise errors.RecoveryNotPending("no recovery of this lien is pending", details=details)
        return suite.as_sender(sender).pledges.cancel_lender_recovery(lien_id)


def _transfer_signer(
    suite: Suite,
    lien_id: int,
    from_: str,
    to: str,
    how: LenderChange,
    consent: OwnerConsent,
    nonce: int,
) -> str | None:
    typed = lien_transfer_typed_data(
        lien_id, from_=from_, to=to, how=how, nonce=nonce, deadline=consent.deadline,
        chain_id=int(suite.pledges.w3.eth.chain_id), verifying_contract=suite.pledges.address,
    )  # fmt: skip
    return typed_data_signer(typed, consent.signature)


def attest_registration(
    suite: Suite, sender: TransactionSender, lien_id: int, number: str, registered_at: int
) -> RegistrationAttested:
    """The registry authority (著作权质权登记机关) attests lien ``lien_id``'s official registration:
    its number and time. Registered liens rank before unregistered ones, by registration time
    (Civil Code art. 414); the ranks of the asset's liens follow. Sent by an account holding the
    ``REGISTRY_AUTHORITY_ROLE`` of ``Pledges``.

    Refused before sending: :class:`Forbidden` (no such role), :class:`LienNotFound`,
    :class:`LienNotActive`, :class:`InvalidPledgeTerms` (an empty or over-long number, a time
    not in the past).
    """
    details: dict[str, object] = {"lien_id": lien_id}
    try:
        encoded = registration_number(number)
    except ValueError as exc:
        raise errors.InvalidPledgeTerms(str(exc), details=details) from exc
    if not number:
        raise errors.InvalidPledgeTerms("the registration number is empty", details=details)
    with chain_refusals():
        if not suite.pledges.has_role(REGISTRY_AUTHORITY_ROLE, sender.address):
            raise errors.Forbidden(
                "only the registry authority attests pledge registrations", details=details
            )
        active_lien(suite, lien_id, details)
        if not 0 < registered_at <= _chain_time(suite):
            raise errors.InvalidPledgeTerms(
                "the registration time must be in the past",
                details={**details, "registered_at": registered_at},
            )
        return suite.as_sender(sender).pledges.attest_registration(lien_id, encoded, registered_at)


def lien_asset_id(suite: Suite, lien_id: int) -> int:
    """The asset of lien ``lien_id``; :class:`LienNotFound` if there is no such lien."""
    with chain_refusals():
        return existing_lien(suite, lien_id).asset_id


def existing_lien(suite: Suite, lien_id: int, details: dict[str, object] | None = None) -> Lien:
    """Lien ``lien_id`` as the chain has it; :class:`LienNotFound` (with ``details``) if none."""
    lien = suite.pledges.lien_of(lien_id)
    if lien.status is LienStatus.NONE:
        raise errors.LienNotFound(f"no lien {lien_id}", details=details or {"lien_id": lien_id})
    return lien


def active_lien(suite: Suite, lien_id: int, details: dict[str, object]) -> Lien:
    """Lien ``lien_id``, which must be active: :class:`LienNotFound`, :class:`LienNotActive`."""
    lien = existing_lien(suite, lien_id, details)
    _refuse_ended(lien, details)
    return lien


def _refuse_ended(lien: Lien, details: dict[str, object]) -> None:
    if lien.status is not LienStatus.ACTIVE:
        raise errors.LienNotActive(
            f"the lien is {lien.status.name.lower()} already", details=details
        )


def _lenders_active_lien(suite: Suite, sender: TransactionSender, lien_id: int) -> Lien:
    details: dict[str, object] = {"lien_id": lien_id}
    lien = existing_lien(suite, lien_id, details)
    if lien.lender != sender.address:
        raise errors.NotLienLender("only the lien's lender may do this", details=details)
    _refuse_ended(lien, details)
    return lien


# -------------------------------------------------------------------------------- encumbrances


@dataclass(frozen=True)
class AssetEncumbrances:
    """An asset's owner and what encumbers it (liens by rank, a freeze, exclusive licences),
    and whether its registration was revoked, read at one block: whom a lender deals with, and
    what stands before its lien."""

    owner: str
    report: EncumbranceReport
    revoked: bool

    @property
    def clear(self) -> bool:
        """Nothing stands in a lender's way: no lien, no freeze, no exclusive licence, and the
        registration not revoked (a revoked asset is pledged, licensed and sold to nobody)."""
        return self.report.is_clear and not self.revoked


def encumbrances(
    suite: Suite, asset_id: int, *, block: BlockIdentifier = "latest"
) -> AssetEncumbrances:
    """The owner and every encumbrance of an asset from the contracts' view; ``block`` asks
    "as of block N" (the node must keep that block's state).

    Raises :class:`AssetNotFound` for an asset that does not exist at ``block`` (a never-minted
    id is not reported "clear"; before the suite was deployed nothing existed), and
    :class:`InvalidInput` for a block not mined yet."""
    details: dict[str, object] = {"asset_id": _hex(asset_id), "block": block}
    with chain_refusals():
        if isinstance(block, int):
            latest = suite.rights_asset.latest_block()
            if block > latest:
                raise errors.InvalidInput(
                    "this block is not mined yet", details={**details, "latest": latest}
                )
            exists = _deployed_by(suite, block, details) and suite.rights_asset.exists(
                asset_id, block=block
            )
        else:
            exists = suite.rights_asset.exists(asset_id, block=block)
        if not exists:
            raise errors.AssetNotFound(
                "no such asset at this block (never tokenized, burned, or not yet)",
                details=details,
            )
        return AssetEncumbrances(
            owner=suite.rights_asset.owner_of(asset_id, block=block),
            report=suite.encumbrances.encumbrances_of(asset_id, block=block),
            revoked=suite.rights_asset.is_revoked(asset_id, block=block),
        )


# ------------------------------------------------------------------------------------- helpers


def _existing_owner(suite: Suite, asset_id: int) -> str:
    if not suite.rights_asset.exists(asset_id):
        raise errors.AssetNotFound(
            "no such asset (never tokenized, or burned)", details={"asset_id": _hex(asset_id)}
        )
    return suite.rights_asset.owner_of(asset_id)


def _refuse_frozen(suite: Suite, asset_id: int) -> None:
    if suite.moderation.is_frozen(asset_target(asset_id)):
        raise errors.Frozen("the asset is frozen", details={"asset_id": _hex(asset_id)})


def _deployed_by(suite: Suite, block: int, details: dict[str, object]) -> bool:
    """Whether the suite's contracts stood at ``block``; :class:`InvalidInput` when the node
    keeps no state for that block (pruned, or before the state it was started from)."""
    try:
        return suite.encumbrances.deployed_by(block) and suite.rights_asset.deployed_by(block)
    except TransactionFailed as refused:
        raise errors.InvalidInput(
            "the chain node keeps no state for this block", details=details
        ) from refused


def _refuse_revoked(suite: Suite, asset_id: int) -> None:
    if suite.rights_asset.is_revoked(asset_id):
        raise errors.Revoked(
            "the asset's registration was revoked: it is pledged, licensed and transferred to "
            "nobody",
            details={"asset_id": _hex(asset_id)},
        )


def _chain_time(suite: Suite) -> int:
    """The latest block's time: what the contracts compare terms, maturities and deadlines to."""
    with translate_errors():
        return int(suite.registry_anchor.w3.eth.get_block("latest")["timestamp"])


def _hex(asset_id: int) -> str:
    return asset_id.to_bytes(32, "big").hex()

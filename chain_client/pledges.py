"""Typed access to ``Pledges``: liens on rights assets, sent by the lender with the owner's
EIP-712 consent or by the owner with the lender's EIP-712 offer of the same terms."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import astuple, replace
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_typing import BlockIdentifier
from eth_utils.crypto import keccak
from web3 import Web3

from chain_client.eip712 import sign_typed_data, struct_type, typed_data
from chain_client.licences import LicenceTerms
from chain_client.records import LogPosition, Record, from_abi

# The roles Pledges checks, also importable from here.
from chain_client.roles import LENDER_ROLE as LENDER_ROLE
from chain_client.roles import RoleAdministered
from chain_client.transactions import TransactionSender

DOMAIN_NAME = "banquan Pledges"
# What the owner signs for the lender to send, and what the lender signs for the owner to send:
# the same terms under two type names, so one can never stand for the other.
CONSENT_TYPES = struct_type(
    "PledgeConsent(uint256 assetId,address lender,uint128 amount,bytes3 currencyCode,"
    "uint64 maturity,bytes32 officialRegistrationNo,uint256 nonce,uint256 deadline)"
)
_TERMS_FIELDS = CONSENT_TYPES["PledgeConsent"]
OFFER_TYPES = {"LienOffer": _TERMS_FIELDS}
# The terms of the one licence a lender consents to (``setLicensingConsent``), as ``grant``
# takes them.
LICENCE_CONSENT_TYPE = (
    "LicenceConsent(uint256 assetId,address licensee,uint32 rights,uint16 territory,uint64 start,"
    "uint64 end,bool exclusive,bool revocable,bytes32 termsDigest)"
)
LICENCE_CONSENT_TYPEHASH = keccak(text=LICENCE_CONSENT_TYPE)


def licence_consent_digest(terms: LicenceTerms) -> bytes:
    """The digest a lender records to consent to exactly the licence ``terms`` (what
    ``Licences.grant`` computes from its arguments: the EIP-712 struct hash of
    ``LicenceConsent``)."""
    values = replace(terms, licensee=Web3.to_checksum_address(terms.licensee))
    members = struct_type(LICENCE_CONSENT_TYPE)["LicenceConsent"]
    solidity_types = [member["type"] for member in members]
    return keccak(
        abi_encode(["bytes32", *solidity_types], [LICENCE_CONSENT_TYPEHASH, *astuple(values)])
    )


# What a lender signs to let the other lender move a lien to or from it.
TRANSFER_TYPES = struct_type(
    "LienTransfer(uint256 lienId,address from,address to,uint8 how,uint256 nonce,uint256 deadline)"
)
# The role of the authority that registers pledges of copyright and attests their registration.
REGISTRY_AUTHORITY_ROLE = keccak(text="REGISTRY_AUTHORITY_ROLE")
# Pledges.JUNIOR_ENFORCEMENT_GRACE and Pledges.RECOVERY_DELAY.
JUNIOR_ENFORCEMENT_GRACE = 90 * 24 * 3600
RECOVERY_DELAY = 30 * 24 * 3600


class LenderChange(enum.IntEnum):
    ASSIGNMENT = 0
    KEY_ROTATION = 1
    RECOVERY = 2


class LienStatus(enum.IntEnum):
    NONE = 0
    ACTIVE = 1
    RELEASED = 2
    ENFORCED = 3


def currency_code(code: str) -> bytes:
    """ISO 4217 alphabetic code as ``bytes3`` (``"CNY"`` → ``b"CNY"``)."""
    raw = code.encode("ascii")
    if len(raw) != 3:
        raise ValueError(f"not a three-letter currency code: {code!r}")
    return raw


def currency_text(code: bytes) -> str:
    """A ``bytes3`` currency code as its letters (``b"CNY"`` → ``"CNY"``; padding dropped)."""
    return code.rstrip(b"\x00").decode("ascii", "replace")


def registration_number(number: str) -> bytes:
    """An official pledge registration number as ``bytes32`` (ASCII, right-padded with zeros)."""
    raw = number.encode("ascii")
    if len(raw) > 32:
        raise ValueError(f"registration number longer than 32 bytes: {number!r}")
    return raw.ljust(32, b"\x00")


class PledgeTerms(Record):
    """The terms of a lien, as the owner consents to them (in the order of the consent, which
    ``pledge`` and ``consentDigest`` take first)."""

    asset_id: int
    lender: str
    amount: int
    currency_code: bytes
    maturity: int
    official_registration_no: bytes = b"\x00" * 32


class Lien(Record):
    lender: str
    maturity: int
    status: LienStatus
    licensing_consent: bool
    amount: int
    currency_code: bytes
    created_at: int
    asset_id: int
    official_registration_no: bytes


class RankedLien(Record):
    lien_id: int
    rank: int
    lien: Lien


class Pledged(Record):
    lien_id: int
    asset_id: int
    lender: str
    owner: str
    creator: str
    rank: int
    amount: int
    currency_code: bytes
    maturity: int
    official_registration_no: bytes
    position: LogPosition


class LienImported(Record):
    lien_id: int
    asset_id: int
    lender: str
    rank: int
    position: LogPosition


class Released(Record):
    lien_id: int
    asset_id: int
    lender: str
    position: LogPosition


class Enforced(Record):
    lien_id: int
    asset_id: int
    lender: str
    from_: str
    to: str
    position: LogPosition


class ConsentNonceUsed(Record):
    owner: str
    nonce: int
    position: LogPosition


class JuniorLienConsentSet(Record):
    lien_id: int
    junior_lender: str
    approved: bool
    position: LogPosition


class LicensingConsentSet(Record):
    """A lender's consent to the one licence with ``licence_digest`` (all zero: withdrawn)."""

    lien_id: int
    asset_id: int
    licence_digest: bytes
    position: LogPosition


class LicensingConsentUsed(Record):
    """A grant of the consented licence used the lender's consent up."""

    lien_id: int
    asset_id: int
    licence_digest: bytes
    position: LogPosition


class LenderChanged(Record):
    """A lien moved to another lender (or the same lender's new key)."""

    lien_id: int
    asset_id: int
    new_lender: str
    old_lender: str
    how: LenderChange
    position: LogPosition


class LenderRecoveryProposed(Record):
    lien_id: int
    lender: str
    new_lender: str
    executable_at: int
    position: LogPosition


class LenderRecoveryCancelled(Record):
    lien_id: int
    asset_id: int
    by: str
    position: LogPosition


class LienReduced(Record):
    """The lender lowered the secured amount (partial release)."""

    lien_id: int
    asset_id: int
    lender: str
    old_amount: int
    new_amount: int
    position: LogPosition


class RegistrationAttested(Record):
    """The registry authority attested a lien's official registration (number and time)."""

    lien_id: int
    asset_id: int
    official_registration_no: bytes
    registered_at: int
    authority: str
    position: LogPosition


class LiensReordered(Record):
    """An attested registration changed the ranks: the asset's active liens, most senior first."""

    asset_id: int
    lien_ids: tuple[int, ...]
    position: LogPosition


class Recovery(Record):
    new_lender: str
    executable_at: int


class LicencesBound(Record):
    licences: str
    position: LogPosition


class JuniorLienPolicySet(Record):
    allowed: bool
    admin: str
    position: LogPosition


def consent_typed_data(
    terms: PledgeTerms, *, nonce: int, deadline: int, chain_id: int, verifying_contract: str
) -> dict[str, Any]:
    """The EIP-712 typed data (eth-account's full-message form) of an owner's pledge consent."""
    return _typed_data(
        "PledgeConsent",
        terms,
        nonce=nonce,
        deadline=deadline,
        chain_id=chain_id,
        verifying_contract=verifying_contract,
    )


def offer_typed_data(
    terms: PledgeTerms, *, nonce: int, deadline: int, chain_id: int, verifying_contract: str
) -> dict[str, Any]:
    """The EIP-712 typed data of a lender's offer of a lien, which the owner then sends
    (``nonce`` is the lender's)."""
    return _typed_data(
        "LienOffer",
        terms,
        nonce=nonce,
        deadline=deadline,
        chain_id=chain_id,
        verifying_contract=verifying_contract,
    )


def lien_transfer_typed_data(
    lien_id: int,
    *,
    from_: str,
    to: str,
    how: LenderChange,
    nonce: int,
    deadline: int,
    chain_id: int,
    verifying_contract: str,
) -> dict[str, Any]:
    """The EIP-712 typed data a lender signs to let lien ``lien_id`` move from ``from_`` to
    ``to`` (``nonce`` is the signer's)."""
    message = {
        "lienId": lien_id,
        "from": Web3.to_checksum_address(from_),
        "to": Web3.to_checksum_address(to),
        "how": int(how),
        "nonce": nonce,
        "deadline": deadline,
    }
    return typed_data(
        DOMAIN_NAME,
        "LienTransfer",
        TRANSFER_TYPES["LienTransfer"],
        message,
        chain_id=chain_id,
        verifying_contract=verifying_contract,
    )


def _typed_data(
    primary_type: str,
    terms: PledgeTerms,
    *,
    nonce: int,
    deadline: int,
    chain_id: int,
    verifying_contract: str,
) -> dict[str, Any]:
    message = {
        "assetId": terms.asset_id,
        "lender": Web3.to_checksum_address(terms.lender),
        "amount": terms.amount,
        "currencyCode": terms.currency_code,
        "maturity": terms.maturity,
        "officialRegistrationNo": terms.official_registration_no,
        "nonce": nonce,
        "deadline": deadline,
    }
    return typed_data(
        DOMAIN_NAME,
        primary_type,
        _TERMS_FIELDS,
        message,
        chain_id=chain_id,
        verifying_contract=verifying_contract,
    )


class PledgesClient(RoleAdministered):
    """One deployed ``Pledges``."""

    DELAYED_GRANTS = True
    CONTRACT_NAME = "Pledges"
    EVENT_TYPES = (
        LienImported,
        Pledged,
        Released,
        Enforced,
        ConsentNonceUsed,
        JuniorLienConsentSet,
        LicensingConsentSet,
        LicensingConsentUsed,
        LicencesBound,
        LenderChanged,
        LenderRecoveryProposed,
        LenderRecoveryCancelled,
        LienReduced,
        RegistrationAttested,
        LiensReordered,
        JuniorLienPolicySet,
    )

    @classmethod
    def deploy(
        cls,
        sender: TransactionSender,
        *,
        rights_asset: str,
        moderation: str,
        junior_liens_allowed: bool = False,
        role_grant_delay: int = 0,
    ) -> PledgesClient:
        """Deploy a new ``Pledges`` over ``rights_asset``; the sending account is its admin.
        Lenders are granted at once, the registry authority in two steps ``role_grant_delay``
        seconds apart (0: development only)."""
        return cls._deploy(
            sender, sender.address, rights_asset, moderation, junior_liens_allowed, role_grant_delay
        )

    def sign_consent(self, owner: LocalAccount, terms: PledgeTerms, *, deadline: int) -> bytes:
        """The owner's EIP-712 signature of ``terms`` with its current nonce (eth-account)."""
        return self._sign_terms(consent_typed_data, owner, terms, deadline)

    def sign_offer(self, lender: LocalAccount, terms: PledgeTerms, *, deadline: int) -> bytes:
        """The lender's EIP-712 offer of ``terms`` with its current nonce (eth-account), which
        the asset's owner sends with its pledge."""
        return self._sign_terms(offer_typed_data, lender, terms, deadline)

    def _sign_terms(
        self,
        typed_data_of: Callable[..., dict[str, Any]],
        signer: LocalAccount,
        terms: PledgeTerms,
        deadline: int,
    ) -> bytes:
        typed = typed_data_of(
            terms,
            nonce=self.nonces(signer.address),
            deadline=deadline,
            chain_id=int(self.w3.eth.chain_id),
            verifying_contract=self.address,
        )
        return sign_typed_data(signer, typed)

    def pledge(self, terms: PledgeTerms, *, deadline: int = 0, signature: bytes = b"") -> Pledged:
        """Create a lien: sent by the lender with the owner's consent signature, or by the owner
        with the lender's offer signature."""
        return self._transact_one(Pledged, "pledge", *astuple(terms), deadline, signature)

    def release(self, lien_id: int) -> Released:
        """Release a lien (its lender)."""
        return self._transact_one(Released, "release", lien_id)

    def enforce(self, lien_id: int, to: str) -> Enforced:
        """Enforce the most senior lien after maturity; the asset moves to ``to``."""
        return self._transact_one(Enforced, "enforce", lien_id, to)

    def approve_junior_lien(
        self, lien_id: int, junior_lender: str, approved: bool = True
    ) -> JuniorLienConsentSet:
        """Give (or withdraw) a senior lender's one-shot consent to a junior lien."""
        return self._transact_one(
            JuniorLienConsentSet, "approveJuniorLien", lien_id, junior_lender, approved
        )

    def set_licensing_consent(self, lien_id: int, licence_digest: bytes) -> LicensingConsentSet:
        """Consent, as the lien's lender, to the one licence with ``licence_digest``
        (:func:`licence_consent_digest`); 32 zero bytes withdraw the consent. Its grant uses it
        up."""
        return self._transact_one(
            LicensingConsentSet, "setLicensingConsent", lien_id, licence_digest
        )

    def sign_lien_transfer(
        self,
        lender: LocalAccount,
        lien_id: int,
        *,
        from_: str,
        to: str,
        how: LenderChange,
        deadline: int,
    ) -> bytes:
        """``lender``'s EIP-712 consent (its current nonce) to lien ``lien_id`` moving from
        ``from_`` to ``to``; the other lender sends it with :meth:`assign_lien` or
        :meth:`rotate_lender_key`."""
        typed = lien_transfer_typed_data(
            lien_id,
            from_=from_,
            to=to,
            how=how,
            nonce=self.nonces(lender.address),
            deadline=deadline,
            chain_id=int(self.w3.eth.chain_id),
            verifying_contract=self.address,
        )
        return sign_typed_data(lender, typed)

    def assign_lien(
        self, lien_id: int, to: str, *, deadline: int, signature: bytes
    ) -> LenderChanged:
        """Assign a lien to another lender (sent by one lender, signed by the other)."""
        return self._transact_one(LenderChanged, "assignLien", lien_id, to, deadline, signature)

    def rotate_lender_key(
        self, lien_id: int, new_key: str, *, deadline: int, signature: bytes
    ) -> LenderChanged:
        """Move a lien to its lender's new key (sent by one key, signed by the other)."""
        return self._transact_one(
            LenderChanged, "rotateLenderKey", lien_id, new_key, deadline, signature
        )

    def propose_lender_recovery(self, lien_id: int, new_lender: str) -> LenderRecoveryProposed:
        """Propose to recover a lien to its lender's new key (admin; executable after the delay)."""
        return self._transact_one(
            LenderRecoveryProposed, "proposeLenderRecovery", lien_id, new_lender
        )

    def cancel_lender_recovery(self, lien_id: int) -> LenderRecoveryCancelled:
        """Cancel a pending recovery (the lien's current key, or the admin)."""
        return self._transact_one(LenderRecoveryCancelled, "cancelLenderRecovery", lien_id)

    def execute_lender_recovery(self, lien_id: int) -> LenderChanged:
        """Execute a recovery after its delay (the new key)."""
        return self._transact_one(LenderChanged, "executeLenderRecovery", lien_id)

    def reduce_lien(self, lien_id: int, new_amount: int) -> LienReduced:
        """Lower the secured amount (the lien's lender)."""
        return self._transact_one(LienReduced, "reduceLien", lien_id, new_amount)

    def attest_registration(
        self, lien_id: int, official_registration_no: bytes, registered_at: int
    ) -> RegistrationAttested:
        """Attest a lien's official registration (the registry authority); priority follows it."""
        return self._transact_one(
            RegistrationAttested,
            "attestRegistration",
            lien_id,
            official_registration_no,
            registered_at,
        )

    def registration_time_of(self, lien_id: int, *, block: BlockIdentifier = "latest") -> int:
        """When the lien's official registration was attested to have happened (0: never)."""
        return int(self._call("registrationTimeOf", lien_id, block=block))

    def pending_recovery(self, lien_id: int) -> Recovery | None:
        """The pending recovery of a lien, if any."""
        recovery = from_abi(Recovery, self._call("pendingRecovery", lien_id))
        return None if int(recovery.new_lender, 16) == 0 else recovery

    def bind_licences(self, licences: str) -> LicencesBound:
        """Bind the ``Licences`` contract whose grants use licensing consents (admin, once)."""
        return self._transact_one(LicencesBound, "bindLicences", licences)

    def licences(self) -> str:
        """The bound ``Licences`` contract (the zero address before binding)."""
        return str(self._call("licences"))

    def cancel_consent(self) -> ConsentNonceUsed:
        """Use up the sender's current nonce, cancelling consents signed with it."""
        return self._transact_one(ConsentNonceUsed, "cancelConsent")

    def set_junior_liens_allowed(self, allowed: bool) -> JuniorLienPolicySet:
        """Set the junior-lien policy (admin)."""
        return self._transact_one(JuniorLienPolicySet, "setJuniorLiensAllowed", allowed)

    def junior_liens_allowed(self) -> bool:
        return bool(self._call("juniorLiensAllowed"))

    def nonces(self, owner: str) -> int:
        """The account's current nonce (an owner's for consents, a lender's for offers)."""
        return int(self._call("nonces", owner))

    def consent_digest(self, terms: PledgeTerms, *, nonce: int, deadline: int) -> bytes:
        """The digest the contract expects the owner to have signed."""
        return bytes(self._call("consentDigest", *astuple(terms), nonce, deadline))

    def offer_digest(self, terms: PledgeTerms, *, nonce: int, deadline: int) -> bytes:
        """The digest the contract expects the lender to have signed for an owner's pledge."""
        return bytes(self._call("lienOfferDigest", *astuple(terms), nonce, deadline))

    def active_lien_count(self, asset_id: int, *, block: BlockIdentifier = "latest") -> int:
        return int(self._call("activeLienCount", asset_id, block=block))

    def licensing_consented(self, asset_id: int, licence_digest: bytes) -> bool:
        """Whether every active lien's lender holds out an unused consent to this licence."""
        return bool(self._call("licensingConsented", asset_id, licence_digest))

    def licence_consent_of(self, lien_id: int, *, block: BlockIdentifier = "latest") -> bytes:
        """The digest of the licence the lien's lender consents to (zero bytes if none)."""
        return bytes(self._call("licenceConsentOf", lien_id, block=block))

    def licence_consent_digest(self, terms: LicenceTerms) -> bytes:
        """The contract's own :func:`licence_consent_digest` of ``terms``."""
        return bytes(self._call("licenceConsentDigestOf", astuple(terms)))

    def active_liens(self, asset_id: int, *, block: BlockIdentifier = "latest") -> list[RankedLien]:
        """Active liens on ``asset_id``, most senior first."""
        return [from_abi(RankedLien, v) for v in self._call("activeLiens", asset_id, block=block)]

    def lien_of(self, lien_id: int, *, block: BlockIdentifier = "latest") -> Lien:
        return from_abi(Lien, self._call("lienOf", lien_id, block=block))

    def junior_consent(self, lien_id: int, junior_lender: str) -> bool:
        return bool(self._call("juniorConsent", lien_id, junior_lender))

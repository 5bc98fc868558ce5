"""Typed access to ``Pledges``: liens on rights assets with the owner's EIP-712 consent."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, ClassVar

from eth_account.signers.local import LocalAccount
from eth_typing import BlockIdentifier
from web3 import Web3

from chain_client.bound_contract import BoundContract, LogPosition, from_abi, role_id
from chain_client.transactions import TransactionSender

LENDER_ROLE = role_id("LENDER_ROLE")
DOMAIN_NAME = "banquan Pledges"
DOMAIN_VERSION = "1"
CONSENT_TYPES = {
    "PledgeConsent": [
        {"name": "assetId", "type": "uint256"},
        {"name": "lender", "type": "address"},
        {"name": "amount", "type": "uint128"},
        {"name": "currencyCode", "type": "bytes3"},
        {"name": "maturity", "type": "uint64"},
        {"name": "officialRegistrationNo", "type": "bytes32"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}


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


def registration_number(number: str) -> bytes:
    """An official pledge registration number as ``bytes32`` (ASCII, right-padded with zeros)."""
    raw = number.encode("ascii")
    if len(raw) > 32:
        raise ValueError(f"registration number longer than 32 bytes: {number!r}")
    return raw.ljust(32, b"\x00")


@dataclass(frozen=True)
class PledgeTerms:
    """The terms of a lien, as the owner consents to them."""

    asset_id: int
    lender: str
    amount: int
    currency_code: bytes
    maturity: int
    official_registration_no: bytes = b"\x00" * 32


@dataclass(frozen=True)
class Lien:
    lender: str
    maturity: int
    status: LienStatus
    licensing_consent: bool
    amount: int
    currency_code: bytes
    created_at: int
    asset_id: int
    official_registration_no: bytes


@dataclass(frozen=True)
class RankedLien:
    lien_id: int
    rank: int
    lien: Lien


@dataclass(frozen=True)
class Pledged:
    lien_id: int
    asset_id: int
    lender: str
    owner: str
    rank: int
    amount: int
    currency_code: bytes
    maturity: int
    official_registration_no: bytes
    position: LogPosition


@dataclass(frozen=True)
class Released:
    lien_id: int
    asset_id: int
    lender: str
    position: LogPosition


@dataclass(frozen=True)
class Enforced:
    lien_id: int
    asset_id: int
    lender: str
    from_: str
    to: str
    position: LogPosition


@dataclass(frozen=True)
class ConsentNonceUsed:
    owner: str
    nonce: int
    position: LogPosition


@dataclass(frozen=True)
class JuniorLienConsentSet:
    lien_id: int
    junior_lender: str
    approved: bool
    position: LogPosition


@dataclass(frozen=True)
class LicensingConsentSet:
    lien_id: int
    asset_id: int
    consent: bool
    position: LogPosition


@dataclass(frozen=True)
class JuniorLienPolicySet:
    allowed: bool
    admin: str
    position: LogPosition


def consent_typed_data(
    terms: PledgeTerms, *, nonce: int, deadline: int, chain_id: int, verifying_contract: str
) -> dict[str, Any]:
    """The EIP-712 typed data (eth-account's full-message form) of an owner's pledge consent."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            **CONSENT_TYPES,
        },
        "primaryType": "PledgeConsent",
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": Web3.to_checksum_address(verifying_contract),
        },
        "message": {
            "assetId": terms.asset_id,
            "lender": Web3.to_checksum_address(terms.lender),
            "amount": terms.amount,
            "currencyCode": terms.currency_code,
            "maturity": terms.maturity,
            "officialRegistrationNo": terms.official_registration_no,
            "nonce": nonce,
            "deadline": deadline,
        },
    }


class PledgesClient(BoundContract):
    """One deployed ``Pledges``."""

    CONTRACT_NAME = "Pledges"
    EVENT_TYPES: ClassVar[dict[str, type[Any]]] = {
        "Pledged": Pledged,
        "Released": Released,
        "Enforced": Enforced,
        "ConsentNonceUsed": ConsentNonceUsed,
        "JuniorLienConsentSet": JuniorLienConsentSet,
        "LicensingConsentSet": LicensingConsentSet,
        "JuniorLienPolicySet": JuniorLienPolicySet,
    }

    @classmethod
    def deploy(
        cls,
        sender: TransactionSender,
        *,
        rights_asset: str,
        moderation: str,
        junior_liens_allowed: bool = False,
        admin: str | None = None,
    ) -> PledgesClient:
        """Deploy a new ``Pledges`` over ``rights_asset``."""
        return cls._deploy(
            sender,
            Web3.to_checksum_address(admin or sender.address),
            Web3.to_checksum_address(rights_asset),
            Web3.to_checksum_address(moderation),
            junior_liens_allowed,
        )

    def sign_consent(self, owner: LocalAccount, terms: PledgeTerms, *, deadline: int) -> bytes:
        """The owner's EIP-712 signature of ``terms`` with its current nonce (eth-account)."""
        typed = consent_typed_data(
            terms,
            nonce=self.nonces(owner.address),
            deadline=deadline,
            chain_id=int(self.w3.eth.chain_id),
            verifying_contract=self.address,
        )
        return bytes(owner.sign_typed_data(full_message=typed).signature)

    def pledge(self, terms: PledgeTerms, *, deadline: int = 0, owner_sig: bytes = b"") -> Pledged:
        """Create a lien: sent by the lender with the owner's signature, or by the owner."""
        receipt = self._transact(
            "pledge",
            terms.asset_id,
            Web3.to_checksum_address(terms.lender),
            terms.amount,
            terms.currency_code,
            terms.maturity,
            terms.official_registration_no,
            deadline,
            owner_sig,
        )
        return self._one_event(receipt, Pledged)

    def release(self, lien_id: int) -> Released:
        """Release a lien (its lender)."""
        return self._one_event(self._transact("release", lien_id), Released)

    def enforce(self, lien_id: int, to: str) -> Enforced:
        """Enforce the most senior lien after maturity; the asset moves to ``to``."""
        receipt = self._transact("enforce", lien_id, Web3.to_checksum_address(to))
        return self._one_event(receipt, Enforced)

    def approve_junior_lien(
        self, lien_id: int, junior_lender: str, approved: bool = True
    ) -> JuniorLienConsentSet:
        """Give (or withdraw) a senior lender's one-shot consent to a junior lien."""
        receipt = self._transact(
            "approveJuniorLien", lien_id, Web3.to_checksum_address(junior_lender), approved
        )
        return self._one_event(receipt, JuniorLienConsentSet)

    def set_licensing_consent(self, lien_id: int, consent: bool) -> LicensingConsentSet:
        """Give (or withdraw) a lender's consent to new licences of the asset."""
        receipt = self._transact("setLicensingConsent", lien_id, consent)
        return self._one_event(receipt, LicensingConsentSet)

    def cancel_consent(self) -> ConsentNonceUsed:
        """Use up the sender's current nonce, cancelling consents signed with it."""
        return self._one_event(self._transact("cancelConsent"), ConsentNonceUsed)

    def set_junior_liens_allowed(self, allowed: bool) -> JuniorLienPolicySet:
        """Set the junior-lien policy (admin)."""
        receipt = self._transact("setJuniorLiensAllowed", allowed)
        return self._one_event(receipt, JuniorLienPolicySet)

    def junior_liens_allowed(self) -> bool:
        return bool(self._call("juniorLiensAllowed"))

    def nonces(self, owner: str) -> int:
        """The owner's current consent nonce."""
        return int(self._call("nonces", Web3.to_checksum_address(owner)))

    def consent_digest(self, terms: PledgeTerms, *, nonce: int, deadline: int) -> bytes:
        """The digest the contract expects the owner to have signed."""
        return bytes(
            self._call(
                "consentDigest",
                terms.asset_id,
                Web3.to_checksum_address(terms.lender),
                terms.amount,
                terms.currency_code,
                terms.maturity,
                terms.official_registration_no,
                nonce,
                deadline,
            )
        )

    def active_lien_count(self, asset_id: int, *, block: BlockIdentifier = "latest") -> int:
        return int(self._call("activeLienCount", asset_id, block=block))

    def licensing_consented(self, asset_id: int) -> bool:
        return bool(self._call("licensingConsented", asset_id))

    def active_liens(self, asset_id: int, *, block: BlockIdentifier = "latest") -> list[RankedLien]:
        """Active liens on ``asset_id``, most senior first."""
        return [from_abi(RankedLien, v) for v in self._call("activeLiens", asset_id, block=block)]

    def lien_of(self, lien_id: int) -> Lien:
        return from_abi(Lien, self._call("lienOf", lien_id))

    def lien_count(self) -> int:
        return int(self._call("lienCount"))

    def junior_consent(self, lien_id: int, junior_lender: str) -> bool:
        return bool(self._call("juniorConsent", lien_id, Web3.to_checksum_address(junior_lender)))

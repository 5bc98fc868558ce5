"""Typed access to ``IdentityAttestations``: parties' identity commitments (实名认证) on chain."""

from __future__ import annotations

from eth_typing import BlockIdentifier

from chain_client.records import LogPosition, Record

# The role IdentityAttestations checks, also importable from here.
from chain_client.roles import ATTESTOR_ROLE as ATTESTOR_ROLE
from chain_client.roles import RoleAdministered
from chain_client.transactions import TransactionSender


def party_key(party_id: str) -> bytes:
    """A party id as the contract keys it: its ASCII, zero-padded on the right to 32 bytes."""
    raw = party_id.encode("ascii")
    if not 0 < len(raw) <= 32:
        raise ValueError("a party id on chain is 1 to 32 ASCII characters")
    return raw.ljust(32, b"\x00")


class OnChainAttestation(Record):
    """A party's current attestation on chain (all zero if none)."""

    commitment: bytes
    expires_at: int
    attested_at: int
    revoked: bool


class Attested(Record):
    party: bytes
    commitment: bytes
    expires_at: int
    attestor_signature: bytes
    actor: str
    position: LogPosition


class AttestationRevoked(Record):
    party: bytes
    commitment: bytes
    reason_digest: bytes
    actor: str
    position: LogPosition


class PersonAccountBound(Record):
    party: bytes
    account: str
    adult: bool
    actor: str
    position: LogPosition


class AccountUnbound(Record):
    party: bytes
    account: str
    actor: str
    position: LogPosition


class IdentityAttestationsClient(RoleAdministered):
    """One deployed ``IdentityAttestations``."""

    CONTRACT_NAME = "IdentityAttestations"
    DELAYED_GRANTS = True
    EVENT_TYPES = (Attested, AttestationRevoked, PersonAccountBound, AccountUnbound)

    @classmethod
    def deploy(
        cls, sender: TransactionSender, *, attestor: str | None = None, role_grant_delay: int = 0
    ) -> IdentityAttestationsClient:
        """Deploy a new ``IdentityAttestations``; the sending account is its admin and (unless
        ``attestor`` names another) holds ``ATTESTOR_ROLE``; further attestors are granted in two
        steps ``role_grant_delay`` seconds apart."""
        return cls._deploy(sender, sender.address, attestor or sender.address, role_grant_delay)

    def attest(
        self, party_id: str, commitment: bytes, expires_at: int, attestor_signature: bytes
    ) -> Attested:
        """Record ``party_id``'s attestation (``ATTESTOR_ROLE``)."""
        return self._transact_one(
            Attested, "attest", party_key(party_id), commitment, expires_at, attestor_signature
        )

    def revoke(self, party_id: str, commitment: bytes, reason_digest: bytes) -> AttestationRevoked:
        """Revoke ``party_id``'s current attestation (``ATTESTOR_ROLE``)."""
        return self._transact_one(
            AttestationRevoked, "revoke", party_key(party_id), commitment, reason_digest
        )

    def attestation_of(
        self, party_id: str, *, block: BlockIdentifier = "latest"
    ) -> OnChainAttestation:
        """``party_id``'s current attestation on chain."""
        commitment, expires_at, attested_at, revoked = self._call(
            "attestationOf", party_key(party_id), block=block
        )
        return OnChainAttestation(
            bytes(commitment), int(expires_at), int(attested_at), bool(revoked)
        )

    def is_verified(self, party_id: str, *, block: BlockIdentifier = "latest") -> bool:
        """Whether ``party_id`` holds an attestation in force on chain."""
        return bool(self._call("isVerified", party_key(party_id), block=block))

    def bind_person_account(self, party_id: str, account: str, adult: bool) -> PersonAccountBound:
        """Bind ``account`` to ``party_id``, a verified natural person, stating whether the person
        is of full age (``ATTESTOR_ROLE``)."""
        return self._transact_one(
            PersonAccountBound, "bindPersonAccount", party_key(party_id), account, adult
        )

    def unbind_account(self, account: str) -> AccountUnbound:
        """Remove ``account``'s binding (``ATTESTOR_ROLE``)."""
        return self._transact_one(AccountUnbound, "unbindAccount", account)

    def is_verified_adult(self, account: str, *, block: BlockIdentifier = "latest") -> bool:
        """Whether ``account`` is bound to a verified natural person of full age."""
        return bool(self._call("isVerifiedAdult", account, block=block))

    def party_of(self, account: str) -> str | None:
        """The party id ``account`` is bound to, if any."""
        raw = bytes(self._call("partyOf", account)).rstrip(b"\x00")
        return raw.decode("ascii") if raw else None

"""The identity attestors a running registry accepts, and (dev mode only) its development
attestor, whose SM2 key is generated in the data directory so a local registry can attest
parties from the command line."""

from __future__ import annotations

from pathlib import Path

from chain_client.errors import ChainError
from chain_client.identity_attestations import IdentityAttestationsClient
from crypto.signing import KeySigner
from crypto.sm2 import SM2PrivateKey
from registry.access.attestation import Attestors, parse_attestor_keys
from registry.content import create_private_file, read_sm2_key_file
from registry.core.errors import ChainUnreachable, InvalidKeyFile
from registry.core.settings import Settings


def load_attestors(settings: Settings) -> Attestors:
    """The configured attestors; in dev mode also the development attestor (its key file is
    created, mode 0600, when missing)."""
    accepted = parse_attestor_keys(settings.attestor_public_keys)
    path = settings.resolved_dev_attestor_key_file
    if path is None:
        return Attestors(accepted, settings.master_key_bytes)
    private_key = _dev_attestor_key(path)
    dev_key = private_key.public_key
    keys = accepted if dev_key in accepted else (*accepted, dev_key)
    return Attestors(keys, settings.master_key_bytes, dev_signer=KeySigner(private_key))


def _dev_attestor_key(path: Path) -> SM2PrivateKey:
    if not path.exists():
        create_private_file(
            path, SM2PrivateKey.generate().to_pem(), what="development attestor's key"
        )
    return read_sm2_key_file(
        path,
        dev_mode=True,
        what="development attestor key",
        refusal=InvalidKeyFile,
        named="the development attestor key",
    )


class ChainLedger:
    """``IdentityAttestations`` as the attestation services see it: the transaction's hash, or
    :class:`ChainUnreachable` for any failure to record (the chain down, or a refusal)."""

    def __init__(self, client: IdentityAttestationsClient) -> None:
        self.client = client

    def attest(
        self, party_id: str, commitment: bytes, expires_at: int, attestor_signature: bytes
    ) -> str:
        try:
            event = self.client.attest(party_id, commitment, expires_at, attestor_signature)
        except ChainError as exc:
            raise ChainUnreachable(f"IdentityAttestations.attest failed: {exc}") from exc
        return event.position.tx_hash

    def revoke(self, party_id: str, commitment: bytes, reason_digest: bytes) -> str:
        try:
            event = self.client.revoke(party_id, commitment, reason_digest)
        except ChainError as exc:
            raise ChainUnreachable(f"IdentityAttestations.revoke failed: {exc}") from exc
        return event.position.tx_hash

    def unbind(self, account: str) -> str | None:
        try:
            if self.client.party_of(account) is None:
                return None
            event = self.client.unbind_account(account)
        except ChainError as exc:
            raise ChainUnreachable(f"IdentityAttestations.unbindAccount failed: {exc}") from exc
        return event.position.tx_hash

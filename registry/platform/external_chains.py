"""The configured external anchoring chains, built once at start-up (see
``registry.proofs.external_anchoring``): the sending account of each (its private key or its
keystore, read now so that a bad key stops start-up) and, on first need, its ``RegistryAnchor``."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from chain_client.connection import connect
from chain_client.deployment import ensure_registry_anchor
from chain_client.registry_anchor import RegistryAnchorClient
from chain_client.transactions import TransactionSender
from crypto.errors import CryptoError
from crypto.keystore import decrypt_key, read_keystore
from crypto.secp256k1 import Secp256k1PrivateKey
from registry.content import check_private_file
from registry.core.errors import InvalidKeyFile
from registry.core.external_chain_config import ExternalChainConfig
from registry.core.settings import DEV_CHAIN_PRIVATE_KEY
from registry.proofs.external_anchoring import ExternalChain


def sending_account(config: ExternalChainConfig, *, dev_mode: bool) -> LocalAccount:
    """The account that anchors on ``config``'s chain: its keystore (secp256k1, private to its
    owner outside dev mode), its private key, or in dev mode the public development key."""
    if config.keystore is not None and config.keystore_password_file is not None:
        check_private_file(config.keystore, dev_mode=dev_mode, what="keystore")
        password = config.keystore_password_file.read_text(encoding="utf-8").rstrip("\r\n")
        try:
            key = decrypt_key(read_keystore(config.keystore), password)
        except (CryptoError, OSError, ValueError) as exc:
            raise InvalidKeyFile(
                f"external chain {config.name}: cannot open the keystore {config.keystore}: {exc}",
                details={"path": str(config.keystore)},
            ) from exc
        if not isinstance(key, Secp256k1PrivateKey):
            raise InvalidKeyFile(
                f"external chain {config.name}: the keystore must hold a secp256k1 key",
                details={"path": str(config.keystore)},
            )
        account: LocalAccount = Account.from_key(key.to_bytes())
        return account
    secret = config.private_key.get_secret_value() if config.private_key else DEV_CHAIN_PRIVATE_KEY
    configured: LocalAccount = Account.from_key(secret)
    return configured


@dataclass
class ExternalChainHandle:
    """One configured external chain: its sender (nonces tracked across cycles) and how its
    ``RegistryAnchor`` is found — the configured address, or in dev mode one deployed on first
    need and remembered in ``deployment_file`` (redeployed when the chain was reset)."""

    config: ExternalChainConfig
    account: LocalAccount
    deployment_file: Path
    _sender: TransactionSender | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @property
    def sender(self) -> TransactionSender:
        if self._sender is None:
            # No retries inside a call: the cycle retries, with its own backoff.
            w3 = connect(self.config.rpc_url, timeout=self.config.timeout_seconds, retry=False)
            self._sender = TransactionSender(
                w3, self.account, receipt_timeout=self.config.timeout_seconds
            )
        return self._sender

    def resolve(self) -> ExternalChain:
        """The chain's ``RegistryAnchor``, sending as its account. Raises ``ChainError`` (the
        node down, no contract at the configured address)."""
        with self._lock:
            sender = self.sender
            sender.forget_nonce()  # read again each cycle: the chain may have been reset
            if self.config.anchor_address:
                client = RegistryAnchorClient(sender.w3, self.config.anchor_address, sender)
                client.ensure_deployed()
            else:
                client, _ = ensure_registry_anchor(sender, self.deployment_file)
            return ExternalChain(
                name=self.config.name,
                chain_id=self.config.chain_id,
                client=client,
                confirmations=self.config.confirmations,
            )


@dataclass(frozen=True)
class DeployedAnchor:
    """A ``RegistryAnchor`` deployed on an external chain, as an operator configures it."""

    name: str
    chain_id: int
    address: str
    registrar: str
    block_number: int

    def setting(self, rpc_url: str) -> dict[str, object]:
        """Its entry for ``BANQUAN_EXTERNAL_CHAINS`` (the key added by the operator)."""
        return {
            "name": self.name,
            "rpc_url": rpc_url,
            "chain_id": self.chain_id,
            "anchor_address": self.address,
        }


def deploy_external_anchor(name: str, rpc_url: str, account: LocalAccount) -> DeployedAnchor:
    """Deploy a ``RegistryAnchor`` on an external chain with ``account`` as its admin and
    registrar (the account that will anchor there). Raises ``ChainError``."""
    sender = TransactionSender(connect(rpc_url), account)
    client = RegistryAnchorClient.deploy(sender)
    return DeployedAnchor(
        name=name,
        chain_id=client.chain_id(),
        address=client.address,
        registrar=sender.address,
        block_number=client.block_number(),
    )


def external_chain_handles(
    configs: list[ExternalChainConfig], *, data_dir: Path, dev_mode: bool
) -> list[ExternalChainHandle]:
    """A handle per configured external chain (keys read now)."""
    return [
        ExternalChainHandle(
            config=config,
            account=sending_account(config, dev_mode=dev_mode),
            deployment_file=config.deployment_file(data_dir),
        )
        for config in configs
    ]

"""Settings, read once at the entry point (environment ``BANQUAN_*`` or a ``.env`` file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from crypto.errors import CryptoError
from crypto.sm2 import SM2PublicKey
from registry.core.external_chain_config import ExternalChainConfig
from registry.core.hook_config import ExternalHookConfig

# The first of the well-known development accounts of Anvil and Hardhat: public knowledge, so
# accepted only in dev mode.
DEV_CHAIN_PRIVATE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
# Wraps the content keys of private works in dev mode only: it is public, like the chain key.
DEV_MASTER_KEY = "6465762d6f6e6c792d6d61737465722d6b65792d6e6f742d7365637265742121"
# Webhook subscriptions one API key may hold, unless set otherwise.
WEBHOOK_SUBSCRIPTIONS_PER_KEY = 20


def _suite_address(contract: str, unset_outside_dev: str = "") -> Any:
    """The field of the address of the suite's ``contract``; ``unset_outside_dev`` says what
    its absence means for a contract that is optional outside dev mode."""
    description = f"Address of the suite's {contract} (see anchor_address)"
    if unset_outside_dev:
        description += f"; unset outside dev mode: {unset_outside_dev}"
    return Field(default=None, description=description)


class Settings(BaseSettings):
    """Everything configurable about a banquan instance."""

    model_config = SettingsConfigDict(env_prefix="BANQUAN_", env_file=".env", extra="ignore")

    mode: Literal["dev", "production"] = "dev"
    data_dir: Path = Path(".banquan")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: SQLite file in the data directory.",
    )
    chain_rpc_url: str = "http://127.0.0.1:8545"
    chain_private_key: SecretStr = SecretStr(DEV_CHAIN_PRIVATE_KEY)
    anchor_address: str | None = Field(
        default=None,
        description="Address of a deployed RegistryAnchor. Unset in dev mode: deployed on demand "
        "and remembered in the data directory.",
    )
    moderation_address: str | None = _suite_address("Moderation")
    rights_asset_address: str | None = _suite_address("RightsAsset")
    pledges_address: str | None = _suite_address("Pledges")
    licences_address: str | None = _suite_address("Licences")
    encumbrances_address: str | None = _suite_address("Encumbrances")
    identity_attestations_address: str | None = _suite_address(
        "IdentityAttestations", "identity attestations are recorded off chain only"
    )
    editions_address: str | None = _suite_address("Editions", "no numbered editions")
    suite_start_block: int = Field(
        default=0,
        ge=0,
        description="Block the suite was deployed in: the follower reads events from there",
    )
    content_backend: Literal["local", "kubo"] = Field(
        default="local", description="local: blockstore in the data directory; kubo: Kubo RPC"
    )
    kubo_api_url: str = "http://127.0.0.1:5001"
    content_cipher: Literal["sm4-gcm", "aes-256-gcm"] = "sm4-gcm"
    master_key: SecretStr = Field(
        default=SecretStr(DEV_MASTER_KEY),
        description="32 bytes, hex: wraps the content key of every private work",
    )
    master_key_file: Path | None = Field(
        default=None,
        description="File holding the master key (64 hex digits), mode 0600; used instead of "
        "BANQUAN_MASTER_KEY. In dev mode a missing file is created with a new key",
    )
    attestor_public_keys: list[str] = Field(
        default_factory=list,
        description="SM2 public keys (sm2:04…, uncompressed) of the identity attestors whose "
        "signed attestations (实名认证) the registry accepts",
    )
    dev_attestor_key_file: Path | None = Field(
        default=None,
        description="Dev mode only: the development attestor's SM2 private key (PEM, mode 0600), "
        "accepted beside the configured attestors; default: dev-attestor.pem in the data "
        "directory, created when missing",
    )
    operator_key_file: Path | None = Field(
        default=None,
        description="The operator's SM2 private key (PEM, mode 0600) that signs evidence "
        "packages; required for them outside dev mode. Dev mode default: dev-operator.pem in the "
        "data directory, created when missing",
    )
    moderator_key_file: Path | None = Field(
        default=None,
        description="The private key (0x and 64 hex digits, mode 0600) of the chain account that "
        "sends a moderator's takedowns and restores: it holds MODERATOR_ROLE alone on "
        "Moderation, so the chain records a moderator's freeze (the registry's own account is a "
        "regulator's). Required for them outside dev mode. Dev mode default: dev-moderator.key "
        "in the data directory, created when missing (funded and granted the role there)",
    )
    max_upload_bytes: int = Field(default=512 * 1024 * 1024, gt=0)
    batch_max_size: int = Field(default=1000, gt=0)
    batch_interval_seconds: float = Field(default=2.0, gt=0)
    chain_confirmations: int = Field(
        default=0, ge=0, description="Blocks on top before a batch counts as confirmed"
    )
    resubmit_after_seconds: float = Field(
        default=120.0, gt=0, description="Resend an anchoring transaction not mined by then"
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a webhook receiver may take to answer"
    )
    webhook_allow_private_targets: bool | None = Field(
        default=None,
        description="Let webhooks go to loopback/private addresses (default: only in dev mode)",
    )
    webhook_max_attempts: int = Field(
        default=12, gt=0, description="Webhook delivery attempts before a delivery is failed"
    )
    webhook_subscriptions_per_key: int = Field(
        default=WEBHOOK_SUBSCRIPTIONS_PER_KEY,
        gt=0,
        description="Webhook subscriptions one API key may hold at once",
    )
    embedded_worker: bool = Field(
        default=False,
        description="Anchor inside the API process instead of a separate `banquan worker`",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where the public verification page is reached (QR codes on certificates)",
    )
    operator_name: str = Field(
        default="banquan",
        min_length=1,
        description="Who operates this registry: named as the issuer on deposit certificates",
    )
    public_rpc_url: str | None = Field(
        default=None,
        description="JSON-RPC URL of a chain node the public verification page reads roots, "
        "owners and encumbrances from, in the reader's browser (it must answer CORS requests); "
        "unset: the chain RPC URL in dev mode, none otherwise (the page checks off chain only)",
    )
    rate_limit_per_minute: int = Field(
        default=6000, gt=0, description="Requests per minute per API key (or client address)"
    )
    rate_limit_burst: int = Field(default=200, gt=0, description="Requests allowed at once")
    moderation_hooks: list[str] = Field(
        default_factory=lambda: ["blocklist", "conflict"],
        description="The hook chain, in order: blocklist, conflict, lexicon, an external hook's "
        "name, or a hook of the banquan.moderation_hooks entry-point group",
    )
    moderation_stop_on_reject: bool = Field(
        default=True, description="The first rejecting hook ends the chain"
    )
    moderation_hold_score: float = Field(
        default=1.0, ge=0, description="Hold when the hooks' scores add up to at least this"
    )
    moderation_reject_score: float | None = Field(
        default=None, ge=0, description="Reject when the hooks' scores add up to at least this"
    )
    near_duplicate_max_distance: int = Field(
        default=6, ge=0, le=15, description="ISCC Hamming distance (of 64 bits) of a near-duplicate"
    )
    moderation_lexicon_files: list[Path] = Field(
        default_factory=list, description="Sensitive-word lexicons (one term per line)"
    )
    moderation_lexicon_verdict: Literal["hold", "reject"] = "hold"
    moderation_external_hooks: list[ExternalHookConfig] = Field(default_factory=list)
    moderation_audit_retention_days: int = Field(default=180, ge=1)
    tsa_url: str | None = Field(
        default=None,
        description="RFC 3161 time-stamping authority: proof bundles then carry a token over "
        "the claim leaf (docs/proof-bundle.md)",
    )
    tsa_certificate: str | None = Field(
        default=None,
        description="The TSA's certificate (or its issuing CA), a PEM text or a file path: "
        "tokens are checked against it when obtained; unset: the certificate in the token",
    )
    external_chains: list[ExternalChainConfig] = Field(
        default_factory=list,
        description="Chains every batch root is anchored on again (second anchoring), a JSON "
        "list of {name, rpc_url, chain_id, anchor_address, private_key | keystore and "
        "keystore_password_file, confirmations}: see docs/operations.md",
    )
    external_retry_max_seconds: float = Field(
        default=600.0, gt=0, description="Longest wait between retries on an external chain"
    )
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    anvil_port: int = 8545

    @model_validator(mode="after")
    def _refuse_dev_secrets_outside_dev(self) -> Settings:
        if self.mode != "dev":
            if self.chain_private_key.get_secret_value() == DEV_CHAIN_PRIVATE_KEY:
                raise ValueError(
                    "BANQUAN_CHAIN_PRIVATE_KEY is the public development key; "
                    "set a real key outside dev mode"
                )
            if (
                self.master_key_file is None
                and self.master_key.get_secret_value() == DEV_MASTER_KEY
            ):
                raise ValueError(
                    "BANQUAN_MASTER_KEY is the public development key; set a real key outside "
                    "dev mode"
                )
            if self.anchor_address is None:
                raise ValueError("BANQUAN_ANCHOR_ADDRESS must be set outside dev mode")
            for chain in self.external_chains:
                if chain.anchor_address is None:
                    raise ValueError(
                        f"external chain {chain.name}: anchor_address must be set outside dev "
                        "mode (banquan admin deploy-external-anchor)"
                    )
                if chain.keystore is None and (
                    chain.private_key is None
                    or chain.private_key.get_secret_value() == DEV_CHAIN_PRIVATE_KEY
                ):
                    raise ValueError(
                        f"external chain {chain.name}: set a real private_key or a keystore "
                        "outside dev mode"
                    )
            if self.dev_attestor_key_file is not None:
                raise ValueError(
                    "BANQUAN_DEV_ATTESTOR_KEY_FILE is for dev mode only; configure a real "
                    "attestor's public key in BANQUAN_ATTESTOR_PUBLIC_KEYS"
                )

        return self

    @model_validator(mode="after")
    def _suite_addresses_all_or_none(self) -> Settings:
        given = self.suite_addresses_given
        if any(given) and not all(given):
            raise ValueError(
                "set all of BANQUAN_MODERATION_ADDRESS, BANQUAN_RIGHTS_ASSET_ADDRESS, "
                "BANQUAN_PLEDGES_ADDRESS, BANQUAN_LICENCES_ADDRESS and "
                "BANQUAN_ENCUMBRANCES_ADDRESS, or none of them"
            )
        if all(given) and self.anchor_address is None:
            raise ValueError("the suite's addresses need BANQUAN_ANCHOR_ADDRESS too")
        return self

    @field_validator("external_chains")
    @classmethod
    def _external_chain_names_unique(
        cls, value: list[ExternalChainConfig]
    ) -> list[ExternalChainConfig]:
        names = [chain.name for chain in value]
        if len(set(names)) != len(names):
            raise ValueError("BANQUAN_EXTERNAL_CHAINS: each chain needs a name of its own")
        return value

    @property
    def suite_addresses_given(self) -> tuple[bool, ...]:
        return tuple(
            bool(address)
            for address in (
                self.moderation_address,
                self.rights_asset_address,
                self.pledges_address,
                self.licences_address,
                self.encumbrances_address,
            )
        )

    @field_validator("attestor_public_keys")
    @classmethod
    def _attestor_keys_are_sm2(cls, value: list[str]) -> list[str]:
        keys = []
        for text in value:
            scheme, _, point = text.strip().partition(":")
            try:
                if scheme != "sm2":
                    raise ValueError
                key = SM2PublicKey.from_bytes(bytes.fromhex(point.removeprefix("0x")))
            except (ValueError, CryptoError):
                raise ValueError(
                    f"BANQUAN_ATTESTOR_PUBLIC_KEYS: {text!r} is not an SM2 public key (sm2:04…)"
                ) from None
            keys.append(f"sm2:{key.to_bytes().hex()}")
        return keys

    def _configured_or_dev(self, configured: Path | None, dev_name: str) -> Path | None:
        """``configured``, else (dev mode only) ``dev_name`` in the data directory; None outside
        dev mode when none is configured."""
        if configured is not None:
            return configured
        return self.data_dir / dev_name if self.mode == "dev" else None

    @property
    def resolved_operator_key_file(self) -> Path | None:
        """The operator's signing key: as configured, else (dev mode only) the development one
        in the data directory; None outside dev mode when none is configured."""
        return self._configured_or_dev(self.operator_key_file, "dev-operator.pem")

    @property
    def resolved_moderator_key_file(self) -> Path | None:
        """The moderator account's key: as configured, else (dev mode only) the development one
        in the data directory; None outside dev mode when none is configured."""
        return self._configured_or_dev(self.moderator_key_file, "dev-moderator.key")

    @property
    def resolved_dev_attestor_key_file(self) -> Path | None:
        """Where the development attestor's key is (dev mode only; None otherwise)."""
        if self.mode != "dev":
            return None
        return self.dev_attestor_key_file or self.data_dir / "dev-attestor.pem"

    @field_validator("master_key")
    @classmethod
    def _master_key_is_32_bytes(cls, value: SecretStr) -> SecretStr:
        try:
            raw = bytes.fromhex(value.get_secret_value().removeprefix("0x"))
        except ValueError:
            raise ValueError("BANQUAN_MASTER_KEY must be hex") from None
        if len(raw) != 32:
            raise ValueError("BANQUAN_MASTER_KEY must be 32 bytes (64 hex digits)")
        return value

    @property
    def master_key_bytes(self) -> bytes:
        return bytes.fromhex(self.master_key.get_secret_value().removeprefix("0x"))

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'banquan.db').resolve()}"

    @property
    def private_webhook_targets_allowed(self) -> bool:
        if self.webhook_allow_private_targets is None:
            return self.mode == "dev"
        return self.webhook_allow_private_targets

    @property
    def content_dir(self) -> Path:
        return self.data_dir / "content"

    @property
    def deployment_file(self) -> Path:
        return self.data_dir / "deployment.json"

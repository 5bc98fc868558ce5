"""Settings of one external anchoring chain (part of :class:`registry.core.settings.Settings`).

Each batch root anchored on banquan's own chain is anchored again on every chain listed in
``BANQUAN_EXTERNAL_CHAINS`` (a JSON list), a chain a court or another party trusts (second
anchoring, see ``registry.proofs.external_anchoring``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, model_validator


class ExternalChainConfig(BaseModel):
    """One external chain: where it is, which ``RegistryAnchor`` there, and who sends.

    The sending account is ``private_key`` or a ``keystore`` (secp256k1, read with
    ``keystore_password_file``); in dev mode neither means the public development key, as on the
    main chain. ``anchor_address`` unset (dev mode only) deploys a ``RegistryAnchor`` on first
    need and remembers it in the data directory, like the main chain's suite.
    """

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="Short name, e.g. tianping"
    )
    rpc_url: str
    chain_id: int = Field(gt=0, description="The chain id the node must answer (EIP-155)")
    anchor_address: str | None = Field(
        default=None, pattern=r"^0x[0-9a-fA-F]{40}$", description="Its RegistryAnchor"
    )
    private_key: SecretStr | None = None
    keystore: Path | None = None
    keystore_password_file: Path | None = None
    confirmations: int = Field(default=0, ge=0, description="Blocks on top before confirmed")
    timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long one JSON-RPC call to this chain may take"
    )

    @model_validator(mode="after")
    def _one_key(self) -> ExternalChainConfig:
        if self.private_key is not None and self.keystore is not None:
            raise ValueError(f"external chain {self.name}: set private_key or keystore, not both")
        if self.keystore is not None and self.keystore_password_file is None:
            raise ValueError(f"external chain {self.name}: a keystore needs keystore_password_file")
        return self

    def deployment_file(self, data_dir: Path) -> Path:
        """Where dev mode remembers the ``RegistryAnchor`` it deployed on this chain."""
        return data_dir / f"external-{self.name}.json"

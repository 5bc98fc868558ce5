"""What verifying a registration needs, and nothing more: the database and a read-only view of
the ``RegistryAnchor``.

``banquan verify`` builds this instead of the whole :class:`~registry.platform.runtime.Runtime`:
the same :class:`~registry.proofs.service.Proofs` service answers, but the chain is read with
two plain ``eth_call`` requests (``chain_client.anchor_reader``), so the command starts without
importing web3.py, the asset contracts or the moderation hooks.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from chain_client.anchor_reader import AnchorReader, recorded_anchor_address
from registry.core.database import create_database_engine, session_factory
from registry.core.settings import Settings
from registry.proofs.service import Proofs


@dataclass
class Verifier:
    """The proofs service over the configured database, the chain read without web3.py."""

    settings: Settings
    engine: Engine
    proofs: Proofs

    def close(self) -> None:
        self.engine.dispose()


def anchor_reader(settings: Settings) -> AnchorReader | None:
    """The ``RegistryAnchor`` in use if one is configured or remembered (the one
    ``Runtime.existing_anchor_client`` gives), read-only; never deploys."""
    address = settings.anchor_address or recorded_anchor_address(settings.deployment_file)
    return AnchorReader(settings.chain_rpc_url, address) if address else None


def build_verifier(settings: Settings) -> Verifier:
    """The verifier described by ``settings`` (nothing is contacted yet)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_database_engine(settings.resolved_database_url)
    proofs = Proofs(
        sessions=session_factory(engine),
        anchor_client=lambda: anchor_reader(settings),
        public_base_url=settings.public_base_url,
        operator_name=settings.operator_name,
        local_lookups=engine.dialect.name == "sqlite",
    )
    return Verifier(settings=settings, engine=engine, proofs=proofs)

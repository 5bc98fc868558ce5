"""Contract artifacts (ABI + bytecode), exported from the Hardhat build to ``chain_client/abi/``."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from chain_client.errors import ArtifactNotFound


@dataclass(frozen=True)
class ContractArtifact:
    """One compiled contract as committed in ``chain_client/abi/<name>.json``."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str
    #: Byte ranges (start, length) of the deployed code that hold immutable values.
    immutable_ranges: tuple[tuple[int, int], ...] = ()


@functools.cache
def load_artifact(name: str) -> ContractArtifact:
    """The committed artifact of contract ``name`` (e.g. ``"RegistryAnchor"``), read once."""
    resource = resources.files("chain_client") / "abi" / f"{name}.json"
    try:
        raw = json.loads(resource.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ArtifactNotFound(f"no artifact for contract {name!r}; run `make abi`") from exc
    return ContractArtifact(
        name=raw["contractName"],
        abi=raw["abi"],
        bytecode=raw["bytecode"],
        deployed_bytecode=raw["deployedBytecode"],
        immutable_ranges=tuple(
            (int(start), int(length)) for start, length in raw.get("immutableRanges", [])
        ),
    )

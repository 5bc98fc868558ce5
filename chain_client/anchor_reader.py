"""Reading a ``RegistryAnchor``'s verdict on a registration with two plain ``eth_call`` requests.

Checking a proof reads the chain and sends nothing: this reader speaks JSON-RPC over the standard
library and encodes the two calls it makes by hand, so a command that only verifies starts
without web3.py (which takes most of a second to import). It answers exactly what
:meth:`chain_client.registry_anchor.RegistryAnchorClient.entry_status` answers; a test compares
the two on a real chain.
"""

from __future__ import annotations

import enum
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from eth_hash.auto import keccak

from chain_client.errors import ChainUnavailable, TransactionFailed
from crypto.merkle import verify_proof


class RegistrationStatus(enum.IntEnum):
    """Answer of ``registrationStatus``: a revoked registration, or a registration under a
    revoked root, shows ``REVOKED``."""

    UNPROVEN = 0
    VALID = 1
    REVOKED = 2


class ChainVerdicts(Protocol):
    """What checking a proof asks of the chain: a ``RegistryAnchorClient`` (web3.py) or an
    :class:`AnchorReader` answers it."""

    def entry_status(
        self, leaf: bytes, proof: Sequence[bytes], root: bytes, *, controller: str | None = None
    ) -> RegistrationStatus: ...


def _selector(signature: str) -> bytes:
    return keccak(signature.encode("ascii"))[:4]


_REGISTRATION_STATUS = _selector("registrationStatus(bytes32,bytes32[],bytes32)")
_TOKENIZATION_RECORD = _selector("tokenizationRecord(bytes32,bytes32)")
_WORD = 32


def _word(value: int) -> bytes:
    return value.to_bytes(_WORD, "big")


def _bytes32(value: bytes) -> bytes:
    if len(value) != _WORD:
        raise ValueError(f"expected 32 bytes, got {len(value)}")
    return value


def encode_registration_status(leaf: bytes, proof: Sequence[bytes], root: bytes) -> bytes:
    """Calldata of ``registrationStatus(leaf, proof, root)`` (ABI: the array's head is its
    offset, three words in; its tail is the length, then the elements)."""
    return (
        _REGISTRATION_STATUS
        + _bytes32(leaf)
        + _word(3 * _WORD)
        + _bytes32(root)
        + _word(len(proof))
        + b"".join(_bytes32(step) for step in proof)
    )


def encode_tokenization_record(root: bytes, leaf: bytes) -> bytes:
    """Calldata of ``tokenizationRecord(root, leaf)``."""
    return _TOKENIZATION_RECORD + _bytes32(root) + _bytes32(leaf)


def recorded_anchor_address(path: Path) -> str | None:
    """The ``RegistryAnchor`` of the deployment record at ``path`` (see
    ``chain_client.deployment``), or ``None`` if there is no record."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return str(raw["registry_anchor"])


class AnchorReader:
    """One deployed ``RegistryAnchor``, read-only, over HTTP JSON-RPC without web3.py."""

    def __init__(self, rpc_url: str, address: str, *, timeout: float = 10.0) -> None:
        self.rpc_url = rpc_url
        self.address = address
        self.timeout = timeout

    def entry_status(
        self, leaf: bytes, proof: Sequence[bytes], root: bytes, *, controller: str | None = None
    ) -> RegistrationStatus:
        """The chain's verdict on the tree entry ``leaf`` (bound to ``controller`` or not) under
        ``root`` by ``proof``: the same rules as ``RegistryAnchorClient.entry_status``."""
        if controller is None:
            answer = self._call(encode_registration_status(leaf, proof, root))
            return RegistrationStatus(self._words(answer, 1)[0])
        if not verify_proof(leaf, proof, root, controller=controller):
            return RegistrationStatus.UNPROVEN
        anchored_at, _batch, root_revoked, registration_revoked = self._words(
            self._call(encode_tokenization_record(root, leaf)), 4
        )
        if anchored_at == 0:
            return RegistrationStatus.UNPROVEN
        if root_revoked or registration_revoked:
            return RegistrationStatus.REVOKED
        return RegistrationStatus.VALID

    def _words(self, answer: bytes, count: int) -> list[int]:
        if len(answer) < count * _WORD:
            # A call to an address without code answers nothing.
            raise TransactionFailed(
                f"no RegistryAnchor answer from {self.address} ({len(answer)} bytes): "
                "is it deployed?"
            )
        return [int.from_bytes(answer[i * _WORD : (i + 1) * _WORD], "big") for i in range(count)]

    def _call(self, data: bytes) -> bytes:
        if not self.rpc_url.startswith(("http://", "https://")):
            raise ChainUnavailable(f"not an HTTP JSON-RPC URL: {self.rpc_url}")
        request = urllib.request.Request(  # noqa: S310 - the configured node's URL
            self.rpc_url,
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "eth_call",
                    "params": [{"to": self.address, "data": "0x" + data.hex()}, "latest"],
                }
            ).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                reply = json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ChainUnavailable(f"chain node unreachable: {exc}") from exc
        if not isinstance(reply, dict):
            raise ChainUnavailable(f"not a JSON-RPC answer: {reply!r}")
        if "error" in reply:
            raise TransactionFailed(f"node refused the request: {reply['error']}")
        result = reply.get("result")
        if not isinstance(result, str):
            raise ChainUnavailable(f"not a JSON-RPC answer: {reply!r}")
        return bytes.fromhex(result.removeprefix("0x"))

"""Building a Web3 client for a JSON-RPC node, and turning web3.py failures into chain errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak
from web3 import Web3
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    TimeExhausted,
    Web3RPCError,
)

from chain_client.errors import ChainUnavailable, TransactionFailed


def connect(rpc_url: str, *, timeout: float = 10.0, retry: bool = True) -> Web3:
    """A Web3 client for ``rpc_url`` (HTTP JSON-RPC). Nothing is contacted until first use.

    ``retry=False`` turns off web3.py's retries of read calls after a transport error, so that a
    node that does not answer costs ``timeout`` once per call, not several times over.
    """
    if retry:
        return Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
    return Web3(
        Web3.HTTPProvider(
            rpc_url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None
        )
    )


def is_reachable(w3: Web3) -> bool:
    """Whether the node answers ``eth_chainId`` right now."""
    try:
        with translate_errors():
            w3.eth.chain_id  # noqa: B018 - the call is the check
    except ChainUnavailable:
        return False
    return True


class CustomErrorDecoder:
    """Decodes revert data into a contract's custom error name and arguments, from its ABI."""

    def __init__(self, abi: list[dict[str, Any]]) -> None:
        self._errors: dict[bytes, tuple[str, list[str]]] = {}
        for entry in abi:
            if entry.get("type") != "error":
                continue
            types = [item["type"] for item in entry.get("inputs", [])]
            selector = keccak(text=f"{entry['name']}({','.join(types)})")[:4]
            self._errors[selector] = (entry["name"], types)

    def decode(self, data: str | bytes) -> tuple[str, tuple[object, ...]] | None:
        raw = bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else data
        known = self._errors.get(raw[:4])
        if known is None:
            return None
        name, types = known
        try:
            return name, tuple(abi_decode(types, raw[4:]))
        except Exception:  # malformed revert data: report the name alone
            return name, ()


@contextmanager
def translate_errors(decoder: CustomErrorDecoder | None = None) -> Iterator[None]:
    """Re-raise web3.py and transport failures as :mod:`chain_client.errors` types."""
    try:
        yield
    except ContractCustomError as exc:
        data = exc.data if isinstance(exc.data, str) else None
        decoded = decoder.decode(data) if decoder is not None and data else None
        if decoded is None:
            raise TransactionFailed(f"reverted with unknown custom error {exc.data!r}") from exc
        name, args = decoded
        raise TransactionFailed(
            f"reverted: {name}{args!r}", error_name=name, error_args=args
        ) from exc
    except ContractLogicError as exc:
        raise TransactionFailed(f"reverted: {exc.message}") from exc
    except (requests.ConnectionError, requests.Timeout, ConnectionError) as exc:
        raise ChainUnavailable(f"chain node unreachable: {exc}") from exc
    except TimeExhausted as exc:
        raise ChainUnavailable(f"no receipt in time: {exc}") from exc
    except Web3RPCError as exc:
        raise TransactionFailed(f"node refused the request: {exc}") from exc

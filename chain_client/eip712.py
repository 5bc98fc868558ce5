"""EIP-712 typed data of the suite's contracts: one domain shape, one way to sign and recover.

Each contract that checks a signature (``RightsAsset`` mint authorizations, ``Pledges`` consents,
offers and lien moves) names its domain ``banquan <Contract>``, version ``"1"``, bound to the
chain and the contract's address.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from web3 import Web3

from crypto.secp256k1 import eip712_digest

DOMAIN_VERSION = "1"
DOMAIN_FIELDS = (
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
)


def struct_type(encoded_type: str) -> dict[str, list[dict[str, str]]]:
    """The ``types`` entry of a struct (its name → its members) from its EIP-712 type encoding,
    the way a contract spells it for its typehash: ``"Name(uint256 a,address b)"``."""
    name, _, members = encoded_type.removesuffix(")").partition("(")
    fields = []
    for member in members.split(","):
        solidity_type, member_name = member.split(" ")
        fields.append({"name": member_name, "type": solidity_type})
    return {name: fields}


def typed_data(
    domain_name: str,
    primary_type: str,
    fields: Sequence[Mapping[str, str]],
    message: Mapping[str, Any],
    *,
    chain_id: int,
    verifying_contract: str,
) -> dict[str, Any]:
    """The typed data (eth-account's full-message form) of ``message``, a ``primary_type``
    struct of ``fields``, signed for the contract ``verifying_contract`` on chain ``chain_id``."""
    return {
        "types": {
            "EIP712Domain": [dict(field) for field in DOMAIN_FIELDS],
            primary_type: [dict(field) for field in fields],
        },
        "primaryType": primary_type,
        "domain": {
            "name": domain_name,
            "version": DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": Web3.to_checksum_address(verifying_contract),
        },
        "message": dict(message),
    }


def sign_typed_data(account: LocalAccount, typed: Mapping[str, Any]) -> bytes:
    """``account``'s EIP-712 signature (65 bytes, r ‖ s ‖ v) of ``typed``."""
    return bytes(account.sign_typed_data(full_message=dict(typed)).signature)


def typed_data_signer(typed: Mapping[str, Any], signature: bytes) -> str | None:
    """The address whose ECDSA key signed ``typed`` (checksummed), or None when ``signature`` is
    not a well-formed signature. (A contract wallet's ERC-1271 signature is checked on chain
    only.)"""
    try:
        signable = encode_typed_data(full_message=dict(typed))
        return str(Account.recover_message(signable, signature=signature))
    except Exception:  # any malformed signature is simply not a signer
        return None


def json_ready(
    typed: Mapping[str, Any], *, decimal: Sequence[str], hexadecimal: Sequence[str] = ()
) -> tuple[dict[str, Any], bytes]:
    """``typed`` as ``eth_signTypedData_v4`` takes it, with the ``decimal`` members of its
    message as decimal strings (wider than JavaScript's numbers) and the ``hexadecimal`` ones as
    0x hex; and its digest."""
    message = dict(typed["message"])
    message.update({key: str(message[key]) for key in decimal})
    message.update({key: "0x" + bytes(message[key]).hex() for key in hexadecimal})
    return {**typed, "message": message}, eip712_digest(typed)

"""Turning what the contracts would refuse into domain errors, and chain faults into outages.

The asset services check every rule the contracts enforce before sending (so a refusal costs
nothing and sends nothing); this table is the safety net for a rule that changed between the
check and the transaction (another transaction landed first): the transaction's gas estimate
reverts before anything is sent, and its custom error becomes the same domain error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from web3 import Web3

from chain_client.errors import ChainError, ChainUnavailable, TransactionFailed
from registry.core import errors

ZERO_ADDRESS = "0x" + "00" * 20

REFUSALS: dict[str, type[errors.RegistryError]] = {
    "RootNotAnchored": errors.NotAnchored,
    "InvalidRegistrationProof": errors.NotAnchored,
    "RootRevoked": errors.Revoked,
    "AssetRevoked": errors.Revoked,  # RightsAsset, Pledges, Licences
    "AssetAlreadyTokenized": errors.AlreadyTokenized,
    "TokenizedInPredecessor": errors.AlreadyTokenized,
    "PredecessorLive": errors.PredecessorLive,
    "AssetFrozen": errors.Frozen,
    "AssetEncumbered": errors.Encumbered,
    "LicenceNotConsented": errors.Encumbered,
    "AssetAlreadyPledged": errors.AlreadyPledged,
    "SeniorConsentMissing": errors.SeniorConsentMissing,
    "TooManyLiens": errors.LienLimitReached,
    "LicenceConflict": errors.LicenceConflict,
    "TooManyLicences": errors.LicenceLimitReached,
    "LicenceNotRevocable": errors.LicenceNotRevocable,
    "LicenceNotInForce": errors.LicenceNotInForce,
    "UnknownLicence": errors.LicenceNotFound,
    "NotAssetOwner": errors.NotAssetOwner,
    "ERC721InsufficientApproval": errors.NotAssetOwner,
    "ERC721IncorrectOwner": errors.NotAssetOwner,
    "ERC721NonexistentToken": errors.AssetNotFound,
    "ERC721InvalidReceiver": errors.InvalidAddress,
    "InvalidLicensee": errors.InvalidLicenceTerms,
    "RightsNotHeld": errors.InvalidLicenceTerms,
    "TerritoryNotHeld": errors.InvalidLicenceTerms,
    "InvalidLicencePeriod": errors.InvalidLicenceTerms,
    "LicenceBackdated": errors.LicenceBackdated,
    "InvalidTermEnd": errors.InvalidInput,
    "InvalidRights": errors.InvalidInput,
    "MissingContentDigest": errors.InvalidInput,
    "ZeroAmount": errors.InvalidPledgeTerms,
    "InvalidCurrencyCode": errors.InvalidPledgeTerms,
    "InvalidMaturity": errors.InvalidPledgeTerms,
    "MaturityAfterTermEnd": errors.MaturityAfterTermEnd,
    "ConsentExpired": errors.ConsentExpired,
    "MintAuthorizationExpired": errors.MintAuthorizationExpired,
    "InvalidMintAuthorization": errors.InvalidMintAuthorization,
    "InvalidConsentSignature": errors.InvalidConsentSignature,
    "InvalidLenderSignature": errors.InvalidLenderSignature,
    "ConsentAlreadyUsed": errors.ConsentAlreadyUsed,
    "UnauthorizedPledgeCaller": errors.NotPledgeParty,
    "AccessControlUnauthorizedAccount": errors.Forbidden,
    "NotLienLender": errors.NotLienLender,
    "LienNotActive": errors.LienNotActive,
    "LienNotMatured": errors.LienNotMatured,
    "LienNotSenior": errors.LienNotSenior,
    "NotLienParty": errors.NotLienLender,
    "InvalidNewLender": errors.InvalidAddress,
    "InvalidTransferSignature": errors.InvalidConsentSignature,
    "InvalidReducedAmount": errors.InvalidPledgeTerms,
    "NoPendingRecovery": errors.RecoveryNotPending,
    "RecoveryNotReady": errors.RecoveryNotReady,
}


def refusal_of(failure: TransactionFailed) -> errors.RegistryError:
    """The domain error for a contract's refusal (``ChainRefused`` for one not in the table)."""
    error_class = REFUSALS.get(failure.error_name or "", errors.ChainRefused)
    return error_class(
        f"合约拒绝 / the contracts refuse: {failure}",
        details={
            "contract_error": failure.error_name,
            "arguments": list(map(str, failure.error_args)),
        },
    )


@contextmanager
def chain_refusals() -> Iterator[None]:
    """Re-raise chain failures as domain errors: refusals by meaning, outages as
    :class:`errors.ChainUnreachable`."""
    try:
        yield
    except TransactionFailed as failure:
        raise refusal_of(failure) from failure
    except ChainUnavailable as exc:
        raise errors.ChainUnreachable(f"cannot reach the chain: {exc}") from exc
    except ChainError as exc:
        raise errors.ChainUnreachable(f"chain not ready: {exc}") from exc


def account_address(value: str, *, field: str) -> str:
    """``value`` as a checksum address; :class:`errors.InvalidAddress` for anything else or the
    zero address (which owns nothing and can receive nothing)."""
    if not isinstance(value, str) or not Web3.is_address(value):
        raise errors.InvalidAddress(f"{field} is not an account address", details={"field": field})
    address = Web3.to_checksum_address(value)
    if address == ZERO_ADDRESS:
        raise errors.InvalidAddress(f"{field} is the zero address", details={"field": field})
    return str(address)

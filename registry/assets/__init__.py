"""Assets (权利资产): rights assets minted from anchored registrations, licences, pledges, the
relay of owner- and lender-signed transactions, the chain follower, licensees' content keys.
Its public face is below."""

from registry.assets.follower import FollowedSuite, FollowResult, follow_chain, rebuild_chain_state
from registry.assets.lenders import LenderRole
from registry.assets.licensing import licence_terms
from registry.assets.rights_assets import (
    ZERO_BYTES32,
    AssetEncumbrances,
    MintAuthorizationGrant,
    MintAuthorizationRequest,
    OwnerConsent,
    consent_to_licence,
    encumbrances,
    enforce,
    grant_licence,
    pledge,
    release,
    resolve_asset_id,
    revoke_licence,
    transfer,
)
from registry.assets.service import Assets
from registry.assets.standing import AssetStanding, LicenceState, LienStanding
from registry.assets.transactions_relay import PreparedTransaction, pledge_consent, pledge_terms

__all__ = [
    "ZERO_BYTES32",
    "AssetEncumbrances",
    "AssetStanding",
    "Assets",
    "FollowResult",
    "FollowedSuite",
    "LenderRole",
    "LicenceState",
    "LienStanding",
    "MintAuthorizationGrant",
    "MintAuthorizationRequest",
    "OwnerConsent",
    "PreparedTransaction",
    "consent_to_licence",
    "encumbrances",
    "enforce",
    "follow_chain",
    "grant_licence",
    "licence_terms",
    "pledge",
    "pledge_consent",
    "pledge_terms",
    "rebuild_chain_state",
    "release",
    "resolve_asset_id",
    "revoke_licence",
    "transfer",
]

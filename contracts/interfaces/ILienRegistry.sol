// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IRightsAsset} from "./IRightsAsset.sol";

// EIP-712 type of the terms of the one licence a lender consents to
// (`Pledges.setLicensingConsent`), as `Licences.grant` takes them.
bytes32 constant LICENCE_CONSENT_TYPEHASH = keccak256(
    "LicenceConsent(uint256 assetId,address licensee,uint32 rights,uint16 territory,uint64 start,uint64 end,bool exclusive,bool revocable,bytes32 termsDigest)"
);

/**
 * @notice The terms of one licence, as a lender consents to it.
 * @param assetId The asset.
 * @param licensee The licensee.
 * @param rights Rights bitmask.
 * @param territory Territory code (0 = worldwide).
 * @param start Start.
 * @param end End (exclusive).
 * @param exclusive Exclusive or not.
 * @param revocable Revocable by the licensor or not.
 * @param termsDigest Digest of the licence contract (kept off chain).
 */
struct LicenceConsentTerms {
    uint256 assetId;
    address licensee;
    uint32 rights;
    uint16 territory;
    uint64 start;
    uint64 end;
    bool exclusive;
    bool revocable;
    bytes32 termsDigest;
}

/// @notice The digest a lender records to consent to exactly the licence `terms`
/// (the EIP-712 struct hash of {LICENCE_CONSENT_TYPEHASH}).
function licenceConsentDigest(LicenceConsentTerms memory terms) pure returns (bytes32) {
    // A struct of static fields encodes exactly as its fields one after the other.
    return keccak256(abi.encode(LICENCE_CONSENT_TYPEHASH, terms));
}

/// @notice What the other contracts read from, and ask of, `Pledges`.
interface ILienRegistry {
    /// @notice The rights assets whose liens are kept here.
    function rightsAsset() external view returns (IRightsAsset);

    /// @notice Number of active liens on `assetId`.
    function activeLienCount(uint256 assetId) external view returns (uint256);

    /// @notice Uses up, for one licence of `assetId` with digest `licenceDigest`, the consent of
    /// every active lien's lender; only the bound `Licences` contract. Returns 0 when every lender
    /// had consented to exactly this licence (the consents are then used), otherwise the first
    /// lien lacking that consent (and nothing is used).
    function useLicensingConsents(uint256 assetId, bytes32 licenceDigest) external returns (uint256 missingLienId);
}

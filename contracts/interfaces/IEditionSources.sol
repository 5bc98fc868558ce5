// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice What {Editions} reads from `RightsAsset`.
interface IEditionWork {
    /// @notice Owner of `assetId`; reverts for an asset that does not exist.
    function ownerOf(uint256 assetId) external view returns (address);

    /// @notice Whether `assetId` currently exists (tokenized and not burned).
    function exists(uint256 assetId) external view returns (bool);

    /// @notice Whether the registration behind `assetId` was revoked with its batch.
    function isRevoked(uint256 assetId) external view returns (bool);

    /// @notice Stored terms of `assetId`: its rights bitmask, territory (0 = worldwide) and term end among them.
    function assetTerms(uint256 assetId)
        external
        view
        returns (uint64 registeredAt, uint64 termEnd, uint64 batchId, uint32 rights, uint16 territory);

    /// @notice The successor suite's `RightsAsset` once this suite is sealed (zero while it is live).
    function successor() external view returns (address);
}

/// @notice What {Editions} reads from `Licences`.
interface IEditionLicences {
    /// @notice Whether `licensee` holds a licence of `assetId` for `right` in `territory` at `time`.
    function isLicensed(uint256 assetId, address licensee, uint8 right, uint16 territory, uint64 time)
        external
        view
        returns (bool licensed, uint256 licenceId);

    /// @notice The exclusive licence of `assetId` in force now for `right` over `territory`, if any.
    function exclusiveLicenceInForce(uint256 assetId, uint8 right, uint16 territory)
        external
        view
        returns (uint256 licenceId, address licensee);
}

/// @notice What {Editions} reads from `IdentityAttestations`.
interface IEditionIdentity {
    /// @notice Whether `account` is bound to a verified natural person of full age.
    function isVerifiedAdult(address account) external view returns (bool);
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @dev The role of the migrator that imports a sealed predecessor's records into a new suite,
/// held on `RightsAsset` and read by `Pledges` and `Licences`.
bytes32 constant IMPORTER_ROLE = keccak256("IMPORTER_ROLE");

/// @notice What the other contracts read from, and ask of, `RightsAsset`.
interface IRightsAsset {
    /// @notice Owner of `assetId`; reverts for an asset that does not exist.
    function ownerOf(uint256 assetId) external view returns (address);

    /// @notice Stored terms of `assetId` (zeros if it was never tokenized).
    function assetTerms(uint256 assetId)
        external
        view
        returns (uint64 registeredAt, uint64 termEnd, uint64 batchId, uint32 rights, uint16 territory);

    /// @notice Whether the registration behind `assetId` was revoked, by itself or with its batch.
    function isRevoked(uint256 assetId) external view returns (bool);

    /// @notice Moves `assetId` to `to` when a lien is enforced; only the lien registry may call.
    function transferByLien(uint256 assetId, address to) external returns (address from);

    /// @notice The successor suite's `RightsAsset` once this suite is sealed (zero while it is live).
    function successor() external view returns (address);

    /// @notice The liens and licences this suite issues itself have ids above it; imported ones at most it.
    function idBase() external view returns (uint256);
}

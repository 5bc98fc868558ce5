// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

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
}

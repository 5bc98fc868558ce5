// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice What the other contracts read from `Pledges`.
interface ILienRegistry {
    /// @notice Number of active liens on `assetId`.
    function activeLienCount(uint256 assetId) external view returns (uint256);

    /// @notice Whether every active lien's lender consents to new licences of `assetId`.
    function licensingConsented(uint256 assetId) external view returns (bool);
}

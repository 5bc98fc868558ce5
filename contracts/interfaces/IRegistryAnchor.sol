// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice What the other contracts read from `RegistryAnchor`.
interface IRegistryAnchor {
    /// @notice Full record of an anchored root (zeros when unknown).
    function rootRecord(bytes32 root)
        external
        view
        returns (uint64 anchoredAt, uint64 blockNumber, uint32 leafCount, uint64 batchId, bool revoked);

    /// @notice Whether the batch `batchId` was revoked by a regulator.
    function isBatchRevoked(uint64 batchId) external view returns (bool);
}

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

    /**
     * @notice Whether the registration `leaf` of batch `batchId` was revoked, by itself or with
     * its batch.
     * @param leaf The registration's claim leaf.
     * @param batchId The batch it was tokenized from.
     * @return True if either was revoked.
     */
    function isRevokedIn(bytes32 leaf, uint64 batchId) external view returns (bool);

    /**
     * @notice What tokenizing `leaf` under `root` reads, in one call.
     * @param root The batch root.
     * @param leaf The registration's claim leaf.
     * @return anchoredAt Anchoring time of `root` (zero if unknown).
     * @return batchId Batch id of `root` (zero if unknown).
     * @return rootRevoked Whether `root` was revoked.
     * @return registrationRevoked Whether the registration `leaf` was revoked.
     */
    function tokenizationRecord(bytes32 root, bytes32 leaf)
        external
        view
        returns (uint64 anchoredAt, uint64 batchId, bool rootRevoked, bool registrationRevoked);
}

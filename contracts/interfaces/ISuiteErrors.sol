// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice The errors several contracts of the suite raise, declared once (same selector everywhere).
interface ISuiteErrors {
    /// @notice A constructor or binding argument is the zero address.
    error ZeroAddress();

    /**
     * @notice The asset (or its registration) is frozen.
     * @param assetId The asset id (= registration leaf).
     */
    error AssetFrozen(uint256 assetId);

    /**
     * @notice The asset's registration was revoked by a regulator (by itself or with its batch
     * root): the asset is kept, but it is not pledged, licensed or transferred any more.
     * @param assetId The asset.
     */
    error AssetRevoked(uint256 assetId);

    /**
     * @notice The rights name moral rights (Copyright Law of the PRC art. 10 (1)–(4)), which stay
     * with the author: they cannot be transferred, licensed or pledged (art. 10 ¶2–3).
     * @param rights The moral rights named (bits 0–3 of the bitmask given).
     */
    error MoralRightsNotTransferable(uint32 rights);

    /**
     * @notice The root was never anchored.
     * @param root The root given.
     */
    error RootNotAnchored(bytes32 root);

    /**
     * @notice The suite is sealed: it keeps its records for reading, and every change happens on
     * its successor.
     * @param successor The successor suite's `RightsAsset`.
     */
    error SuiteSealed(address successor);

    /**
     * @notice An imported record is refused: its id is taken or not below this suite's own ids,
     * or it is not a live record (a released lien, a revoked or expired licence, an empty asset).
     * @param id The asset, lien or licence id.
     */
    error ImportRefused(uint256 id);
}

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
}

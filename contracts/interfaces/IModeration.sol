// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice What the other contracts read from `Moderation`.
interface IModeration {
    /// @notice Whether `target` (a registration leaf, which is also its asset's id) is frozen.
    function isFrozen(bytes32 target) external view returns (bool);

    /// @notice Whether a freeze of `target` stops the enforcement of liens now.
    function enforcementPaused(bytes32 target) external view returns (bool);
}

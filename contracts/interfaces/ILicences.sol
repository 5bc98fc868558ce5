// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ILienRegistry} from "./ILienRegistry.sol";
import {IRightsAsset} from "./IRightsAsset.sol";

/// @notice What `Pledges` reads from `Licences` when binding it.
interface ILicences {
    /// @notice The rights assets licensed.
    function rightsAsset() external view returns (IRightsAsset);

    /// @notice The lien registry whose lenders must consent to licences of pledged assets.
    function lienRegistry() external view returns (ILienRegistry);
}

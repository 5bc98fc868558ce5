// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Moderation} from "./Moderation.sol";
import {Pledges} from "./Pledges.sol";
import {Licences} from "./Licences.sol";
import {ISuiteErrors} from "./interfaces/ISuiteErrors.sol";

/**
 * @title Encumbrances
 * @notice One read for lenders: every encumbrance of an asset (liens by rank, the freeze in
 * force, exclusive licences). Holds no state.
 * @dev "As of block N": call {encumbrancesOf} at block N on an archive node, or rebuild from the
 * events (`Pledged`/`Released`/`Enforced`, `Frozen`/`Restored`, `LicenceGranted`/`LicenceRevoked`)
 * up to block N; both give the same answer.
 */
contract Encumbrances is ISuiteErrors {
    /// @notice The moderation contract.
    Moderation public immutable moderation;
    /// @notice The lien registry.
    Pledges public immutable pledges;
    /// @notice The licences contract.
    Licences public immutable licences;


    /**
     * @notice Sets the contracts read.
     * @param moderation_ The `Moderation` contract.
     * @param pledges_ The `Pledges` contract.
     * @param licences_ The `Licences` contract.
     */
    constructor(Moderation moderation_, Pledges pledges_, Licences licences_) {
        if (address(moderation_) == address(0) || address(pledges_) == address(0) || address(licences_) == address(0))
        {
            revert ZeroAddress();
        }
        moderation = moderation_;
        pledges = pledges_;
        licences = licences_;
    }

    /**
     * @notice Every active encumbrance of `assetId`.
     * @param assetId The asset.
     * @return liens Active liens, most senior first.
     * @return freezeAuthority Authority of the freeze in force (`None` if not frozen).
     * @return frozenAt Time of the freeze (0 if none).
     * @return exclusiveLicences Exclusive licences in force or starting later.
     */
    function encumbrancesOf(uint256 assetId)
        external
        view
        returns (
            Pledges.RankedLien[] memory liens,
            Moderation.Authority freezeAuthority,
            uint64 frozenAt,
            Licences.LicenceEntry[] memory exclusiveLicences
        )
    {
        liens = pledges.activeLiens(assetId);
        // The freezing account is in the `Frozen` event; the report needs authority and time only.
        // slither-disable-next-line unused-return
        (freezeAuthority, frozenAt,) = moderation.freezeOf(bytes32(assetId));
        exclusiveLicences = licences.exclusiveLicences(assetId);
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {RightsAsset} from "./RightsAsset.sol";
import {Pledges} from "./Pledges.sol";
import {Licences} from "./Licences.sol";
import {ISuiteErrors} from "./interfaces/ISuiteErrors.sol";

/**
 * @title SuiteMigrator
 * @notice Copies the assets of a sealed suite into its successor, one asset per call, by reading
 * the sealed suite on chain: the owner and record of the asset, its active liens in rank order
 * (with their registration times and unused licensing consents) and its licences in force or to
 * come. Anyone may call {migrate} for any asset; nobody, operator included, can choose what is
 * written. It holds the successor's `IMPORTER_ROLE` (granted with the role delay, revoked when
 * the migration is done).
 * @dev Burnt assets are copied as a record without an owner (their registration is never
 * tokenized again); released and enforced liens, revoked and ended licences, pending lender
 * recoveries and junior-lien consents stay on the sealed suite, as do its events.
 */
contract SuiteMigrator is ISuiteErrors {
    /// @notice The sealed suite's `RightsAsset`.
    RightsAsset public immutable predecessor;
    /// @notice The sealed suite's `Pledges`.
    Pledges public immutable predecessorPledges;
    /// @notice The sealed suite's `Licences`.
    Licences public immutable predecessorLicences;
    /// @notice The successor suite's `RightsAsset`.
    RightsAsset public immutable successor;
    /// @notice The successor suite's `Pledges`.
    Pledges public immutable successorPledges;
    /// @notice The successor suite's `Licences`.
    Licences public immutable successorLicences;

    /**
     * @notice The predecessor is not sealed, or is sealed in favour of another suite.
     * @param predecessor The predecessor's `RightsAsset`.
     * @param sealedFor The successor it names (zero while it is live).
     */
    error PredecessorNotSealed(address predecessor, address sealedFor);

    /**
     * @notice The asset was never tokenized on the predecessor.
     * @param assetId The asset id.
     */
    error UnknownAsset(uint256 assetId);

    /**
     * @notice The successor names another suite as its predecessor: it would refuse to mint none
     * of this suite's registrations anew, and the migration would not be its to make.
     * @param successor The successor's `RightsAsset`.
     * @param itsPredecessor The predecessor it names.
     */
    error NotTheSuccessor(address successor, address itsPredecessor);

    /**
     * @notice Emitted when an asset is copied to the successor.
     * @param assetId The asset id.
     * @param owner Its owner (zero: burnt on the predecessor, only its record is copied).
     * @param liens Number of active liens copied.
     * @param licences Number of licences in force or to come copied.
     */
    event AssetMigrated(uint256 indexed assetId, address indexed owner, uint256 liens, uint256 licences);

    /**
     * @notice Reads both suites' contracts from their `RightsAsset`; the successor must name
     * `predecessor_` as its predecessor. Reverts with {ZeroAddress} or {NotTheSuccessor}.
     * @param predecessor_ The suite to be sealed (its `RightsAsset`).
     * @param successor_ The new suite (its `RightsAsset`).
     */
    constructor(RightsAsset predecessor_, RightsAsset successor_) {
        if (address(predecessor_) == address(0) || address(successor_) == address(0)) revert ZeroAddress();
        if (address(successor_.predecessor()) != address(predecessor_)) {
            revert NotTheSuccessor(address(successor_), address(successor_.predecessor()));
        }
        predecessor = predecessor_;
        successor = successor_;
        Pledges oldPledges = Pledges(address(predecessor_.lienRegistry()));
        Pledges newPledges = Pledges(address(successor_.lienRegistry()));
        if (address(oldPledges) == address(0) || address(newPledges) == address(0)) revert ZeroAddress();
        predecessorPledges = oldPledges;
        successorPledges = newPledges;
        predecessorLicences = Licences(oldPledges.licences());
        successorLicences = Licences(newPledges.licences());
        if (address(predecessorLicences) == address(0) || address(successorLicences) == address(0)) {
            revert ZeroAddress();
        }
    }

    /**
     * @notice Copies asset `assetId` of the sealed predecessor into the successor: owner and
     * record, active liens (same ids, ranks, terms, registration times and licensing consents),
     * licences in force or to come (same ids and terms). A burnt asset is copied as its record only.
     * @dev Anyone. Reverts with {PredecessorNotSealed}, {UnknownAsset}, or the successor's
     * `AssetAlreadyTokenized` (migrated, or tokenized there, before). Emits {AssetMigrated}.
     * @param assetId The asset.
     */
    function migrate(uint256 assetId) external {
        address sealedFor = predecessor.successor();
        if (sealedFor != address(successor)) revert PredecessorNotSealed(address(predecessor), sealedFor);
        (uint64 registeredAt, uint64 termEnd, uint64 batchId, uint32 rights, uint16 territory) =
            predecessor.assetTerms(assetId);
        if (registeredAt == 0) revert UnknownAsset(assetId);
        address owner = predecessor.exists(assetId) ? predecessor.ownerOf(assetId) : address(0);
        successor.importAsset(
            assetId,
            owner,
            RightsAsset.AssetRecord({
                registeredAt: registeredAt,
                termEnd: termEnd,
                batchId: batchId,
                rights: rights,
                territory: territory
            })
        );
        uint256 liens = 0;
        uint256 licences = 0;
        if (owner != address(0)) {
            liens = _migrateLiens(assetId);
            licences = _migrateLicences(assetId);
        }
        // The callees are the two suites' immutable contracts, which call nothing back; the
        // migrator keeps no state, so the event reports what they did.
        // slither-disable-next-line reentrancy-events
        emit AssetMigrated(assetId, owner, liens, licences);
    }

    /// @dev Copies the active liens, most senior first (each takes the next rank).
    function _migrateLiens(uint256 assetId) private returns (uint256 count) {
        Pledges.RankedLien[] memory liens = predecessorPledges.activeLiens(assetId);
        count = liens.length;
        for (uint256 i = 0; i < count; ++i) {
            uint256 lienId = liens[i].lienId;
            // At most MAX_LIENS_PER_ASSET liens, each copied between the immutable suites.
            // slither-disable-next-line calls-loop
            successorPledges.importLien(
                lienId,
                liens[i].lien,
                predecessorPledges.registrationTimeOf(lienId),
                predecessorPledges.licenceConsentOf(lienId)
            );
        }
    }

    /// @dev Copies the licences not revoked and not ended (in force now or starting later).
    function _migrateLicences(uint256 assetId) private returns (uint256 count) {
        uint256[] memory ids = predecessorLicences.licenceIdsOf(assetId);
        for (uint256 i = 0; i < ids.length; ++i) {
            // An asset's licences, each read and copied between the immutable suites.
            // slither-disable-next-line calls-loop
            Licences.Licence memory licence = predecessorLicences.licenceOf(ids[i]);
            if (licence.revoked || licence.end <= block.timestamp) continue;
            // slither-disable-next-line calls-loop
            successorLicences.importLicence(ids[i], licence);
            ++count;
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {DelayedRoleGrants} from "./access/DelayedRoleGrants.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IRegistryAnchor} from "./interfaces/IRegistryAnchor.sol";
import {ISuiteErrors} from "./interfaces/ISuiteErrors.sol";

/**
 * @title RegistryAnchor
 * @notice Anchors the Merkle roots of copyright registration batches on chain, so that anyone
 * holding a registration's claim leaf and its proof can show that the registration existed no
 * later than the block in which its batch root was anchored.
 * @dev Each batch is an OpenZeppelin `StandardMerkleTree` over single `bytes32` values (the
 * claim leaves, themselves domain-separated hashes computed off chain). Only accounts holding
 * {REGISTRAR_ROLE} can anchor roots. A {REGULATOR_ROLE} holder revokes, with the digest of its
 * decision, one registration ({revokeRegistration}: the claim leaf itself, under whatever root
 * it is or will ever be anchored) or a whole batch ({revokeRoot}: that root, for a batch that is
 * fraudulent as a whole). A registration's revocation is the one that follows it: anchoring the
 * same leaf again under another root does not undo it, and it touches no other registration of
 * its batch. A root's revocation stops that root only.
 * An anchored root is immutable: it can never be overwritten or removed. Revocation only marks:
 * {rootInfo} and {isAnchored} keep answering (a revoked root is still known), while
 * {verifyRegistration} answers false and {registrationStatus} answers `Revoked` for a revoked
 * registration or a registration under a revoked root.
 */
contract RegistryAnchor is IRegistryAnchor, ISuiteErrors, DelayedRoleGrants {
    /// @notice Role allowed to anchor batch roots.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @notice Role allowed to revoke registrations and anchored roots (监管).
    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");
    /// @notice Delay before a new default admin can accept the role (two-step admin transfer).
    uint48 public constant ADMIN_TRANSFER_DELAY = 2 days;

    /// @notice Answer of {registrationStatus}.
    enum RegistrationStatus {
        Unproven,
        Valid,
        Revoked
    }

    /**
     * @notice What the chain recorded when a root was anchored (one storage slot).
     * @param anchoredAt Timestamp of the anchoring block, in seconds since the Unix epoch.
     * @param blockNumber Number of the anchoring block.
     * @param leafCount Number of registrations (leaves) in the batch; never zero once anchored.
     * @param batchId Sequential number of the batch on this contract, from 1.
     * @param revoked Whether a regulator revoked the root.
     */
    struct AnchoredRoot {
        uint64 anchoredAt;
        uint64 blockNumber;
        uint32 leafCount;
        uint64 batchId;
        bool revoked;
    }

    mapping(bytes32 root => AnchoredRoot) private _roots;
    mapping(uint64 batchId => bool) private _revokedBatches;
    mapping(bytes32 leaf => bool) private _revokedRegistrations;
    uint64 private _batchCount;

    /// @notice The root to anchor is zero.
    error ZeroRoot();

    /**
     * @notice The batch to anchor has no leaves.
     * @param root The root that was being anchored.
     */
    error EmptyBatch(bytes32 root);

    /**
     * @notice The root has already been anchored; anchored roots can never be overwritten.
     * @param root The root that was being anchored.
     * @param anchoredAt Timestamp at which the root was originally anchored.
     */
    error RootAlreadyAnchored(bytes32 root, uint64 anchoredAt);


    /**
     * @notice The root was already revoked.
     * @param root The root.
     * @param batchId Its batch number.
     */
    error RootAlreadyRevoked(bytes32 root, uint64 batchId);


    /// @notice The claim leaf to revoke is zero.
    error ZeroLeaf();

    /**
     * @notice The registration was already revoked.
     * @param leaf Its claim leaf.
     */
    error RegistrationAlreadyRevoked(bytes32 leaf);

    /**
     * @notice Emitted when a batch root is anchored.
     * @param root The anchored Merkle root.
     * @param batchId Sequential number given to the batch.
     * @param leafCount Number of registrations in the batch.
     * @param anchoredAt Timestamp of the anchoring block.
     * @param registrar Account that anchored the root.
     */
    event Anchored(
        bytes32 indexed root, uint64 indexed batchId, uint32 leafCount, uint64 anchoredAt, address indexed registrar
    );

    /**
     * @notice Emitted when a regulator revokes an anchored root; its registrations show revoked.
     * @param root The revoked root.
     * @param batchId Its batch number.
     * @param reasonDigest Digest of the reason (the document itself is kept off chain).
     * @param regulator Account that revoked the root.
     */
    event RootRevoked(bytes32 indexed root, uint64 indexed batchId, bytes32 reasonDigest, address indexed regulator);

    /**
     * @notice Emitted when a regulator revokes one registration, under every root holding it.
     * @param leaf The registration's claim leaf.
     * @param reasonDigest Digest of the reason (the document itself is kept off chain).
     * @param revoker Account that revoked it.
     */
    event RegistrationRevoked(bytes32 indexed leaf, bytes32 reasonDigest, address indexed revoker);

    /**
     * @notice Sets up the roles.
     * @param admin Account granted {DEFAULT_ADMIN_ROLE}, which can grant and revoke roles.
     * @param registrar Account granted {REGISTRAR_ROLE}, which can anchor roots.
     * @param roleGrantDelay_ Delay of the two-step grant of {REGISTRAR_ROLE} and {REGULATOR_ROLE}
     * ({DelayedRoleGrants}; 0 only on development and test chains).
     */
    constructor(address admin, address registrar, uint48 roleGrantDelay_)
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin)
        DelayedRoleGrants(roleGrantDelay_)
    {
        if (registrar == address(0)) revert ZeroAddress();
        _grantRole(REGISTRAR_ROLE, registrar);
    }

    /**
     * @notice Anchors the Merkle root of a batch of `leafCount` registrations, recording the
     * current block timestamp and number and giving the batch the next sequential id.
     * @dev Reverts with {AccessControlUnauthorizedAccount} if the caller lacks {REGISTRAR_ROLE},
     * {ZeroRoot} if `root` is zero, {EmptyBatch} if `leafCount` is zero and
     * {RootAlreadyAnchored} if `root` was anchored before. Emits {Anchored}.
     * @param root The batch's `StandardMerkleTree` root.
     * @param leafCount Number of registrations in the batch.
     * @return batchId The id given to the batch.
     */
    function anchor(bytes32 root, uint32 leafCount) external onlyRole(REGISTRAR_ROLE) returns (uint64 batchId) {
        if (root == bytes32(0)) revert ZeroRoot();
        if (leafCount == 0) revert EmptyBatch(root);
        AnchoredRoot storage existing = _roots[root];
        if (existing.leafCount != 0) revert RootAlreadyAnchored(root, existing.anchoredAt);

        batchId = ++_batchCount;
        // Block timestamps and numbers fit in 64 bits for the foreseeable future.
        uint64 anchoredAt = uint64(block.timestamp);
        _roots[root] = AnchoredRoot({
            anchoredAt: anchoredAt,
            blockNumber: uint64(block.number),
            leafCount: leafCount,
            batchId: batchId,
            revoked: false
        });
        emit Anchored(root, batchId, leafCount, anchoredAt, _msgSender());
    }

    /**
     * @notice Revokes the registration with claim leaf `leaf`: it shows revoked and cannot be
     * tokenized under any root that holds it, now or later; the other registrations of its batch
     * are untouched. A leaf not anchored yet can be revoked (it is then never tokenized).
     * @dev Reverts with {AccessControlUnauthorizedAccount} if the caller lacks {REGULATOR_ROLE},
     * {ZeroLeaf} and {RegistrationAlreadyRevoked}. Emits {RegistrationRevoked}.
     * @param leaf The registration's claim leaf (the asset id of its rights asset).
     * @param reasonDigest Digest of the decision (kept off chain).
     */
    function revokeRegistration(bytes32 leaf, bytes32 reasonDigest) external onlyRole(REGULATOR_ROLE) {
        if (leaf == bytes32(0)) revert ZeroLeaf();
        if (_revokedRegistrations[leaf]) revert RegistrationAlreadyRevoked(leaf);
        _revokedRegistrations[leaf] = true;
        emit RegistrationRevoked(leaf, reasonDigest, _msgSender());
    }

    /**
     * @notice Revokes an anchored root, for a batch fraudulent as a whole: the record stays, every
     * registration proven under this root shows revoked. It stops this root only: a registration
     * of the batch anchored again under another root is stopped by {revokeRegistration}.
     * @dev Reverts with {AccessControlUnauthorizedAccount} if the caller lacks {REGULATOR_ROLE},
     * {RootNotAnchored} for an unknown root and {RootAlreadyRevoked} for a revoked one. Emits
     * {RootRevoked}.
     * @param root The anchored root to revoke.
     * @param reasonDigest Digest of the decision (kept off chain).
     */
    function revokeRoot(bytes32 root, bytes32 reasonDigest) external onlyRole(REGULATOR_ROLE) {
        AnchoredRoot storage record = _roots[root];
        if (record.leafCount == 0) revert RootNotAnchored(root);
        if (record.revoked) revert RootAlreadyRevoked(root, record.batchId);
        record.revoked = true;
        _revokedBatches[record.batchId] = true;
        emit RootRevoked(root, record.batchId, reasonDigest, _msgSender());
    }

    /**
     * @notice Returns what was recorded when `root` was anchored (revoked roots included).
     * @param root The Merkle root to look up.
     * @return anchoredAt Timestamp of the anchoring block, or zero if `root` is not anchored.
     * @return blockNumber Number of the anchoring block, or zero if `root` is not anchored.
     * @return leafCount Number of registrations in the batch, or zero if `root` is not anchored.
     */
    function rootInfo(bytes32 root) external view returns (uint64 anchoredAt, uint64 blockNumber, uint32 leafCount) {
        AnchoredRoot storage info = _roots[root];
        return (info.anchoredAt, info.blockNumber, info.leafCount);
    }

    /**
     * @notice Returns the whole record of `root`, including its batch id and revocation.
     * @param root The Merkle root to look up.
     * @return anchoredAt Timestamp of the anchoring block (zero if unknown).
     * @return blockNumber Number of the anchoring block (zero if unknown).
     * @return leafCount Number of registrations in the batch (zero if unknown).
     * @return batchId Sequential batch id (zero if unknown).
     * @return revoked Whether the root was revoked.
     */
    function rootRecord(bytes32 root)
        external
        view
        returns (uint64 anchoredAt, uint64 blockNumber, uint32 leafCount, uint64 batchId, bool revoked)
    {
        AnchoredRoot storage info = _roots[root];
        return (info.anchoredAt, info.blockNumber, info.leafCount, info.batchId, info.revoked);
    }

    /**
     * @notice Tells whether `root` has been anchored (a revoked root is still anchored).
     * @param root The Merkle root to look up.
     * @return True if `root` has been anchored.
     */
    function isAnchored(bytes32 root) external view returns (bool) {
        return _roots[root].leafCount != 0;
    }

    /**
     * @notice Tells whether `root` was revoked.
     * @param root The Merkle root to look up.
     * @return True if a regulator revoked `root`.
     */
    function isRevoked(bytes32 root) external view returns (bool) {
        return _roots[root].revoked;
    }

    /**
     * @notice Tells whether the batch `batchId` was revoked.
     * @param batchId The batch id given by {anchor}.
     * @return True if a regulator revoked the batch's root.
     */
    function isBatchRevoked(uint64 batchId) external view returns (bool) {
        return _revokedBatches[batchId];
    }

    /**
     * @notice Tells whether the registration with claim leaf `leaf` was revoked by itself.
     * @param leaf The registration's claim leaf.
     * @return True if a regulator revoked it with {revokeRegistration}.
     */
    function isRegistrationRevoked(bytes32 leaf) external view returns (bool) {
        return _revokedRegistrations[leaf];
    }

    /// @inheritdoc IRegistryAnchor
    function isRevokedIn(bytes32 leaf, uint64 batchId) external view returns (bool) {
        return _revokedRegistrations[leaf] || _revokedBatches[batchId];
    }

    /// @inheritdoc IRegistryAnchor
    function tokenizationRecord(bytes32 root, bytes32 leaf)
        external
        view
        returns (uint64 anchoredAt, uint64 batchId, bool rootRevoked, bool registrationRevoked)
    {
        AnchoredRoot storage info = _roots[root];
        return (info.anchoredAt, info.batchId, info.revoked, _revokedRegistrations[leaf]);
    }

    /**
     * @notice Number of batches anchored so far (the last batch id).
     * @return The count.
     */
    function batchCount() external view returns (uint64) {
        return _batchCount;
    }

    /**
     * @notice Tells whether the registration with claim leaf `leaf`, not revoked, belongs to the
     * anchored, unrevoked batch with root `root`.
     * @dev The tree leaf is the `StandardMerkleTree` hash of the single `bytes32` value `leaf`,
     * `keccak256(bytes.concat(keccak256(abi.encode(leaf))))`, as produced by
     * `StandardMerkleTree.of(values.map(v => [v]), ["bytes32"])` in OpenZeppelin's merkle-tree
     * JavaScript library. A revoked root or registration answers false; {registrationStatus}
     * tells why.
     * @param leaf The registration's claim leaf.
     * @param proof Sibling hashes from the tree leaf up to the root (sorted-pair hashing).
     * @param root The batch root.
     * @return True if `root` is anchored, neither it nor `leaf` is revoked, and `proof` proves
     * `leaf` is in its tree.
     */
    function verifyRegistration(bytes32 leaf, bytes32[] calldata proof, bytes32 root) external view returns (bool) {
        AnchoredRoot storage info = _roots[root];
        if (info.leafCount == 0 || info.revoked || _revokedRegistrations[leaf]) return false;
        return MerkleProof.verifyCalldata(proof, root, _treeLeaf(leaf));
    }

    /**
     * @notice Status of a registration: `Valid` (proven under an anchored root), `Revoked`
     * (proven under an anchored root, and the registration or the root was revoked) or
     * `Unproven` (unknown root or wrong proof).
     * @param leaf The registration's claim leaf.
     * @param proof Sibling hashes from the tree leaf up to the root.
     * @param root The batch root.
     * @return The status.
     */
    function registrationStatus(bytes32 leaf, bytes32[] calldata proof, bytes32 root)
        external
        view
        returns (RegistrationStatus)
    {
        AnchoredRoot storage info = _roots[root];
        if (info.leafCount == 0 || !MerkleProof.verifyCalldata(proof, root, _treeLeaf(leaf))) {
            return RegistrationStatus.Unproven;
        }
        return info.revoked || _revokedRegistrations[leaf] ? RegistrationStatus.Revoked : RegistrationStatus.Valid;
    }

    function _treeLeaf(bytes32 leaf) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(leaf))));
    }
}

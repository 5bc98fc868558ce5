// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @title RegistryAnchor
 * @notice Anchors the Merkle roots of copyright registration batches on chain, so that anyone
 * holding a registration's claim leaf and its proof can show that the registration existed no
 * later than the block in which its batch root was anchored.
 * @dev Each batch is an OpenZeppelin `StandardMerkleTree` over single `bytes32` values (the
 * claim leaves, themselves domain-separated hashes computed off chain). Only accounts holding
 * {REGISTRAR_ROLE} can anchor roots; the role is administered by {DEFAULT_ADMIN_ROLE}. An
 * anchored root is immutable: it can never be overwritten or removed.
 */
contract RegistryAnchor is AccessControl {
    /// @notice Role allowed to anchor batch roots.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    /**
     * @notice What the chain recorded when a root was anchored (one storage slot).
     * @param anchoredAt Timestamp of the anchoring block, in seconds since the Unix epoch.
     * @param blockNumber Number of the anchoring block.
     * @param leafCount Number of registrations (leaves) in the batch; never zero once anchored.
     */
    struct AnchoredRoot {
        uint64 anchoredAt;
        uint64 blockNumber;
        uint32 leafCount;
    }

    mapping(bytes32 root => AnchoredRoot) private _roots;

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

    /// @notice A constructor argument is the zero address.
    error ZeroAddress();

    /**
     * @notice Emitted when a batch root is anchored.
     * @param root The anchored Merkle root.
     * @param leafCount Number of registrations in the batch.
     * @param anchoredAt Timestamp of the anchoring block.
     * @param registrar Account that anchored the root.
     */
    event Anchored(bytes32 indexed root, uint32 leafCount, uint64 anchoredAt, address indexed registrar);

    /**
     * @notice Sets up the roles.
     * @param admin Account granted {DEFAULT_ADMIN_ROLE}, which can grant and revoke roles.
     * @param registrar Account granted {REGISTRAR_ROLE}, which can anchor roots.
     */
    constructor(address admin, address registrar) {
        if (admin == address(0) || registrar == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, registrar);
    }

    /**
     * @notice Anchors the Merkle root of a batch of `leafCount` registrations, recording the
     * current block timestamp and number.
     * @dev Reverts with {AccessControlUnauthorizedAccount} if the caller lacks {REGISTRAR_ROLE},
     * {ZeroRoot} if `root` is zero, {EmptyBatch} if `leafCount` is zero and
     * {RootAlreadyAnchored} if `root` was anchored before. Emits {Anchored}.
     * @param root The batch's `StandardMerkleTree` root.
     * @param leafCount Number of registrations in the batch.
     */
    function anchor(bytes32 root, uint32 leafCount) external onlyRole(REGISTRAR_ROLE) {
        if (root == bytes32(0)) revert ZeroRoot();
        if (leafCount == 0) revert EmptyBatch(root);
        AnchoredRoot storage existing = _roots[root];
        if (existing.leafCount != 0) revert RootAlreadyAnchored(root, existing.anchoredAt);

        // Block timestamps and numbers fit in 64 bits for the foreseeable future.
        uint64 anchoredAt = uint64(block.timestamp);
        _roots[root] = AnchoredRoot({anchoredAt: anchoredAt, blockNumber: uint64(block.number), leafCount: leafCount});
        emit Anchored(root, leafCount, anchoredAt, _msgSender());
    }

    /**
     * @notice Returns what was recorded when `root` was anchored.
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
     * @notice Tells whether `root` has been anchored.
     * @param root The Merkle root to look up.
     * @return True if `root` has been anchored.
     */
    function isAnchored(bytes32 root) external view returns (bool) {
        return _roots[root].leafCount != 0;
    }

    /**
     * @notice Tells whether the registration with claim leaf `leaf` belongs to the anchored batch
     * with root `root`.
     * @dev The tree leaf is the `StandardMerkleTree` hash of the single `bytes32` value `leaf`,
     * `keccak256(bytes.concat(keccak256(abi.encode(leaf))))`, as produced by
     * `StandardMerkleTree.of(values.map(v => [v]), ["bytes32"])` in OpenZeppelin's merkle-tree
     * JavaScript library.
     * @param leaf The registration's claim leaf.
     * @param proof Sibling hashes from the tree leaf up to the root (sorted-pair hashing).
     * @param root The batch root.
     * @return True if `root` is anchored and `proof` proves that `leaf` is in its tree.
     */
    function verifyRegistration(bytes32 leaf, bytes32[] calldata proof, bytes32 root) external view returns (bool) {
        if (_roots[root].leafCount == 0) return false;
        return MerkleProof.verifyCalldata(proof, root, keccak256(bytes.concat(keccak256(abi.encode(leaf)))));
    }
}

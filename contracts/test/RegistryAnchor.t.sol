// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ISuiteErrors} from "../interfaces/ISuiteErrors.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {RegistryAnchor} from "../RegistryAnchor.sol";

/// @dev The few cheatcodes these tests use (served by the test runner at the standard address).
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function warp(uint256 timestamp) external;
    function roll(uint256 blockNumber) external;
    function assume(bool condition) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter)
        external;
}

contract RegistryAnchorTest {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    address private constant ADMIN = address(0xA11CE);
    address private constant REGISTRAR = address(0xB0B);
    address private constant STRANGER = address(0xBAD);
    address private constant REGULATOR = address(0x4E6);

    uint64 private constant START_TIME = 1_750_000_000;
    uint64 private constant START_BLOCK = 4_200;

    error AssertionFailed(string what, uint256 expected, uint256 actual);

    RegistryAnchor private registry;

    function setUp() public {
        vm.warp(START_TIME);
        vm.roll(START_BLOCK);
        registry = new RegistryAnchor(ADMIN, REGISTRAR, 0);
        bytes32 regulatorRole = registry.REGULATOR_ROLE();
        vm.startPrank(ADMIN);
        registry.scheduleRoleGrant(regulatorRole, REGULATOR);
        registry.executeRoleGrant(regulatorRole, REGULATOR);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- constructor

    function test_constructor_grantsRoles() public view {
        _assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), ADMIN), "admin has DEFAULT_ADMIN_ROLE");
        _assertTrue(registry.hasRole(registry.REGISTRAR_ROLE(), REGISTRAR), "registrar has REGISTRAR_ROLE");
        _assertTrue(!registry.hasRole(registry.REGISTRAR_ROLE(), ADMIN), "admin is not a registrar");
        _assertTrue(!registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), REGISTRAR), "registrar is not an admin");
        _assertEq(registry.REGISTRAR_ROLE(), keccak256("REGISTRAR_ROLE"), "REGISTRAR_ROLE");
    }

    function test_constructor_revertsOnZeroAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, address(0))
        );
        new RegistryAnchor(address(0), REGISTRAR, 0);
    }

    function test_constructor_revertsOnZeroRegistrar() public {
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.ZeroAddress.selector));
        new RegistryAnchor(ADMIN, address(0), 0);
    }

    // ---------------------------------------------------------------- anchor

    function test_anchor_storesBlockTimeNumberAndCount() public {
        bytes32 root = keccak256("batch-1");
        vm.prank(REGISTRAR);
        registry.anchor(root, 17);

        (uint64 anchoredAt, uint64 blockNumber, uint32 leafCount) = registry.rootInfo(root);
        _assertEq(anchoredAt, START_TIME, "anchoredAt");
        _assertEq(blockNumber, START_BLOCK, "blockNumber");
        _assertEq(leafCount, 17, "leafCount");
        _assertTrue(registry.isAnchored(root), "isAnchored");
    }

    function test_anchor_emitsAnchored() public {
        bytes32 root = keccak256("batch-1");
        vm.expectEmit(true, true, true, true, address(registry));
        emit RegistryAnchor.Anchored(root, 1, 17, START_TIME, REGISTRAR);
        vm.prank(REGISTRAR);
        registry.anchor(root, 17);
    }

    function test_anchor_revertsWhenRootAlreadyAnchored() public {
        bytes32 root = keccak256("batch-1");
        vm.prank(REGISTRAR);
        registry.anchor(root, 17);

        vm.warp(START_TIME + 60);
        vm.roll(START_BLOCK + 5);
        vm.expectRevert(abi.encodeWithSelector(RegistryAnchor.RootAlreadyAnchored.selector, root, START_TIME));
        vm.prank(REGISTRAR);
        registry.anchor(root, 99);
    }

    function test_anchor_neverOverwritesAnchoredRoot() public {
        bytes32 root = keccak256("batch-1");
        vm.prank(REGISTRAR);
        registry.anchor(root, 17);

        vm.warp(START_TIME + 60);
        vm.roll(START_BLOCK + 5);
        vm.prank(REGISTRAR);
        (bool ok,) = address(registry).call(abi.encodeCall(RegistryAnchor.anchor, (root, 99)));
        _assertTrue(!ok, "second anchor fails");

        (uint64 anchoredAt, uint64 blockNumber, uint32 leafCount) = registry.rootInfo(root);
        _assertEq(anchoredAt, START_TIME, "anchoredAt unchanged");
        _assertEq(blockNumber, START_BLOCK, "blockNumber unchanged");
        _assertEq(leafCount, 17, "leafCount unchanged");
    }

    function test_anchor_revertsOnZeroRoot() public {
        vm.expectRevert(abi.encodeWithSelector(RegistryAnchor.ZeroRoot.selector));
        vm.prank(REGISTRAR);
        registry.anchor(bytes32(0), 1);
    }

    function test_anchor_revertsOnEmptyBatch() public {
        bytes32 root = keccak256("batch-1");
        vm.expectRevert(abi.encodeWithSelector(RegistryAnchor.EmptyBatch.selector, root));
        vm.prank(REGISTRAR);
        registry.anchor(root, 0);
    }

    function test_anchor_revertsForNonRegistrar() public {
        bytes32 role = registry.REGISTRAR_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, role)
        );
        vm.prank(STRANGER);
        registry.anchor(keccak256("batch-1"), 1);
    }

    function test_anchor_revertsForAdminWithoutRegistrarRole() public {
        bytes32 role = registry.REGISTRAR_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, ADMIN, role));
        vm.prank(ADMIN);
        registry.anchor(keccak256("batch-1"), 1);
    }

    function test_anchor_allowsRegistrarGrantedByAdmin() public {
        bytes32 role = registry.REGISTRAR_ROLE();
        vm.startPrank(ADMIN);
        registry.scheduleRoleGrant(role, STRANGER);
        registry.executeRoleGrant(role, STRANGER);
        vm.stopPrank();

        vm.prank(STRANGER);
        registry.anchor(keccak256("batch-1"), 1);
        _assertTrue(registry.isAnchored(keccak256("batch-1")), "isAnchored");
    }

    // ---------------------------------------------------------------- rootInfo / isAnchored

    function test_rootInfo_returnsZerosForUnknownRoot() public view {
        (uint64 anchoredAt, uint64 blockNumber, uint32 leafCount) = registry.rootInfo(keccak256("unknown"));
        _assertEq(anchoredAt, 0, "anchoredAt");
        _assertEq(blockNumber, 0, "blockNumber");
        _assertEq(leafCount, 0, "leafCount");
        _assertTrue(!registry.isAnchored(keccak256("unknown")), "isAnchored");
    }

    // ---------------------------------------------------------------- verifyRegistration

    function test_verifyRegistration_acceptsEveryLeafOfFourLeafTree() public {
        (bytes32[4] memory leaves, bytes32 root, bytes32[][4] memory proofs) = _fourLeafTree();
        _anchor(root, 4);
        for (uint256 i = 0; i < 4; ++i) {
            _assertTrue(registry.verifyRegistration(leaves[i], proofs[i], root), "leaf verifies");
        }
    }

    function test_verifyRegistration_acceptsSingleLeafTree() public {
        bytes32 leaf = keccak256("only claim");
        bytes32 root = _leafHash(leaf);
        _anchor(root, 1);
        _assertTrue(registry.verifyRegistration(leaf, new bytes32[](0), root), "single leaf verifies");
    }

    function test_verifyRegistration_rejectsWrongLeaf() public {
        (, bytes32 root, bytes32[][4] memory proofs) = _fourLeafTree();
        _anchor(root, 4);
        for (uint256 i = 0; i < 4; ++i) {
            _assertTrue(!registry.verifyRegistration(keccak256("not registered"), proofs[i], root), "wrong leaf");
        }
    }

    function test_verifyRegistration_rejectsLeafWithOtherLeafsProof() public {
        (bytes32[4] memory leaves, bytes32 root, bytes32[][4] memory proofs) = _fourLeafTree();
        _anchor(root, 4);
        _assertTrue(!registry.verifyRegistration(leaves[0], proofs[2], root), "proof of another leaf");
    }

    function test_verifyRegistration_rejectsTreeLeafHashAsLeaf() public {
        (bytes32[4] memory leaves, bytes32 root, bytes32[][4] memory proofs) = _fourLeafTree();
        _anchor(root, 4);
        _assertTrue(!registry.verifyRegistration(_leafHash(leaves[0]), proofs[0], root), "hashed leaf rejected");
    }

    function test_verifyRegistration_rejectsInnerNodeAsLeaf() public {
        (bytes32[4] memory leaves, bytes32 root,) = _fourLeafTree();
        _anchor(root, 4);
        bytes32 inner = _hashPair(_leafHash(leaves[0]), _leafHash(leaves[1]));
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = _hashPair(_leafHash(leaves[2]), _leafHash(leaves[3]));
        _assertTrue(!registry.verifyRegistration(inner, proof, root), "inner node rejected");
    }

    function test_verifyRegistration_rejectsUnanchoredRoot() public view {
        (bytes32[4] memory leaves, bytes32 root, bytes32[][4] memory proofs) = _fourLeafTree();
        for (uint256 i = 0; i < 4; ++i) {
            _assertTrue(!registry.verifyRegistration(leaves[i], proofs[i], root), "unanchored root");
        }
    }

    function test_verifyRegistration_acceptsJsReferenceTree() public {
        (bytes32[] memory values, bytes32 root, bytes32[][] memory proofs) = _jsReferenceTree();
        _anchor(root, uint32(values.length));
        for (uint256 i = 0; i < values.length; ++i) {
            _assertTrue(registry.verifyRegistration(values[i], proofs[i], root), "JS proof verifies");
        }
    }

    // ---------------------------------------------------------------- batch ids

    function test_anchor_assignsSequentialBatchIds() public {
        vm.prank(REGISTRAR);
        uint64 first = registry.anchor(keccak256("batch-1"), 3);
        vm.expectEmit(true, true, true, true, address(registry));
        emit RegistryAnchor.Anchored(keccak256("batch-2"), 2, 5, START_TIME, REGISTRAR);
        vm.prank(REGISTRAR);
        uint64 second = registry.anchor(keccak256("batch-2"), 5);
        _assertEq(first, 1, "first batch id");
        _assertEq(second, 2, "second batch id");
        _assertEq(registry.batchCount(), 2, "batchCount");
        (,,, uint64 batchId, bool revoked) = registry.rootRecord(keccak256("batch-2"));
        _assertEq(batchId, 2, "recorded batch id");
        _assertTrue(!revoked, "not revoked");
    }

    function test_constructor_revertsOnZeroRegistrarWithZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.ZeroAddress.selector));
        new RegistryAnchor(ADMIN, address(0), 0);
    }

    // ---------------------------------------------------------------- revokeRoot

    function test_revokeRoot_marksRootAndBatchRevokedButKeepsRecord() public {
        (bytes32[4] memory leaves, bytes32 root, bytes32[][4] memory proofs) = _fourLeafTree();
        _anchor(root, 4);
        vm.expectEmit(true, true, true, true, address(registry));
        emit RegistryAnchor.RootRevoked(root, 1, keccak256("court order"), REGULATOR);
        vm.prank(REGULATOR);
        registry.revokeRoot(root, keccak256("court order"));

        _assertTrue(registry.isRevoked(root), "isRevoked");
        _assertTrue(registry.isBatchRevoked(1), "isBatchRevoked");
        _assertTrue(registry.isAnchored(root), "still anchored: known roots never look unknown");
        (uint64 anchoredAt, uint64 blockNumber, uint32 leafCount) = registry.rootInfo(root);
        _assertEq(anchoredAt, START_TIME, "anchoredAt kept");
        _assertEq(blockNumber, START_BLOCK, "blockNumber kept");
        _assertEq(leafCount, 4, "leafCount kept");
        _assertTrue(!registry.verifyRegistration(leaves[0], proofs[0], root), "revoked root does not verify");
        _assertTrue(
            registry.registrationStatus(leaves[0], proofs[0], root) == RegistryAnchor.RegistrationStatus.Revoked,
            "status Revoked"
        );
    }

    function test_registrationStatus_validAndUnproven() public {
        (bytes32[4] memory leaves, bytes32 root, bytes32[][4] memory proofs) = _fourLeafTree();
        _assertTrue(
            registry.registrationStatus(leaves[0], proofs[0], root) == RegistryAnchor.RegistrationStatus.Unproven,
            "unanchored"
        );
        _anchor(root, 4);
        _assertTrue(
            registry.registrationStatus(leaves[0], proofs[0], root) == RegistryAnchor.RegistrationStatus.Valid,
            "valid"
        );
        _assertTrue(
            registry.registrationStatus(leaves[0], proofs[1], root) == RegistryAnchor.RegistrationStatus.Unproven,
            "wrong proof"
        );
    }

    function test_revokeRoot_revertsForNonRegulator() public {
        bytes32 root = keccak256("batch-1");
        _anchor(root, 1);
        bytes32 role = registry.REGULATOR_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, REGISTRAR, role)
        );
        vm.prank(REGISTRAR);
        registry.revokeRoot(root, bytes32(0));
        _assertTrue(!registry.isRevoked(root), "unchanged");
    }

    function test_revokeRoot_revertsForUnknownRoot() public {
        bytes32 root = keccak256("unknown");
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.RootNotAnchored.selector, root));
        vm.prank(REGULATOR);
        registry.revokeRoot(root, bytes32(0));
        _assertTrue(!registry.isRevoked(root), "unchanged");
    }

    function test_revokeRoot_revertsWhenAlreadyRevoked() public {
        bytes32 root = keccak256("batch-1");
        _anchor(root, 1);
        vm.prank(REGULATOR);
        registry.revokeRoot(root, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(RegistryAnchor.RootAlreadyRevoked.selector, root, uint64(1)));
        vm.prank(REGULATOR);
        registry.revokeRoot(root, bytes32(0));
    }

    // ---------------------------------------------------------------- fuzz

    function testFuzz_anchor_recordsAnyRoot(bytes32 root, uint32 count) public {
        vm.assume(root != bytes32(0) && count != 0);
        vm.expectEmit(true, true, true, true, address(registry));
        emit RegistryAnchor.Anchored(root, 1, count, START_TIME, REGISTRAR);
        vm.prank(REGISTRAR);
        registry.anchor(root, count);

        (uint64 anchoredAt, uint64 blockNumber, uint32 leafCount) = registry.rootInfo(root);
        _assertEq(anchoredAt, START_TIME, "anchoredAt");
        _assertEq(blockNumber, START_BLOCK, "blockNumber");
        _assertEq(leafCount, count, "leafCount");
        _assertTrue(registry.isAnchored(root), "isAnchored");

        vm.expectRevert(abi.encodeWithSelector(RegistryAnchor.RootAlreadyAnchored.selector, root, START_TIME));
        vm.prank(REGISTRAR);
        registry.anchor(root, count);
    }

    function testFuzz_verifyRegistration_twoLeafTree(bytes32 a, bytes32 b) public {
        bytes32 root = _hashPair(_leafHash(a), _leafHash(b));
        bytes32[] memory proofA = new bytes32[](1);
        proofA[0] = _leafHash(b);
        bytes32[] memory proofB = new bytes32[](1);
        proofB[0] = _leafHash(a);

        _assertTrue(!registry.verifyRegistration(a, proofA, root), "not before anchoring");
        _anchor(root, 2);
        _assertTrue(registry.verifyRegistration(a, proofA, root), "a verifies");
        _assertTrue(registry.verifyRegistration(b, proofB, root), "b verifies");
    }

    function testFuzz_verifyRegistration_rejectsRandomLeaf(bytes32 wrong) public {
        (bytes32[4] memory leaves, bytes32 root, bytes32[][4] memory proofs) = _fourLeafTree();
        for (uint256 i = 0; i < 4; ++i) {
            vm.assume(wrong != leaves[i]);
        }
        _anchor(root, 4);
        for (uint256 i = 0; i < 4; ++i) {
            _assertTrue(!registry.verifyRegistration(wrong, proofs[i], root), "random leaf rejected");
        }
    }

    function testFuzz_verifyRegistration_anyTreeSize(bytes32 seed, uint8 rawSize, uint8 rawIndex, bytes32 tamper)
        public
    {
        uint256 size = uint256(rawSize) % 33 + 1;
        uint256 index = uint256(rawIndex) % size;
        bytes32[] memory leaves = new bytes32[](size);
        for (uint256 i = 0; i < size; ++i) {
            leaves[i] = keccak256(abi.encode(seed, i));
        }
        (bytes32 root, bytes32[] memory proof) = _buildTree(leaves, index);
        _anchor(root, uint32(size));
        _assertTrue(registry.verifyRegistration(leaves[index], proof, root), "member verifies");
        vm.assume(tamper != bytes32(0));
        if (proof.length > 0) {
            proof[uint256(tamper) % proof.length] ^= tamper;
            _assertTrue(!registry.verifyRegistration(leaves[index], proof, root), "tampered proof fails");
        } else {
            _assertTrue(!registry.verifyRegistration(leaves[index] ^ tamper, proof, root), "other leaf fails");
        }
    }

    // ---------------------------------------------------------------- utilities

    /// @dev A sorted-pair tree over the leaf hashes (an odd node moves up unchanged) and the proof
    /// of leaf `index`; any such tree verifies with MerkleProof, as StandardMerkleTree's do.
    function _buildTree(bytes32[] memory leaves, uint256 index)
        private
        pure
        returns (bytes32 root, bytes32[] memory proof)
    {
        bytes32[] memory level = new bytes32[](leaves.length);
        for (uint256 i = 0; i < leaves.length; ++i) {
            level[i] = _leafHash(leaves[i]);
        }
        bytes32[] memory path = new bytes32[](8);
        uint256 depth = 0;
        uint256 position = index;
        while (level.length > 1) {
            uint256 sibling = position ^ 1;
            if (sibling < level.length) path[depth++] = level[sibling];
            bytes32[] memory next = new bytes32[]((level.length + 1) / 2);
            for (uint256 i = 0; i < next.length; ++i) {
                next[i] = 2 * i + 1 < level.length ? _hashPair(level[2 * i], level[2 * i + 1]) : level[2 * i];
            }
            level = next;
            position /= 2;
        }
        proof = new bytes32[](depth);
        for (uint256 i = 0; i < depth; ++i) {
            proof[i] = path[i];
        }
        root = level[0];
    }

    function _anchor(bytes32 root, uint32 leafCount) private {
        vm.prank(REGISTRAR);
        registry.anchor(root, leafCount);
    }

    /// @dev StandardMerkleTree leaf hash of a single bytes32 value.
    function _leafHash(bytes32 value) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(value))));
    }

    function _hashPair(bytes32 x, bytes32 y) private pure returns (bytes32) {
        return x < y ? keccak256(abi.encode(x, y)) : keccak256(abi.encode(y, x));
    }

    /// @dev Balanced tree ((L0, L1), (L2, L3)) with sorted-pair hashing.
    function _fourLeafTree()
        private
        pure
        returns (bytes32[4] memory leaves, bytes32 root, bytes32[][4] memory proofs)
    {
        bytes32[4] memory hashed;
        for (uint256 i = 0; i < 4; ++i) {
            leaves[i] = keccak256(abi.encode("claim", i));
            hashed[i] = _leafHash(leaves[i]);
        }
        bytes32 left = _hashPair(hashed[0], hashed[1]);
        bytes32 right = _hashPair(hashed[2], hashed[3]);
        root = _hashPair(left, right);
        for (uint256 i = 0; i < 4; ++i) {
            proofs[i] = new bytes32[](2);
            proofs[i][0] = hashed[i ^ 1];
            proofs[i][1] = i < 2 ? right : left;
        }
    }

    /// @dev Seven-leaf tree printed by contracts/scripts/merkle-reference.mjs (OpenZeppelin's
    /// StandardMerkleTree) for the values sha256("claim0") ... sha256("claim6").
    function _jsReferenceTree()
        private
        pure
        returns (bytes32[] memory values, bytes32 root, bytes32[][] memory proofs)
    {
        root = 0xe9b8ec7fe72e884e51944a51a22d24aa6295b94154c863ba31cd7ae0010b77a7;
        values = new bytes32[](7);
        proofs = new bytes32[][](7);
        values[0] = 0xb5860863ce3c8b163f1669eade00477499e0e4299cb58cfccbfd8da52ad7b455;
        proofs[0] = new bytes32[](3);
        proofs[0][0] = 0x00be09f2db96a25a846270d39c3120fd0465fe801cd2cc6e9c63d0c1ce40d8a4;
        proofs[0][1] = 0xfd24a201d68e9831c316696336e48b4f49de9bf5d08372526014b79a280c0801;
        proofs[0][2] = 0x91796bf20f647a1c86960407c1de62033bfceeb39b3d4f2bf692ddf4e81b0036;
        values[1] = 0x0177f540cc7706d8d08a31fee4e1f10a0dc27fd19d7b86fd1517ca516516c8d0;
        proofs[1] = new bytes32[](2);
        proofs[1][0] = 0xa4166c5255da3f7d5d3028933abfda643cbaa02644df0137c3eca3bdfd613529;
        proofs[1][1] = 0x91796bf20f647a1c86960407c1de62033bfceeb39b3d4f2bf692ddf4e81b0036;
        values[2] = 0x46cb6d86bff1f98e88bb2da5fd23a5e3cbbcace25395174586c4910598d34764;
        proofs[2] = new bytes32[](3);
        proofs[2][0] = 0xa58fdabb114a23d02676a103b6ca719b6dfbd6b03f7c9eb4c7c523328aee9050;
        proofs[2][1] = 0x750801f1fd8be6777a9be2c4e56392c334428470b04e20647f5798f2bc7f3c6c;
        proofs[2][2] = 0x90280e378ed84caf20dbbd67783033a635c063c716fe7b4134b60f5deafeecef;
        values[3] = 0x486a304714c0e881ae1f8182953872d29de106869863d9cb58fa8b8a61a3810a;
        proofs[3] = new bytes32[](3);
        proofs[3][0] = 0x28d4da581502540794179af941dc9bcf275b2651f004d88c60b2870011710286;
        proofs[3][1] = 0xfd24a201d68e9831c316696336e48b4f49de9bf5d08372526014b79a280c0801;
        proofs[3][2] = 0x91796bf20f647a1c86960407c1de62033bfceeb39b3d4f2bf692ddf4e81b0036;
        values[4] = 0x7020f3573f961cc7b4d1421f2984d7f7b55b9ac447c25ebe22a071a646d376de;
        proofs[4] = new bytes32[](3);
        proofs[4][0] = 0xf22ab3f9cc397e90f1bf4ca0a2b3cf9bb5caff80762b04a041ffcb1fa56cb2e8;
        proofs[4][1] = 0x34a044267488fbc6db0e49b553071759ea2e2e1dde62d74fddbce87387892cff;
        proofs[4][2] = 0x90280e378ed84caf20dbbd67783033a635c063c716fe7b4134b60f5deafeecef;
        values[5] = 0x43407851a6b47bdab9d6be701fe7784e6d04dfbaf394525a1dc46087e48b6cdf;
        proofs[5] = new bytes32[](3);
        proofs[5][0] = 0x79d4209c657074c9047a7a9920762a72987a67c8f5be78f5e45bcb3bac3b9db7;
        proofs[5][1] = 0x750801f1fd8be6777a9be2c4e56392c334428470b04e20647f5798f2bc7f3c6c;
        proofs[5][2] = 0x90280e378ed84caf20dbbd67783033a635c063c716fe7b4134b60f5deafeecef;
        values[6] = 0xf5f9963df124510f1a1b058cdad59f2f5675bbbbc8608b1d810f87b4161edd25;
        proofs[6] = new bytes32[](3);
        proofs[6][0] = 0xdbccd0236b85958cf5a540c6fef542305231be850ecc02c5e3373237a8d989cf;
        proofs[6][1] = 0x34a044267488fbc6db0e49b553071759ea2e2e1dde62d74fddbce87387892cff;
        proofs[6][2] = 0x90280e378ed84caf20dbbd67783033a635c063c716fe7b4134b60f5deafeecef;
    }

    function _assertTrue(bool condition, string memory what) private pure {
        if (!condition) revert AssertionFailed(what, 1, 0);
    }

    function _assertEq(uint256 actual, uint256 expected, string memory what) private pure {
        if (actual != expected) revert AssertionFailed(what, expected, actual);
    }

    function _assertEq(bytes32 actual, bytes32 expected, string memory what) private pure {
        _assertEq(uint256(actual), uint256(expected), what);
    }
}

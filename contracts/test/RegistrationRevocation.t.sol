// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {RegistryAnchor} from "../RegistryAnchor.sol";
import {RightsAsset} from "../RightsAsset.sol";
import {Pledges} from "../Pledges.sol";
import {ISuiteErrors} from "../interfaces/ISuiteErrors.sol";
import {SuiteBase} from "./SuiteBase.sol";

/// @dev Revocation is per registration (claim leaf): it follows the leaf under any root that holds
/// it and touches no other registration of its batch.
contract RegistrationRevocationTest is SuiteBase {
    bytes32 private constant FRAUD = keccak256("claim leaf of a fraudulent registration");
    bytes32 private constant INNOCENT = keccak256("claim leaf of an honest registration");
    bytes32 private constant REASON = keccak256("regulator's decision");

    bytes32 private root;

    function setUp() public {
        _deploySuite(false);
        // One batch of two registrations: FRAUD and INNOCENT.
        root = _hashPair(_leafHash(FRAUD), _leafHash(INNOCENT));
        vm.prank(REGISTRAR);
        registry.anchor(root, 2);
    }

    function _proofOf(bytes32 sibling) private pure returns (bytes32[] memory proof) {
        proof = new bytes32[](1);
        proof[0] = _leafHash(sibling);
    }

    function _revoke(bytes32 leaf) private {
        vm.prank(REGULATOR);
        registry.revokeRegistration(leaf, REASON);
    }

    // ---------------------------------------------------------------- who may revoke

    function test_revokeRegistration_revertsForRegistrarOwnerAndStranger() public {
        bytes32 role = registry.REGULATOR_ROLE();
        address[3] memory adversaries = [REGISTRAR, owner, STRANGER];
        for (uint256 i = 0; i < adversaries.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, adversaries[i], role)
            );
            vm.prank(adversaries[i]);
            registry.revokeRegistration(FRAUD, REASON);
        }
        _assertTrue(!registry.isRegistrationRevoked(FRAUD), "unchanged");
    }

    function test_revokeRegistration_revertsForAdminWithoutRegulatorRole() public {
        bytes32 role = registry.REGULATOR_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, ADMIN, role));
        vm.prank(ADMIN);
        registry.revokeRegistration(FRAUD, REASON);
        _assertTrue(!registry.isRegistrationRevoked(FRAUD), "unchanged");
    }

    function test_revokeRegistration_emitsAndMarksOnlyThatLeaf() public {
        vm.expectEmit(true, true, true, true, address(registry));
        emit RegistryAnchor.RegistrationRevoked(FRAUD, REASON, REGULATOR);
        _revoke(FRAUD);
        _assertTrue(registry.isRegistrationRevoked(FRAUD), "revoked");
        _assertTrue(!registry.isRegistrationRevoked(INNOCENT), "its batch sibling is not");
        _assertTrue(!registry.isRevoked(root), "the root is not revoked");
        _assertTrue(!registry.isBatchRevoked(1), "the batch is not revoked");
    }

    function test_revokeRegistration_revertsOnZeroLeafAndWhenAlreadyRevoked() public {
        vm.expectRevert(abi.encodeWithSelector(RegistryAnchor.ZeroLeaf.selector));
        vm.prank(REGULATOR);
        registry.revokeRegistration(bytes32(0), REASON);
        _revoke(FRAUD);
        vm.expectRevert(abi.encodeWithSelector(RegistryAnchor.RegistrationAlreadyRevoked.selector, FRAUD));
        vm.prank(REGULATOR);
        registry.revokeRegistration(FRAUD, REASON);
    }

    // ---------------------------------------------------------------- what a revocation changes

    function test_registrationStatus_revokedLeafUnderEveryRoot_siblingValid() public {
        _revoke(FRAUD);
        _assertTrue(
            registry.registrationStatus(FRAUD, _proofOf(INNOCENT), root) == RegistryAnchor.RegistrationStatus.Revoked,
            "revoked leaf"
        );
        _assertTrue(!registry.verifyRegistration(FRAUD, _proofOf(INNOCENT), root), "does not verify");
        _assertTrue(
            registry.registrationStatus(INNOCENT, _proofOf(FRAUD), root) == RegistryAnchor.RegistrationStatus.Valid,
            "sibling still valid"
        );
        _assertTrue(registry.verifyRegistration(INNOCENT, _proofOf(FRAUD), root), "sibling verifies");

        (bytes32 secondRoot, bytes32[] memory secondProof) = _anchorLeaf(FRAUD);
        _assertTrue(
            registry.registrationStatus(FRAUD, secondProof, secondRoot) == RegistryAnchor.RegistrationStatus.Revoked,
            "revoked under a second root too"
        );
        _assertTrue(!registry.verifyRegistration(FRAUD, secondProof, secondRoot), "nor verifies there");
    }

    function test_tokenize_refusedUnderAnyRootHoldingTheRevokedLeaf() public {
        _revoke(FRAUD);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.RegistrationRevoked.selector, FRAUD));
        vm.prank(REGISTRAR);
        assets.tokenize(owner, FRAUD, _proofOf(INNOCENT), root, metadata, address(0), 0, "");

        // The same registration anchored again under a second root: still refused.
        (bytes32 secondRoot, bytes32[] memory secondProof) = _anchorLeaf(FRAUD);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.RegistrationRevoked.selector, FRAUD));
        vm.prank(REGISTRAR);
        assets.tokenize(owner, FRAUD, secondProof, secondRoot, metadata, address(0), 0, "");
        _assertTrue(!assets.exists(uint256(FRAUD)), "never an asset");

        // Its batch sibling tokenizes.
        vm.prank(REGISTRAR);
        uint256 assetId = assets.tokenize(owner, INNOCENT, _proofOf(FRAUD), root, metadata, address(0), 0, "");
        _assertEq(assets.ownerOf(assetId), owner, "the innocent registration is an asset");
        _assertTrue(!assets.isRevoked(assetId), "and not revoked");
    }

    function test_tokenize_revokedRootThenSecondRoot_refusedOnceTheLeafIsRevoked() public {
        vm.prank(REGULATOR);
        registry.revokeRoot(root, REASON);
        _revoke(FRAUD);
        (bytes32 secondRoot, bytes32[] memory secondProof) = _anchorLeaf(FRAUD);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.RegistrationRevoked.selector, FRAUD));
        vm.prank(REGISTRAR);
        assets.tokenize(owner, FRAUD, secondProof, secondRoot, metadata, address(0), 0, "");
        _assertTrue(!assets.exists(uint256(FRAUD)), "never an asset");
    }

    function test_tokenize_boundRegistration_refusedWhenRevoked() public {
        address controller = vm.addr(OTHER_KEY);
        bytes32 leaf = keccak256("bound registration");
        (bytes32 boundRoot, bytes32[] memory proof) = _anchorBound(leaf, controller);
        _revoke(leaf);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _mintAuthorization(OTHER_KEY, leaf, controller, metadata, deadline);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.RegistrationRevoked.selector, leaf));
        vm.prank(STRANGER);
        assets.tokenize(controller, leaf, proof, boundRoot, metadata, controller, deadline, signature);
        _assertTrue(!assets.exists(uint256(leaf)), "never an asset");
    }

    /// @dev Both registrations of the batch tokenized, then the fraudulent one revoked.
    function _tokenizeBothThenRevokeTheFraud() private returns (uint256 fraudId, uint256 innocentId) {
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.prank(REGISTRAR);
        fraudId = assets.tokenize(owner, FRAUD, _proofOf(INNOCENT), root, metadata, address(0), 0, "");
        vm.prank(REGISTRAR);
        innocentId = assets.tokenize(owner, INNOCENT, _proofOf(FRAUD), root, metadata, address(0), 0, "");
        _revoke(FRAUD);
    }

    function test_isRevoked_followsTheLeafAndStopsPledges() public {
        (uint256 fraudId, uint256 innocentId) = _tokenizeBothThenRevokeTheFraud();
        _assertTrue(assets.isRevoked(fraudId), "revoked asset");
        _assertTrue(!assets.isRevoked(innocentId), "batch sibling not revoked");
        _assertEq(assets.ownerOf(fraudId), owner, "shown revoked, not deleted");

        uint64 maturity = uint64(block.timestamp + 30 days);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _consent(OWNER_KEY, fraudId, LENDER, maturity, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.AssetRevoked.selector, fraudId));
        vm.prank(LENDER);
        pledges.pledge(fraudId, LENDER, 1_000_000, CNY, maturity, "2026-Z-0001", deadline, sig);
        _pledge(innocentId, LENDER);
        _assertEq(pledges.activeLienCount(innocentId), 1, "the sibling is pledged");
    }

    function test_revokedAsset_isNeitherTransferredNorLicensed() public {
        (uint256 fraudId, uint256 innocentId) = _tokenizeBothThenRevokeTheFraud();
        // Its owner sells it, gives it away or licenses it to a buyer who cannot tell: refused.
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.AssetRevoked.selector, fraudId));
        vm.prank(owner);
        assets.transferFrom(owner, STRANGER, fraudId);
        uint64 start = uint64(block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.AssetRevoked.selector, fraudId));
        vm.prank(owner);
        licences.grant(fraudId, STRANGER, 1 << 5, 0, start, start + 30 days, true, true, keccak256("terms"));
        _assertEq(assets.ownerOf(fraudId), owner, "stays with its owner");
        // An approved operator cannot either; the owner may still burn it.
        vm.prank(owner);
        assets.approve(STRANGER, fraudId);
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.AssetRevoked.selector, fraudId));
        vm.prank(STRANGER);
        assets.transferFrom(owner, STRANGER, fraudId);
        vm.prank(owner);
        assets.burn(fraudId);
        _assertTrue(!assets.exists(fraudId), "burnt");
        // Its batch sibling moves and is licensed as before.
        vm.prank(owner);
        licences.grant(innocentId, STRANGER, 1 << 5, 0, start, start + 30 days, true, true, keccak256("terms"));
        vm.prank(owner);
        assets.transferFrom(owner, STRANGER, innocentId);
        _assertEq(assets.ownerOf(innocentId), STRANGER, "the sibling moved");
    }

    function test_isRevoked_stillFollowsTheBatchRoot() public {
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.prank(REGISTRAR);
        uint256 innocentId = assets.tokenize(owner, INNOCENT, _proofOf(FRAUD), root, metadata, address(0), 0, "");
        vm.prank(REGULATOR);
        registry.revokeRoot(root, REASON);
        _assertTrue(assets.isRevoked(innocentId), "revoked with its whole batch");
        _assertTrue(!registry.isRegistrationRevoked(INNOCENT), "not by itself");
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev Whatever leaf is revoked, only that leaf is refused; every other leaf of the same
    /// batch still tokenizes.
    function testFuzz_revokeRegistration_onlyThatLeaf(bytes32 revoked, bytes32 other) public {
        vm.assume(revoked != bytes32(0) && other != bytes32(0) && revoked != other);
        bytes32 fuzzRoot = _hashPair(_leafHash(revoked), _leafHash(other));
        vm.assume(fuzzRoot != root);
        vm.prank(REGISTRAR);
        registry.anchor(fuzzRoot, 2);
        _revoke(revoked);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.RegistrationRevoked.selector, revoked));
        vm.prank(REGISTRAR);
        assets.tokenize(owner, revoked, _proofOf(other), fuzzRoot, metadata, address(0), 0, "");
        vm.prank(REGISTRAR);
        uint256 assetId = assets.tokenize(owner, other, _proofOf(revoked), fuzzRoot, metadata, address(0), 0, "");
        _assertTrue(!assets.isRevoked(assetId), "the other leaf is a live asset");
        _assertTrue(assets.isRevoked(uint256(revoked)) == false, "no asset: nothing to show revoked");
    }
}

/// @dev Anchors pairs of registrations from a small pool under many roots (the same leaf under
/// several roots), revokes registrations and tries to tokenize them, at random; remembers what it
/// revoked and what was minted while revoked.
contract RevocationHandler is SuiteBase {
    uint256 public constant POOL = 6;
    mapping(bytes32 leaf => bool) public revoked;
    uint256 public mintedWhileRevoked;
    uint256 public minted;

    constructor() {
        _deploySuite(false);
    }

    function leafAt(uint256 i) public pure returns (bytes32) {
        return keccak256(abi.encode("revocation pool", i % POOL));
    }

    function _pair(uint256 i, uint256 j) private pure returns (bytes32 leaf, bytes32 other) {
        leaf = leafAt(i);
        other = leafAt(j);
        if (other == leaf) other = leafAt(i + 1);
    }

    function anchorPair(uint256 i, uint256 j) external {
        (bytes32 leaf, bytes32 other) = _pair(i, j);
        bytes32 root = _hashPair(_leafHash(leaf), _leafHash(other));
        if (registry.isAnchored(root)) return;
        vm.prank(REGISTRAR);
        registry.anchor(root, 2);
    }

    function revoke(uint256 i) external {
        bytes32 leaf = leafAt(i);
        vm.prank(REGULATOR);
        try registry.revokeRegistration(leaf, keccak256("invariant")) {
            revoked[leaf] = true;
        } catch {}
    }

    function tokenize(uint256 i, uint256 j) external {
        (bytes32 leaf, bytes32 other) = _pair(i, j);
        bytes32 root = _hashPair(_leafHash(leaf), _leafHash(other));
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = _leafHash(other);
        bool wasRevoked = revoked[leaf];
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.prank(REGISTRAR);
        try assets.tokenize(owner, leaf, proof, root, metadata, address(0), 0, "") {
            ++minted;
            if (wasRevoked) ++mintedWhileRevoked;
        } catch {}
    }

    function anchor() external view returns (RegistryAnchor) {
        return registry;
    }

    function rightsAsset() external view returns (RightsAsset) {
        return assets;
    }
}

contract RegistrationRevocationInvariantsTest {
    RevocationHandler private handler;

    error InvariantBroken(string what, bytes32 leaf, uint256 expected, uint256 actual);

    function setUp() public {
        handler = new RevocationHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 30
    /// @dev A registration revoked before it was tokenized is never tokenized, under any root.
    function invariant_revokedRegistrationIsNeverTokenized() public view {
        if (handler.mintedWhileRevoked() != 0) {
            revert InvariantBroken("minted while revoked", 0, 0, handler.mintedWhileRevoked());
        }
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 30
    /// @dev Exactly the revoked registrations show revoked, on the anchor and on their assets;
    /// revoking one never touches another.
    function invariant_revocationFollowsExactlyTheRevokedLeaves() public view {
        RegistryAnchor registry = handler.anchor();
        RightsAsset assets = handler.rightsAsset();
        for (uint256 i = 0; i < handler.POOL(); ++i) {
            bytes32 leaf = handler.leafAt(i);
            bool expected = handler.revoked(leaf);
            if (registry.isRegistrationRevoked(leaf) != expected) {
                revert InvariantBroken("anchor", leaf, expected ? 1 : 0, expected ? 0 : 1);
            }
            if (assets.exists(uint256(leaf)) && assets.isRevoked(uint256(leaf)) != expected) {
                revert InvariantBroken("asset", leaf, expected ? 1 : 0, expected ? 0 : 1);
            }
        }
    }
}

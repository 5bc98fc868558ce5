// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ISuiteErrors} from "../interfaces/ISuiteErrors.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {RightsAsset} from "../RightsAsset.sol";
import {Pledges} from "../Pledges.sol";
import {IRightsAsset} from "../interfaces/IRightsAsset.sol";
import {IRegistryAnchor} from "../interfaces/IRegistryAnchor.sol";
import {IModeration} from "../interfaces/IModeration.sol";
import {ILienRegistry} from "../interfaces/ILienRegistry.sol";
import {SuiteBase} from "./SuiteBase.sol";

contract RightsAssetTest is SuiteBase {
    bytes32 private constant LEAF = keccak256("claim leaf");

    function setUp() public {
        _deploySuite(false);
    }

    function _expectNoAsset(uint256 assetId) private view {
        _assertTrue(!assets.exists(assetId), "no asset");
        (uint64 registeredAt,,,,) = assets.assetTerms(assetId);
        _assertEq(registeredAt, 0, "no terms");
        _assertEq(assets.balanceOf(owner), 0, "no balance");
    }

    // ---------------------------------------------------------------- constructor / binding

    function test_constructor_revertsOnZeroAddresses() public {
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.ZeroAddress.selector));
        new RightsAsset(ADMIN, REGISTRAR, IRegistryAnchor(address(0)), IModeration(address(moderation)), 0, 0, RightsAsset(address(0)));
    }

    function test_bindLienRegistry_onlyOnce() public {
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.LienRegistryAlreadyBound.selector, address(pledges)));
        vm.prank(ADMIN);
        assets.bindLienRegistry(ILienRegistry(address(0x1234)));
        _assertEq(address(assets.lienRegistry()), address(pledges), "unchanged");
    }

    function test_bindLienRegistry_revertsOnZeroAndForStranger() public {
        RightsAsset fresh =
            new RightsAsset(ADMIN, REGISTRAR, IRegistryAnchor(address(registry)), IModeration(address(moderation)), 0, 0, RightsAsset(address(0)));
        Pledges freshPledges = new Pledges(ADMIN, IRightsAsset(address(fresh)), IModeration(address(moderation)), false, 0);
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.ZeroAddress.selector));
        vm.prank(ADMIN);
        fresh.bindLienRegistry(ILienRegistry(address(0)));
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, bytes32(0))
        );
        vm.prank(STRANGER);
        fresh.bindLienRegistry(ILienRegistry(address(freshPledges)));
        vm.expectEmit(true, true, true, true, address(fresh));
        emit RightsAsset.LienRegistryBound(address(freshPledges), ADMIN);
        vm.prank(ADMIN);
        fresh.bindLienRegistry(ILienRegistry(address(freshPledges)));
    }

    /// @dev A lien registry that guards another asset contract (here: the suite's own `Pledges`,
    /// which answers for `assets`) would never be asked about this contract's assets, so it is
    /// refused, and nothing is bound.
    function test_bindLienRegistry_refusesARegistryThatDoesNotPointBack() public {
        RightsAsset fresh =
            new RightsAsset(ADMIN, REGISTRAR, IRegistryAnchor(address(registry)), IModeration(address(moderation)), 0, 0, RightsAsset(address(0)));
        vm.expectRevert(
            abi.encodeWithSelector(RightsAsset.LienRegistryMismatch.selector, address(pledges), address(assets))
        );
        vm.prank(ADMIN);
        fresh.bindLienRegistry(ILienRegistry(address(pledges)));
        _assertEq(address(fresh.lienRegistry()), address(0), "nothing bound");
    }

    // ---------------------------------------------------------------- tokenize

    function test_tokenize_storesTermsWithRegistrationTime() public {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(LEAF);
        vm.warp(START_TIME + 1 days);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.expectEmit(true, true, true, true, address(assets));
        emit RightsAsset.Tokenized(
            uint256(LEAF),
            owner,
            root,
            1,
            START_TIME,
            metadata.sha256Digest,
            metadata.sm3Digest,
            metadata.cid,
            PROPERTY_RIGHTS,
            0,
            TERM_END,
            address(0)
        );
        vm.prank(REGISTRAR);
        uint256 assetId = assets.tokenize(owner, LEAF, proof, root, metadata, address(0), 0, "");

        _assertEq(assetId, uint256(LEAF), "asset id is the leaf");
        _assertEq(assets.ownerOf(assetId), owner, "owner");
        (uint64 registeredAt, uint64 termEnd, uint64 batchId, uint32 rights, uint16 territory) =
            assets.assetTerms(assetId);
        _assertEq(registeredAt, START_TIME, "registration time is the anchoring time");
        _assertEq(termEnd, TERM_END, "termEnd");
        _assertEq(batchId, 1, "batchId");
        _assertEq(rights, PROPERTY_RIGHTS, "rights");
        _assertEq(territory, 0, "territory");
        _assertTrue(!assets.isRevoked(assetId), "not revoked");
    }

    function test_tokenize_revertsForNonRegistrar() public {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(LEAF);
        bytes32 role = assets.REGISTRAR_ROLE();
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, owner, role));
        vm.prank(owner);
        assets.tokenize(owner, LEAF, proof, root, metadata, address(0), 0, "");
        _expectNoAsset(uint256(LEAF));
    }

    function test_tokenize_revertsWithoutValidProof() public {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(LEAF);
        proof[0] = keccak256("wrong sibling");
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.InvalidRegistrationProof.selector, LEAF, root));
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, metadata, address(0), 0, "");
        _expectNoAsset(uint256(LEAF));
    }

    function test_tokenize_revertsUnderUnanchoredRoot() public {
        bytes32 root = _leafHash(LEAF);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.RootNotAnchored.selector, root));
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, new bytes32[](0), root, metadata, address(0), 0, "");
        _expectNoAsset(uint256(LEAF));
    }

    function test_tokenize_revertsUnderRevokedRoot() public {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(LEAF);
        vm.prank(REGULATOR);
        registry.revokeRoot(root, keccak256("fraud"));
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.RootRevoked.selector, root, uint64(1)));
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, metadata, address(0), 0, "");
        _expectNoAsset(uint256(LEAF));
    }

    function test_tokenize_revertsOnInvalidRights() public {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(LEAF);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        metadata.rights = uint32(1) << 17;
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.InvalidRights.selector, uint32(1) << 17));
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, metadata, address(0), 0, "");
        metadata.rights = 0;
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.InvalidRights.selector, uint32(0)));
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, metadata, address(0), 0, "");
        _expectNoAsset(uint256(LEAF));
    }

    function test_tokenize_revertsOnPastTermEnd() public {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(LEAF);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        metadata.termEnd = START_TIME;
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.InvalidTermEnd.selector, START_TIME, START_TIME));
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, metadata, address(0), 0, "");
        _expectNoAsset(uint256(LEAF));
    }

    function test_tokenize_revertsOnMissingDigest() public {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(LEAF);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        metadata.sm3Digest = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.MissingContentDigest.selector, LEAF));
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, metadata, address(0), 0, "");
        _expectNoAsset(uint256(LEAF));
    }

    function test_tokenize_revertsOnZeroOwner() public {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(LEAF);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InvalidReceiver.selector, address(0)));
        vm.prank(REGISTRAR);
        assets.tokenize(address(0), LEAF, proof, root, metadata, address(0), 0, "");
        _expectNoAsset(uint256(LEAF));
    }

    function test_tokenize_revertsWhenAlreadyTokenizedEvenAfterBurn() public {
        uint256 assetId = _tokenize(LEAF);
        (bytes32 root, bytes32[] memory proof) = _treeOf(LEAF);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.AssetAlreadyTokenized.selector, assetId));
        vm.prank(REGISTRAR);
        assets.tokenize(BUYER, LEAF, proof, root, metadata, address(0), 0, "");
        vm.prank(owner);
        assets.burn(assetId);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.AssetAlreadyTokenized.selector, assetId));
        vm.prank(REGISTRAR);
        assets.tokenize(BUYER, LEAF, proof, root, metadata, address(0), 0, "");
        _assertEq(assets.balanceOf(BUYER), 0, "nothing minted");
    }

    function test_tokenize_frozenRegistrationIsBornFrozen() public {
        vm.prank(MODERATOR);
        moderation.freeze(LEAF, keccak256("reason"));
        uint256 assetId = _tokenize(LEAF);
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.AssetFrozen.selector, assetId));
        vm.prank(owner);
        assets.transferFrom(owner, BUYER, assetId);
        _assertEq(assets.ownerOf(assetId), owner, "did not move");
    }

    function test_isRevoked_followsTheBatch() public {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(LEAF);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.prank(REGISTRAR);
        uint256 assetId = assets.tokenize(owner, LEAF, proof, root, metadata, address(0), 0, "");
        vm.prank(REGULATOR);
        registry.revokeRoot(root, keccak256("fraud"));
        _assertTrue(assets.isRevoked(assetId), "revoked with its batch");
        _assertEq(assets.ownerOf(assetId), owner, "shown revoked, not deleted");
    }

    // ---------------------------------------------------------------- transfers and burns

    function test_transfer_byOwnerAndApproved() public {
        uint256 assetId = _tokenize(LEAF);
        vm.prank(owner);
        assets.approve(STRANGER, assetId);
        vm.prank(STRANGER);
        assets.transferFrom(owner, BUYER, assetId);
        _assertEq(assets.ownerOf(assetId), BUYER, "moved by approved");
        vm.prank(BUYER);
        assets.transferFrom(BUYER, owner, assetId);
        _assertEq(assets.ownerOf(assetId), owner, "moved by owner");
    }

    function test_transfer_revertsForStranger() public {
        uint256 assetId = _tokenize(LEAF);
        vm.expectRevert(
            abi.encodeWithSelector(IERC721Errors.ERC721InsufficientApproval.selector, STRANGER, assetId)
        );
        vm.prank(STRANGER);
        assets.transferFrom(owner, STRANGER, assetId);
        _assertEq(assets.ownerOf(assetId), owner, "did not move");
    }

    function test_transfer_revertsWhileFrozen() public {
        uint256 assetId = _tokenize(LEAF);
        vm.prank(MODERATOR);
        moderation.freeze(LEAF, keccak256("takedown"));
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.AssetFrozen.selector, assetId));
        vm.prank(owner);
        assets.transferFrom(owner, BUYER, assetId);
        _assertEq(assets.ownerOf(assetId), owner, "did not move");
        vm.prank(MODERATOR);
        moderation.restore(LEAF, keccak256("cleared"));
        vm.prank(owner);
        assets.transferFrom(owner, BUYER, assetId);
        _assertEq(assets.ownerOf(assetId), BUYER, "moves once restored");
    }

    function test_transfer_revertsWhileEncumbered() public {
        uint256 assetId = _tokenize(LEAF);
        _pledge(assetId, LENDER);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.AssetEncumbered.selector, assetId, 1));
        vm.prank(owner);
        assets.safeTransferFrom(owner, BUYER, assetId);
        _assertEq(assets.ownerOf(assetId), owner, "did not move");
        _assertEq(assets.balanceOf(BUYER), 0, "buyer has nothing");
    }

    function test_burn_byOwner() public {
        uint256 assetId = _tokenize(LEAF);
        vm.prank(owner);
        assets.burn(assetId);
        _assertTrue(!assets.exists(assetId), "burned");
        (uint64 registeredAt,,,,) = assets.assetTerms(assetId);
        _assertEq(registeredAt, START_TIME, "terms kept");
    }

    function test_burn_revertsForStrangerFrozenAndEncumbered() public {
        uint256 assetId = _tokenize(LEAF);
        vm.expectRevert(
            abi.encodeWithSelector(IERC721Errors.ERC721InsufficientApproval.selector, STRANGER, assetId)
        );
        vm.prank(STRANGER);
        assets.burn(assetId);
        _pledge(assetId, LENDER);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.AssetEncumbered.selector, assetId, 1));
        vm.prank(owner);
        assets.burn(assetId);
        vm.prank(REGULATOR);
        moderation.freeze(LEAF, keccak256("x"));
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.AssetFrozen.selector, assetId));
        vm.prank(owner);
        assets.burn(assetId);
        _assertEq(assets.ownerOf(assetId), owner, "still there");
    }

    function test_transferByLien_onlyLienRegistry() public {
        uint256 assetId = _tokenize(LEAF);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.NotLienRegistry.selector, owner));
        vm.prank(owner);
        assets.transferByLien(assetId, BUYER);
        _assertEq(assets.ownerOf(assetId), owner, "did not move");
    }

    function test_transferByLien_revertsOnZeroReceiver() public {
        uint256 assetId = _tokenize(LEAF);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InvalidReceiver.selector, address(0)));
        vm.prank(address(pledges));
        assets.transferByLien(assetId, address(0));
    }

    function test_supportsInterface() public view {
        _assertTrue(assets.supportsInterface(0x80ac58cd), "ERC-721");
        _assertTrue(assets.supportsInterface(type(IAccessControl).interfaceId), "AccessControl");
    }

    function testFuzz_tokenize_rejectsAnyOtherLeaf(bytes32 other) public {
        vm.assume(other != LEAF);
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(LEAF);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.InvalidRegistrationProof.selector, other, root));
        vm.prank(REGISTRAR);
        assets.tokenize(owner, other, proof, root, metadata, address(0), 0, "");
    }
}

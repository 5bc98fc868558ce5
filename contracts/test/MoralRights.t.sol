// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ISuiteErrors} from "../interfaces/ISuiteErrors.sol";
import {RightsAsset} from "../RightsAsset.sol";
import {Licences} from "../Licences.sol";
import {SuiteBase} from "./SuiteBase.sol";

/// @dev The moral rights of art. 10 (1)–(4) of the Copyright Law (发表权, 署名权, 修改权,
/// 保护作品完整权; bits 0–3) stay with the author: never tokenized, never licensed.
contract MoralRightsTest is SuiteBase {
    bytes32 private constant LEAF = keccak256("claim leaf");
    uint64 private constant YEAR = 365 days;

    function setUp() public {
        _deploySuite(false);
    }

    function _tokenizeWith(bytes32 leaf, uint32 rights) private returns (uint256) {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(leaf);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        metadata.rights = rights;
        vm.prank(REGISTRAR);
        return assets.tokenize(owner, leaf, proof, root, metadata, address(0), 0, "");
    }

    function test_constants_splitTheSeventeenRights() public view {
        _assertEq(assets.MORAL_RIGHTS(), MORAL_RIGHTS, "moral rights: bits 0-3");
        _assertEq(assets.PROPERTY_RIGHTS(), PROPERTY_RIGHTS, "property rights: bits 4-16");
        _assertEq(assets.MORAL_RIGHTS() | assets.PROPERTY_RIGHTS(), assets.ALL_RIGHTS(), "together the 17");
        _assertEq(assets.MORAL_RIGHTS() & assets.PROPERTY_RIGHTS(), 0, "disjoint");
        _assertEq(licences.MORAL_RIGHTS(), MORAL_RIGHTS, "the same bits for licences");
    }

    // ---------------------------------------------------------------- tokenize

    function test_tokenize_refusesEachMoralRight() public {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(LEAF);
        for (uint32 bit = 0; bit < 4; ++bit) {
            RightsAsset.AssetMetadata memory metadata = _metadata();
            metadata.rights = PROPERTY_RIGHTS | uint32(1) << bit;
            vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.MoralRightsNotTransferable.selector, uint32(1) << bit));
            vm.prank(REGISTRAR);
            assets.tokenize(owner, LEAF, proof, root, metadata, address(0), 0, "");
        }
        RightsAsset.AssetMetadata memory all = _metadata();
        all.rights = ALL_RIGHTS;
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.MoralRightsNotTransferable.selector, MORAL_RIGHTS));
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, all, address(0), 0, "");
        _assertTrue(!assets.exists(uint256(LEAF)), "no asset");
    }

    function test_tokenize_propertyRightsAreTheDefault() public {
        uint256 assetId = _tokenize(LEAF);
        (,,, uint32 rights,) = assets.assetTerms(assetId);
        _assertEq(rights, PROPERTY_RIGHTS, "the 13 property rights");
    }

    /// @dev A controller's own signature does not make a moral right transferable either.
    function test_tokenize_boundRegistration_refusesMoralRightsEvenSigned() public {
        address controller = vm.addr(OTHER_KEY);
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, controller);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        metadata.rights = uint32(1) << 1 | uint32(1) << 11; // 署名权 and 信息网络传播权
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _mintAuthorization(OTHER_KEY, LEAF, controller, metadata, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.MoralRightsNotTransferable.selector, uint32(1) << 1));
        vm.prank(controller);
        assets.tokenize(controller, LEAF, proof, root, metadata, controller, deadline, signature);
        _assertTrue(!assets.exists(uint256(LEAF)), "no asset");
    }

    /// @dev Any mask: empty or beyond the 17 rights is invalid, any moral bit is refused naming
    /// exactly those bits, and everything else is minted as given.
    function testFuzz_tokenize_rightsMask(uint32 rights) public {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(LEAF);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        metadata.rights = rights;
        if (rights == 0 || rights & ~ALL_RIGHTS != 0) {
            vm.expectRevert(abi.encodeWithSelector(RightsAsset.InvalidRights.selector, rights));
        } else if (rights & MORAL_RIGHTS != 0) {
            vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.MoralRightsNotTransferable.selector, rights & MORAL_RIGHTS));
        }
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, metadata, address(0), 0, "");
        bool minted = rights != 0 && rights & ~PROPERTY_RIGHTS == 0;
        _assertTrue(assets.exists(uint256(LEAF)) == minted, "minted exactly for property rights");
        (,,, uint32 stored,) = assets.assetTerms(uint256(LEAF));
        _assertEq(stored, minted ? rights : 0, "stored as given");
    }

    // ---------------------------------------------------------------- licences

    function test_grant_refusesEachMoralRight() public {
        uint256 assetId = _tokenize(LEAF);
        for (uint32 bit = 0; bit < 4; ++bit) {
            uint32 rights = uint32(1) << bit | uint32(1) << 11;
            vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.MoralRightsNotTransferable.selector, uint32(1) << bit));
            vm.prank(owner);
            licences.grant(assetId, LICENSEE, rights, CHINA, START_TIME, START_TIME + YEAR, false, true, bytes32(0));
        }
        _assertEq(licences.licenceCount(), 0, "nothing granted");
    }

    /// @dev Any mask: a licence naming a moral right is refused with those bits; a licence of
    /// property rights the asset holds is granted.
    function testFuzz_grant_rightsMask(uint32 rights) public {
        uint256 assetId = _tokenize(LEAF);
        if (rights & MORAL_RIGHTS != 0) {
            vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.MoralRightsNotTransferable.selector, rights & MORAL_RIGHTS));
        } else if (rights == 0 || rights & ~PROPERTY_RIGHTS != 0) {
            vm.expectRevert(abi.encodeWithSelector(Licences.RightsNotHeld.selector, assetId, rights, PROPERTY_RIGHTS));
        }
        vm.prank(owner);
        licences.grant(assetId, LICENSEE, rights, CHINA, START_TIME, START_TIME + YEAR, false, true, bytes32(0));
        bool granted = rights != 0 && rights & ~PROPERTY_RIGHTS == 0;
        _assertEq(licences.licenceCount(), granted ? 1 : 0, "granted exactly for property rights held");
    }
}

/// @dev Tokenizes registrations (custodial and bound to a controller) and grants licences with
/// random rights masks; the invariants check that no asset and no licence ever carries a moral right.
contract MoralRightsHandler is SuiteBase {
    uint256 public minted;
    uint256 public granted;
    uint256[] private _assetIds;

    constructor() {
        _deploySuite(false);
    }

    function tokenize(uint256 seed, uint32 rights, bool bound) external {
        bytes32 leaf = keccak256(abi.encode("moral rights invariant", seed));
        if (assets.exists(uint256(leaf))) return;
        RightsAsset.AssetMetadata memory metadata = _metadata();
        metadata.rights = rights % (ALL_RIGHTS + 1);
        address controller = bound ? vm.addr(OTHER_KEY) : address(0);
        (bytes32 root, bytes32[] memory proof) = bound ? _boundTreeOf(leaf, controller) : _treeOf(leaf);
        (uint64 anchoredAt,,,,) = registry.rootRecord(root);
        if (anchoredAt == 0) {
            vm.prank(REGISTRAR);
            registry.anchor(root, 2);
        }
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = bound ? _mintAuthorization(OTHER_KEY, leaf, owner, metadata, deadline) : bytes("");
        vm.prank(bound ? STRANGER : REGISTRAR);
        try assets.tokenize(owner, leaf, proof, root, metadata, controller, deadline, signature) returns (
            uint256 assetId
        ) {
            _assetIds.push(assetId);
            ++minted;
        } catch {}
    }

    function grant(uint256 assetSeed, uint32 rights, bool exclusive) external {
        if (_assetIds.length == 0) return;
        uint256 assetId = _assetIds[assetSeed % _assetIds.length];
        uint64 start = uint64(block.timestamp);
        vm.prank(owner);
        try licences.grant(
            assetId, LICENSEE, rights % (ALL_RIGHTS + 1), CHINA, start, start + 30 days, exclusive, true, bytes32(0)
        ) {
            ++granted;
        } catch {}
    }

    function assetCount() external view returns (uint256) {
        return _assetIds.length;
    }

    function assetAt(uint256 i) external view returns (uint256) {
        return _assetIds[i];
    }

    function rightsAsset() external view returns (RightsAsset) {
        return assets;
    }

    function licenceRegistry() external view returns (Licences) {
        return licences;
    }
}

contract MoralRightsInvariantsTest {
    uint32 private constant MORAL_RIGHTS = 0xF;
    MoralRightsHandler private handler;

    error InvariantBroken(string what, uint256 id, uint256 rights);

    function setUp() public {
        handler = new MoralRightsHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 30
    /// @dev No asset ever carries a moral right.
    function invariant_noAssetCarriesAMoralRight() public view {
        RightsAsset assets = handler.rightsAsset();
        for (uint256 i = 0; i < handler.assetCount(); ++i) {
            uint256 assetId = handler.assetAt(i);
            (,,, uint32 rights,) = assets.assetTerms(assetId);
            if (rights & MORAL_RIGHTS != 0) revert InvariantBroken("asset", assetId, rights);
        }
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 30
    /// @dev No licence ever names a moral right.
    function invariant_noLicenceNamesAMoralRight() public view {
        Licences licences = handler.licenceRegistry();
        uint256 count = licences.licenceCount();
        for (uint256 id = 1; id <= count; ++id) {
            uint32 rights = licences.licenceOf(id).rights;
            if (rights & MORAL_RIGHTS != 0) revert InvariantBroken("licence", id, rights);
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {RegistryAnchor} from "../RegistryAnchor.sol";
import {Moderation} from "../Moderation.sol";
import {RightsAsset} from "../RightsAsset.sol";
import {Pledges} from "../Pledges.sol";
import {Licences} from "../Licences.sol";
import {Encumbrances} from "../Encumbrances.sol";
import {DelayedRoleGrants} from "../access/DelayedRoleGrants.sol";
import {IRegistryAnchor} from "../interfaces/IRegistryAnchor.sol";
import {IModeration} from "../interfaces/IModeration.sol";
import {IRightsAsset} from "../interfaces/IRightsAsset.sol";
import {ILienRegistry, LicenceConsentTerms} from "../interfaces/ILienRegistry.sol";

/// @dev The cheatcodes the suite tests use (served by the test runner at the standard address).
interface Vm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function warp(uint256 timestamp) external;
    function roll(uint256 blockNumber) external;
    function assume(bool condition) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter)
        external;
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory);
}

/// @dev Deploys the whole suite as `deploy_suite` does, and the helpers every suite test shares.
abstract contract SuiteBase {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    address internal constant ADMIN = address(0xA11CE);
    address internal constant REGISTRAR = address(0xB0B);
    address internal constant MODERATOR = address(0x30D);
    address internal constant ARBITER = address(0xA4B);
    address internal constant REGULATOR = address(0x4E6);
    address internal constant LENDER = address(0x1E4D);
    address internal constant LENDER2 = address(0x1E4D2);
    address internal constant BUYER = address(0xB111);
    address internal constant LICENSEE = address(0x11C);
    address internal constant LICENSEE2 = address(0x11C2);
    address internal constant STRANGER = address(0xBAD);
    uint256 internal constant OWNER_KEY = 0xA11CE5EC;
    uint256 internal constant OTHER_KEY = 0x0DDBA11;

    uint64 internal constant START_TIME = 1_750_000_000;
    uint64 internal constant START_BLOCK = 4_200;
    uint64 internal constant TERM_END = START_TIME + 50 * 365 days;
    uint16 internal constant CHINA = 156;
    uint32 internal constant ALL_RIGHTS = (uint32(1) << 17) - 1;
    /// @dev 发表权, 署名权, 修改权, 保护作品完整权 (art. 10 (1)–(4)): never in an asset.
    uint32 internal constant MORAL_RIGHTS = 0xF;
    uint32 internal constant PROPERTY_RIGHTS = ALL_RIGHTS & ~MORAL_RIGHTS;
    bytes3 internal constant CNY = "CNY";

    address internal owner;

    RegistryAnchor internal registry;
    Moderation internal moderation;
    RightsAsset internal assets;
    Pledges internal pledges;
    Licences internal licences;
    Encumbrances internal encumbrances;

    error AssertionFailed(string what, uint256 expected, uint256 actual);

    function _deploySuite(bool juniorLiensAllowed) internal {
        vm.warp(START_TIME);
        vm.roll(START_BLOCK);
        owner = vm.addr(OWNER_KEY);
        registry = new RegistryAnchor(ADMIN, REGISTRAR, 0);
        moderation = new Moderation(ADMIN, 0);
        assets = new RightsAsset(ADMIN, REGISTRAR, IRegistryAnchor(address(registry)), IModeration(address(moderation)), 0, 0, RightsAsset(address(0)));
        pledges = new Pledges(ADMIN, IRightsAsset(address(assets)), IModeration(address(moderation)), juniorLiensAllowed, 0);
        licences = new Licences(
            IRightsAsset(address(assets)), IModeration(address(moderation)), ILienRegistry(address(pledges))
        );
        encumbrances = new Encumbrances(moderation, pledges, licences);
        vm.startPrank(ADMIN);
        assets.bindLienRegistry(ILienRegistry(address(pledges)));
        pledges.bindLicences(address(licences));
        _grantDelayed(registry, registry.REGULATOR_ROLE(), REGULATOR);
        _grantDelayed(moderation, moderation.MODERATOR_ROLE(), MODERATOR);
        _grantDelayed(moderation, moderation.REGULATOR_ROLE(), REGULATOR);
        _grantDelayed(moderation, moderation.ARBITER_ROLE(), ARBITER);
        pledges.grantRole(pledges.LENDER_ROLE(), LENDER);
        pledges.grantRole(pledges.LENDER_ROLE(), LENDER2);
        vm.stopPrank();
    }

    /// @dev Grants a delayed role in its two steps, as the current (pranked) admin, on a contract
    /// deployed with a role-grant delay of 0 (tests only).
    function _grantDelayed(DelayedRoleGrants target, bytes32 role, address account) internal {
        target.scheduleRoleGrant(role, account);
        target.executeRoleGrant(role, account);
    }

    // ---------------------------------------------------------------- registrations and assets

    function _leafHash(bytes32 value) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(value))));
    }

    function _hashPair(bytes32 x, bytes32 y) internal pure returns (bytes32) {
        return x < y ? keccak256(abi.encode(x, y)) : keccak256(abi.encode(y, x));
    }

    /// @dev Anchors a two-leaf batch (`leaf`, a sibling) and returns its root and `leaf`'s proof.
    function _anchorLeaf(bytes32 leaf) internal returns (bytes32 root, bytes32[] memory proof) {
        (root, proof) = _treeOf(leaf);
        vm.prank(REGISTRAR);
        registry.anchor(root, 2);
    }

    /// @dev The two-leaf batch of `leaf` (not anchored).
    function _treeOf(bytes32 leaf) internal pure returns (bytes32 root, bytes32[] memory proof) {
        bytes32 sibling = keccak256(abi.encode("sibling", leaf));
        root = _hashPair(_leafHash(leaf), _leafHash(sibling));
        proof = new bytes32[](1);
        proof[0] = _leafHash(sibling);
    }

    function _metadata() internal pure returns (RightsAsset.AssetMetadata memory) {
        return RightsAsset.AssetMetadata({
            sha256Digest: keccak256("sha256"),
            sm3Digest: keccak256("sm3"),
            cid: hex"01551220aa",
            rights: PROPERTY_RIGHTS,
            territory: 0,
            termEnd: TERM_END
        });
    }

    function _tokenize(bytes32 leaf, address to) internal returns (uint256 assetId) {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(leaf);
        vm.prank(REGISTRAR);
        assetId = assets.tokenize(to, leaf, proof, root, _metadata(), address(0), 0, "");
    }

    /// @dev The tree entry of a registration bound to `controller` (two-value entry).
    function _boundEntryHash(bytes32 value, address controller) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(value, controller))));
    }

    /// @dev The two-entry batch of `leaf` bound to `controller` and a custodial sibling (not anchored).
    function _boundTreeOf(bytes32 leaf, address controller)
        internal
        pure
        returns (bytes32 root, bytes32[] memory proof)
    {
        bytes32 sibling = keccak256(abi.encode("sibling", leaf));
        root = _hashPair(_boundEntryHash(leaf, controller), _leafHash(sibling));
        proof = new bytes32[](1);
        proof[0] = _leafHash(sibling);
    }

    /// @dev Anchors the batch of `leaf` bound to `controller`.
    function _anchorBound(bytes32 leaf, address controller) internal returns (bytes32 root, bytes32[] memory proof) {
        (root, proof) = _boundTreeOf(leaf, controller);
        vm.prank(REGISTRAR);
        registry.anchor(root, 2);
    }

    /// @dev `key`'s EIP-712 authorization to mint `leaf` to `to` with `metadata`'s terms.
    function _mintAuthorization(
        uint256 key,
        bytes32 leaf,
        address to,
        RightsAsset.AssetMetadata memory metadata,
        uint256 deadline
    ) internal view returns (bytes memory) {
        return _sign(
            key,
            assets.mintAuthorizationDigest(leaf, to, metadata.rights, metadata.territory, metadata.termEnd, deadline)
        );
    }

    function _tokenize(bytes32 leaf) internal returns (uint256) {
        return _tokenize(leaf, owner);
    }

    // ---------------------------------------------------------------- pledges

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _consent(uint256 key, uint256 assetId, address lender, uint64 maturity, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        uint256 nonce = pledges.nonces(vm.addr(key));
        return _sign(key, pledges.consentDigest(assetId, lender, 1_000_000, CNY, maturity, "2026-Z-0001", nonce, deadline));
    }

    /// @dev `lender` pledges `assetId` with the owner's fresh consent; maturity in 30 days.
    function _pledge(uint256 assetId, address lender) internal returns (uint256 lienId) {
        uint64 maturity = uint64(block.timestamp + 30 days);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _consent(OWNER_KEY, assetId, lender, maturity, deadline);
        vm.prank(lender);
        lienId = pledges.pledge(assetId, lender, 1_000_000, CNY, maturity, "2026-Z-0001", deadline, sig);
    }

    /// @dev The digest a lender consents to for the licence `grant` would be called with.
    function _licenceDigest(
        uint256 assetId,
        address licensee,
        uint32 rights,
        uint16 territory,
        uint64 start,
        uint64 end,
        bool exclusive,
        bool revocable,
        bytes32 termsDigest
    ) internal view returns (bytes32) {
        return pledges.licenceConsentDigestOf(
            LicenceConsentTerms(assetId, licensee, rights, territory, start, end, exclusive, revocable, termsDigest)
        );
    }

    // ---------------------------------------------------------------- assertions

    function _assertTrue(bool condition, string memory what) internal pure {
        if (!condition) revert AssertionFailed(what, 1, 0);
    }

    function _assertEq(uint256 actual, uint256 expected, string memory what) internal pure {
        if (actual != expected) revert AssertionFailed(what, expected, actual);
    }

    function _assertEq(bytes32 actual, bytes32 expected, string memory what) internal pure {
        _assertEq(uint256(actual), uint256(expected), what);
    }

    function _assertEq(address actual, address expected, string memory what) internal pure {
        _assertEq(uint256(uint160(actual)), uint256(uint160(expected)), what);
    }
}

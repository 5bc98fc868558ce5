// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {RightsAsset} from "../RightsAsset.sol";
import {SuiteBase} from "./SuiteBase.sol";

/// @dev A contract wallet (ERC-1271) that accepts whatever its one signer signed.
contract SignerWallet is IERC1271 {
    address private immutable _signer;

    constructor(address signer_) {
        _signer = signer_;
    }

    function isValidSignature(bytes32 digest, bytes calldata signature) external view returns (bytes4) {
        (bytes32 r, bytes32 s) = abi.decode(signature[:64], (bytes32, bytes32));
        address recovered = ecrecover(digest, uint8(signature[64]), r, s);
        return recovered == _signer ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}

/// @dev Controller-bound registrations: only the controller's EIP-712 authorization mints them.
contract RightsAssetMintAuthorizationTest is SuiteBase {
    bytes32 private constant LEAF = keccak256("bound claim leaf");
    uint256 private deadline;

    function setUp() public {
        _deploySuite(false);
        deadline = block.timestamp + 1 hours;
    }

    function _expectNoAsset() private view {
        _assertTrue(!assets.exists(uint256(LEAF)), "no asset");
        (uint64 registeredAt,,,,) = assets.assetTerms(uint256(LEAF));
        _assertEq(registeredAt, 0, "no terms");
        _assertEq(assets.balanceOf(owner), 0, "no balance");
        _assertEq(assets.balanceOf(STRANGER), 0, "stranger has nothing");
    }

    function _invalid() private view returns (bytes memory) {
        return abi.encodeWithSelector(RightsAsset.InvalidMintAuthorization.selector, LEAF, owner);
    }

    // ---------------------------------------------------------------- accepted

    function test_registrarRelaysTheControllersAuthorization() public {
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, owner);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        bytes memory sig = _mintAuthorization(OWNER_KEY, LEAF, owner, metadata, deadline);
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
            owner
        );
        vm.prank(REGISTRAR);
        uint256 assetId = assets.tokenize(owner, LEAF, proof, root, metadata, owner, deadline, sig);
        _assertEq(assets.ownerOf(assetId), owner, "minted to the controller's choice");
    }

    function test_controllerSubmitsItsOwnAuthorizationWithoutAnyRole() public {
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, owner);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        bytes memory sig = _mintAuthorization(OWNER_KEY, LEAF, BUYER, metadata, deadline);
        _assertTrue(!assets.hasRole(assets.REGISTRAR_ROLE(), owner), "owner is no registrar");
        vm.prank(owner);
        assets.tokenize(BUYER, LEAF, proof, root, metadata, owner, deadline, sig);
        _assertEq(assets.ownerOf(uint256(LEAF)), BUYER, "minted where the controller said");
    }

    function test_anyoneMayRelayAValidAuthorization() public {
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, owner);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        bytes memory sig = _mintAuthorization(OWNER_KEY, LEAF, owner, metadata, deadline);
        vm.prank(STRANGER);
        assets.tokenize(owner, LEAF, proof, root, metadata, owner, deadline, sig);
        _assertEq(assets.ownerOf(uint256(LEAF)), owner, "minted to the controller");
    }

    function test_contractWalletControllerAuthorizesByErc1271() public {
        SignerWallet wallet = new SignerWallet(vm.addr(OWNER_KEY));
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, address(wallet));
        RightsAsset.AssetMetadata memory metadata = _metadata();
        bytes memory sig = _mintAuthorization(OWNER_KEY, LEAF, address(wallet), metadata, deadline);
        vm.prank(REGISTRAR);
        assets.tokenize(address(wallet), LEAF, proof, root, metadata, address(wallet), deadline, sig);
        _assertEq(assets.ownerOf(uint256(LEAF)), address(wallet), "minted to the wallet");
    }

    function test_deadlineItselfIsStillValid() public {
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, owner);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        bytes memory sig = _mintAuthorization(OWNER_KEY, LEAF, owner, metadata, deadline);
        vm.warp(deadline);
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, metadata, owner, deadline, sig);
        _assertTrue(assets.exists(uint256(LEAF)), "minted at the deadline");
    }

    // ---------------------------------------------------------------- refused

    function test_anotherKeysSignatureIsRefused() public {
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, owner);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        bytes memory sig = _mintAuthorization(OTHER_KEY, LEAF, STRANGER, metadata, deadline);
        vm.expectRevert(_invalid());
        vm.prank(REGISTRAR);
        assets.tokenize(STRANGER, LEAF, proof, root, metadata, owner, deadline, sig);
        _expectNoAsset();
    }

    function test_registrarWithoutSignatureIsRefused() public {
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, owner);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.expectRevert(_invalid());
        vm.prank(REGISTRAR);
        assets.tokenize(STRANGER, LEAF, proof, root, metadata, owner, deadline, "");
        _expectNoAsset();
    }

    function test_registrarWithAnotherLeafsSignatureIsRefused() public {
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, owner);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        bytes memory sig = _mintAuthorization(OWNER_KEY, keccak256("other leaf"), STRANGER, metadata, deadline);
        vm.expectRevert(_invalid());
        vm.prank(REGISTRAR);
        assets.tokenize(STRANGER, LEAF, proof, root, metadata, owner, deadline, sig);
        _expectNoAsset();
    }

    function test_registrarCannotTakeTheCustodialPathForABoundEntry() public {
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, owner);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.InvalidRegistrationProof.selector, LEAF, root));
        vm.prank(REGISTRAR);
        assets.tokenize(STRANGER, LEAF, proof, root, metadata, address(0), 0, "");
        _expectNoAsset();
    }

    function test_anotherControllerCannotClaimTheBoundEntry() public {
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, owner);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        address other = vm.addr(OTHER_KEY);
        bytes memory sig = _mintAuthorization(OTHER_KEY, LEAF, other, metadata, deadline);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.InvalidRegistrationProof.selector, LEAF, root));
        vm.prank(other);
        assets.tokenize(other, LEAF, proof, root, metadata, other, deadline, sig);
        _expectNoAsset();
        _assertEq(assets.balanceOf(other), 0, "other has nothing");
    }

    function test_tamperedTermsAreRefused() public {
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, owner);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        bytes memory sig = _mintAuthorization(OWNER_KEY, LEAF, owner, metadata, deadline);

        vm.expectRevert(_invalid());
        vm.prank(REGISTRAR);
        assets.tokenize(STRANGER, LEAF, proof, root, metadata, owner, deadline, sig);

        RightsAsset.AssetMetadata memory tampered = _metadata();
        tampered.rights = uint32(1) << 4; // 复制权 alone
        vm.expectRevert(_invalid());
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, tampered, owner, deadline, sig);

        tampered = _metadata();
        tampered.territory = CHINA;
        vm.expectRevert(_invalid());
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, tampered, owner, deadline, sig);

        tampered = _metadata();
        tampered.termEnd = TERM_END - 1;
        vm.expectRevert(_invalid());
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, tampered, owner, deadline, sig);

        vm.expectRevert(_invalid());
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, metadata, owner, deadline + 1, sig);
        _expectNoAsset();
    }

    function test_expiredAuthorizationIsRefused() public {
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, owner);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        bytes memory sig = _mintAuthorization(OWNER_KEY, LEAF, owner, metadata, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(RightsAsset.MintAuthorizationExpired.selector, deadline, deadline + 1)
        );
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, metadata, owner, deadline, sig);
        _expectNoAsset();
    }

    function test_boundEntryUnderRevokedRootIsRefused() public {
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, owner);
        vm.prank(REGULATOR);
        registry.revokeRoot(root, keccak256("fraud"));
        RightsAsset.AssetMetadata memory metadata = _metadata();
        bytes memory sig = _mintAuthorization(OWNER_KEY, LEAF, owner, metadata, deadline);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.RootRevoked.selector, root, uint64(1)));
        vm.prank(owner);
        assets.tokenize(owner, LEAF, proof, root, metadata, owner, deadline, sig);
        _expectNoAsset();
    }

    function test_anAuthorizationMintsOnce() public {
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, owner);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        bytes memory sig = _mintAuthorization(OWNER_KEY, LEAF, owner, metadata, deadline);
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, metadata, owner, deadline, sig);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.AssetAlreadyTokenized.selector, uint256(LEAF)));
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, metadata, owner, deadline, sig);
        _assertEq(assets.balanceOf(owner), 1, "one asset");
    }

    // ---------------------------------------------------------------- custodial and legacy entries

    function test_custodialEntryTokenizesByRegistrarOnly() public {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(LEAF);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        bytes32 role = assets.REGISTRAR_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, owner, role));
        vm.prank(owner);
        assets.tokenize(owner, LEAF, proof, root, metadata, address(0), 0, "");
        _expectNoAsset();
        vm.prank(REGISTRAR);
        assets.tokenize(owner, LEAF, proof, root, metadata, address(0), 0, "");
        _assertEq(assets.ownerOf(uint256(LEAF)), owner, "custodial mint");
    }

    function test_custodialEntryCannotBeClaimedByASelfNamedController() public {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(LEAF);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        bytes memory sig = _mintAuthorization(OWNER_KEY, LEAF, owner, metadata, deadline);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.InvalidRegistrationProof.selector, LEAF, root));
        vm.prank(owner);
        assets.tokenize(owner, LEAF, proof, root, metadata, owner, deadline, sig);
        _expectNoAsset();
    }

    function test_mintAuthorizationDigestIsTheEip712Digest() public view {
        RightsAsset.AssetMetadata memory metadata = _metadata();
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "MintAuthorization(bytes32 leaf,address to,uint32 rights,uint16 territory,uint64 termEnd,uint256 deadline)"
                ),
                LEAF,
                owner,
                metadata.rights,
                metadata.territory,
                metadata.termEnd,
                deadline
            )
        );
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("banquan RightsAsset"),
                keccak256("1"),
                block.chainid,
                address(assets)
            )
        );
        _assertEq(
            assets.mintAuthorizationDigest(LEAF, owner, metadata.rights, metadata.territory, metadata.termEnd, deadline),
            keccak256(abi.encodePacked("\x19\x01", domain, structHash)),
            "digest"
        );
        _assertEq(assets.MINT_AUTHORIZATION_TYPEHASH(), keccak256(
            "MintAuthorization(bytes32 leaf,address to,uint32 rights,uint16 territory,uint64 termEnd,uint256 deadline)"
        ), "typehash");
    }

    function testFuzz_signatureBindsEveryTerm(address to, uint32 rights, uint16 territory, uint64 termEnd) public {
        RightsAsset.AssetMetadata memory metadata = _metadata();
        vm.assume(to != owner || rights != metadata.rights || territory != metadata.territory || termEnd != metadata.termEnd);
        (bytes32 root, bytes32[] memory proof) = _anchorBound(LEAF, owner);
        bytes memory sig = _mintAuthorization(OWNER_KEY, LEAF, owner, metadata, deadline);
        vm.assume(to != address(0) && to.code.length == 0);
        vm.assume(rights != 0 && rights & ~PROPERTY_RIGHTS == 0 && termEnd > block.timestamp);
        metadata.rights = rights;
        metadata.territory = territory;
        metadata.termEnd = termEnd;
        vm.expectRevert(_invalid());
        vm.prank(REGISTRAR);
        assets.tokenize(to, LEAF, proof, root, metadata, owner, deadline, sig);
    }
}

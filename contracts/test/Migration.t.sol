// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ISuiteErrors} from "../interfaces/ISuiteErrors.sol";
import {IRegistryAnchor} from "../interfaces/IRegistryAnchor.sol";
import {IModeration} from "../interfaces/IModeration.sol";
import {IRightsAsset, IMPORTER_ROLE} from "../interfaces/IRightsAsset.sol";
import {ILienRegistry} from "../interfaces/ILienRegistry.sol";
import {RightsAsset} from "../RightsAsset.sol";
import {Pledges} from "../Pledges.sol";
import {Licences} from "../Licences.sol";
import {Moderation} from "../Moderation.sol";
import {Encumbrances} from "../Encumbrances.sol";
import {SuiteMigrator} from "../SuiteMigrator.sol";
import {SuiteBase} from "./SuiteBase.sol";

/// @dev A predecessor suite with liens, licences, a freeze and a burn; refusal through the admin
/// delay; every asset migrated to a successor built around the same anchor and moderation.
contract MigrationTest is SuiteBase {
    address private constant AUTHORITY = address(0xA07);
    bytes32 private constant REG_NO = "2026-Z-0001";
    uint48 private constant ADMIN_DELAY = 2 days;

    // Assets of the predecessor.
    uint256 private pledgedAsset; // senior + junior lien (reduced, registered), a released lien
    uint256 private licensedAsset; // exclusive in force, exclusive future, non-exclusive, expired, revoked
    uint256 private frozenAsset;
    uint256 private burntAsset;
    uint256 private soldAsset; // transferred to BUYER
    uint256[] private allAssets;

    uint256 private seniorLien;
    uint256 private juniorLien;
    uint256 private releasedLien;
    uint256 private revokedLicence;
    uint256 private expiredLicence;
    uint256 private nonExclusiveLicence;
    uint256 private inForceLicence;

    // The successor.
    RightsAsset private nextAssets;
    Pledges private nextPledges;
    Licences private nextLicences;
    Encumbrances private nextEncumbrances;
    SuiteMigrator private migrator;

    function setUp() public {
        _deploySuite(true);
        vm.startPrank(ADMIN);
        _grantDelayed(pledges, pledges.REGISTRY_AUTHORITY_ROLE(), AUTHORITY);
        vm.stopPrank();

        // A licence that ends before the seal.
        licensedAsset = _tokenize(keccak256("licensed work"));
        expiredLicence = _grantLicence(licensedAsset, LICENSEE2, 1 << 5, START_TIME, START_TIME + 1 days, true, false);
        vm.warp(START_TIME + 3 days);

        pledgedAsset = _tokenize(keccak256("pledged work"));
        seniorLien = _pledge(pledgedAsset, LENDER);
        vm.prank(LENDER);
        pledges.approveJuniorLien(seniorLien, LENDER2, true);
        juniorLien = _pledge(pledgedAsset, LENDER2);
        vm.prank(LENDER);
        pledges.approveJuniorLien(seniorLien, LENDER, true);
        vm.prank(LENDER2);
        pledges.approveJuniorLien(juniorLien, LENDER, true);
        releasedLien = _pledge(pledgedAsset, LENDER);
        vm.prank(LENDER);
        pledges.release(releasedLien);
        vm.prank(LENDER2);
        pledges.reduceLien(juniorLien, 400_000);
        vm.prank(AUTHORITY);
        pledges.attestRegistration(juniorLien, "2026-Z-0042", uint64(block.timestamp - 1 hours));
        vm.prank(LENDER);
        pledges.setLicensingConsent(seniorLien, keccak256("a licence the lender agreed to"));

        uint64 now_ = uint64(block.timestamp);
        inForceLicence = _grantLicence(licensedAsset, LICENSEE, 1 << 5, now_, now_ + 365 days, true, true);
        _grantLicence(licensedAsset, LICENSEE, 1 << 6, now_ + 30 days, now_ + 60 days, true, false);
        nonExclusiveLicence = _grantLicence(licensedAsset, LICENSEE2, 1 << 7, now_, now_ + 90 days, false, false);
        revokedLicence = _grantLicence(licensedAsset, LICENSEE2, 1 << 8, now_, now_ + 90 days, true, true);
        vm.prank(owner);
        licences.revoke(revokedLicence, keccak256("breach"));

        frozenAsset = _tokenize(keccak256("frozen work"));
        vm.prank(MODERATOR);
        moderation.freeze(bytes32(frozenAsset), keccak256("takedown"));

        burntAsset = _tokenize(keccak256("burnt work"));
        vm.prank(owner);
        assets.burn(burntAsset);

        soldAsset = _tokenize(keccak256("sold work"));
        vm.prank(owner);
        assets.transferFrom(owner, BUYER, soldAsset);

        allAssets = [pledgedAsset, licensedAsset, frozenAsset, burntAsset, soldAsset];
        _deploySuccessor();
    }

    // ---------------------------------------------------------------- helpers

    function _grantLicence(
        uint256 assetId,
        address licensee,
        uint32 rights,
        uint64 start,
        uint64 end,
        bool exclusive,
        bool revocable
    ) private returns (uint256) {
        vm.prank(owner);
        return licences.grant(assetId, licensee, rights, 0, start, end, exclusive, revocable, keccak256("terms"));
    }

    /// @dev The successor suite (generation 1) around the same anchor and moderation, its migrator
    /// holding the importer role (granted in two steps, as every operational role).
    function _deploySuccessor() private {
        nextAssets = new RightsAsset(
            ADMIN, REGISTRAR, IRegistryAnchor(address(registry)), IModeration(address(moderation)), 0, 1, assets
        );
        nextPledges = new Pledges(ADMIN, IRightsAsset(address(nextAssets)), IModeration(address(moderation)), true, 0);
        nextLicences = new Licences(
            IRightsAsset(address(nextAssets)), IModeration(address(moderation)), ILienRegistry(address(nextPledges))
        );
        nextEncumbrances = new Encumbrances(moderation, nextPledges, nextLicences);
        vm.startPrank(ADMIN);
        nextAssets.bindLienRegistry(ILienRegistry(address(nextPledges)));
        nextPledges.bindLicences(address(nextLicences));
        vm.stopPrank();
        migrator = new SuiteMigrator(assets, nextAssets);
        vm.startPrank(ADMIN);
        _grantDelayed(nextAssets, IMPORTER_ROLE, address(migrator));
        vm.stopPrank();
    }

    /// @dev The admin revokes the registrar and seals the predecessor through the admin delay.
    function _seal() private {
        vm.startPrank(ADMIN);
        assets.revokeRole(assets.REGISTRAR_ROLE(), REGISTRAR);
        assets.scheduleSeal(address(nextAssets));
        vm.warp(block.timestamp + ADMIN_DELAY);
        assets.executeSeal();
        vm.stopPrank();
    }

    function _migrateAll() private {
        for (uint256 i = 0; i < allAssets.length; ++i) {
            vm.prank(STRANGER);
            migrator.migrate(allAssets[i]);
        }
    }

    function _encumbrancesHash(Encumbrances lens, uint256 assetId) private view returns (bytes32) {
        (
            Pledges.RankedLien[] memory liens,
            Moderation.Authority authority,
            uint64 frozenAt,
            Licences.LicenceEntry[] memory exclusive
        ) = lens.encumbrancesOf(assetId);
        return keccak256(abi.encode(liens, authority, frozenAt, exclusive));
    }

    function _sealedError() private view returns (bytes memory) {
        return abi.encodeWithSelector(ISuiteErrors.SuiteSealed.selector, address(nextAssets));
    }

    function _unauthorized(address account, bytes32 role) private pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }

    // ---------------------------------------------------------------- seal: another party tries

    function test_scheduleSeal_byNonAdmin_refused() public {
        vm.expectRevert(_unauthorized(STRANGER, bytes32(0)));
        vm.prank(STRANGER);
        assets.scheduleSeal(address(nextAssets));
        (address pending, uint48 readyAt) = assets.pendingSeal();
        _assertEq(pending, address(0), "nothing scheduled");
        _assertEq(readyAt, 0, "no ready time");
    }

    function test_executeSeal_byNonAdmin_refused() public {
        vm.startPrank(ADMIN);
        assets.revokeRole(assets.REGISTRAR_ROLE(), REGISTRAR);
        assets.scheduleSeal(address(nextAssets));
        vm.stopPrank();
        vm.warp(block.timestamp + ADMIN_DELAY);
        vm.expectRevert(_unauthorized(STRANGER, bytes32(0)));
        vm.prank(STRANGER);
        assets.executeSeal();
        _assertEq(assets.successor(), address(0), "still live");
    }

    function test_executeSeal_beforeTheDelay_refused() public {
        vm.startPrank(ADMIN);
        assets.revokeRole(assets.REGISTRAR_ROLE(), REGISTRAR);
        uint48 readyAt = assets.scheduleSeal(address(nextAssets));
        _assertEq(readyAt, block.timestamp + ADMIN_DELAY, "ready after the admin delay");
        vm.warp(readyAt - 1);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.SealNotReady.selector, readyAt));
        assets.executeSeal();
        vm.stopPrank();
        _assertEq(assets.successor(), address(0), "still live");
    }

    function test_executeSeal_whileARegistrarRemains_refused() public {
        vm.startPrank(ADMIN);
        assets.scheduleSeal(address(nextAssets));
        vm.warp(block.timestamp + ADMIN_DELAY);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.RegistrarsRemain.selector, 1));
        assets.executeSeal();
        vm.stopPrank();
        _assertEq(assets.successor(), address(0), "still live");
    }

    function test_executeSeal_unscheduled_refused() public {
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.SealNotScheduled.selector));
        vm.prank(ADMIN);
        assets.executeSeal();
    }

    function test_scheduleSeal_twiceOrOfItself_refused() public {
        vm.startPrank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.InvalidSuccessor.selector, address(assets)));
        assets.scheduleSeal(address(assets));
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.ZeroAddress.selector));
        assets.scheduleSeal(address(0));
        uint48 readyAt = assets.scheduleSeal(address(nextAssets));
        vm.expectRevert(
            abi.encodeWithSelector(RightsAsset.SealAlreadyScheduled.selector, address(nextAssets), readyAt)
        );
        assets.scheduleSeal(STRANGER);
        vm.stopPrank();
    }

    function test_cancelSeal_beforeExecution() public {
        vm.startPrank(ADMIN);
        assets.revokeRole(assets.REGISTRAR_ROLE(), REGISTRAR);
        assets.scheduleSeal(address(nextAssets));
        vm.stopPrank();
        vm.expectRevert(_unauthorized(STRANGER, bytes32(0)));
        vm.prank(STRANGER);
        assets.cancelSeal();
        vm.expectEmit(true, true, true, true, address(assets));
        emit RightsAsset.SealCancelled(address(nextAssets), ADMIN);
        vm.prank(ADMIN);
        assets.cancelSeal();
        vm.warp(block.timestamp + ADMIN_DELAY);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.SealNotScheduled.selector));
        vm.prank(ADMIN);
        assets.executeSeal();
        vm.prank(owner);
        assets.approve(BUYER, licensedAsset);
        _assertEq(assets.getApproved(licensedAsset), BUYER, "the suite stays live");
    }

    function test_executeSeal_emitsSealed() public {
        vm.startPrank(ADMIN);
        assets.revokeRole(assets.REGISTRAR_ROLE(), REGISTRAR);
        assets.scheduleSeal(address(nextAssets));
        vm.warp(block.timestamp + ADMIN_DELAY);
        vm.expectEmit(true, true, true, true, address(assets));
        emit RightsAsset.Sealed(address(assets), address(nextAssets), uint64(block.timestamp));
        assets.executeSeal();
        vm.stopPrank();
        _assertEq(assets.successor(), address(nextAssets), "refusal for the successor");
        _assertEq(assets.registrarCount(), 0, "no registrar");
    }

    // ---------------------------------------------------------------- import and migrate: another party tries

    function test_importAsset_byStranger_refused() public {
        RightsAsset.AssetRecord memory record = RightsAsset.AssetRecord(1, TERM_END, 1, PROPERTY_RIGHTS, 0);
        vm.expectRevert(_unauthorized(STRANGER, IMPORTER_ROLE));
        vm.prank(STRANGER);
        nextAssets.importAsset(42, STRANGER, record);
        // The admin holds no importer role either: only the migrator writes imports.
        vm.expectRevert(_unauthorized(ADMIN, IMPORTER_ROLE));
        vm.prank(ADMIN);
        nextAssets.importAsset(42, STRANGER, record);
        _assertTrue(!nextAssets.exists(42), "nothing imported");
    }

    function test_importLienAndLicence_byStranger_refused() public {
        _seal();
        vm.prank(STRANGER);
        migrator.migrate(pledgedAsset);
        Pledges.Lien memory lien = pledges.lienOf(seniorLien);
        lien.lender = STRANGER;
        vm.expectRevert(_unauthorized(STRANGER, IMPORTER_ROLE));
        vm.prank(STRANGER);
        nextPledges.importLien(99, lien, 0, bytes32(0));
        Licences.Licence memory licence = licences.licenceOf(nonExclusiveLicence);
        licence.assetId = pledgedAsset;
        vm.expectRevert(_unauthorized(STRANGER, IMPORTER_ROLE));
        vm.prank(STRANGER);
        nextLicences.importLicence(99, licence);
        _assertEq(nextPledges.lienOf(99).lender, address(0), "no lien");
        _assertEq(nextLicences.licenceOf(99).licensee, address(0), "no licence");
    }

    function test_import_idsAboveTheBaseOrReleasedLiens_refused() public {
        _seal();
        vm.prank(STRANGER);
        migrator.migrate(pledgedAsset);
        Pledges.Lien memory lien = pledges.lienOf(seniorLien);
        Pledges.Lien memory released = pledges.lienOf(releasedLien);
        Licences.Licence memory revoked = licences.licenceOf(revokedLicence);
        uint256 base = nextAssets.idBase();
        vm.startPrank(address(migrator));
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.ImportRefused.selector, base + 1));
        nextPledges.importLien(base + 1, lien, 0, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.ImportRefused.selector, seniorLien));
        nextPledges.importLien(seniorLien, lien, 0, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.ImportRefused.selector, releasedLien));
        nextPledges.importLien(releasedLien, released, 0, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.ImportRefused.selector, revokedLicence));
        nextLicences.importLicence(revokedLicence, revoked);
        vm.stopPrank();
    }

    function test_migrate_unsealedPredecessor_refused() public {
        vm.expectRevert(
            abi.encodeWithSelector(SuiteMigrator.PredecessorNotSealed.selector, address(assets), address(0))
        );
        vm.prank(STRANGER);
        migrator.migrate(pledgedAsset);
        _assertTrue(!nextAssets.exists(pledgedAsset), "nothing imported");
    }

    function test_migrate_predecessorSealedForAnotherSuite_refused() public {
        vm.startPrank(ADMIN);
        assets.revokeRole(assets.REGISTRAR_ROLE(), REGISTRAR);
        assets.scheduleSeal(STRANGER);
        vm.warp(block.timestamp + ADMIN_DELAY);
        assets.executeSeal();
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(SuiteMigrator.PredecessorNotSealed.selector, address(assets), STRANGER)
        );
        migrator.migrate(pledgedAsset);
    }

    function test_migrate_twice_refused() public {
        _seal();
        migrator.migrate(pledgedAsset);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.AssetAlreadyTokenized.selector, pledgedAsset));
        migrator.migrate(pledgedAsset);
        _assertEq(nextPledges.activeLienCount(pledgedAsset), 2, "liens copied once");
    }

    function test_migrate_unknownAsset_refused() public {
        _seal();
        vm.expectRevert(abi.encodeWithSelector(SuiteMigrator.UnknownAsset.selector, 7));
        migrator.migrate(7);
    }

    function test_successor_refusesMintingAPredecessorsRegistrationAnew() public {
        // Sealed, not yet migrated: minting the pledged registration fresh on the successor (by
        // a registrar, or its owner with a controller's signature) would shed both liens.
        _seal();
        uint256[2] memory known = [pledgedAsset, burntAsset];
        for (uint256 i = 0; i < known.length; ++i) {
            (bytes32 root, bytes32[] memory proof) = _treeOf(bytes32(known[i]));
            vm.expectRevert(
                abi.encodeWithSelector(RightsAsset.TokenizedInPredecessor.selector, known[i], address(assets))
            );
            vm.prank(REGISTRAR);
            nextAssets.tokenize(owner, bytes32(known[i]), proof, root, _metadata(), address(0), 0, "");
            _assertTrue(nextAssets.tokenizedHereOrBefore(known[i]), "known through the predecessor");
        }
        _assertTrue(!nextAssets.exists(pledgedAsset), "nothing minted");
        // Migrated, the liens come over; a registration new to both suites mints as usual.
        migrator.migrate(pledgedAsset);
        _assertEq(nextPledges.activeLienCount(pledgedAsset), 2, "liens kept");
        bytes32 fresh = keccak256("registered after the seal");
        (bytes32 freshRoot, bytes32[] memory freshProof) = _anchorLeaf(fresh);
        _assertTrue(!nextAssets.tokenizedHereOrBefore(uint256(fresh)), "unknown to both");
        vm.prank(REGISTRAR);
        nextAssets.tokenize(owner, fresh, freshProof, freshRoot, _metadata(), address(0), 0, "");
        _assertEq(nextAssets.ownerOf(uint256(fresh)), owner, "minted");
    }

    function _predecessorLive(address sealedFor) private view returns (bytes memory) {
        return abi.encodeWithSelector(RightsAsset.PredecessorLive.selector, address(assets), sealedFor);
    }

    /// @dev The controller's authorization to mint `leaf` on the successor (its EIP-712 domain).
    function _successorAuthorization(bytes32 leaf, uint256 deadline) private view returns (bytes memory) {
        RightsAsset.AssetMetadata memory m = _metadata();
        return _sign(
            OWNER_KEY, nextAssets.mintAuthorizationDigest(leaf, owner, m.rights, m.territory, m.termEnd, deadline)
        );
    }

    function test_successor_refusesEveryMintUntilThePredecessorIsSealed_andTheLienMigrates() public {
        // The seal is scheduled (the successor is deployed, the old suite still in use). The
        // controller signs for the successor's domain and anyone sends it; a registrar tries too.
        vm.prank(ADMIN);
        assets.scheduleSeal(address(nextAssets));
        bytes32 leaf = keccak256("controller-bound work in the seal window");
        (bytes32 root, bytes32[] memory proof) = _anchorBound(leaf, owner);
        uint256 deadline = block.timestamp + 3 days;
        bytes memory onSuccessor = _successorAuthorization(leaf, deadline);
        vm.expectRevert(_predecessorLive(address(0)));
        vm.prank(STRANGER);
        nextAssets.tokenize(owner, leaf, proof, root, _metadata(), owner, deadline, onSuccessor);
        bytes32 custodial = keccak256("custodial work in the seal window");
        (bytes32 custodialRoot, bytes32[] memory custodialProof) = _anchorLeaf(custodial);
        vm.expectRevert(_predecessorLive(address(0)));
        vm.prank(REGISTRAR);
        nextAssets.tokenize(owner, custodial, custodialProof, custodialRoot, _metadata(), address(0), 0, "");
        _assertTrue(!nextAssets.tokenizedHereOrBefore(uint256(leaf)), "nothing minted on the successor");
        _assertTrue(!nextAssets.tokenizedHereOrBefore(uint256(custodial)), "nor the custodial one");

        // The registration is minted on the suite in use, and a lender takes a pledge there.
        bytes memory onPredecessor = _mintAuthorization(OWNER_KEY, leaf, owner, _metadata(), deadline);
        vm.prank(STRANGER);
        uint256 assetId = assets.tokenize(owner, leaf, proof, root, _metadata(), owner, deadline, onPredecessor);
        uint256 lienId = _pledge(assetId, LENDER);

        // Sealed: the authorization signed for the successor is still refused (the registration
        // is the predecessor's), and the asset migrates with its lien.
        vm.startPrank(ADMIN);
        assets.revokeRole(assets.REGISTRAR_ROLE(), REGISTRAR);
        vm.warp(block.timestamp + ADMIN_DELAY);
        assets.executeSeal();
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.TokenizedInPredecessor.selector, assetId, address(assets)));
        vm.prank(STRANGER);
        nextAssets.tokenize(owner, leaf, proof, root, _metadata(), owner, deadline, onSuccessor);
        vm.prank(STRANGER);
        migrator.migrate(assetId);
        _assertEq(nextAssets.ownerOf(assetId), owner, "migrated");
        _assertEq(nextPledges.activeLienCount(assetId), 1, "with its lien");
        _assertEq(nextPledges.lienOf(lienId).lender, LENDER, "the same lender");
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.AssetEncumbered.selector, assetId, 1));
        vm.prank(owner);
        nextAssets.transferFrom(owner, BUYER, assetId);
        vm.warp(block.timestamp + 31 days);
        vm.prank(LENDER);
        nextPledges.enforce(lienId, LENDER);
        _assertEq(nextAssets.ownerOf(assetId), LENDER, "the lender enforces on the successor");
    }

    function test_successor_afterTheSeal_mintsRegistrationsNewToThePredecessor() public {
        bytes32 bound = keccak256("bound work registered in the seal window");
        (bytes32 boundRoot, bytes32[] memory boundProof) = _anchorBound(bound, owner);
        bytes32 custodial = keccak256("custodial work registered in the seal window");
        (bytes32 custodialRoot, bytes32[] memory custodialProof) = _anchorLeaf(custodial);
        uint256 deadline = block.timestamp + 3 days;
        bytes memory authorization = _successorAuthorization(bound, deadline);
        _seal();
        vm.prank(STRANGER);
        nextAssets.tokenize(owner, bound, boundProof, boundRoot, _metadata(), owner, deadline, authorization);
        vm.prank(REGISTRAR);
        nextAssets.tokenize(owner, custodial, custodialProof, custodialRoot, _metadata(), address(0), 0, "");
        _assertEq(nextAssets.ownerOf(uint256(bound)), owner, "bound registration minted");
        _assertEq(nextAssets.ownerOf(uint256(custodial)), owner, "custodial registration minted");
        _assertTrue(!assets.tokenizedHereOrBefore(uint256(bound)), "never on the predecessor");
    }

    function test_successor_refusesMints_whileTheSealIsCancelledOrNamesAnotherSuite() public {
        bytes32 leaf = keccak256("custodial work");
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(leaf);
        vm.startPrank(ADMIN);
        assets.revokeRole(assets.REGISTRAR_ROLE(), REGISTRAR);
        assets.scheduleSeal(address(nextAssets));
        assets.cancelSeal();
        vm.stopPrank();
        vm.warp(block.timestamp + ADMIN_DELAY);
        vm.expectRevert(_predecessorLive(address(0)));
        vm.prank(REGISTRAR);
        nextAssets.tokenize(owner, leaf, proof, root, _metadata(), address(0), 0, "");
        // Sealed for another suite: this one never mints.
        vm.startPrank(ADMIN);
        assets.scheduleSeal(STRANGER);
        vm.warp(block.timestamp + ADMIN_DELAY);
        assets.executeSeal();
        vm.stopPrank();
        vm.expectRevert(_predecessorLive(STRANGER));
        vm.prank(REGISTRAR);
        nextAssets.tokenize(owner, leaf, proof, root, _metadata(), address(0), 0, "");
        _assertTrue(!nextAssets.exists(uint256(leaf)), "nothing minted");
    }

    function test_migrator_refusesASuccessorOfAnotherSuite() public {
        RightsAsset stranger = new RightsAsset(
            ADMIN, REGISTRAR, IRegistryAnchor(address(registry)), IModeration(address(moderation)), 0, 1,
            RightsAsset(address(0))
        );
        vm.expectRevert(
            abi.encodeWithSelector(SuiteMigrator.NotTheSuccessor.selector, address(stranger), address(0))
        );
        new SuiteMigrator(assets, stranger);
    }

    // ---------------------------------------------------------------- the refusal suite refuses writes

    function test_sealedSuite_refusesEveryWrite() public {
        bytes32 registrarRole = assets.REGISTRAR_ROLE();
        vm.prank(ADMIN);
        assets.scheduleRoleGrant(registrarRole, STRANGER); // ready once the seal is executed
        _seal();
        bytes memory refusal = _sealedError();
        // Tokenization: custodial (no registrar is left) and bound to a controller.
        bytes32 leaf = keccak256("late work");
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(leaf);
        vm.expectRevert(refusal);
        vm.prank(REGISTRAR);
        assets.tokenize(owner, leaf, proof, root, _metadata(), address(0), 0, "");
        bytes32 bound = keccak256("late bound work");
        (bytes32 boundRoot, bytes32[] memory boundProof) = _anchorBound(bound, owner);
        bytes memory authorization = _mintAuthorization(OWNER_KEY, bound, owner, _metadata(), block.timestamp);
        vm.expectRevert(refusal);
        assets.tokenize(owner, bound, boundProof, boundRoot, _metadata(), owner, block.timestamp, authorization);
        // Transfers, approvals, burn.
        vm.startPrank(owner);
        vm.expectRevert(refusal);
        assets.transferFrom(owner, BUYER, licensedAsset);
        vm.expectRevert(refusal);
        assets.approve(BUYER, licensedAsset);
        vm.expectRevert(refusal);
        assets.setApprovalForAll(BUYER, true);
        vm.expectRevert(refusal);
        assets.burn(licensedAsset);
        // Licences.
        vm.expectRevert(refusal);
        licences.grant(licensedAsset, LICENSEE, 1 << 9, 0, uint64(block.timestamp), TERM_END, false, false, 0);
        vm.expectRevert(refusal);
        licences.revoke(inForceLicence, 0);
        vm.stopPrank();
        // Pledges.
        vm.expectRevert(refusal);
        vm.prank(LENDER);
        pledges.pledge(soldAsset, LENDER, 1, CNY, uint64(block.timestamp + 1 days), REG_NO, block.timestamp, "");
        vm.expectRevert(refusal);
        vm.prank(LENDER);
        pledges.release(seniorLien);
        // Roles: a grant is neither scheduled nor executed (one scheduled before the seal, still
        // within its window) on a sealed asset contract.
        vm.startPrank(ADMIN);
        vm.expectRevert(refusal);
        assets.scheduleRoleGrant(registrarRole, REGISTRAR);
        vm.expectRevert(refusal);
        assets.executeRoleGrant(registrarRole, STRANGER);
        vm.stopPrank();
        vm.warp(block.timestamp + 400 days);
        vm.expectRevert(refusal);
        vm.prank(LENDER2);
        pledges.enforce(juniorLien, LENDER2);
        vm.expectRevert(refusal);
        vm.prank(LENDER2);
        pledges.reduceLien(juniorLien, 1);
        vm.expectRevert(refusal);
        vm.prank(LENDER);
        pledges.setLicensingConsent(seniorLien, 0);
        vm.expectRevert(refusal);
        vm.prank(LENDER);
        pledges.assignLien(seniorLien, LENDER2, block.timestamp, "");
        vm.expectRevert(refusal);
        vm.prank(ADMIN);
        pledges.proposeLenderRecovery(seniorLien, LENDER2);
        vm.expectRevert(refusal);
        vm.prank(owner);
        pledges.cancelConsent();
        _assertEq(assets.registrarCount(), 0, "no registrar");
        // Reads keep working.
        _assertEq(assets.ownerOf(licensedAsset), owner, "owner read");
        _assertEq(pledges.activeLienCount(pledgedAsset), 2, "liens read");
        _assertEq(licences.licenceOf(nonExclusiveLicence).licensee, LICENSEE2, "licence read");
    }

    // ---------------------------------------------------------------- the same answer on both suites

    function test_migrate_everyAsset_sameOwnersAndEncumbrances() public {
        _seal();
        _migrateAll();
        for (uint256 i = 0; i < allAssets.length; ++i) {
            uint256 assetId = allAssets[i];
            _assertEq(
                _encumbrancesHash(nextEncumbrances, assetId),
                _encumbrancesHash(encumbrances, assetId),
                "same encumbrances"
            );
            _assertTrue(nextAssets.exists(assetId) == assets.exists(assetId), "same existence");
            if (assets.exists(assetId)) _assertEq(nextAssets.ownerOf(assetId), assets.ownerOf(assetId), "same owner");
            (uint64 a1, uint64 a2, uint64 a3, uint32 a4, uint16 a5) = assets.assetTerms(assetId);
            (uint64 b1, uint64 b2, uint64 b3, uint32 b4, uint16 b5) = nextAssets.assetTerms(assetId);
            _assertTrue(a1 == b1 && a2 == b2 && a3 == b3 && a4 == b4 && a5 == b5, "same record");
        }
        // What the comparison covers is not empty.
        Pledges.RankedLien[] memory liens = nextPledges.activeLiens(pledgedAsset);
        _assertEq(liens.length, 2, "two live liens");
        _assertEq(liens[0].lienId, juniorLien, "registered lien ranks first");
        _assertEq(liens[0].lien.amount, 400_000, "reduced amount");
        _assertEq(nextPledges.registrationTimeOf(juniorLien), pledges.registrationTimeOf(juniorLien), "registered at");
        _assertEq(nextPledges.licenceConsentOf(seniorLien), pledges.licenceConsentOf(seniorLien), "consent");
        _assertEq(nextLicences.exclusiveLicences(licensedAsset).length, 2, "in force and future exclusive");
        _assertEq(address(nextEncumbrances.moderation()), address(encumbrances.moderation()), "one moderation");
        (, Moderation.Authority authority,,) = nextEncumbrances.encumbrancesOf(frozenAsset);
        _assertTrue(authority == Moderation.Authority.Moderator, "frozen on both");
        _assertEq(nextAssets.ownerOf(soldAsset), BUYER, "new owner");
        // The non-exclusive licence answers the same; the revoked and expired ones stayed behind.
        (bool licensed, uint256 licenceId) =
            nextLicences.isLicensed(licensedAsset, LICENSEE2, 7, CHINA, uint64(block.timestamp));
        _assertTrue(licensed && licenceId == nonExclusiveLicence, "non-exclusive licence");
        _assertEq(nextLicences.licenceOf(revokedLicence).end, 0, "revoked licence stays behind");
        _assertEq(nextLicences.licenceOf(expiredLicence).end, 0, "expired licence stays behind");
        _assertEq(uint256(nextPledges.lienOf(releasedLien).status), 0, "released lien stays behind");
    }

    function test_burntAsset_isNeverTokenizedAgain() public {
        _seal();
        migrator.migrate(burntAsset);
        _assertTrue(!nextAssets.exists(burntAsset), "still burnt");
        bytes32 leaf = bytes32(burntAsset);
        (bytes32 root, bytes32[] memory proof) = _treeOf(leaf);
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.AssetAlreadyTokenized.selector, burntAsset));
        vm.prank(REGISTRAR);
        nextAssets.tokenize(owner, leaf, proof, root, _metadata(), address(0), 0, "");
    }

    // ---------------------------------------------------------------- the successor works afterwards

    function test_successor_pledgeReleaseAndEnforceOnMigratedAssets() public {
        _seal();
        _migrateAll();
        // A new lien on a migrated asset takes an id above the imported ones.
        bytes32 lenderRole = nextPledges.LENDER_ROLE();
        vm.prank(ADMIN);
        nextPledges.grantRole(lenderRole, BUYER);
        vm.prank(BUYER);
        uint256 offered =
            nextPledges.pledge(soldAsset, BUYER, 5, CNY, uint64(block.timestamp + 1 days), REG_NO, 0, "");
        _assertEq(offered, nextAssets.idBase() + 1, "first own lien id");
        vm.prank(BUYER);
        nextPledges.release(offered);
        _assertEq(nextPledges.activeLienCount(soldAsset), 0, "released");
        // The migrated senior lien is enforced on the successor.
        vm.warp(block.timestamp + 31 days);
        vm.prank(LENDER2);
        nextPledges.enforce(juniorLien, LENDER2);
        _assertEq(nextAssets.ownerOf(pledgedAsset), LENDER2, "enforced");
        _assertEq(nextPledges.activeLienCount(pledgedAsset), 1, "the other lien stays");
        _assertEq(assets.ownerOf(pledgedAsset), owner, "the refusal suite is untouched");
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev Whatever liens are created, reduced and released, the migrated encumbrances equal the source.
    function testFuzz_migratedEncumbrancesEqualSource(uint8 pledgeCount, uint8 releaseMask, uint64 amountSeed)
        public
    {
        uint256 assetId = _tokenize(keccak256("fuzzed work"));
        uint256 count = uint256(pledgeCount) % 4 + 1;
        address[2] memory lenders = [LENDER, LENDER2];
        uint256[] memory ids = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            address lender = lenders[i % 2];
            Pledges.RankedLien[] memory seniors = pledges.activeLiens(assetId);
            for (uint256 j = 0; j < seniors.length; ++j) {
                vm.prank(seniors[j].lien.lender);
                pledges.approveJuniorLien(seniors[j].lienId, lender, true);
            }
            ids[i] = _pledge(assetId, lender);
            vm.prank(lender);
            pledges.reduceLien(ids[i], uint128(amountSeed % 999_999) + 1);
        }
        for (uint256 i = 0; i < count; ++i) {
            if (releaseMask & (1 << i) == 0) continue;
            vm.prank(lenders[i % 2]);
            pledges.release(ids[i]);
        }
        _seal();
        migrator.migrate(assetId);
        _assertEq(
            _encumbrancesHash(nextEncumbrances, assetId), _encumbrancesHash(encumbrances, assetId), "same encumbrances"
        );
        _assertEq(nextPledges.activeLienCount(assetId), pledges.activeLienCount(assetId), "same live liens");
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ISuiteErrors} from "../interfaces/ISuiteErrors.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Licences} from "../Licences.sol";
import {Pledges} from "../Pledges.sol";
import {RightsAsset} from "../RightsAsset.sol";
import {IModeration} from "../interfaces/IModeration.sol";
import {IRegistryAnchor} from "../interfaces/IRegistryAnchor.sol";
import {IRightsAsset} from "../interfaces/IRightsAsset.sol";
import {ILienRegistry} from "../interfaces/ILienRegistry.sol";
import {SuiteBase} from "./SuiteBase.sol";

contract LicencesTest is SuiteBase {
    bytes32 private constant LEAF = keccak256("licensed work");
    uint32 private constant NETWORK = uint32(1) << 11; // 信息网络传播权
    uint32 private constant TRANSLATION = uint32(1) << 14; // 翻译权
    uint16 private constant JAPAN = 392;
    uint64 private constant YEAR = 365 days;

    uint256 private assetId;

    function setUp() public {
        _deploySuite(false);
        assetId = _tokenize(LEAF);
    }

    function _grant(uint32 rights, uint16 territory, uint64 start, uint64 end, bool exclusive)
        private
        returns (uint256)
    {
        return _grantTo(LICENSEE, rights, territory, start, end, exclusive);
    }

    function _grantTo(address licensee, uint32 rights, uint16 territory, uint64 start, uint64 end, bool exclusive)
        private
        returns (uint256)
    {
        vm.prank(owner);
        return licences.grant(assetId, licensee, rights, territory, start, end, exclusive, true, keccak256("terms"));
    }

    function _expectGrantReverts(bytes memory expected, uint32 rights, uint16 territory, uint64 start, uint64 end)
        private
    {
        uint256 before = licences.licenceCount();
        vm.expectRevert(expected);
        _grantTo(LICENSEE2, rights, territory, start, end, false);
        _assertEq(licences.licenceCount(), before, "no licence created");
    }

    // ---------------------------------------------------------------- grant

    function test_constructor_revertsOnZeroAddresses() public {
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.ZeroAddress.selector));
        new Licences(IRightsAsset(address(0)), IModeration(address(moderation)), ILienRegistry(address(pledges)));
    }

    function test_grant_recordsLicenceAndAnswersIsLicensed() public {
        vm.expectEmit(true, true, true, true, address(licences));
        emit Licences.LicenceGranted(
            1, assetId, LICENSEE, owner, NETWORK, CHINA, START_TIME, START_TIME + YEAR, true, true, keccak256("terms")
        );
        uint256 id = _grant(NETWORK, CHINA, START_TIME, START_TIME + YEAR, true);
        Licences.Licence memory licence = licences.licenceOf(id);
        _assertEq(licence.licensee, LICENSEE, "licensee");
        _assertEq(licence.rights, NETWORK, "rights");
        _assertTrue(licence.exclusive && licence.revocable && !licence.revoked, "flags");

        (bool licensed, uint256 which) = licences.isLicensed(assetId, LICENSEE, 11, CHINA, START_TIME + 10);
        _assertTrue(licensed, "licensed");
        _assertEq(which, id, "which licence");
        (licensed,) = licences.isLicensed(assetId, LICENSEE, 11, JAPAN, START_TIME + 10);
        _assertTrue(!licensed, "not in Japan");
        (licensed,) = licences.isLicensed(assetId, LICENSEE, 14, CHINA, START_TIME + 10);
        _assertTrue(!licensed, "not translation");
        (licensed,) = licences.isLicensed(assetId, LICENSEE, 11, CHINA, START_TIME + YEAR);
        _assertTrue(!licensed, "expired at end");
        (licensed,) = licences.isLicensed(assetId, LICENSEE2, 11, CHINA, START_TIME + 10);
        _assertTrue(!licensed, "other licensee");
        (licensed,) = licences.isLicensed(assetId, LICENSEE, 17, CHINA, START_TIME + 10);
        _assertTrue(!licensed, "no right 17");
        _assertEq(licences.licenceIdsOf(assetId).length, 1, "one id");
    }

    function test_grant_worldwideLicenceCoversEveryTerritory() public {
        _grant(NETWORK, 0, START_TIME, START_TIME + YEAR, false);
        (bool licensed,) = licences.isLicensed(assetId, LICENSEE, 11, JAPAN, START_TIME);
        _assertTrue(licensed, "worldwide covers Japan");
    }

    function test_grant_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Licences.NotAssetOwner.selector, assetId, STRANGER));
        vm.prank(STRANGER);
        licences.grant(assetId, LICENSEE, NETWORK, CHINA, START_TIME, START_TIME + YEAR, false, false, bytes32(0));
        _assertEq(licences.licenceCount(), 0, "nothing granted");
    }

    function test_grant_revertsForUnknownAsset() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, uint256(5)));
        vm.prank(owner);
        licences.grant(5, LICENSEE, NETWORK, CHINA, START_TIME, START_TIME + YEAR, false, false, bytes32(0));
    }

    function test_grant_revertsOnBadLicensee() public {
        vm.expectRevert(abi.encodeWithSelector(Licences.InvalidLicensee.selector, owner));
        _grantTo(owner, NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        vm.expectRevert(abi.encodeWithSelector(Licences.InvalidLicensee.selector, address(0)));
        _grantTo(address(0), NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        _assertEq(licences.licenceCount(), 0, "nothing granted");
    }

    function test_grant_revertsOnRightsNotHeld() public {
        _expectGrantReverts(
            abi.encodeWithSelector(Licences.RightsNotHeld.selector, assetId, uint32(1) << 20, PROPERTY_RIGHTS),
            uint32(1) << 20,
            CHINA,
            START_TIME,
            START_TIME + YEAR
        );
        _expectGrantReverts(
            abi.encodeWithSelector(Licences.RightsNotHeld.selector, assetId, uint32(0), PROPERTY_RIGHTS),
            0,
            CHINA,
            START_TIME,
            START_TIME + YEAR
        );
    }

    function test_grant_revertsOnTerritoryNotHeld() public {
        bytes32 leaf = keccak256("china-only work");
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(leaf);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        metadata.territory = CHINA;
        vm.prank(REGISTRAR);
        uint256 chinaOnly = assets.tokenize(owner, leaf, proof, root, metadata, address(0), 0, "");
        vm.expectRevert(abi.encodeWithSelector(Licences.TerritoryNotHeld.selector, chinaOnly, JAPAN, CHINA));
        vm.prank(owner);
        licences.grant(chinaOnly, LICENSEE, NETWORK, JAPAN, START_TIME, START_TIME + YEAR, false, false, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(Licences.TerritoryNotHeld.selector, chinaOnly, uint16(0), CHINA));
        vm.prank(owner);
        licences.grant(chinaOnly, LICENSEE, NETWORK, 0, START_TIME, START_TIME + YEAR, false, false, bytes32(0));
        _assertEq(licences.licenceCount(), 0, "nothing granted");
    }

    function test_grant_revertsOnInvalidPeriod() public {
        _expectGrantReverts(
            abi.encodeWithSelector(Licences.InvalidLicencePeriod.selector, START_TIME + 5, START_TIME + 5, TERM_END),
            NETWORK,
            CHINA,
            START_TIME + 5,
            START_TIME + 5
        );
        _expectGrantReverts(
            abi.encodeWithSelector(Licences.InvalidLicencePeriod.selector, START_TIME - 9, START_TIME, TERM_END),
            NETWORK,
            CHINA,
            START_TIME - 9,
            START_TIME
        );
        _expectGrantReverts(
            abi.encodeWithSelector(Licences.InvalidLicencePeriod.selector, START_TIME, TERM_END + 1, TERM_END),
            NETWORK,
            CHINA,
            START_TIME,
            TERM_END + 1
        );
    }

    function test_grant_revertsWhenBackdated() public {
        // The owner cannot make a licence that started before it was granted: a licensee could
        // otherwise claim a licence for use that was in fact unlicensed.
        vm.warp(START_TIME + 30 days);
        _expectGrantReverts(
            abi.encodeWithSelector(Licences.LicenceBackdated.selector, START_TIME, START_TIME + 30 days),
            NETWORK,
            CHINA,
            START_TIME,
            START_TIME + YEAR
        );
        _expectGrantReverts(
            abi.encodeWithSelector(Licences.LicenceBackdated.selector, START_TIME + 30 days - 1, START_TIME + 30 days),
            NETWORK,
            CHINA,
            START_TIME + 30 days - 1,
            START_TIME + YEAR
        );
        (bool licensed,) = licences.isLicensed(assetId, LICENSEE2, 11, CHINA, START_TIME + 1 days);
        _assertTrue(!licensed, "never licensed before the grant");
        // Starting now or later is fine.
        uint256 id = _grant(NETWORK, CHINA, START_TIME + 30 days, START_TIME + YEAR, false);
        (licensed,) = licences.isLicensed(assetId, LICENSEE, 11, CHINA, START_TIME + 30 days - 1);
        _assertTrue(!licensed, "not a second before the grant");
        (bool now_, uint256 which) = licences.isLicensed(assetId, LICENSEE, 11, CHINA, START_TIME + 30 days);
        _assertTrue(now_ && which == id, "licensed from the grant on");
    }

    /// @dev Whatever the terms, `isLicensed` never answers yes for a moment before the grant.
    function testFuzz_isLicensed_neverBeforeTheGrant(uint32 elapsed, uint32 startOffset, uint32 askedBefore) public {
        uint64 grantTime = START_TIME + uint64(elapsed % (10 * YEAR));
        vm.warp(grantTime);
        uint64 start = START_TIME + uint64(startOffset % (11 * YEAR));
        uint64 end = grantTime + YEAR;
        vm.prank(owner);
        try licences.grant(assetId, LICENSEE, NETWORK, CHINA, start, end, false, true, bytes32(0)) {}
        catch {}
        uint64 asked = grantTime - 1 - uint64(askedBefore % (grantTime - START_TIME + 1));
        (bool licensed,) = licences.isLicensed(assetId, LICENSEE, 11, CHINA, asked);
        _assertTrue(!licensed, "licensed before the grant");
    }

    function test_grant_revertsForFrozenAsset() public {
        vm.prank(MODERATOR);
        moderation.freeze(LEAF, keccak256("takedown"));
        _expectGrantReverts(
            abi.encodeWithSelector(ISuiteErrors.AssetFrozen.selector, assetId), NETWORK, CHINA, START_TIME, START_TIME + YEAR
        );
    }

    /// @dev The digest of the licence `_grantTo(licensee, …)` grants.
    function _digestOf(address licensee, uint32 rights, uint16 territory, uint64 start, uint64 end, bool exclusive)
        private
        view
        returns (bytes32)
    {
        return _licenceDigest(assetId, licensee, rights, territory, start, end, exclusive, true, keccak256("terms"));
    }

    function _consentTo(uint256 lienId, address lender, bytes32 digest) private {
        vm.prank(lender);
        pledges.setLicensingConsent(lienId, digest);
    }

    function test_grant_revertsForPledgedAssetUntilLenderConsents() public {
        uint256 lienId = _pledge(assetId, LENDER);
        bytes32 digest = _digestOf(LICENSEE2, NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        _expectGrantReverts(
            abi.encodeWithSelector(Licences.LicenceNotConsented.selector, assetId, lienId, digest),
            NETWORK,
            CHINA,
            START_TIME,
            START_TIME + YEAR
        );
        _consentTo(lienId, LENDER, digest);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.LicensingConsentUsed(lienId, assetId, digest);
        _grantTo(LICENSEE2, NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        _assertEq(licences.licenceCount(), 1, "granted with consent");
        _assertEq(pledges.licenceConsentOf(lienId), bytes32(0), "consent used up");
        _assertTrue(!pledges.lienOf(lienId).licensingConsent, "no consent held out");
    }

    /// @dev The owner, holding the lender's consent to one licence, tries a second grant of the
    /// same terms: refused, the consent was used by the first.
    function test_grant_consentIsOneShot() public {
        uint256 lienId = _pledge(assetId, LENDER);
        bytes32 digest = _digestOf(LICENSEE2, NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        _consentTo(lienId, LENDER, digest);
        _grantTo(LICENSEE2, NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        _expectGrantReverts(
            abi.encodeWithSelector(Licences.LicenceNotConsented.selector, assetId, lienId, digest),
            NETWORK,
            CHINA,
            START_TIME,
            START_TIME + YEAR
        );
    }

    /// @dev The owner, holding the lender's consent to a non-exclusive national licence, tries to
    /// grant its affiliate an exclusive, irrevocable, worldwide licence to the term end: refused,
    /// and the consent stays for the licence it was given to.
    function test_grant_consentToOtherTermsRefused() public {
        uint256 lienId = _pledge(assetId, LENDER);
        bytes32 consented = _digestOf(LICENSEE, NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        _consentTo(lienId, LENDER, consented);
        bytes32 affiliate =
            _licenceDigest(assetId, LICENSEE2, NETWORK | TRANSLATION, 0, START_TIME, TERM_END, true, false, keccak256("terms"));
        vm.expectRevert(abi.encodeWithSelector(Licences.LicenceNotConsented.selector, assetId, lienId, affiliate));
        vm.prank(owner);
        licences.grant(assetId, LICENSEE2, NETWORK | TRANSLATION, 0, START_TIME, TERM_END, true, false, keccak256("terms"));
        _assertEq(licences.licenceCount(), 0, "nothing granted");
        _assertEq(pledges.licenceConsentOf(lienId), consented, "consent kept");
        _grant(NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        _assertEq(licences.licenceCount(), 1, "the consented licence");
    }

    /// @dev Every lender must consent to the same licence; the junior's consent alone is not enough.
    function test_grant_needsEveryLendersConsent() public {
        vm.prank(ADMIN);
        pledges.setJuniorLiensAllowed(true);
        uint256 senior = _pledge(assetId, LENDER);
        vm.prank(LENDER);
        pledges.approveJuniorLien(senior, LENDER2, true);
        uint256 junior = _pledge(assetId, LENDER2);
        bytes32 digest = _digestOf(LICENSEE, NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        _consentTo(junior, LENDER2, digest);
        vm.expectRevert(abi.encodeWithSelector(Licences.LicenceNotConsented.selector, assetId, senior, digest));
        _grant(NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        _consentTo(senior, LENDER, digest);
        _assertTrue(pledges.licensingConsented(assetId, digest), "both consent");
        _grant(NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        _assertEq(pledges.licenceConsentOf(senior), bytes32(0), "senior consent used");
        _assertEq(pledges.licenceConsentOf(junior), bytes32(0), "junior consent used");
    }

    /// @dev A stranger (or the owner) cannot use up a lender's consent directly.
    function test_useLicensingConsents_onlyTheBoundLicences() public {
        uint256 lienId = _pledge(assetId, LENDER);
        bytes32 digest = _digestOf(LICENSEE, NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        _consentTo(lienId, LENDER, digest);
        vm.expectRevert(abi.encodeWithSelector(Pledges.NotLicences.selector, owner));
        vm.prank(owner);
        pledges.useLicensingConsents(assetId, digest);
        _assertEq(pledges.licenceConsentOf(lienId), digest, "consent kept");
    }

    function test_bindLicences_byAdminOnceOnly() public {
        Pledges fresh = new Pledges(ADMIN, IRightsAsset(address(assets)), IModeration(address(moderation)), false, 0);
        Licences freshLicences =
            new Licences(IRightsAsset(address(assets)), IModeration(address(moderation)), ILienRegistry(address(fresh)));
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, bytes32(0))
        );
        vm.prank(STRANGER);
        fresh.bindLicences(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.ZeroAddress.selector));
        vm.prank(ADMIN);
        fresh.bindLicences(address(0));
        vm.expectEmit(true, true, true, true, address(fresh));
        emit Pledges.LicencesBound(address(freshLicences));
        vm.prank(ADMIN);
        fresh.bindLicences(address(freshLicences));
        vm.expectRevert(abi.encodeWithSelector(Pledges.LicencesAlreadyBound.selector, address(freshLicences)));
        vm.prank(ADMIN);
        fresh.bindLicences(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Pledges.NotLicences.selector, STRANGER));
        vm.prank(STRANGER);
        fresh.useLicensingConsents(assetId, bytes32(uint256(1)));
    }

    /// @dev A `Licences` contract that asks another lien registry (here: the suite's, bound to
    /// `pledges`) or licenses another asset contract would grant licences of pledged assets
    /// without these lenders' consent: binding it is refused, and nothing is bound.
    function test_bindLicences_refusesLicencesThatDoNotPointBack() public {
        Pledges fresh = new Pledges(ADMIN, IRightsAsset(address(assets)), IModeration(address(moderation)), false, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                Pledges.LicencesMismatch.selector, address(licences), address(pledges), address(assets)
            )
        );
        vm.prank(ADMIN);
        fresh.bindLicences(address(licences));
        RightsAsset otherAssets =
            new RightsAsset(ADMIN, REGISTRAR, IRegistryAnchor(address(registry)), IModeration(address(moderation)), 0, 0, RightsAsset(address(0)));
        Licences elsewhere =
            new Licences(IRightsAsset(address(otherAssets)), IModeration(address(moderation)), ILienRegistry(address(fresh)));
        vm.expectRevert(
            abi.encodeWithSelector(
                Pledges.LicencesMismatch.selector, address(elsewhere), address(fresh), address(otherAssets)
            )
        );
        vm.prank(ADMIN);
        fresh.bindLicences(address(elsewhere));
        _assertEq(fresh.licences(), address(0), "nothing bound");
    }

    /// @dev A consent binds every term: a grant that differs from the consented licence in any
    /// one term is refused.
    function testFuzz_grant_consentBindsEveryTerm(uint8 which, uint64 delta) public {
        uint256 lienId = _pledge(assetId, LENDER);
        bytes32 digest = _digestOf(LICENSEE, NETWORK, CHINA, START_TIME + 10, START_TIME + YEAR, false);
        _consentTo(lienId, LENDER, digest);
        uint64 d = delta % 1000 + 1;
        address licensee = which % 8 == 0 ? LICENSEE2 : LICENSEE;
        uint32 rights = which % 8 == 1 ? NETWORK | TRANSLATION : NETWORK;
        uint16 territory = which % 8 == 2 ? 0 : CHINA;
        uint64 start = which % 8 == 3 ? START_TIME + 10 + d : START_TIME + 10;
        uint64 end = which % 8 == 4 ? START_TIME + YEAR - d : START_TIME + YEAR;
        bool exclusive = which % 8 == 5;
        bool revocable = which % 8 != 6;
        bytes32 termsDigest = which % 8 == 7 ? keccak256(abi.encode("other", d)) : keccak256("terms");
        bytes32 asked = _licenceDigest(assetId, licensee, rights, territory, start, end, exclusive, revocable, termsDigest);
        vm.expectRevert(abi.encodeWithSelector(Licences.LicenceNotConsented.selector, assetId, lienId, asked));
        vm.prank(owner);
        licences.grant(assetId, licensee, rights, territory, start, end, exclusive, revocable, termsDigest);
        _assertEq(pledges.licenceConsentOf(lienId), digest, "consent kept");
    }

    function test_grant_exclusiveBlocksOverlappingLicence() public {
        uint256 exclusive = _grant(NETWORK | TRANSLATION, CHINA, START_TIME, START_TIME + YEAR, true);
        _expectGrantReverts(
            abi.encodeWithSelector(Licences.LicenceConflict.selector, assetId, exclusive),
            NETWORK,
            0,
            START_TIME + YEAR - 1,
            START_TIME + 2 * YEAR
        );
        // Disjoint in rights, territory or time: allowed.
        _grantTo(LICENSEE2, uint32(1) << 4, CHINA, START_TIME, START_TIME + YEAR, false);
        _grantTo(LICENSEE2, NETWORK, JAPAN, START_TIME, START_TIME + YEAR, false);
        _grantTo(LICENSEE2, NETWORK, CHINA, START_TIME + YEAR, START_TIME + 2 * YEAR, false);
        _assertEq(licences.licenceCount(), 4, "three more granted");
    }

    function test_grant_exclusiveBlockedByExistingNonExclusive() public {
        uint256 first = _grant(NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        vm.expectRevert(abi.encodeWithSelector(Licences.LicenceConflict.selector, assetId, first));
        _grantTo(LICENSEE2, NETWORK, CHINA, START_TIME, START_TIME + YEAR, true);
        // Two non-exclusive licences may overlap.
        _grantTo(LICENSEE2, NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        _assertEq(licences.licenceCount(), 2, "two granted");
    }

    function test_grant_revokedLicenceNoLongerBlocks() public {
        uint256 exclusive = _grant(NETWORK, CHINA, START_TIME, START_TIME + YEAR, true);
        vm.prank(owner);
        licences.revoke(exclusive, keccak256("breach"));
        _grantTo(LICENSEE2, NETWORK, CHINA, START_TIME, START_TIME + YEAR, true);
    }

    function test_grant_revertsWhenTooManyLicences() public {
        for (uint256 i = 0; i < 64; ++i) {
            _grantTo(address(uint160(0x9000 + i)), NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        }
        _expectGrantReverts(
            abi.encodeWithSelector(Licences.TooManyLicences.selector, assetId, 64),
            NETWORK,
            CHINA,
            START_TIME,
            START_TIME + YEAR
        );
    }

    function test_grant_capCountsLiveLicencesOnly_revokedFreeTheirPlace() public {
        // An owner fills the asset with revocable licences, then revokes them all: the asset can
        // still be licensed, the revoked ones hold no place under the cap.
        uint256[] memory ids = new uint256[](64);
        for (uint256 i = 0; i < 64; ++i) {
            ids[i] = _grantTo(address(uint160(0x9000 + i)), NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        }
        _assertEq(licences.liveLicenceCount(assetId), 64, "64 live");
        vm.startPrank(owner);
        for (uint256 i = 0; i < 64; ++i) {
            licences.revoke(ids[i], bytes32(0));
        }
        vm.stopPrank();
        _assertEq(licences.liveLicenceCount(assetId), 0, "none live");
        _grantTo(LICENSEE2, NETWORK, CHINA, START_TIME, START_TIME + YEAR, true);
        _assertEq(licences.liveLicenceCount(assetId), 1, "one live");
        _assertEq(licences.licenceIdsOf(assetId).length, 65, "the history keeps every licence");
    }

    function test_grant_capCountsLiveLicencesOnly_expiredFreeTheirPlace() public {
        // A popular work: 64 short licences run out, and the next one is granted.
        for (uint256 i = 0; i < 64; ++i) {
            _grantTo(address(uint160(0x9000 + i)), NETWORK, CHINA, START_TIME, START_TIME + 1 days, false);
        }
        vm.warp(START_TIME + 1 days);
        _assertEq(licences.liveLicenceCount(assetId), 0, "all expired");
        for (uint256 i = 0; i < 64; ++i) {
            _grantTo(address(uint160(0xA000 + i)), NETWORK, CHINA, START_TIME + 1 days, START_TIME + YEAR, false);
        }
        _assertEq(licences.liveLicenceCount(assetId), 64, "64 live again");
        _expectGrantReverts(
            abi.encodeWithSelector(Licences.TooManyLicences.selector, assetId, 64),
            NETWORK,
            CHINA,
            START_TIME + 1 days,
            START_TIME + YEAR
        );
        (bool licensed, uint256 which) = licences.isLicensed(assetId, address(0x9000), 11, CHINA, START_TIME + 5);
        _assertTrue(licensed, "an expired licence still answers for its own period");
        _assertEq(which, 1, "the first licence");
    }

    function test_grant_expiredExclusiveNeverBlocks() public {
        _grant(NETWORK, 0, START_TIME, START_TIME + 1 days, true);
        vm.warp(START_TIME + 1 days);
        uint256 id = _grantTo(LICENSEE2, NETWORK, 0, START_TIME + 1 days, START_TIME + YEAR, true);
        Licences.LicenceEntry[] memory exclusive = licences.exclusiveLicences(assetId);
        _assertEq(exclusive.length, 1, "only the new exclusive licence");
        _assertEq(exclusive[0].licenceId, id, "the new one");
    }

    function test_exclusiveLicenceInForce_onlyAnExclusiveOneInForceForTheRightAndTerritory() public {
        (uint256 none,) = licences.exclusiveLicenceInForce(assetId, 11, CHINA);
        _assertEq(none, 0, "nothing licensed");
        // Non-exclusive, another right, another territory, or not started yet: none of them.
        _grant(NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        _grantTo(LICENSEE2, uint32(1) << 4, CHINA, START_TIME, START_TIME + YEAR, true);
        _grantTo(LICENSEE2, NETWORK, JAPAN, START_TIME, START_TIME + YEAR, true);
        uint256 later = _grantTo(LICENSEE2, NETWORK, CHINA, START_TIME + YEAR, START_TIME + 2 * YEAR, true);
        (uint256 id, address licensee) = licences.exclusiveLicenceInForce(assetId, 11, CHINA);
        _assertEq(id, 0, "none in force for right 11 in China");
        _assertEq(licensee, address(0), "no licensee");
        // Worldwide asked: Japan's exclusive licence covers part of it.
        (id, licensee) = licences.exclusiveLicenceInForce(assetId, 11, 0);
        _assertEq(id, 3, "Japan's, within worldwide");
        _assertEq(licensee, LICENSEE2, "its licensee");
        // Once the later one starts it answers, and not after it ends.
        vm.warp(START_TIME + YEAR);
        (id, licensee) = licences.exclusiveLicenceInForce(assetId, 11, CHINA);
        _assertEq(id, later, "the later one, started");
        vm.warp(START_TIME + 2 * YEAR);
        (id,) = licences.exclusiveLicenceInForce(assetId, 11, CHINA);
        _assertEq(id, 0, "ended");
        (id,) = licences.exclusiveLicenceInForce(assetId, 17, CHINA);
        _assertEq(id, 0, "no right 17");
    }

    function test_exclusiveLicenceInForce_worldwideCoversEveryTerritoryUntilRevoked() public {
        uint256 worldwide = _grant(NETWORK, 0, START_TIME, START_TIME + YEAR, true);
        (uint256 id, address licensee) = licences.exclusiveLicenceInForce(assetId, 11, CHINA);
        _assertEq(id, worldwide, "worldwide covers China");
        _assertEq(licensee, LICENSEE, "its licensee");
        vm.prank(owner);
        licences.revoke(worldwide, keccak256("breach"));
        (id,) = licences.exclusiveLicenceInForce(assetId, 11, CHINA);
        _assertEq(id, 0, "revoked");
    }

    // ---------------------------------------------------------------- revoke

    function test_revoke_byOwnerWhenRevocable() public {
        uint256 id = _grant(NETWORK, CHINA, START_TIME, START_TIME + YEAR, true);
        vm.expectEmit(true, true, true, true, address(licences));
        emit Licences.LicenceRevoked(id, assetId, owner, keccak256("breach"));
        vm.prank(owner);
        licences.revoke(id, keccak256("breach"));
        _assertTrue(licences.licenceOf(id).revoked, "revoked");
        (bool licensed,) = licences.isLicensed(assetId, LICENSEE, 11, CHINA, START_TIME);
        _assertTrue(!licensed, "no longer licensed");
        _assertEq(licences.exclusiveLicences(assetId).length, 0, "no exclusive licence");
    }

    function test_revoke_passesWithTheAsset() public {
        uint256 id = _grant(NETWORK, CHINA, START_TIME, START_TIME + YEAR, true);
        vm.prank(owner);
        assets.transferFrom(owner, BUYER, assetId);
        vm.expectRevert(abi.encodeWithSelector(Licences.NotAssetOwner.selector, assetId, owner));
        vm.prank(owner);
        licences.revoke(id, bytes32(0));
        vm.prank(BUYER);
        licences.revoke(id, bytes32(0));
        _assertTrue(licences.licenceOf(id).revoked, "revoked by the new owner");
    }

    function test_revoke_revertsWhenNotRevocable() public {
        vm.prank(owner);
        uint256 id =
            licences.grant(assetId, LICENSEE, NETWORK, CHINA, START_TIME, START_TIME + YEAR, false, false, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(Licences.LicenceNotRevocable.selector, id));
        vm.prank(owner);
        licences.revoke(id, bytes32(0));
        _assertTrue(!licences.licenceOf(id).revoked, "unchanged");
    }

    function test_revoke_revertsWhenExpiredOrRevokedOrUnknown() public {
        uint256 id = _grant(NETWORK, CHINA, START_TIME, START_TIME + YEAR, false);
        vm.warp(START_TIME + YEAR);
        vm.expectRevert(abi.encodeWithSelector(Licences.LicenceNotInForce.selector, id));
        vm.prank(owner);
        licences.revoke(id, bytes32(0));
        _assertTrue(!licences.licenceOf(id).revoked, "unchanged");
        vm.expectRevert(abi.encodeWithSelector(Licences.UnknownLicence.selector, uint256(99)));
        vm.prank(owner);
        licences.revoke(99, bytes32(0));
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev The contract's overlap test equals the definition: rights intersect, territories equal
    /// or one worldwide, half-open periods intersect.
    function testFuzz_overlaps_matchesDefinition(
        uint32 rightsA,
        uint32 rightsB,
        uint8 territoryA,
        uint8 territoryB,
        uint64 startA,
        uint64 lengthA,
        uint64 startB,
        uint64 lengthB
    ) public view {
        Licences.Licence memory a;
        Licences.Licence memory b;
        a.rights = rightsA;
        b.rights = rightsB;
        a.territory = territoryA % 3; // 0 (worldwide), 1 or 2: collisions are likely
        b.territory = territoryB % 3;
        a.start = startA % 1000;
        a.end = a.start + lengthA % 1000 + 1;
        b.start = startB % 1000;
        b.end = b.start + lengthB % 1000 + 1;

        bool timeOverlap = false;
        for (uint64 t = a.start; t < a.end; ++t) {
            if (b.start <= t && t < b.end) {
                timeOverlap = true;
                break;
            }
        }
        bool expected = (rightsA & rightsB) != 0
            && (a.territory == 0 || b.territory == 0 || a.territory == b.territory) && timeOverlap;
        _assertTrue(licences.overlaps(a, b) == expected, "overlap definition");
        _assertTrue(licences.overlaps(b, a) == expected, "symmetric");
    }

    /// @dev Granting two licences succeeds exactly when neither is exclusive or they do not overlap.
    function testFuzz_grant_exclusiveConflictIffOverlap(
        uint32 rightsA,
        uint32 rightsB,
        bool worldwideA,
        bool worldwideB,
        uint32 offsetB,
        bool exclusiveA,
        bool exclusiveB
    ) public {
        // Any non-empty set of property rights (bits 4–16).
        rightsA = (rightsA % (PROPERTY_RIGHTS >> 4) + 1) << 4;
        rightsB = (rightsB % (PROPERTY_RIGHTS >> 4) + 1) << 4;
        uint16 territoryA = worldwideA ? 0 : CHINA;
        uint16 territoryB = worldwideB ? 0 : JAPAN;
        uint64 startB = START_TIME + offsetB % (2 * YEAR);
        uint256 first = _grant(rightsA, territoryA, START_TIME, START_TIME + YEAR, exclusiveA);
        bool overlap =
            (rightsA & rightsB) != 0 && (worldwideA || worldwideB) && startB < START_TIME + YEAR;
        if ((exclusiveA || exclusiveB) && overlap) {
            vm.expectRevert(abi.encodeWithSelector(Licences.LicenceConflict.selector, assetId, first));
            _grantTo(LICENSEE2, rightsB, territoryB, startB, startB + YEAR, exclusiveB);
            _assertEq(licences.licenceCount(), 1, "refused");
        } else {
            _grantTo(LICENSEE2, rightsB, territoryB, startB, startB + YEAR, exclusiveB);
            _assertEq(licences.licenceCount(), 2, "granted");
        }
    }
}

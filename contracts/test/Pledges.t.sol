// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ISuiteErrors} from "../interfaces/ISuiteErrors.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Pledges} from "../Pledges.sol";
import {RightsAsset} from "../RightsAsset.sol";
import {Moderation} from "../Moderation.sol";
import {Licences} from "../Licences.sol";
import {Encumbrances} from "../Encumbrances.sol";
import {IModeration} from "../interfaces/IModeration.sol";
import {IRightsAsset} from "../interfaces/IRightsAsset.sol";
import {SuiteBase} from "./SuiteBase.sol";

contract PledgesTest is SuiteBase {
    bytes32 private constant LEAF = keccak256("pledged work");
    bytes32 private constant REG_NO = "2026-Z-0001";
    uint128 private constant AMOUNT = 1_000_000;
    uint256 private constant LENDER_KEY = 0x1E4D5EC;

    uint256 private assetId;
    uint64 private maturity;
    uint256 private deadline;

    function setUp() public {
        _deploySuite(false);
        assetId = _tokenize(LEAF);
        maturity = START_TIME + 30 days;
        deadline = START_TIME + 1 hours;
    }

    function _sig(address lender) private view returns (bytes memory) {
        return _consent(OWNER_KEY, assetId, lender, maturity, deadline);
    }

    function _pledgeAs(address caller, address lender, bytes memory sig) private returns (uint256) {
        vm.prank(caller);
        return pledges.pledge(assetId, lender, AMOUNT, CNY, maturity, REG_NO, deadline, sig);
    }

    /// @dev `key`'s EIP-712 offer, as lender `lender`, of the standard terms (its current nonce).
    function _offer(uint256 key, address lender) private view returns (bytes memory) {
        uint256 nonce = pledges.nonces(vm.addr(key));
        return _sign(key, pledges.lienOfferDigest(assetId, lender, AMOUNT, CNY, maturity, REG_NO, nonce, deadline));
    }

    /// @dev A lender with a key, granted the lender role.
    function _keyedLender() private returns (address lender) {
        lender = vm.addr(LENDER_KEY);
        bytes32 role = pledges.LENDER_ROLE();
        vm.prank(ADMIN);
        pledges.grantRole(role, lender);
    }

    /// @dev `lender` pledges the asset with the owner's fresh consent to the standard terms.
    /// @dev The lender's enforcement is refused (`AssetFrozen`) a second before `until`, and
    /// goes through at `until`.
    function _enforceOnlyFrom(uint256 lienId, uint64 until) private {
        vm.warp(until - 1);
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.AssetFrozen.selector, assetId));
        vm.prank(LENDER);
        pledges.enforce(lienId, LENDER);
        vm.warp(until);
        vm.prank(LENDER);
        pledges.enforce(lienId, LENDER);
    }

    function _pledgeBy(address lender) private returns (uint256) {
        return _pledgeAs(lender, lender, _sig(lender));
    }

    function _expectNoLien() private view {
        _assertEq(pledges.activeLienCount(assetId), 0, "no active lien");
        _assertEq(pledges.lienCount(), 0, "no lien created");
        _assertEq(pledges.nonces(owner), 0, "nonce unused");
    }

    // ---------------------------------------------------------------- constructor / policy

    function test_constructor_revertsOnZeroAddresses() public {
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.ZeroAddress.selector));
        new Pledges(ADMIN, IRightsAsset(address(0)), IModeration(address(moderation)), false, 0);
    }

    function test_setJuniorLiensAllowed_byAdminOnly() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, LENDER, bytes32(0))
        );
        vm.prank(LENDER);
        pledges.setJuniorLiensAllowed(true);
        _assertTrue(!pledges.juniorLiensAllowed(), "unchanged");
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.JuniorLienPolicySet(true, ADMIN);
        vm.prank(ADMIN);
        pledges.setJuniorLiensAllowed(true);
        _assertTrue(pledges.juniorLiensAllowed(), "changed");
    }

    function test_lenderRoleGrantAndRevokeAreEvented() public {
        bytes32 role = pledges.LENDER_ROLE();
        vm.expectEmit(true, true, true, true, address(pledges));
        emit IAccessControl.RoleRevoked(role, LENDER, ADMIN);
        vm.prank(ADMIN);
        pledges.revokeRole(role, LENDER);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit IAccessControl.RoleGranted(role, LENDER, ADMIN);
        vm.prank(ADMIN);
        pledges.grantRole(role, LENDER);
    }

    // ---------------------------------------------------------------- pledge

    function test_pledge_byLenderWithOwnerSignature() public {
        bytes memory sig = _sig(LENDER);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.ConsentNonceUsed(owner, 0);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.Pledged(1, assetId, LENDER, owner, LENDER, 1, AMOUNT, CNY, maturity, REG_NO);
        uint256 lienId = _pledgeAs(LENDER, LENDER, sig);

        _assertEq(lienId, 1, "lien id");
        _assertEq(pledges.activeLienCount(assetId), 1, "active");
        _assertEq(pledges.nonces(owner), 1, "nonce used");
        Pledges.Lien memory lien = pledges.lienOf(lienId);
        _assertEq(lien.lender, LENDER, "lender");
        _assertEq(lien.amount, AMOUNT, "amount");
        _assertEq(lien.maturity, maturity, "maturity");
        _assertEq(lien.createdAt, START_TIME, "createdAt");
        _assertEq(lien.officialRegistrationNo, REG_NO, "registration number");
        _assertTrue(lien.status == Pledges.LienStatus.Active, "active status");
        _assertTrue(lien.currencyCode == CNY, "currency");
    }

    function test_pledge_byOwnerWithoutLenderSignatureReverts() public {
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidLenderSignature.selector, assetId, LENDER));
        _pledgeAs(owner, LENDER, "");
        _expectNoLien();
    }

    function test_pledge_byOwnerWithSignatureOfAnotherKeyReverts() public {
        address lender = _keyedLender();
        bytes memory forged = _offer(OTHER_KEY, lender);
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidLenderSignature.selector, assetId, lender));
        _pledgeAs(owner, lender, forged);
        // The owner's own consent signature does not stand for the lender's either.
        bytes memory ownConsent = _sig(lender);
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidLenderSignature.selector, assetId, lender));
        _pledgeAs(owner, lender, ownConsent);
        _expectNoLien();
    }

    function test_pledge_byOwnerWithLenderSignature() public {
        address lender = _keyedLender();
        bytes memory offer = _offer(LENDER_KEY, lender);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.ConsentNonceUsed(lender, 0);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.Pledged(1, assetId, lender, owner, owner, 1, AMOUNT, CNY, maturity, REG_NO);
        uint256 lienId = _pledgeAs(owner, lender, offer);
        _assertEq(pledges.lienOf(lienId).lender, lender, "lender");
        _assertEq(pledges.nonces(lender), 1, "lender's nonce used");
        _assertEq(pledges.nonces(owner), 0, "owner's nonce unused");
        // One offer, one lien.
        vm.prank(lender);
        pledges.release(lienId);
        vm.expectRevert(abi.encodeWithSelector(Pledges.ConsentAlreadyUsed.selector, lender, 0));
        _pledgeAs(owner, lender, offer);
    }

    function test_pledge_byOwnerWithExpiredLenderSignatureReverts() public {
        address lender = _keyedLender();
        bytes memory offer = _offer(LENDER_KEY, lender);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(Pledges.ConsentExpired.selector, deadline, deadline + 1));
        _pledgeAs(owner, lender, offer);
        _expectNoLien();
    }

    function test_pledge_lenderCancelsItsOffer() public {
        address lender = _keyedLender();
        bytes memory offer = _offer(LENDER_KEY, lender);
        vm.prank(lender);
        pledges.cancelConsent();
        vm.expectRevert(abi.encodeWithSelector(Pledges.ConsentAlreadyUsed.selector, lender, 0));
        _pledgeAs(owner, lender, offer);
        _assertEq(pledges.lienCount(), 0, "no lien created");
    }

    /// @dev Whatever terms and signing key: an owner's pledge creates a lien only when the
    /// named lender signed exactly those terms.
    function testFuzz_pledge_byOwnerNeedsTheLendersSignatureOfTheTerms(
        uint256 signerKey,
        uint128 amount,
        bytes32 regNo,
        bool sameTerms
    ) public {
        signerKey = signerKey % 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140 + 1;
        vm.assume(amount > 0);
        address lender = _keyedLender();
        bytes32 signedRegNo = sameTerms ? regNo : regNo ^ bytes32(uint256(1));
        bytes memory sig = _sign(
            signerKey, pledges.lienOfferDigest(assetId, lender, amount, CNY, maturity, signedRegNo, 0, deadline)
        );
        bool valid = signerKey == LENDER_KEY && sameTerms;
        if (!valid) vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidLenderSignature.selector, assetId, lender));
        vm.prank(owner);
        pledges.pledge(assetId, lender, amount, CNY, maturity, regNo, deadline, sig);
        _assertEq(pledges.activeLienCount(assetId), valid ? 1 : 0, "a lien only with the lender's signature");
    }

    function test_pledge_revertsForStranger() public {
        bytes memory sig = _sig(LENDER);
        vm.expectRevert(abi.encodeWithSelector(Pledges.UnauthorizedPledgeCaller.selector, STRANGER, owner, LENDER));
        _pledgeAs(STRANGER, LENDER, sig);
        _expectNoLien();
    }

    function test_pledge_revertsForLenderWithoutRole() public {
        bytes32 role = pledges.LENDER_ROLE();
        bytes memory sig = _sig(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, role));
        _pledgeAs(STRANGER, STRANGER, sig);
        _expectNoLien();
    }

    function test_pledge_revertsForUnknownAsset() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, uint256(7)));
        vm.prank(LENDER);
        pledges.pledge(7, LENDER, AMOUNT, CNY, maturity, REG_NO, deadline, "");
    }

    function test_pledge_revertsOnExpiredSignature() public {
        bytes memory sig = _sig(LENDER);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(Pledges.ConsentExpired.selector, deadline, deadline + 1));
        _pledgeAs(LENDER, LENDER, sig);
        _expectNoLien();
    }

    function test_pledge_revertsOnReplayedSignature() public {
        bytes memory sig = _sig(LENDER);
        uint256 lienId = _pledgeAs(LENDER, LENDER, sig);
        vm.prank(LENDER);
        pledges.release(lienId);
        vm.expectRevert(abi.encodeWithSelector(Pledges.ConsentAlreadyUsed.selector, owner, 0));
        _pledgeAs(LENDER, LENDER, sig);
        _assertEq(pledges.activeLienCount(assetId), 0, "no new lien");
        _assertEq(pledges.lienCount(), 1, "one lien ever");
        _assertEq(pledges.nonces(owner), 1, "nonce unchanged");
    }

    function test_pledge_revertsOnSignatureOfAnotherKey() public {
        bytes memory sig = _consent(OTHER_KEY, assetId, LENDER, maturity, deadline);
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidConsentSignature.selector, assetId, owner));
        _pledgeAs(LENDER, LENDER, sig);
        _expectNoLien();
    }

    function test_pledge_revertsOnSignatureForOtherTerms() public {
        bytes memory sig = _sig(LENDER);
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidConsentSignature.selector, assetId, owner));
        vm.prank(LENDER);
        pledges.pledge(assetId, LENDER, AMOUNT + 1, CNY, maturity, REG_NO, deadline, sig);
        _expectNoLien();
    }

    function test_pledge_revertsOnSignatureForAnotherLender() public {
        bytes memory sig = _sig(LENDER);
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidConsentSignature.selector, assetId, owner));
        _pledgeAs(LENDER2, LENDER2, sig);
        _expectNoLien();
    }

    function test_cancelConsent_invalidatesSignedConsent() public {
        bytes memory sig = _sig(LENDER);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.ConsentNonceUsed(owner, 0);
        vm.prank(owner);
        pledges.cancelConsent();
        vm.expectRevert(abi.encodeWithSelector(Pledges.ConsentAlreadyUsed.selector, owner, 0));
        _pledgeAs(LENDER, LENDER, sig);
    }

    function test_pledge_revertsOnZeroAmountBadCurrencyAndPastMaturity() public {
        vm.expectRevert(abi.encodeWithSelector(Pledges.ZeroAmount.selector));
        vm.prank(owner);
        pledges.pledge(assetId, LENDER, 0, CNY, maturity, REG_NO, deadline, "");
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidCurrencyCode.selector, bytes3("cny")));
        vm.prank(owner);
        pledges.pledge(assetId, LENDER, AMOUNT, "cny", maturity, REG_NO, deadline, "");
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidMaturity.selector, START_TIME, START_TIME));
        vm.prank(owner);
        pledges.pledge(assetId, LENDER, AMOUNT, CNY, START_TIME, REG_NO, deadline, "");
        _expectNoLien();
    }

    function test_pledge_revertsForFrozenAsset() public {
        vm.prank(MODERATOR);
        moderation.freeze(LEAF, keccak256("takedown"));
        bytes memory sig = _sig(LENDER);
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.AssetFrozen.selector, assetId));
        _pledgeAs(LENDER, LENDER, sig);
        _expectNoLien();
    }

    function test_pledge_revertsForRevokedRegistration() public {
        (bytes32 root,) = _treeOf(LEAF);
        vm.prank(REGULATOR);
        registry.revokeRoot(root, keccak256("fraud"));
        bytes memory sig = _sig(LENDER);
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.AssetRevoked.selector, assetId));
        _pledgeAs(LENDER, LENDER, sig);
        _expectNoLien();
    }

    function test_pledge_revertsForPledgedAssetWhenJuniorLiensRefused() public {
        _pledgeBy(LENDER);
        bytes memory sig = _sig(LENDER2);
        vm.expectRevert(abi.encodeWithSelector(Pledges.AssetAlreadyPledged.selector, assetId, 1));
        _pledgeAs(LENDER2, LENDER2, sig);
        _assertEq(pledges.activeLienCount(assetId), 1, "still one lien");
        _assertEq(pledges.nonces(owner), 1, "second consent unused");
    }

    // ---------------------------------------------------------------- junior liens

    function _allowJunior() private {
        vm.prank(ADMIN);
        pledges.setJuniorLiensAllowed(true);
    }

    function test_juniorLien_needsSeniorConsent() public {
        _allowJunior();
        uint256 senior = _pledgeBy(LENDER);
        bytes memory sig = _sig(LENDER2);
        vm.expectRevert(
            abi.encodeWithSelector(Pledges.SeniorConsentMissing.selector, assetId, senior, LENDER, LENDER2)
        );
        _pledgeAs(LENDER2, LENDER2, sig);
        _assertEq(pledges.activeLienCount(assetId), 1, "still one lien");

        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.JuniorLienConsentSet(senior, LENDER2, true);
        vm.prank(LENDER);
        pledges.approveJuniorLien(senior, LENDER2, true);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.Pledged(2, assetId, LENDER2, owner, LENDER2, 2, AMOUNT, CNY, maturity, REG_NO);
        uint256 junior = _pledgeBy(LENDER2);
        _assertTrue(!pledges.juniorConsent(senior, LENDER2), "consent used up");

        Pledges.RankedLien[] memory liens = pledges.activeLiens(assetId);
        _assertEq(liens.length, 2, "two liens");
        _assertEq(liens[0].lienId, senior, "senior first");
        _assertEq(liens[1].lienId, junior, "junior second");
        _assertEq(liens[1].rank, 2, "junior rank");
    }

    function test_juniorLien_releaseOfSeniorMovesJuniorUp() public {
        _allowJunior();
        uint256 senior = _pledgeBy(LENDER);
        vm.prank(LENDER);
        pledges.approveJuniorLien(senior, LENDER2, true);
        uint256 junior = _pledgeBy(LENDER2);
        vm.prank(LENDER);
        pledges.release(senior);
        Pledges.RankedLien[] memory liens = pledges.activeLiens(assetId);
        _assertEq(liens.length, 1, "one lien");
        _assertEq(liens[0].lienId, junior, "junior now senior");
        _assertEq(liens[0].rank, 1, "rank 1");
    }

    function test_juniorLien_tooMany() public {
        _allowJunior();
        address[8] memory lenders;
        for (uint256 i = 0; i < 8; ++i) {
            lenders[i] = address(uint160(0x5000 + i));
            bytes32 role = pledges.LENDER_ROLE();
            vm.prank(ADMIN);
            pledges.grantRole(role, lenders[i]);
            for (uint256 j = 0; j < i; ++j) {
                vm.prank(lenders[j]);
                pledges.approveJuniorLien(j + 1, lenders[i], true);
            }
            _pledgeBy(lenders[i]);
        }
        bytes memory sig = _sig(LENDER);
        vm.expectRevert(abi.encodeWithSelector(Pledges.TooManyLiens.selector, assetId, 8));
        _pledgeAs(LENDER, LENDER, sig);
        _assertEq(pledges.activeLienCount(assetId), 8, "eight liens");
    }

    function test_approveJuniorLien_onlyLenderOfActiveLien() public {
        uint256 lienId = _pledgeBy(LENDER);
        vm.expectRevert(abi.encodeWithSelector(Pledges.NotLienLender.selector, lienId, LENDER2));
        vm.prank(LENDER2);
        pledges.approveJuniorLien(lienId, LENDER2, true);
        vm.prank(LENDER);
        pledges.release(lienId);
        vm.expectRevert(
            abi.encodeWithSelector(Pledges.LienNotActive.selector, lienId, Pledges.LienStatus.Released)
        );
        vm.prank(LENDER);
        pledges.approveJuniorLien(lienId, LENDER2, true);
        _assertTrue(!pledges.juniorConsent(lienId, LENDER2), "no consent");
    }

    // ---------------------------------------------------------------- release

    function test_release_freesTheAsset() public {
        uint256 lienId = _pledgeBy(LENDER);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.Released(lienId, assetId, LENDER);
        vm.prank(LENDER);
        pledges.release(lienId);
        _assertEq(pledges.activeLienCount(assetId), 0, "no lien");
        _assertTrue(pledges.lienOf(lienId).status == Pledges.LienStatus.Released, "released");
        vm.prank(owner);
        assets.transferFrom(owner, BUYER, assetId);
        _assertEq(assets.ownerOf(assetId), BUYER, "moves again");
    }

    function test_release_revertsForOthersAndTwice() public {
        uint256 lienId = _pledgeBy(LENDER);
        vm.expectRevert(abi.encodeWithSelector(Pledges.NotLienLender.selector, lienId, owner));
        vm.prank(owner);
        pledges.release(lienId);
        _assertEq(pledges.activeLienCount(assetId), 1, "still pledged");
        vm.prank(LENDER);
        pledges.release(lienId);
        vm.expectRevert(
            abi.encodeWithSelector(Pledges.LienNotActive.selector, lienId, Pledges.LienStatus.Released)
        );
        vm.prank(LENDER);
        pledges.release(lienId);
    }

    // ---------------------------------------------------------------- enforce

    function test_enforce_afterMaturityMovesAssetToBuyer() public {
        uint256 lienId = _pledgeBy(LENDER);
        vm.warp(maturity);
        vm.expectEmit(true, true, true, true, address(assets));
        emit RightsAsset.TransferredByLien(assetId, owner, BUYER);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.Enforced(lienId, assetId, LENDER, owner, BUYER);
        vm.prank(LENDER);
        pledges.enforce(lienId, BUYER);
        _assertEq(assets.ownerOf(assetId), BUYER, "buyer owns it");
        _assertEq(pledges.activeLienCount(assetId), 0, "lien ended");
        _assertTrue(pledges.lienOf(lienId).status == Pledges.LienStatus.Enforced, "enforced");
    }

    function test_enforce_revertsBeforeMaturity() public {
        uint256 lienId = _pledgeBy(LENDER);
        vm.expectRevert(abi.encodeWithSelector(Pledges.LienNotMatured.selector, lienId, maturity, START_TIME));
        vm.prank(LENDER);
        pledges.enforce(lienId, LENDER);
        _assertEq(assets.ownerOf(assetId), owner, "did not move");
        _assertEq(pledges.activeLienCount(assetId), 1, "still active");
    }

    function test_enforce_revertsForOtherCaller() public {
        uint256 lienId = _pledgeBy(LENDER);
        vm.warp(maturity);
        vm.expectRevert(abi.encodeWithSelector(Pledges.NotLienLender.selector, lienId, LENDER2));
        vm.prank(LENDER2);
        pledges.enforce(lienId, LENDER2);
        _assertEq(assets.ownerOf(assetId), owner, "did not move");
    }

    function test_enforce_revertsForJuniorLien() public {
        _allowJunior();
        uint256 senior = _pledgeBy(LENDER);
        vm.prank(LENDER);
        pledges.approveJuniorLien(senior, LENDER2, true);
        uint256 junior = _pledgeBy(LENDER2);
        vm.warp(maturity);
        vm.expectRevert(
            abi.encodeWithSelector(
                Pledges.LienNotSenior.selector, junior, senior, uint256(maturity) + pledges.JUNIOR_ENFORCEMENT_GRACE()
            )
        );
        vm.prank(LENDER2);
        pledges.enforce(junior, LENDER2);
        _assertEq(assets.ownerOf(assetId), owner, "did not move");
        _assertEq(pledges.activeLienCount(assetId), 2, "both active");
    }

    function test_enforce_juniorLiensFollowTheAsset() public {
        _allowJunior();
        uint256 senior = _pledgeBy(LENDER);
        vm.prank(LENDER);
        pledges.approveJuniorLien(senior, LENDER2, true);
        uint256 junior = _pledgeBy(LENDER2);
        vm.warp(maturity);
        vm.prank(LENDER);
        pledges.enforce(senior, BUYER);
        _assertEq(assets.ownerOf(assetId), BUYER, "buyer owns it");
        Pledges.RankedLien[] memory liens = pledges.activeLiens(assetId);
        _assertEq(liens.length, 1, "junior survives");
        _assertEq(liens[0].lienId, junior, "junior is now senior");
        vm.expectRevert(abi.encodeWithSelector(RightsAsset.AssetEncumbered.selector, assetId, 1));
        vm.prank(BUYER);
        assets.transferFrom(BUYER, STRANGER, assetId);
        vm.prank(LENDER2);
        pledges.enforce(junior, LENDER2);
        _assertEq(assets.ownerOf(assetId), LENDER2, "junior lender enforced against the buyer");
    }

    function test_enforce_revertsWhileFrozen() public {
        uint256 lienId = _pledgeBy(LENDER);
        vm.prank(REGULATOR);
        moderation.freeze(LEAF, keccak256("court order"));
        vm.warp(maturity);
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.AssetFrozen.selector, assetId));
        vm.prank(LENDER);
        pledges.enforce(lienId, LENDER);
        _assertEq(assets.ownerOf(assetId), owner, "did not move");
        _assertTrue(pledges.lienOf(lienId).status == Pledges.LienStatus.Active, "still active");
    }

    function test_enforce_moderatorFreezePausesEnforcementForABoundedPeriodOnly() public {
        // A moderator's takedown cannot hold a lender's security hostage for ever.
        uint256 lienId = _pledgeBy(LENDER);
        vm.warp(maturity);
        uint64 until = uint64(block.timestamp) + 90 days;
        vm.expectEmit(true, true, true, true, address(moderation));
        emit Moderation.EnforcementPaused(LEAF, until);
        vm.prank(MODERATOR);
        moderation.freeze(LEAF, keccak256("takedown"));
        _assertEq(moderation.enforcementPausedUntil(LEAF), until, "paused for 90 days");
        _enforceOnlyFrom(lienId, until);
        _assertEq(assets.ownerOf(assetId), LENDER, "the senior lender enforced after the pause");
        _assertTrue(moderation.isFrozen(LEAF), "the asset stays frozen in the lender's hands");
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.AssetFrozen.selector, assetId));
        vm.prank(LENDER);
        assets.transferFrom(LENDER, BUYER, assetId);
    }

    function test_enforce_arbiterExtendsTheModeratorPause() public {
        uint256 lienId = _pledgeBy(LENDER);
        vm.prank(MODERATOR);
        moderation.freeze(LEAF, keccak256("takedown"));
        uint64 extended = START_TIME + 200 days;
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, MODERATOR, moderation.ARBITER_ROLE())
        );
        vm.prank(MODERATOR);
        moderation.extendFreeze(LEAF, extended, keccak256("ruling"));
        vm.expectEmit(true, true, true, true, address(moderation));
        emit Moderation.FreezeExtended(LEAF, extended, ARBITER, keccak256("ruling"));
        vm.prank(ARBITER);
        moderation.extendFreeze(LEAF, extended, keccak256("ruling"));
        _assertEq(moderation.enforcementPausedUntil(LEAF), extended, "extended");
        vm.warp(START_TIME + 150 days);
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.AssetFrozen.selector, assetId));
        vm.prank(LENDER);
        pledges.enforce(lienId, LENDER);
        vm.warp(extended);
        vm.prank(LENDER);
        pledges.enforce(lienId, LENDER);
        _assertEq(assets.ownerOf(assetId), LENDER, "enforced after the extension");
    }

    function test_enforce_moderatorCannotRenewItsPauseByRestoringAndRefreezing() public {
        // The 90 days run from the first freeze: lifting and putting back the freeze a day before
        // they end neither renews the pause nor keeps the lender from enforcing.
        uint256 lienId = _pledgeBy(LENDER);
        vm.warp(maturity);
        uint64 until = uint64(block.timestamp) + 90 days;
        vm.prank(MODERATOR);
        moderation.freeze(LEAF, keccak256("takedown"));
        vm.warp(maturity + 89 days);
        vm.prank(MODERATOR);
        moderation.restore(LEAF, keccak256("settled"));
        vm.prank(MODERATOR);
        moderation.freeze(LEAF, keccak256("takedown again"));
        _assertEq(moderation.enforcementPausedUntil(LEAF), until, "the first pause's end");
        _enforceOnlyFrom(lienId, until);
        _assertEq(assets.ownerOf(assetId), LENDER, "enforced at the first pause's end");
        _assertTrue(moderation.isFrozen(LEAF), "still frozen in the lender's hands");
    }

    function test_enforce_regulatorFreezePausesEnforcementWithoutEnd() public {
        uint256 lienId = _pledgeBy(LENDER);
        vm.prank(REGULATOR);
        moderation.freeze(LEAF, keccak256("court order"));
        _assertEq(moderation.enforcementPausedUntil(LEAF), type(uint64).max, "no end");
        vm.warp(START_TIME + 10 * 365 days);
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.AssetFrozen.selector, assetId));
        vm.prank(LENDER);
        pledges.enforce(lienId, LENDER);
    }

    function test_enforce_revertsOnZeroReceiver() public {
        uint256 lienId = _pledgeBy(LENDER);
        vm.warp(maturity);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InvalidReceiver.selector, address(0)));
        vm.prank(LENDER);
        pledges.enforce(lienId, address(0));
        _assertEq(pledges.activeLienCount(assetId), 1, "still active");
    }

    function test_pledge_revertsWhenMaturityIsAfterTheTermEnd() public {
        // A lien maturing after the asset's rights have ended secures nothing: the lender would
        // enforce a right that no longer exists.
        maturity = TERM_END + 1;
        bytes memory sig = _sig(LENDER);
        vm.expectRevert(abi.encodeWithSelector(Pledges.MaturityAfterTermEnd.selector, assetId, TERM_END + 1, TERM_END));
        _pledgeAs(LENDER, LENDER, sig);
        _expectNoLien();
        maturity = TERM_END;
        _pledgeBy(LENDER);
        _assertEq(pledges.activeLienCount(assetId), 1, "maturity at the term end is fine");
    }

    function test_enforce_revertsOnTheAssetContractAsReceiver() public {
        uint256 lienId = _pledgeBy(LENDER);
        vm.warp(maturity);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InvalidReceiver.selector, address(assets)));
        vm.prank(LENDER);
        pledges.enforce(lienId, address(assets));
        _assertEq(pledges.activeLienCount(assetId), 1, "still active");
        _assertEq(assets.ownerOf(assetId), owner, "did not move");
    }

    function test_enforce_revertsOnAContractThatCannotHoldTokens() public {
        // Pledges is a contract without onERC721Received: the asset would be stuck there.
        uint256 lienId = _pledgeBy(LENDER);
        vm.warp(maturity);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InvalidReceiver.selector, address(pledges)));
        vm.prank(LENDER);
        pledges.enforce(lienId, address(pledges));
        _assertEq(pledges.activeLienCount(assetId), 1, "still active");
    }

    function test_enforce_deliversToAReceiverContract() public {
        uint256 lienId = _pledgeBy(LENDER);
        Receiver receiver = new Receiver();
        vm.warp(maturity);
        vm.prank(LENDER);
        pledges.enforce(lienId, address(receiver));
        _assertEq(assets.ownerOf(assetId), address(receiver), "the receiver holds it");
        _assertEq(receiver.received(), assetId, "onERC721Received was called");
    }

    // ---------------------------------------------------------------- licensing consent

    function test_setLicensingConsent_recordsOneLicenceByItsLender() public {
        uint256 lienId = _pledgeBy(LENDER);
        bytes32 digest = _licenceDigest(assetId, LICENSEE, 1 << 11, CHINA, START_TIME, START_TIME + 365 days, false, true, 0);
        _assertTrue(!pledges.licensingConsented(assetId, digest), "no consent yet");
        vm.expectRevert(abi.encodeWithSelector(Pledges.NotLienLender.selector, lienId, owner));
        vm.prank(owner);
        pledges.setLicensingConsent(lienId, digest);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.LicensingConsentSet(lienId, assetId, digest);
        vm.prank(LENDER);
        pledges.setLicensingConsent(lienId, digest);
        _assertTrue(pledges.licensingConsented(assetId, digest), "consented");
        _assertTrue(!pledges.licensingConsented(assetId, keccak256("other licence")), "to this licence only");
        _assertTrue(pledges.lienOf(lienId).licensingConsent, "held out");
        vm.prank(LENDER);
        pledges.setLicensingConsent(lienId, bytes32(0));
        _assertTrue(!pledges.licensingConsented(assetId, digest), "withdrawn");
        _assertTrue(!pledges.lienOf(lienId).licensingConsent, "not held out");
    }

    // ---------------------------------------------------------------- encumbrances view

    function test_encumbrancesOf_listsLiensFreezeAndExclusiveLicences() public {
        _allowJunior();
        vm.prank(owner);
        licences.grant(assetId, LICENSEE, 1 << 11, CHINA, START_TIME, START_TIME + 365 days, true, false, bytes32(0));
        uint256 senior = _pledgeBy(LENDER);
        vm.prank(LENDER);
        pledges.approveJuniorLien(senior, LENDER2, true);
        uint256 junior = _pledgeBy(LENDER2);
        vm.prank(MODERATOR);
        moderation.freeze(LEAF, keccak256("dispute"));

        (
            Pledges.RankedLien[] memory liens,
            Moderation.Authority authority,
            uint64 frozenAt,
            Licences.LicenceEntry[] memory exclusive
        ) = encumbrances.encumbrancesOf(assetId);
        _assertEq(liens.length, 2, "two liens");
        _assertEq(liens[0].lienId, senior, "senior");
        _assertEq(liens[1].lienId, junior, "junior");
        _assertTrue(authority == Moderation.Authority.Moderator, "frozen by moderator");
        _assertEq(frozenAt, START_TIME, "frozenAt");
        _assertEq(exclusive.length, 1, "one exclusive licence");
        _assertEq(exclusive[0].licence.licensee, LICENSEE, "licensee");
    }

    function test_encumbrancesOf_clearAsset() public view {
        (Pledges.RankedLien[] memory liens, Moderation.Authority authority,, Licences.LicenceEntry[] memory exclusive) =
            encumbrances.encumbrancesOf(assetId);
        _assertEq(liens.length, 0, "no lien");
        _assertTrue(authority == Moderation.Authority.None, "not frozen");
        _assertEq(exclusive.length, 0, "no exclusive licence");
    }

    function test_encumbrances_constructorRevertsOnZeroAddresses() public {
        vm.expectRevert(abi.encodeWithSelector(ISuiteErrors.ZeroAddress.selector));
        new Encumbrances(moderation, Pledges(address(0)), licences);
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev Random sequences of junior pledges and releases keep the ranks dense and in creation order.
    function testFuzz_ranking_staysInCreationOrder(uint8 pledgeCount, uint256 releaseMask) public {
        _allowJunior();
        uint256 count = uint256(pledgeCount) % 8 + 1;
        address[] memory lenders = new address[](count);
        for (uint256 i = 0; i < count; ++i) {
            lenders[i] = address(uint160(0x7000 + i));
            bytes32 role = pledges.LENDER_ROLE();
            vm.prank(ADMIN);
            pledges.grantRole(role, lenders[i]);
            for (uint256 j = 0; j < i; ++j) {
                if (pledges.lienOf(j + 1).status == Pledges.LienStatus.Active) {
                    vm.prank(lenders[j]);
                    pledges.approveJuniorLien(j + 1, lenders[i], true);
                }
            }
            _pledgeBy(lenders[i]);
            if ((releaseMask >> i) & 1 == 1 && i > 0) {
                // release a pseudo-random earlier lien that is still active
                uint256 victim = (releaseMask >> 8) % i + 1;
                if (pledges.lienOf(victim).status == Pledges.LienStatus.Active) {
                    vm.prank(lenders[victim - 1]);
                    pledges.release(victim);
                }
            }
        }
        Pledges.RankedLien[] memory liens = pledges.activeLiens(assetId);
        uint256 active = 0;
        for (uint256 id = 1; id <= count; ++id) {
            if (pledges.lienOf(id).status == Pledges.LienStatus.Active) ++active;
        }
        _assertEq(liens.length, active, "every active lien listed");
        _assertEq(pledges.activeLienCount(assetId), active, "count");
        for (uint256 i = 0; i < liens.length; ++i) {
            _assertEq(liens[i].rank, i + 1, "dense ranks");
            if (i > 0) _assertTrue(liens[i].lienId > liens[i - 1].lienId, "older liens rank higher");
        }
    }

    function testFuzz_pledge_signatureBindsEveryTerm(uint128 amount, uint64 maturityOffset, bytes32 regNo) public {
        vm.assume(amount > 0 && maturityOffset > 0);
        uint64 when = START_TIME + maturityOffset % (TERM_END - START_TIME) + 1; // within the asset's term
        bytes32 digest = pledges.consentDigest(assetId, LENDER, amount, CNY, when, regNo, 0, deadline);
        bytes memory sig = _sign(OWNER_KEY, digest);
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidConsentSignature.selector, assetId, owner));
        vm.prank(LENDER);
        pledges.pledge(assetId, LENDER, amount, CNY, when, regNo ^ bytes32(uint256(1)), deadline, sig);
        vm.prank(LENDER);
        pledges.pledge(assetId, LENDER, amount, CNY, when, regNo, deadline, sig);
        _assertEq(pledges.activeLienCount(assetId), 1, "pledged with the exact terms");
    }
}

/// @dev A contract that accepts ERC-721 tokens and remembers the last one.
contract Receiver {
    uint256 public received;

    function onERC721Received(address, address, uint256 tokenId, bytes calldata) external returns (bytes4) {
        received = tokenId;
        return this.onERC721Received.selector;
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pledges} from "../Pledges.sol";
import {SuiteBase} from "./SuiteBase.sol";

/// @dev A lien's lender changes only with both lenders' consent (assignment, key rotation) or by a
/// delayed recovery; partial release; junior enforcement after maturity and the grace period.
contract LienTransfersTest is SuiteBase {
    bytes32 private constant LEAF = keccak256("transferred lien");
    uint256 private constant A_KEY = 0xA11A;
    uint256 private constant B_KEY = 0xB22B;
    uint256 private constant THIEF_KEY = 0x7E1F;

    uint256 private assetId;
    uint256 private lienId;
    address private lenderA;
    address private lenderB;
    address private thief;
    uint256 private deadline;

    function setUp() public {
        _deploySuite(true);
        assetId = _tokenize(LEAF);
        lenderA = vm.addr(A_KEY);
        lenderB = vm.addr(B_KEY);
        thief = vm.addr(THIEF_KEY);
        bytes32 role = pledges.LENDER_ROLE();
        vm.startPrank(ADMIN);
        pledges.grantRole(role, lenderA);
        pledges.grantRole(role, lenderB);
        pledges.grantRole(role, thief);
        vm.stopPrank();
        lienId = _pledge(assetId, lenderA);
        deadline = block.timestamp + 1 hours;
    }

    function _transferSig(uint256 key, address from, address to, Pledges.LenderChange how)
        private
        view
        returns (bytes memory)
    {
        uint256 nonce = pledges.nonces(vm.addr(key));
        return _sign(key, pledges.lienTransferDigest(lienId, from, to, uint8(how), nonce, deadline));
    }

    function _assign(address caller, address to, bytes memory sig) private {
        vm.prank(caller);
        pledges.assignLien(lienId, to, deadline, sig);
    }

    function _lender() private view returns (address) {
        return pledges.lienOf(lienId).lender;
    }

    // ---------------------------------------------------------------- assignment: adversaries first

    /// @dev Another lender (valid key, lender role) takes the lien to itself with its own signature.
    function test_assignLien_thiefCannotTakeALienWithItsOwnSignature() public {
        bytes memory own = _transferSig(THIEF_KEY, lenderA, thief, Pledges.LenderChange.Assignment);
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidTransferSignature.selector, lienId, lenderA));
        _assign(thief, thief, own);
        _assertEq(_lender(), lenderA, "lender unchanged");
    }

    /// @dev A third account holding the new lender's valid consent still cannot move the lien.
    function test_assignLien_thirdPartyCannotRelayTheConsent() public {
        bytes memory sig = _transferSig(B_KEY, lenderA, lenderB, Pledges.LenderChange.Assignment);
        vm.expectRevert(abi.encodeWithSelector(Pledges.NotLienParty.selector, lienId, thief));
        _assign(thief, lenderB, sig);
        vm.expectRevert(abi.encodeWithSelector(Pledges.NotLienParty.selector, lienId, owner));
        _assign(owner, lenderB, sig);
        _assertEq(_lender(), lenderA, "lender unchanged");
    }

    /// @dev The old lender cannot push a lien onto a lender that did not sign for it.
    function test_assignLien_needsTheNewLendersSignature() public {
        bytes memory wrong = _transferSig(A_KEY, lenderA, lenderB, Pledges.LenderChange.Assignment);
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidTransferSignature.selector, lienId, lenderB));
        _assign(lenderA, lenderB, wrong);
        bytes memory rotation = _transferSig(B_KEY, lenderA, lenderB, Pledges.LenderChange.KeyRotation);
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidTransferSignature.selector, lienId, lenderB));
        _assign(lenderA, lenderB, rotation);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, pledges.LENDER_ROLE())
        );
        _assign(lenderA, STRANGER, "");
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidNewLender.selector, lienId, lenderA));
        _assign(lenderA, lenderA, "");
        _assertEq(_lender(), lenderA, "lender unchanged");
    }

    function test_assignLien_byTheOldLenderWithTheNewLendersSignature() public {
        bytes memory sig = _transferSig(B_KEY, lenderA, lenderB, Pledges.LenderChange.Assignment);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.ConsentNonceUsed(lenderB, 0);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.LenderChanged(lienId, assetId, lenderB, lenderA, Pledges.LenderChange.Assignment);
        _assign(lenderA, lenderB, sig);
        _assertEq(_lender(), lenderB, "assigned");
        _assertEq(pledges.activeLiens(assetId)[0].rank, 1, "rank kept");
        // The old lender has no power over the lien any more; the new one has.
        vm.expectRevert(abi.encodeWithSelector(Pledges.NotLienLender.selector, lienId, lenderA));
        vm.prank(lenderA);
        pledges.release(lienId);
        vm.prank(lenderB);
        pledges.release(lienId);
    }

    function test_assignLien_byTheNewLenderWithTheOldLendersSignature() public {
        bytes memory sig = _transferSig(A_KEY, lenderA, lenderB, Pledges.LenderChange.Assignment);
        _assign(lenderB, lenderB, sig);
        _assertEq(_lender(), lenderB, "assigned");
    }

    function test_assignLien_signatureIsOneShotAndExpires() public {
        bytes memory sig = _transferSig(B_KEY, lenderA, lenderB, Pledges.LenderChange.Assignment);
        _assign(lenderA, lenderB, sig);
        // Back to A with A's consent, then a replay of B's first consent.
        _assign(lenderB, lenderA, _transferSig(A_KEY, lenderB, lenderA, Pledges.LenderChange.Assignment));
        vm.expectRevert(abi.encodeWithSelector(Pledges.ConsentAlreadyUsed.selector, lenderB, 0));
        _assign(lenderA, lenderB, sig);
        bytes memory late = _transferSig(B_KEY, lenderA, lenderB, Pledges.LenderChange.Assignment);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(Pledges.ConsentExpired.selector, deadline, deadline + 1));
        _assign(lenderA, lenderB, late);
    }

    /// @dev The old lender's consents to a licence and to junior liens do not pass to the new lender.
    function test_assignLien_oldLendersConsentsLapse() public {
        vm.startPrank(lenderA);
        pledges.setLicensingConsent(lienId, keccak256("a licence"));
        pledges.approveJuniorLien(lienId, LENDER2, true);
        vm.stopPrank();
        bytes memory sig = _transferSig(B_KEY, lenderA, lenderB, Pledges.LenderChange.Assignment);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.LicensingConsentSet(lienId, assetId, bytes32(0));
        _assign(lenderA, lenderB, sig);
        _assertEq(pledges.licenceConsentOf(lienId), bytes32(0), "licensing consent withdrawn");
        _assertTrue(!pledges.lienOf(lienId).licensingConsent, "flag cleared");
        _assertTrue(!pledges.juniorConsent(lienId, LENDER2), "junior consent lapsed");
        uint64 maturity = uint64(block.timestamp + 30 days);
        bytes memory consent = _consent(OWNER_KEY, assetId, LENDER2, maturity, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(Pledges.SeniorConsentMissing.selector, assetId, lienId, lenderB, LENDER2)
        );
        vm.prank(LENDER2);
        pledges.pledge(assetId, LENDER2, 1_000_000, CNY, maturity, "2026-Z-0001", deadline, consent);
    }

    // ---------------------------------------------------------------- key rotation

    function test_rotateLenderKey_bothKeysConsent() public {
        bytes memory assignment = _transferSig(B_KEY, lenderA, lenderB, Pledges.LenderChange.Assignment);
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidTransferSignature.selector, lienId, lenderB));
        vm.prank(lenderA);
        pledges.rotateLenderKey(lienId, lenderB, deadline, assignment);
        bytes memory sig = _transferSig(B_KEY, lenderA, lenderB, Pledges.LenderChange.KeyRotation);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.LenderChanged(lienId, assetId, lenderB, lenderA, Pledges.LenderChange.KeyRotation);
        vm.prank(lenderA);
        pledges.rotateLenderKey(lienId, lenderB, deadline, sig);
        _assertEq(_lender(), lenderB, "rotated");
    }

    // ---------------------------------------------------------------- recovery of a lost key

    function test_recovery_adminProposesOnlyAndTheOldKeyCanCancel() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, thief, bytes32(0))
        );
        vm.prank(thief);
        pledges.proposeLenderRecovery(lienId, thief);
        vm.prank(ADMIN);
        pledges.proposeLenderRecovery(lienId, lenderB);
        vm.expectRevert(abi.encodeWithSelector(Pledges.NotLienParty.selector, lienId, thief));
        vm.prank(thief);
        pledges.cancelLenderRecovery(lienId);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.LenderRecoveryCancelled(lienId, assetId, lenderA);
        vm.prank(lenderA);
        pledges.cancelLenderRecovery(lienId);
        vm.warp(block.timestamp + pledges.RECOVERY_DELAY());
        vm.expectRevert(abi.encodeWithSelector(Pledges.NoPendingRecovery.selector, lienId));
        vm.prank(lenderB);
        pledges.executeLenderRecovery(lienId);
        _assertEq(_lender(), lenderA, "lender unchanged");
    }

    function test_recovery_newKeyExecutesAfterTheDelayOnly() public {
        uint64 executableAt = uint64(block.timestamp + pledges.RECOVERY_DELAY());
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.LenderRecoveryProposed(lienId, lenderA, lenderB, executableAt);
        vm.prank(ADMIN);
        pledges.proposeLenderRecovery(lienId, lenderB);
        vm.expectRevert(abi.encodeWithSelector(Pledges.RecoveryNotReady.selector, lienId, executableAt));
        vm.prank(lenderB);
        pledges.executeLenderRecovery(lienId);
        vm.warp(executableAt);
        vm.expectRevert(abi.encodeWithSelector(Pledges.NotLienParty.selector, lienId, thief));
        vm.prank(thief);
        pledges.executeLenderRecovery(lienId);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.LenderChanged(lienId, assetId, lenderB, lenderA, Pledges.LenderChange.Recovery);
        vm.prank(lenderB);
        pledges.executeLenderRecovery(lienId);
        _assertEq(_lender(), lenderB, "recovered");
        _assertEq(pledges.pendingRecovery(lienId).newLender, address(0), "recovery done");
    }

    // ---------------------------------------------------------------- partial release

    function test_reduceLien_byItsLenderOnlyAndDownwardOnly() public {
        vm.expectRevert(abi.encodeWithSelector(Pledges.NotLienLender.selector, lienId, owner));
        vm.prank(owner);
        pledges.reduceLien(lienId, 1);
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidReducedAmount.selector, lienId, 1_000_000, 1_000_000));
        vm.prank(lenderA);
        pledges.reduceLien(lienId, 1_000_000);
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidReducedAmount.selector, lienId, 1_000_000, 0));
        vm.prank(lenderA);
        pledges.reduceLien(lienId, 0);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.LienReduced(lienId, assetId, lenderA, 1_000_000, 400_000);
        vm.prank(lenderA);
        pledges.reduceLien(lienId, 400_000);
        _assertEq(pledges.lienOf(lienId).amount, 400_000, "reduced");
    }

    // ---------------------------------------------------------------- junior enforcement

    function test_enforce_juniorAfterTheGracePeriodLeavesTheSeniorAttached() public {
        vm.prank(lenderA);
        pledges.approveJuniorLien(lienId, lenderB, true);
        uint256 junior = _pledge(assetId, lenderB);
        uint64 maturity = pledges.lienOf(junior).maturity;
        uint256 enforceableAt = uint256(maturity) + pledges.JUNIOR_ENFORCEMENT_GRACE();
        vm.warp(enforceableAt - 1);
        vm.expectRevert(abi.encodeWithSelector(Pledges.LienNotSenior.selector, junior, lienId, enforceableAt));
        vm.prank(lenderB);
        pledges.enforce(junior, BUYER);
        vm.warp(enforceableAt);
        vm.prank(lenderB);
        pledges.enforce(junior, BUYER);
        _assertEq(assets.ownerOf(assetId), BUYER, "moved to the buyer");
        Pledges.RankedLien[] memory liens = pledges.activeLiens(assetId);
        _assertEq(liens.length, 1, "the senior stays");
        _assertEq(liens[0].lienId, lienId, "still the senior");
        vm.prank(lenderA);
        pledges.enforce(lienId, lenderA);
        _assertEq(assets.ownerOf(assetId), lenderA, "the senior enforces against the buyer");
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev Whoever sends and whoever signs, the lender changes only when one of the two lenders
    /// sends and the other signed.
    function testFuzz_lenderChangesOnlyWithBothLenders(uint8 senderSeed, uint8 signerSeed, bool rotation) public {
        address[3] memory senders = [lenderA, lenderB, thief];
        uint256[3] memory keys = [A_KEY, B_KEY, THIEF_KEY];
        address sender = senders[senderSeed % 3];
        uint256 key = keys[signerSeed % 3];
        Pledges.LenderChange how = rotation ? Pledges.LenderChange.KeyRotation : Pledges.LenderChange.Assignment;
        bytes memory sig = _transferSig(key, lenderA, lenderB, how);
        bool allowed = (sender == lenderA && key == B_KEY) || (sender == lenderB && key == A_KEY);
        vm.prank(sender);
        if (rotation) {
            try pledges.rotateLenderKey(lienId, lenderB, deadline, sig) {} catch {}
        } else {
            try pledges.assignLien(lienId, lenderB, deadline, sig) {} catch {}
        }
        _assertEq(_lender(), allowed ? lenderB : lenderA, "lender");
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Moderation} from "../Moderation.sol";
import {SuiteBase, Vm} from "./SuiteBase.sol";

contract ModerationTest is SuiteBase {
    bytes32 private constant TARGET = keccak256("registration leaf");
    bytes32 private constant REASON = keccak256("reason");

    function setUp() public {
        _deploySuite(false);
    }

    function _assertNotFrozen() private view {
        (Moderation.Authority authority, uint64 frozenAt, address actor) = moderation.freezeOf(TARGET);
        _assertTrue(authority == Moderation.Authority.None, "authority None");
        _assertEq(frozenAt, 0, "frozenAt");
        _assertEq(actor, address(0), "actor");
        _assertTrue(!moderation.isFrozen(TARGET), "not frozen");
    }

    function test_freeze_byModeratorRecordsActorAndTime() public {
        vm.expectEmit(true, true, true, true, address(moderation));
        emit Moderation.Frozen(TARGET, REASON, MODERATOR, Moderation.Authority.Moderator);
        vm.prank(MODERATOR);
        moderation.freeze(TARGET, REASON);
        (Moderation.Authority authority, uint64 frozenAt, address actor) = moderation.freezeOf(TARGET);
        _assertTrue(authority == Moderation.Authority.Moderator, "moderator authority");
        _assertEq(frozenAt, START_TIME, "frozenAt");
        _assertEq(actor, MODERATOR, "actor");
        _assertTrue(moderation.isFrozen(TARGET), "frozen");
    }

    function test_freeze_regulatorEscalatesModeratorFreeze() public {
        vm.prank(MODERATOR);
        moderation.freeze(TARGET, REASON);
        vm.expectEmit(true, true, true, true, address(moderation));
        emit Moderation.Frozen(TARGET, REASON, REGULATOR, Moderation.Authority.Regulator);
        vm.prank(REGULATOR);
        moderation.freeze(TARGET, REASON);
        (Moderation.Authority authority,, address actor) = moderation.freezeOf(TARGET);
        _assertTrue(authority == Moderation.Authority.Regulator, "escalated");
        _assertEq(actor, REGULATOR, "actor");
    }

    function test_freeze_revertsForStranger() public {
        vm.expectRevert(abi.encodeWithSelector(Moderation.NotModerator.selector, STRANGER));
        vm.prank(STRANGER);
        moderation.freeze(TARGET, REASON);
        _assertNotFrozen();
    }

    function test_freeze_revertsOnZeroTarget() public {
        vm.expectRevert(abi.encodeWithSelector(Moderation.ZeroTarget.selector));
        vm.prank(MODERATOR);
        moderation.freeze(bytes32(0), REASON);
    }

    function test_freeze_revertsWhenAlreadyFrozen() public {
        vm.prank(REGULATOR);
        moderation.freeze(TARGET, REASON);
        vm.expectRevert(
            abi.encodeWithSelector(Moderation.AlreadyFrozen.selector, TARGET, Moderation.Authority.Regulator)
        );
        vm.prank(MODERATOR);
        moderation.freeze(TARGET, keccak256("other"));
        (,, address actor) = moderation.freezeOf(TARGET);
        _assertEq(actor, REGULATOR, "unchanged");
    }

    function test_restore_liftsFreeze() public {
        vm.prank(MODERATOR);
        moderation.freeze(TARGET, REASON);
        vm.expectEmit(true, true, true, true, address(moderation));
        emit Moderation.Restored(TARGET, REASON, MODERATOR);
        vm.prank(MODERATOR);
        moderation.restore(TARGET, REASON);
        _assertNotFrozen();
    }

    function test_restore_regulatorLiftsModeratorFreeze() public {
        vm.prank(MODERATOR);
        moderation.freeze(TARGET, REASON);
        vm.prank(REGULATOR);
        moderation.restore(TARGET, REASON);
        _assertNotFrozen();
    }

    function test_restore_revertsWhenModeratorLiftsRegulatorFreeze() public {
        vm.prank(REGULATOR);
        moderation.freeze(TARGET, REASON);
        vm.expectRevert(
            abi.encodeWithSelector(
                Moderation.FreezeAuthorityTooHigh.selector, TARGET, MODERATOR, Moderation.Authority.Regulator
            )
        );
        vm.prank(MODERATOR);
        moderation.restore(TARGET, REASON);
        _assertTrue(moderation.isFrozen(TARGET), "still frozen");
    }

    function test_restore_revertsWhenNotFrozen() public {
        vm.expectRevert(abi.encodeWithSelector(Moderation.NotFrozen.selector, TARGET));
        vm.prank(REGULATOR);
        moderation.restore(TARGET, REASON);
    }

    function test_restore_revertsForStranger() public {
        vm.prank(MODERATOR);
        moderation.freeze(TARGET, REASON);
        vm.expectRevert(abi.encodeWithSelector(Moderation.NotModerator.selector, STRANGER));
        vm.prank(STRANGER);
        moderation.restore(TARGET, REASON);
        _assertTrue(moderation.isFrozen(TARGET), "still frozen");
    }

    // ---------------------------------------------------------------- the moderator's enforcement pause

    uint64 private constant PAUSE = 90 days;

    /// @dev `who` freezes the target; returns whether the freeze emitted {EnforcementPaused}.
    function _freezeAs(address who) private returns (bool paused) {
        vm.recordLogs();
        vm.prank(who);
        moderation.freeze(TARGET, REASON);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(moderation) && logs[i].topics[0] == Moderation.EnforcementPaused.selector) {
                paused = true;
            }
        }
    }

    function _restoreAs(address who) private {
        vm.prank(who);
        moderation.restore(TARGET, REASON);
    }

    function _assertNotPausing(uint64 until, string memory what) private view {
        _assertTrue(moderation.isFrozen(TARGET), what);
        _assertTrue(!moderation.enforcementPaused(TARGET), what);
        _assertEq(moderation.enforcementPausedUntil(TARGET), until, what);
    }

    function test_freeze_moderatorRestoreAndRefreezeDoesNotRenewThePause() public {
        // The adversary: a moderator that lifts and puts back its freeze every 89 days.
        uint64 end = START_TIME + PAUSE;
        _freezeAs(MODERATOR);
        _assertEq(moderation.enforcementPausedUntil(TARGET), end, "first pause");
        vm.warp(START_TIME + 89 days);
        _restoreAs(MODERATOR);
        vm.expectEmit(true, true, true, true, address(moderation));
        emit Moderation.EnforcementPaused(TARGET, end);
        vm.prank(MODERATOR);
        moderation.freeze(TARGET, REASON);
        _assertEq(moderation.enforcementPausedUntil(TARGET), end, "the pause continues, not renewed");
        _assertTrue(moderation.enforcementPaused(TARGET), "still paused before the end");
        vm.warp(end);
        _assertNotPausing(end, "frozen, enforcement no longer paused");
        // Kept up every 89 days, the moderator pauses enforcement 90 days in 180 at most.
        _restoreAndRefreezeAt(START_TIME + 2 * 89 days);
        _assertNotPausing(end, "in the lender's window");
        _restoreAndRefreezeAt(START_TIME + 3 * 89 days);
        uint64 next = START_TIME + 3 * 89 days + PAUSE;
        _assertEq(moderation.enforcementPausedUntil(TARGET), next, "a new pause after the window");
        _restoreAndRefreezeAt(START_TIME + 4 * 89 days);
        _assertEq(moderation.enforcementPausedUntil(TARGET), next, "not renewed either");
        vm.warp(next);
        _assertNotPausing(next, "over again");
    }

    /// @dev At `time`, the moderator lifts its freeze (if any) and freezes again.
    function _restoreAndRefreezeAt(uint64 time) private {
        vm.warp(time);
        if (moderation.isFrozen(TARGET)) _restoreAs(MODERATOR);
        _freezeAs(MODERATOR);
    }

    function test_freeze_moderatorRefreezeInTheLendersWindowPausesNothing() public {
        uint64 end = START_TIME + PAUSE;
        _freezeAs(MODERATOR);
        vm.warp(START_TIME + 100 days);
        _restoreAs(MODERATOR);
        _assertTrue(!_freezeAs(MODERATOR), "no EnforcementPaused event");
        _assertNotPausing(end, "frozen without a pause");
        // The window runs from the end for a whole pause's length, both ends checked.
        _restoreAndRefreezeAt(end);
        _assertNotPausing(end, "at the end");
        _restoreAndRefreezeAt(end + PAUSE - 1);
        _assertNotPausing(end, "the window's last second");
        // A freeze in the window still stops every other move.
        (Moderation.Authority authority, uint64 frozenAt,) = moderation.freezeOf(TARGET);
        _assertTrue(authority == Moderation.Authority.Moderator, "a moderator's freeze");
        _assertEq(frozenAt, end + PAUSE - 1, "frozenAt is the freeze's own time");
    }

    function test_freeze_moderatorPausesAfreshAfterTheLendersWindow() public {
        uint64 end = START_TIME + PAUSE;
        _freezeAs(MODERATOR);
        vm.warp(end + PAUSE);
        _restoreAs(MODERATOR);
        uint64 fresh = end + 2 * PAUSE;
        vm.expectEmit(true, true, true, true, address(moderation));
        emit Moderation.EnforcementPaused(TARGET, fresh);
        vm.prank(MODERATOR);
        moderation.freeze(TARGET, REASON);
        _assertEq(moderation.enforcementPausedUntil(TARGET), fresh, "a fresh pause");
        _assertTrue(moderation.enforcementPaused(TARGET), "paused");
        // Without a restore in between, the freeze just runs on past the end.
        vm.warp(START_TIME + 3 * 365 days);
        _assertNotPausing(fresh, "the fresh pause is over");
        _restoreAs(MODERATOR);
        _assertTrue(_freezeAs(MODERATOR), "long after, a new pause");
        _assertEq(moderation.enforcementPausedUntil(TARGET), START_TIME + 3 * 365 days + PAUSE, "90 days again");
    }

    function test_extendFreeze_survivesTheModeratorsRestoreAndTheWindowCountsFromIt() public {
        uint64 extended = START_TIME + 200 days;
        _freezeAs(MODERATOR);
        vm.prank(ARBITER);
        moderation.extendFreeze(TARGET, extended, keccak256("ruling"));
        vm.warp(START_TIME + 10 days);
        _restoreAs(MODERATOR);
        _assertEq(moderation.enforcementPausedUntil(TARGET), 0, "not frozen");
        vm.warp(START_TIME + 11 days);
        vm.expectEmit(true, true, true, true, address(moderation));
        emit Moderation.EnforcementPaused(TARGET, extended);
        vm.prank(MODERATOR);
        moderation.freeze(TARGET, REASON);
        _assertEq(moderation.enforcementPausedUntil(TARGET), extended, "the arbiter's end holds");
        // The lender's window runs from the extended end.
        _restoreAndRefreezeAt(extended + PAUSE - 1);
        _assertNotPausing(extended, "in the window after the extended end");
        _restoreAs(MODERATOR);
        vm.warp(extended + PAUSE);
        _assertTrue(_freezeAs(MODERATOR), "a new pause after the window");
        _assertEq(moderation.enforcementPausedUntil(TARGET), extended + 2 * PAUSE, "fresh 90 days");
    }

    function test_extendFreeze_onlyLaterThanTheEndInForce() public {
        uint64 end = START_TIME + PAUSE;
        _freezeAs(MODERATOR);
        vm.expectRevert(abi.encodeWithSelector(Moderation.InvalidFreezeExtension.selector, TARGET, end, end));
        vm.prank(ARBITER);
        moderation.extendFreeze(TARGET, end, keccak256("ruling"));
        vm.prank(ARBITER);
        moderation.extendFreeze(TARGET, end + 1, keccak256("ruling"));
        // Restore and refreeze: the end in force is still the extended one.
        _restoreAndRefreezeAt(START_TIME + 1 days);
        vm.expectRevert(abi.encodeWithSelector(Moderation.InvalidFreezeExtension.selector, TARGET, end + 1, end + 1));
        vm.prank(ARBITER);
        moderation.extendFreeze(TARGET, end + 1, keccak256("ruling"));
    }

    function test_extendFreeze_revertsWithoutAModeratorFreezeInForce() public {
        _freezeAs(MODERATOR);
        _restoreAs(MODERATOR);
        vm.expectRevert(abi.encodeWithSelector(Moderation.NotModeratorFreeze.selector, TARGET));
        vm.prank(ARBITER);
        moderation.extendFreeze(TARGET, START_TIME + 200 days, keccak256("ruling"));
        _freezeAs(REGULATOR);
        vm.expectRevert(abi.encodeWithSelector(Moderation.NotModeratorFreeze.selector, TARGET));
        vm.prank(ARBITER);
        moderation.extendFreeze(TARGET, START_TIME + 200 days, keccak256("ruling"));
    }

    function test_freeze_regulatorOverAModeratorsFreezeLeavesItsPauseRecorded() public {
        uint64 end = START_TIME + PAUSE;
        _freezeAs(MODERATOR);
        vm.warp(START_TIME + 10 days);
        _assertTrue(!_freezeAs(REGULATOR), "a regulator's freeze announces no bounded pause");
        _assertEq(moderation.enforcementPausedUntil(TARGET), type(uint64).max, "no end under a regulator");
        vm.warp(START_TIME + 20 days);
        _restoreAs(REGULATOR);
        vm.warp(START_TIME + 30 days);
        _assertTrue(_freezeAs(MODERATOR), "the moderator's pause still runs");
        _assertEq(moderation.enforcementPausedUntil(TARGET), end, "to the first end");
        // A regulator's own freeze and restore of a never-paused target record no pause either.
        bytes32 other = keccak256("other leaf");
        vm.prank(REGULATOR);
        moderation.freeze(other, REASON);
        vm.prank(REGULATOR);
        moderation.restore(other, REASON);
        vm.prank(MODERATOR);
        moderation.freeze(other, REASON);
        _assertEq(moderation.enforcementPausedUntil(other), START_TIME + 30 days + PAUSE, "a fresh pause");
    }

    function test_moderatorPauseEnd_isKeptAcrossRestoresAndExtensions() public {
        _assertEq(moderation.moderatorPauseEnd(TARGET), 0, "never paused");
        _freezeAs(REGULATOR);
        _assertEq(moderation.moderatorPauseEnd(TARGET), 0, "a regulator's freeze records none");
        _restoreAs(REGULATOR);
        _freezeAs(MODERATOR);
        _assertEq(moderation.moderatorPauseEnd(TARGET), START_TIME + PAUSE, "a moderator's pause");
        _restoreAs(MODERATOR);
        _assertEq(moderation.moderatorPauseEnd(TARGET), START_TIME + PAUSE, "kept after the restore");
        _assertEq(moderation.enforcementPausedUntil(TARGET), 0, "nothing paused while not frozen");
        _freezeAs(MODERATOR);
        vm.prank(ARBITER);
        moderation.extendFreeze(TARGET, START_TIME + 150 days, keccak256("ruling"));
        _restoreAs(MODERATOR);
        _assertEq(moderation.moderatorPauseEnd(TARGET), START_TIME + 150 days, "the extension, kept");
    }

    function test_revokedModeratorCannotFreeze() public {
        bytes32 role = moderation.MODERATOR_ROLE();
        vm.prank(ADMIN);
        moderation.revokeRole(role, MODERATOR);
        vm.expectRevert(abi.encodeWithSelector(Moderation.NotModerator.selector, MODERATOR));
        vm.prank(MODERATOR);
        moderation.freeze(TARGET, REASON);
    }
}

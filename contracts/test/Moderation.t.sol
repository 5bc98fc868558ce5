// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Moderation} from "../Moderation.sol";
import {SuiteBase} from "./SuiteBase.sol";

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

    function test_revokedModeratorCannotFreeze() public {
        bytes32 role = moderation.MODERATOR_ROLE();
        vm.prank(ADMIN);
        moderation.revokeRole(role, MODERATOR);
        vm.expectRevert(abi.encodeWithSelector(Moderation.NotModerator.selector, MODERATOR));
        vm.prank(MODERATOR);
        moderation.freeze(TARGET, REASON);
    }
}

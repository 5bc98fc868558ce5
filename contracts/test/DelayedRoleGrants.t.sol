// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {DelayedRoleGrants} from "../access/DelayedRoleGrants.sol";
import {RegistryAnchor} from "../RegistryAnchor.sol";
import {Moderation} from "../Moderation.sol";
import {RightsAsset} from "../RightsAsset.sol";
import {Pledges} from "../Pledges.sol";
import {IdentityAttestations} from "../IdentityAttestations.sol";
import {IRegistryAnchor} from "../interfaces/IRegistryAnchor.sol";
import {IModeration} from "../interfaces/IModeration.sol";
import {IRightsAsset} from "../interfaces/IRightsAsset.sol";
import {SuiteBase} from "./SuiteBase.sol";

/// @dev The two-step grant of operational roles, on contracts deployed with a production-like delay.
contract DelayedRoleGrantsTest is SuiteBase {
    uint48 private constant DELAY = 2 days;
    uint48 private constant WINDOW = 7 days;
    uint48 private constant ADMIN_DELAY = 2 days;
    address private constant NEW_ADMIN = address(0xA11CE2);

    RegistryAnchor private slowAnchor;
    Moderation private slowModeration;
    RightsAsset private slowAssets;
    Pledges private slowPledges;
    IdentityAttestations private slowAttestations;

    function setUp() public {
        vm.warp(START_TIME);
        slowAnchor = new RegistryAnchor(ADMIN, REGISTRAR, DELAY);
        slowModeration = new Moderation(ADMIN, DELAY);
        slowAssets = new RightsAsset(
            ADMIN, REGISTRAR, IRegistryAnchor(address(slowAnchor)), IModeration(address(slowModeration)), DELAY, 0, RightsAsset(address(0))
        );
        slowPledges =
            new Pledges(ADMIN, IRightsAsset(address(slowAssets)), IModeration(address(slowModeration)), false, DELAY);
        slowAttestations = new IdentityAttestations(ADMIN, REGISTRAR, DELAY);
    }

    function _unauthorized(address account, bytes32 role) private pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }

    function _notScheduled(bytes32 role, address account) private pure returns (bytes memory) {
        return abi.encodeWithSelector(DelayedRoleGrants.RoleGrantNotScheduled.selector, role, account);
    }

    /// @dev Once the delay is over, `account` finds no grant of `role` to execute on `grants`.
    function _expectNoGrantAt(DelayedRoleGrants grants, bytes32 role, address account, uint256 time) private {
        vm.warp(time);
        vm.expectRevert(_notScheduled(role, account));
        vm.prank(account);
        grants.executeRoleGrant(role, account);
        _assertTrue(!grants.hasRole(role, account), "never granted");
    }

    function _expired(bytes32 role, address account, uint48 expiredAt) private pure returns (bytes memory) {
        return abi.encodeWithSelector(DelayedRoleGrants.RoleGrantExpired.selector, role, account, expiredAt);
    }

    function _schedulerNotAdmin(bytes32 role, address account, address scheduler)
        private
        pure
        returns (bytes memory)
    {
        return abi.encodeWithSelector(
            DelayedRoleGrants.RoleGrantSchedulerNotAdmin.selector, role, account, scheduler
        );
    }

    /// @dev A stranger cannot schedule; the admin cannot grant at once; the grant waits the whole
    /// delay, a stranger cannot execute it, and the grantee (or the admin) then can.
    function test_registrarGrant_takesTwoStepsAndTheDelay() public {
        bytes32 role = slowAnchor.REGISTRAR_ROLE();
        vm.expectRevert(_unauthorized(STRANGER, bytes32(0)));
        vm.prank(STRANGER);
        slowAnchor.scheduleRoleGrant(role, STRANGER);

        vm.expectRevert(abi.encodeWithSelector(DelayedRoleGrants.RoleGrantDelayed.selector, role, STRANGER, DELAY));
        vm.prank(ADMIN);
        slowAnchor.grantRole(role, STRANGER);
        _assertTrue(!slowAnchor.hasRole(role, STRANGER), "not granted at once");

        uint48 readyAt = uint48(START_TIME) + DELAY;
        vm.expectEmit(true, true, true, true, address(slowAnchor));
        emit DelayedRoleGrants.RoleGrantScheduled(role, LENDER, readyAt, ADMIN);
        vm.prank(ADMIN);
        slowAnchor.scheduleRoleGrant(role, LENDER);
        _assertEq(slowAnchor.roleGrantReadyAt(role, LENDER), readyAt, "readyAt");

        vm.warp(readyAt - 1);
        vm.expectRevert(abi.encodeWithSelector(DelayedRoleGrants.RoleGrantNotReady.selector, role, LENDER, readyAt));
        vm.prank(LENDER);
        slowAnchor.executeRoleGrant(role, LENDER);

        vm.warp(readyAt);
        vm.expectRevert(_unauthorized(STRANGER, bytes32(0)));
        vm.prank(STRANGER);
        slowAnchor.executeRoleGrant(role, LENDER);
        _assertTrue(!slowAnchor.hasRole(role, LENDER), "not yet granted");

        vm.expectEmit(true, true, true, true, address(slowAnchor));
        emit IAccessControl.RoleGranted(role, LENDER, LENDER);
        vm.prank(LENDER);
        slowAnchor.executeRoleGrant(role, LENDER);
        _assertTrue(slowAnchor.hasRole(role, LENDER), "granted");
        _assertEq(slowAnchor.roleGrantReadyAt(role, LENDER), 0, "schedule used up");

        vm.prank(LENDER);
        slowAnchor.anchor(keccak256("first batch of the new registrar"), 1);
    }

    /// @dev The admin cancels a scheduled grant (a stranger cannot), and it can no longer be executed.
    function test_scheduledGrant_cancelledByTheAdminOnly() public {
        bytes32 role = slowModeration.MODERATOR_ROLE();
        vm.prank(ADMIN);
        slowModeration.scheduleRoleGrant(role, MODERATOR);

        vm.expectRevert(_unauthorized(STRANGER, bytes32(0)));
        vm.prank(STRANGER);
        slowModeration.cancelRoleGrant(role, MODERATOR);

        vm.expectEmit(true, true, true, true, address(slowModeration));
        emit DelayedRoleGrants.RoleGrantCancelled(role, MODERATOR, ADMIN);
        vm.prank(ADMIN);
        slowModeration.cancelRoleGrant(role, MODERATOR);

        vm.warp(START_TIME + DELAY);
        vm.expectRevert(abi.encodeWithSelector(DelayedRoleGrants.RoleGrantNotScheduled.selector, role, MODERATOR));
        vm.prank(MODERATOR);
        slowModeration.executeRoleGrant(role, MODERATOR);
        _assertTrue(!slowModeration.hasRole(role, MODERATOR), "never granted");

        vm.expectRevert(abi.encodeWithSelector(DelayedRoleGrants.RoleGrantNotScheduled.selector, role, MODERATOR));
        vm.prank(ADMIN);
        slowModeration.cancelRoleGrant(role, MODERATOR);
    }

    /// @dev Scheduling twice, scheduling for a holder or for the zero address is refused.
    function test_schedule_refusesDuplicatesHoldersAndZero() public {
        bytes32 role = slowModeration.ARBITER_ROLE();
        vm.startPrank(ADMIN);
        slowModeration.scheduleRoleGrant(role, ARBITER);
        uint48 readyAt = uint48(START_TIME) + DELAY;
        vm.expectRevert(
            abi.encodeWithSelector(DelayedRoleGrants.RoleGrantAlreadyScheduled.selector, role, ARBITER, readyAt)
        );
        slowModeration.scheduleRoleGrant(role, ARBITER);
        vm.warp(readyAt);
        slowModeration.executeRoleGrant(role, ARBITER);
        vm.expectRevert(abi.encodeWithSelector(DelayedRoleGrants.RoleAlreadyHeld.selector, role, ARBITER));
        slowModeration.scheduleRoleGrant(role, ARBITER);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlBadConfirmation.selector));
        slowModeration.scheduleRoleGrant(role, address(0));
        vm.stopPrank();
    }

    /// @dev Revoking is immediate: taking power away never waits.
    function test_revoke_isImmediate() public {
        bytes32 role = slowAssets.REGISTRAR_ROLE();
        vm.expectRevert(_unauthorized(STRANGER, bytes32(0)));
        vm.prank(STRANGER);
        slowAssets.revokeRole(role, REGISTRAR);
        vm.prank(ADMIN);
        slowAssets.revokeRole(role, REGISTRAR);
        _assertTrue(!slowAssets.hasRole(role, REGISTRAR), "revoked at once");
    }

    /// @dev Lenders are onboarded at once (their liens need an owner's signed consent anyway);
    /// the registry authority waits the delay.
    function test_pledges_lenderImmediate_registryAuthorityDelayed() public {
        bytes32 lenderRole = slowPledges.LENDER_ROLE();
        bytes32 authorityRole = slowPledges.REGISTRY_AUTHORITY_ROLE();
        _assertTrue(!slowPledges.isRoleGrantDelayed(lenderRole), "lender immediate");
        _assertTrue(slowPledges.isRoleGrantDelayed(authorityRole), "authority delayed");
        vm.expectRevert(_unauthorized(STRANGER, bytes32(0)));
        vm.prank(STRANGER);
        slowPledges.grantRole(lenderRole, STRANGER);
        vm.startPrank(ADMIN);
        slowPledges.grantRole(lenderRole, LENDER);
        _assertTrue(slowPledges.hasRole(lenderRole, LENDER), "lender granted at once");
        vm.expectRevert(abi.encodeWithSelector(DelayedRoleGrants.RoleGrantNotDelayed.selector, lenderRole));
        slowPledges.scheduleRoleGrant(lenderRole, LENDER2);
        vm.expectRevert(
            abi.encodeWithSelector(DelayedRoleGrants.RoleGrantDelayed.selector, authorityRole, STRANGER, DELAY)
        );
        slowPledges.grantRole(authorityRole, STRANGER);
        vm.stopPrank();
    }

    /// @dev The default admin role keeps OpenZeppelin's own two-step transfer.
    function test_adminRole_keepsItsOwnTransfer() public {
        _assertTrue(!slowAnchor.isRoleGrantDelayed(bytes32(0)), "admin not scheduled here");
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector)
        );
        vm.prank(ADMIN);
        slowAnchor.grantRole(bytes32(0), STRANGER);
        vm.expectRevert(abi.encodeWithSelector(DelayedRoleGrants.RoleGrantNotDelayed.selector, bytes32(0)));
        vm.prank(ADMIN);
        slowAnchor.scheduleRoleGrant(bytes32(0), STRANGER);
    }

    /// @dev A new attestor waits the delay like every operational role: an immediate grant and a
    /// stranger's schedule are refused, and the attestor can record only once the grant is executed.
    function test_attestorGrant_takesTwoStepsAndTheDelay() public {
        bytes32 role = slowAttestations.ATTESTOR_ROLE();
        _assertTrue(slowAttestations.isRoleGrantDelayed(role), "attestor delayed");
        _assertTrue(slowAttestations.hasRole(role, REGISTRAR), "constructor's attestor holds it");
        vm.expectRevert(_unauthorized(STRANGER, bytes32(0)));
        vm.prank(STRANGER);
        slowAttestations.scheduleRoleGrant(role, STRANGER);
        vm.expectRevert(abi.encodeWithSelector(DelayedRoleGrants.RoleGrantDelayed.selector, role, STRANGER, DELAY));
        vm.prank(ADMIN);
        slowAttestations.grantRole(role, STRANGER);
        _assertTrue(!slowAttestations.hasRole(role, STRANGER), "not granted at once");

        uint48 readyAt = uint48(START_TIME) + DELAY;
        vm.prank(ADMIN);
        slowAttestations.scheduleRoleGrant(role, MODERATOR);
        vm.warp(readyAt - 1);
        vm.expectRevert(abi.encodeWithSelector(DelayedRoleGrants.RoleGrantNotReady.selector, role, MODERATOR, readyAt));
        vm.prank(MODERATOR);
        slowAttestations.executeRoleGrant(role, MODERATOR);
        vm.expectRevert(_unauthorized(MODERATOR, role));
        vm.prank(MODERATOR);
        slowAttestations.attest(bytes32("party_1"), keccak256("commitment"), uint64(readyAt) + 1 days, hex"01");

        vm.warp(readyAt);
        vm.prank(MODERATOR);
        slowAttestations.executeRoleGrant(role, MODERATOR);
        vm.prank(MODERATOR);
        slowAttestations.attest(bytes32("party_1"), keccak256("commitment"), uint64(readyAt) + 1 days, hex"01");
        _assertTrue(slowAttestations.isVerified(bytes32("party_1")), "recorded by the new attestor");
    }

    // ---------------------------------------------------------------- what an adversary with a key tries

    /// @dev Revoking a suspect account cancels the grant it has not yet executed: the grantee can
    /// no longer execute it once it is ready. The revoke path of RightsAsset (which counts
    /// registrars) cancels too.
    function test_revoke_cancelsThePendingGrant() public {
        bytes32 role = slowModeration.MODERATOR_ROLE();
        vm.prank(ADMIN);
        slowModeration.scheduleRoleGrant(role, STRANGER);
        vm.expectEmit(true, true, true, true, address(slowModeration));
        emit DelayedRoleGrants.RoleGrantCancelled(role, STRANGER, ADMIN);
        vm.prank(ADMIN);
        slowModeration.revokeRole(role, STRANGER);
        _assertEq(slowModeration.roleGrantReadyAt(role, STRANGER), 0, "no grant left");
        _expectNoGrantAt(slowModeration, role, STRANGER, START_TIME + DELAY);

        bytes32 registrarRole = slowAssets.REGISTRAR_ROLE();
        vm.prank(ADMIN);
        slowAssets.scheduleRoleGrant(registrarRole, STRANGER);
        vm.expectEmit(true, true, true, true, address(slowAssets));
        emit DelayedRoleGrants.RoleGrantCancelled(registrarRole, STRANGER, ADMIN);
        vm.prank(ADMIN);
        slowAssets.revokeRole(registrarRole, STRANGER);
        _expectNoGrantAt(slowAssets, registrarRole, STRANGER, START_TIME + 2 * DELAY);
        _assertEq(slowAssets.registrarCount(), 1, "the constructor's registrar only");
    }

    /// @dev A grantee that renounces the role while its grant is pending cancels the grant.
    function test_renounce_cancelsThePendingGrant() public {
        bytes32 role = slowAnchor.REGULATOR_ROLE();
        vm.prank(ADMIN);
        slowAnchor.scheduleRoleGrant(role, REGULATOR);
        vm.expectEmit(true, true, true, true, address(slowAnchor));
        emit DelayedRoleGrants.RoleGrantCancelled(role, REGULATOR, REGULATOR);
        vm.prank(REGULATOR);
        slowAnchor.renounceRole(role, REGULATOR);
        _assertEq(slowAnchor.roleGrantReadyAt(role, REGULATOR), 0, "no grant left");
        _expectNoGrantAt(slowAnchor, role, REGULATOR, START_TIME + DELAY);
    }

    /// @dev A grant left past its window expires: neither the grantee nor the admin can execute
    /// it, it reads as none scheduled, the admin can schedule it again (or cancel the stale one),
    /// and the new grant executes in the last second of its window.
    function test_scheduledGrant_expiresAfterTheWindow() public {
        bytes32 role = slowModeration.ARBITER_ROLE();
        _assertEq(slowModeration.ROLE_GRANT_WINDOW(), WINDOW, "window");
        vm.startPrank(ADMIN);
        slowModeration.scheduleRoleGrant(role, ARBITER);
        slowModeration.scheduleRoleGrant(role, STRANGER);
        vm.stopPrank();
        uint48 readyAt = uint48(START_TIME) + DELAY;
        uint48 expiredAt = readyAt + WINDOW;

        vm.warp(expiredAt + 1);
        _assertEq(slowModeration.roleGrantReadyAt(role, ARBITER), 0, "expired reads as none");
        vm.expectRevert(_expired(role, ARBITER, expiredAt));
        vm.prank(ARBITER);
        slowModeration.executeRoleGrant(role, ARBITER);
        vm.expectRevert(_expired(role, ARBITER, expiredAt));
        vm.prank(ADMIN);
        slowModeration.executeRoleGrant(role, ARBITER);
        _assertTrue(!slowModeration.hasRole(role, ARBITER), "not granted");

        // The stale grant is cancelled like any other.
        vm.expectEmit(true, true, true, true, address(slowModeration));
        emit DelayedRoleGrants.RoleGrantCancelled(role, STRANGER, ADMIN);
        vm.prank(ADMIN);
        slowModeration.cancelRoleGrant(role, STRANGER);

        uint48 againReadyAt = uint48(block.timestamp) + DELAY;
        vm.expectEmit(true, true, true, true, address(slowModeration));
        emit DelayedRoleGrants.RoleGrantScheduled(role, ARBITER, againReadyAt, ADMIN);
        vm.prank(ADMIN);
        slowModeration.scheduleRoleGrant(role, ARBITER);
        _assertEq(slowModeration.roleGrantReadyAt(role, ARBITER), againReadyAt, "scheduled again");

        vm.warp(againReadyAt + WINDOW);
        vm.prank(ARBITER);
        slowModeration.executeRoleGrant(role, ARBITER);
        _assertTrue(slowModeration.hasRole(role, ARBITER), "granted in the window's last second");
    }

    /// @dev An admin that hands the admin role over takes its pending grants with it: its
    /// accomplice (and the old admin) cannot execute them, they read as none scheduled, and the
    /// new admin schedules its own grant in their place, which executes.
    function test_adminHandover_voidsTheOldAdminsGrants() public {
        bytes32 role = slowAnchor.REGISTRAR_ROLE();
        vm.prank(ADMIN);
        slowAnchor.scheduleRoleGrant(role, STRANGER);
        uint48 readyAt = uint48(START_TIME) + DELAY;

        vm.prank(ADMIN);
        slowAnchor.beginDefaultAdminTransfer(NEW_ADMIN);
        vm.warp(START_TIME + ADMIN_DELAY + 1);
        vm.prank(NEW_ADMIN);
        slowAnchor.acceptDefaultAdminTransfer();
        _assertTrue(block.timestamp >= readyAt, "the grant is ready");

        _assertEq(slowAnchor.roleGrantReadyAt(role, STRANGER), 0, "void reads as none");
        vm.expectRevert(_schedulerNotAdmin(role, STRANGER, ADMIN));
        vm.prank(STRANGER);
        slowAnchor.executeRoleGrant(role, STRANGER);
        vm.expectRevert(_schedulerNotAdmin(role, STRANGER, ADMIN));
        vm.prank(ADMIN);
        slowAnchor.executeRoleGrant(role, STRANGER);
        _assertTrue(!slowAnchor.hasRole(role, STRANGER), "not granted");

        uint48 newReadyAt = uint48(block.timestamp) + DELAY;
        vm.expectEmit(true, true, true, true, address(slowAnchor));
        emit DelayedRoleGrants.RoleGrantScheduled(role, STRANGER, newReadyAt, NEW_ADMIN);
        vm.prank(NEW_ADMIN);
        slowAnchor.scheduleRoleGrant(role, STRANGER);
        _assertEq(slowAnchor.roleGrantReadyAt(role, STRANGER), newReadyAt, "the new admin's grant");
        vm.warp(newReadyAt);
        vm.prank(STRANGER);
        slowAnchor.executeRoleGrant(role, STRANGER);
        _assertTrue(slowAnchor.hasRole(role, STRANGER), "granted by the new admin's schedule");
    }

    /// @dev An admin that renounces the admin role voids its pending grants too.
    function test_adminRenounce_voidsItsGrants() public {
        bytes32 role = slowAttestations.ATTESTOR_ROLE();
        vm.startPrank(ADMIN);
        slowAttestations.scheduleRoleGrant(role, STRANGER);
        slowAttestations.beginDefaultAdminTransfer(address(0));
        vm.warp(START_TIME + ADMIN_DELAY + 1);
        slowAttestations.renounceRole(bytes32(0), ADMIN);
        vm.stopPrank();
        _assertTrue(!slowAttestations.hasRole(bytes32(0), ADMIN), "renounced");

        _assertEq(slowAttestations.roleGrantReadyAt(role, STRANGER), 0, "void reads as none");
        vm.expectRevert(_schedulerNotAdmin(role, STRANGER, ADMIN));
        vm.prank(STRANGER);
        slowAttestations.executeRoleGrant(role, STRANGER);
        vm.expectRevert(_schedulerNotAdmin(role, STRANGER, ADMIN));
        vm.prank(ADMIN);
        slowAttestations.executeRoleGrant(role, STRANGER);
        _assertTrue(!slowAttestations.hasRole(role, STRANGER), "not granted");
    }
}

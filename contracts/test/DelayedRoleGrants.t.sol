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
}

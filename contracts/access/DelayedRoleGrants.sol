// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";

/**
 * @title DelayedRoleGrants
 * @notice Operational roles (registrar, regulator, moderator, arbiter, registry authority) are
 * granted in two steps: the role's admin schedules the grant ({scheduleRoleGrant}), and after
 * {roleGrantDelay} the admin or the grantee executes it ({executeRoleGrant}); until then the
 * admin can cancel it ({cancelRoleGrant}). Everyone watching the contract sees a new holder of
 * power coming, and a stolen admin key cannot make itself, say, registrar on the spot. A scheduled
 * grant can be executed only within {ROLE_GRANT_WINDOW} after it becomes ready, and only while the
 * admin that scheduled it still holds the role's admin role; revoking the role from the account
 * (or the account renouncing it) cancels a grant of it pending for that account. The default
 * admin role keeps OpenZeppelin's own two-step transfer with its delay
 * (`AccessControlDefaultAdminRules`); roles a contract lists as immediate ({_isDelayedRole}
 * false) are granted by `grantRole` as usual. Revoking and renouncing stay immediate: taking
 * power away must never wait.
 * @dev The delay is fixed at deployment. A delay of 0 (development and test chains only; the
 * production deployment refuses it) still takes both steps, in one block. A grant whose window has
 * passed is expired, and one whose scheduler no longer holds the role's admin role (it handed the
 * default admin role over or renounced it) is void: neither can be executed, {roleGrantReadyAt}
 * reads 0 for both, and a new schedule replaces them. They stay in storage until replaced,
 * cancelled or cleared by a revoke; a void grant becomes executable again (within its window) if
 * its scheduler is made admin again.
 */
abstract contract DelayedRoleGrants is AccessControlDefaultAdminRules {
    /// @notice Seconds after a scheduled grant becomes ready during which it can still be executed
    /// (up to and including `readyAt + ROLE_GRANT_WINDOW`); the expiry OpenZeppelin's
    /// AccessManager gives scheduled operations.
    uint48 public constant ROLE_GRANT_WINDOW = 7 days;

    /// @notice Seconds between scheduling a role grant and the earliest moment it can be executed.
    uint48 public immutable roleGrantDelay;

    /// @dev A scheduled grant, in one storage slot.
    struct ScheduledGrant {
        // When it can be executed (0: none stored).
        uint48 readyAt;
        // The admin that scheduled it; the grant is void once it no longer holds the role's admin role.
        address admin;
    }

    /// @dev Whether a stored grant can be executed, now or once ready ({Executable}), or why not.
    enum GrantState {
        Executable,
        None,
        Expired,
        Void
    }

    mapping(bytes32 role => mapping(address account => ScheduledGrant)) private _scheduledGrants;

    /**
     * @notice This role is granted in two steps ({scheduleRoleGrant}, {executeRoleGrant}).
     * @param role The role.
     * @param account The account named.
     * @param delay The contract's {roleGrantDelay}.
     */
    error RoleGrantDelayed(bytes32 role, address account, uint48 delay);

    /**
     * @notice This role is granted at once with `grantRole`; there is nothing to schedule.
     * @param role The role.
     */
    error RoleGrantNotDelayed(bytes32 role);

    /**
     * @notice The account already holds the role.
     * @param role The role.
     * @param account The account.
     */
    error RoleAlreadyHeld(bytes32 role, address account);

    /**
     * @notice A grant of this role to this account is already scheduled.
     * @param role The role.
     * @param account The account.
     * @param readyAt When it can be executed.
     */
    error RoleGrantAlreadyScheduled(bytes32 role, address account, uint48 readyAt);

    /**
     * @notice No grant of this role to this account is scheduled.
     * @param role The role.
     * @param account The account.
     */
    error RoleGrantNotScheduled(bytes32 role, address account);

    /**
     * @notice The scheduled grant cannot be executed yet.
     * @param role The role.
     * @param account The account.
     * @param readyAt When it can be executed.
     */
    error RoleGrantNotReady(bytes32 role, address account, uint48 readyAt);

    /**
     * @notice The scheduled grant was not executed within {ROLE_GRANT_WINDOW} of becoming ready;
     * the admin schedules it again.
     * @param role The role.
     * @param account The account.
     * @param expiredAt The last moment it could be executed (`readyAt + ROLE_GRANT_WINDOW`).
     */
    error RoleGrantExpired(bytes32 role, address account, uint48 expiredAt);

    /**
     * @notice The admin that scheduled the grant no longer holds the role's admin role (it handed
     * the admin role over or renounced it): the grant is void; a current admin schedules it again.
     * @param role The role.
     * @param account The account.
     * @param scheduler The admin that scheduled it.
     */
    error RoleGrantSchedulerNotAdmin(bytes32 role, address account, address scheduler);

    /**
     * @notice Emitted when a role grant is scheduled.
     * @param role The role.
     * @param account The account that will hold it.
     * @param readyAt When the grant can be executed.
     * @param admin The admin that scheduled it.
     */
    event RoleGrantScheduled(bytes32 indexed role, address indexed account, uint48 readyAt, address indexed admin);

    /**
     * @notice Emitted when a scheduled role grant is cancelled: by {cancelRoleGrant}, or by
     * revoking the role from the account (or the account renouncing it).
     * @param role The role.
     * @param account The account that was to hold it.
     * @param admin The account that cancelled it (the admin, or the account renouncing).
     */
    event RoleGrantCancelled(bytes32 indexed role, address indexed account, address indexed admin);

    /// @param delay_ The {roleGrantDelay} (0 only on development and test chains).
    constructor(uint48 delay_) {
        roleGrantDelay = delay_;
    }

    /**
     * @notice Grants a role that is not delayed; a delayed role is refused ({RoleGrantDelayed}).
     * @dev Only the role's admin. The default admin role keeps its own two-step transfer.
     * Emits {RoleGranted}.
     * @param role The role.
     * @param account The account.
     */
    function grantRole(bytes32 role, address account) public virtual override {
        if (_isDelayedRole(role)) revert RoleGrantDelayed(role, account, roleGrantDelay);
        super.grantRole(role, account);
    }

    /**
     * @notice Schedules granting `role` to `account`, executable from now plus {roleGrantDelay}
     * until {ROLE_GRANT_WINDOW} after that, while the caller holds the role's admin role. Replaces
     * a grant of the same role to the same account that has expired or is void.
     * @dev Only the role's admin. Reverts with {AccessControlUnauthorizedAccount},
     * {RoleGrantNotDelayed}, {AccessControlBadConfirmation}, {RoleAlreadyHeld} or
     * {RoleGrantAlreadyScheduled} (a grant that can still be executed). Emits {RoleGrantScheduled}.
     * @param role The role.
     * @param account The account (not the zero address: `AccessControlBadConfirmation`).
     * @return readyAt When the grant can be executed.
     */
    function scheduleRoleGrant(bytes32 role, address account)
        public
        virtual
        onlyRole(getRoleAdmin(role))
        returns (uint48 readyAt)
    {
        if (!_isDelayedRole(role)) revert RoleGrantNotDelayed(role);
        if (account == address(0)) revert AccessControlBadConfirmation();
        if (hasRole(role, account)) revert RoleAlreadyHeld(role, account);
        (uint48 scheduled,, GrantState state) = _grantState(role, account);
        if (state == GrantState.Executable) revert RoleGrantAlreadyScheduled(role, account, scheduled);
        readyAt = uint48(block.timestamp) + roleGrantDelay;
        _scheduledGrants[role][account] = ScheduledGrant(readyAt, _msgSender());
        emit RoleGrantScheduled(role, account, readyAt, _msgSender());
    }

    /**
     * @notice Executes the scheduled grant of `role` to `account` once it is ready, up to
     * {ROLE_GRANT_WINDOW} after, while the admin that scheduled it still holds the role's admin role.
     * @dev Only the role's admin or `account` itself. The grant is checked before the caller, in
     * this order: reverts with {RoleGrantNotScheduled}, {RoleGrantExpired},
     * {RoleGrantSchedulerNotAdmin}, {RoleGrantNotReady} or {AccessControlUnauthorizedAccount}.
     * Emits {RoleGranted}.
     * @param role The role.
     * @param account The account.
     */
    function executeRoleGrant(bytes32 role, address account) external {
        (uint48 readyAt, address scheduler, GrantState state) = _grantState(role, account);
        if (state == GrantState.None) revert RoleGrantNotScheduled(role, account);
        if (state == GrantState.Expired) {
            revert RoleGrantExpired(role, account, uint48(uint256(readyAt) + ROLE_GRANT_WINDOW));
        }
        if (state == GrantState.Void) revert RoleGrantSchedulerNotAdmin(role, account, scheduler);
        if (block.timestamp < readyAt) revert RoleGrantNotReady(role, account, readyAt);
        address caller = _msgSender();
        if (caller != account) _checkRole(getRoleAdmin(role), caller);
        delete _scheduledGrants[role][account];
        _grantRole(role, account);
    }

    /**
     * @notice Cancels the scheduled grant of `role` to `account`, also one that has expired or is void.
     * @dev Only the role's admin. Reverts with {AccessControlUnauthorizedAccount} or
     * {RoleGrantNotScheduled}. Emits {RoleGrantCancelled}.
     * @param role The role.
     * @param account The account.
     */
    function cancelRoleGrant(bytes32 role, address account) external onlyRole(getRoleAdmin(role)) {
        if (!_cancelRoleGrant(role, account)) revert RoleGrantNotScheduled(role, account);
    }

    /**
     * @notice When the scheduled grant of `role` to `account` can be executed (0: none scheduled,
     * or the grant has expired or is void, see {executeRoleGrant}). A grant not yet ready reads its
     * future time.
     * @param role The role.
     * @param account The account.
     * @return The timestamp.
     */
    function roleGrantReadyAt(bytes32 role, address account) external view returns (uint48) {
        (uint48 readyAt,, GrantState state) = _grantState(role, account);
        return state == GrantState.Executable ? readyAt : 0;
    }

    /**
     * @notice Whether `role` is granted in two steps.
     * @param role The role.
     * @return True for every role but the default admin role and the contract's immediate roles.
     */
    function isRoleGrantDelayed(bytes32 role) external view returns (bool) {
        return _isDelayedRole(role);
    }

    /// @dev Revoking (or renouncing) a role also cancels a grant of it pending for `account`, held
    /// or not (OpenZeppelin's `revokeRole` and `renounceRole` come here either way). Emits
    /// {RoleGrantCancelled} when there was one.
    function _revokeRole(bytes32 role, address account) internal virtual override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        _cancelRoleGrant(role, account);
    }

    /// @dev Deletes the stored grant of `role` to `account`, if any (also one that has expired or is
    /// void), and emits {RoleGrantCancelled}. Returns whether there was one.
    function _cancelRoleGrant(bytes32 role, address account) private returns (bool cancelled) {
        cancelled = _scheduledGrants[role][account].readyAt != 0;
        if (cancelled) {
            delete _scheduledGrants[role][account];
            emit RoleGrantCancelled(role, account, _msgSender());
        }
    }

    /// @dev The stored grant of `role` to `account` and whether it can be executed, now or once
    /// ready: none stored, its window has passed (expired), or its scheduler no longer holds the
    /// role's admin role (void).
    function _grantState(bytes32 role, address account)
        private
        view
        returns (uint48 readyAt, address admin, GrantState state)
    {
        ScheduledGrant storage grant = _scheduledGrants[role][account];
        (readyAt, admin) = (grant.readyAt, grant.admin);
        if (readyAt == 0) state = GrantState.None;
        else if (block.timestamp > uint256(readyAt) + ROLE_GRANT_WINDOW) state = GrantState.Expired;
        else if (!hasRole(getRoleAdmin(role), admin)) state = GrantState.Void;
    }

    /// @dev Whether `role` is granted in two steps; a contract overrides it to keep a role immediate.
    function _isDelayedRole(bytes32 role) internal view virtual returns (bool) {
        return role != DEFAULT_ADMIN_ROLE;
    }
}

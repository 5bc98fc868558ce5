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
 * power coming, and a stolen admin key cannot make itself, say, registrar on the spot. The default
 * admin role keeps OpenZeppelin's own two-step transfer with its delay
 * (`AccessControlDefaultAdminRules`); roles a contract lists as immediate ({_isDelayedRole}
 * false) are granted by `grantRole` as usual. Revoking and renouncing stay immediate: taking
 * power away must never wait.
 * @dev The delay is fixed at deployment. A delay of 0 (development and test chains only; the
 * production deployment refuses it) still takes both steps, in one block. A grant scheduled by an
 * admin that has since been replaced can still be executed unless the new admin cancels it.
 */
abstract contract DelayedRoleGrants is AccessControlDefaultAdminRules {
    /// @notice Seconds between scheduling a role grant and the earliest moment it can be executed.
    uint48 public immutable roleGrantDelay;

    mapping(bytes32 role => mapping(address account => uint48 readyAt)) private _scheduledGrants;

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
     * @notice Emitted when a role grant is scheduled.
     * @param role The role.
     * @param account The account that will hold it.
     * @param readyAt When the grant can be executed.
     * @param admin The admin that scheduled it.
     */
    event RoleGrantScheduled(bytes32 indexed role, address indexed account, uint48 readyAt, address indexed admin);

    /**
     * @notice Emitted when a scheduled role grant is cancelled.
     * @param role The role.
     * @param account The account that was to hold it.
     * @param admin The admin that cancelled it.
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
     * @notice Schedules granting `role` to `account`, executable from now plus {roleGrantDelay}.
     * @dev Only the role's admin. Reverts with {AccessControlUnauthorizedAccount},
     * {RoleGrantNotDelayed}, {AccessControlBadConfirmation}, {RoleAlreadyHeld} or {RoleGrantAlreadyScheduled}. Emits
     * {RoleGrantScheduled}.
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
        uint48 scheduled = _scheduledGrants[role][account];
        if (scheduled != 0) revert RoleGrantAlreadyScheduled(role, account, scheduled);
        readyAt = uint48(block.timestamp) + roleGrantDelay;
        _scheduledGrants[role][account] = readyAt;
        emit RoleGrantScheduled(role, account, readyAt, _msgSender());
    }

    /**
     * @notice Executes the scheduled grant of `role` to `account` once it is ready.
     * @dev Only the role's admin or `account` itself. Reverts with
     * {AccessControlUnauthorizedAccount}, {RoleGrantNotScheduled} or {RoleGrantNotReady}. Emits
     * {RoleGranted}.
     * @param role The role.
     * @param account The account.
     */
    function executeRoleGrant(bytes32 role, address account) external {
        address caller = _msgSender();
        if (caller != account) _checkRole(getRoleAdmin(role), caller);
        uint48 readyAt = _scheduledGrants[role][account];
        if (readyAt == 0) revert RoleGrantNotScheduled(role, account);
        if (block.timestamp < readyAt) revert RoleGrantNotReady(role, account, readyAt);
        delete _scheduledGrants[role][account];
        _grantRole(role, account);
    }

    /**
     * @notice Cancels the scheduled grant of `role` to `account`.
     * @dev Only the role's admin. Reverts with {AccessControlUnauthorizedAccount} or
     * {RoleGrantNotScheduled}. Emits {RoleGrantCancelled}.
     * @param role The role.
     * @param account The account.
     */
    function cancelRoleGrant(bytes32 role, address account) external onlyRole(getRoleAdmin(role)) {
        if (_scheduledGrants[role][account] == 0) revert RoleGrantNotScheduled(role, account);
        delete _scheduledGrants[role][account];
        emit RoleGrantCancelled(role, account, _msgSender());
    }

    /**
     * @notice When the scheduled grant of `role` to `account` can be executed (0: none scheduled).
     * @param role The role.
     * @param account The account.
     * @return The timestamp.
     */
    function roleGrantReadyAt(bytes32 role, address account) external view returns (uint48) {
        return _scheduledGrants[role][account];
    }

    /**
     * @notice Whether `role` is granted in two steps.
     * @param role The role.
     * @return True for every role but the default admin role and the contract's immediate roles.
     */
    function isRoleGrantDelayed(bytes32 role) external view returns (bool) {
        return _isDelayedRole(role);
    }

    /// @dev Whether `role` is granted in two steps; a contract overrides it to keep a role immediate.
    function _isDelayedRole(bytes32 role) internal view virtual returns (bool) {
        return role != DEFAULT_ADMIN_ROLE;
    }
}

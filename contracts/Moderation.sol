// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {DelayedRoleGrants} from "./access/DelayedRoleGrants.sol";
import {IModeration} from "./interfaces/IModeration.sol";

/**
 * @title Moderation
 * @notice Freezes (takes down) and restores registrations and assets, with the reason's digest
 * and the acting account recorded in events.
 * @dev A target is a registration's claim leaf; an asset's id is the leaf it was tokenized from
 * (`assetId == uint256(leaf)`), so freezing a registration freezes its asset and the other way
 * round. Moderators (内容/版权审核) and regulators (监管) can freeze; a freeze is restored by an
 * account of at least the authority that placed it: a regulator can restore anything, a
 * moderator cannot lift a regulator's freeze. A regulator freezing a target a moderator froze
 * escalates the freeze to regulator authority.
 *
 * A moderator's freeze pauses the enforcement of the target's liens for a bounded time only, and
 * the end of that pause is kept per target across restores: a moderator cannot renew its pause by
 * lifting its freeze and freezing again. On its own a moderator pauses enforcement of a target at
 * most {MODERATOR_ENFORCEMENT_PAUSE} in any twice that time; only an arbiter lengthens a pause.
 */
contract Moderation is IModeration, DelayedRoleGrants {
    /// @notice Role allowed to freeze and restore moderator freezes.
    bytes32 public constant MODERATOR_ROLE = keccak256("MODERATOR_ROLE");
    /// @notice Role allowed to freeze and restore anything.
    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");
    /// @notice Role allowed to extend the pause a moderator's freeze puts on lien enforcement.
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    /**
     * @notice How long a moderator's freeze pauses the enforcement of liens, unless an arbiter
     * extends it; also how long after a pause's end a moderator's freeze pauses nothing (the
     * lender's window), so a moderator pauses a target's enforcement at most this long in any
     * twice this long.
     */
    uint64 public constant MODERATOR_ENFORCEMENT_PAUSE = 90 days;
    /// @notice Delay before a new default admin can accept the role (two-step admin transfer).
    uint48 public constant ADMIN_TRANSFER_DELAY = 2 days;

    /// @notice Who placed a freeze.
    enum Authority {
        None,
        Moderator,
        Regulator
    }

    /**
     * @notice A freeze in force (one slot).
     * @param authority Authority of the account that placed it (`None`: not frozen).
     * @param frozenAt Block timestamp of the freeze.
     * @param actor Account that placed (or escalated) it.
     */
    struct Freeze {
        Authority authority;
        uint64 frozenAt;
        address actor;
    }

    mapping(bytes32 target => Freeze) private _freezes;
    /// @dev End of the latest enforcement pause of a moderator's freeze of the target (0 = never
    /// paused): set by a moderator's freeze that starts a fresh pause and by an arbiter's
    /// extension; kept across restores and regulator freezes, never cleared.
    mapping(bytes32 target => uint64 until) private _moderatorPauseEnd;

    /**
     * @notice The caller holds neither {MODERATOR_ROLE} nor {REGULATOR_ROLE}.
     * @param account The caller.
     */
    error NotModerator(address account);

    /**
     * @notice The target is already frozen with at least the caller's authority.
     * @param target The target.
     * @param authority Authority of the freeze in force.
     */
    error AlreadyFrozen(bytes32 target, Authority authority);

    /**
     * @notice The target is not frozen.
     * @param target The target.
     */
    error NotFrozen(bytes32 target);

    /**
     * @notice The freeze was placed by a higher authority than the caller's.
     * @param target The target.
     * @param account The caller.
     * @param authority Authority of the freeze in force.
     */
    error FreezeAuthorityTooHigh(bytes32 target, address account, Authority authority);

    /// @notice The target is zero.
    error ZeroTarget();

    /**
     * @notice The extension does not move the end of a moderator freeze's pause later.
     * @param target The target.
     * @param until The end asked.
     * @param currentUntil The end in force.
     */
    error InvalidFreezeExtension(bytes32 target, uint64 until, uint64 currentUntil);

    /**
     * @notice The target has no moderator freeze (a regulator's freeze pauses enforcement
     * without end; nothing to extend).
     * @param target The target.
     */
    error NotModeratorFreeze(bytes32 target);

    /**
     * @notice Emitted with a moderator's freeze that pauses lien enforcement: until when (a lender
     * reads it to know when it may enforce). A fresh pause's end, or the end of the pause still
     * running when the moderator froze again; not emitted for a freeze that pauses nothing.
     * @param target The registration leaf / asset id.
     * @param until The end of the pause in force.
     */
    event EnforcementPaused(bytes32 indexed target, uint64 until);

    /**
     * @notice Emitted when an arbiter extends the enforcement pause of a moderator's freeze.
     * @param target The registration leaf / asset id.
     * @param until The new end of the pause.
     * @param arbiter The arbiter.
     * @param reasonDigest Digest of the ruling (kept off chain).
     */
    event FreezeExtended(bytes32 indexed target, uint64 until, address indexed arbiter, bytes32 reasonDigest);

    /**
     * @notice Emitted when a target is frozen (or a freeze escalated to regulator authority).
     * @param target The registration leaf / asset id.
     * @param reasonDigest Digest of the decision (kept off chain).
     * @param actor Account that froze it.
     * @param authority Authority of the freeze.
     */
    event Frozen(bytes32 indexed target, bytes32 reasonDigest, address indexed actor, Authority authority);

    /**
     * @notice Emitted when a freeze is lifted.
     * @param target The registration leaf / asset id.
     * @param reasonDigest Digest of the decision (kept off chain).
     * @param actor Account that restored it.
     */
    event Restored(bytes32 indexed target, bytes32 reasonDigest, address indexed actor);

    /**
     * @notice Sets up the admin; moderators, regulators and arbiters are granted by the admin, in
     * two steps ({DelayedRoleGrants}).
     * @param admin Account granted {DEFAULT_ADMIN_ROLE}.
     * @param roleGrantDelay_ Delay of the two-step role grants (0 only on development and test chains).
     */
    constructor(address admin, uint48 roleGrantDelay_)
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin)
        DelayedRoleGrants(roleGrantDelay_)
    {}

    /**
     * @notice Freezes `target`: a frozen asset cannot be transferred, licensed or pledged, and
     * its liens cannot be enforced while the freeze pauses enforcement; a frozen registration's
     * asset is frozen from birth (they share the id). A regulator's freeze pauses enforcement
     * without end. A moderator's freeze at time `t`, with `E` the end of the target's last
     * moderator pause ({moderatorPauseEnd}): if `t < E` the pause still running goes on to `E`
     * (it is not renewed); if `E <= t < E + MODERATOR_ENFORCEMENT_PAUSE` the freeze pauses
     * nothing (the lender's window after a pause); otherwise (never paused, or long enough ago)
     * it pauses enforcement afresh until `t + MODERATOR_ENFORCEMENT_PAUSE`. Only an arbiter
     * lengthens a pause ({extendFreeze}).
     * @dev Reverts with {NotModerator}, {ZeroTarget} or {AlreadyFrozen}. Emits {Frozen}, and
     * {EnforcementPaused} for a moderator's freeze that pauses enforcement (with the end in
     * force).
     * @param target Registration leaf (equal to the asset id's 32 bytes).
     * @param reasonDigest Digest of the decision.
     */
    function freeze(bytes32 target, bytes32 reasonDigest) external {
        Authority authority = _authorityOf(_msgSender());
        if (target == bytes32(0)) revert ZeroTarget();
        Freeze storage current = _freezes[target];
        if (current.authority >= authority) revert AlreadyFrozen(target, current.authority);
        uint64 time = uint64(block.timestamp);
        _freezes[target] = Freeze({authority: authority, frozenAt: time, actor: _msgSender()});
        emit Frozen(target, reasonDigest, _msgSender(), authority);
        if (authority == Authority.Moderator) {
            uint64 end = _moderatorPauseEnd[target];
            if (time < end) {
                emit EnforcementPaused(target, end);
            } else if (end == 0 || time - end >= MODERATOR_ENFORCEMENT_PAUSE) {
                end = time + MODERATOR_ENFORCEMENT_PAUSE;
                _moderatorPauseEnd[target] = end;
                emit EnforcementPaused(target, end);
            }
        }
    }

    /**
     * @notice Lifts the freeze of `target`. The end of its moderator pause ({moderatorPauseEnd}),
     * an arbiter's extension included, is kept: a moderator freezing the target again before it
     * continues that pause, and in the {MODERATOR_ENFORCEMENT_PAUSE} after it pauses nothing.
     * @dev Reverts with {NotModerator}, {NotFrozen} or {FreezeAuthorityTooHigh}. Emits {Restored}.
     * @param target Registration leaf / asset id.
     * @param reasonDigest Digest of the decision.
     */
    function restore(bytes32 target, bytes32 reasonDigest) external {
        Authority authority = _authorityOf(_msgSender());
        Freeze storage current = _freezes[target];
        if (current.authority == Authority.None) revert NotFrozen(target);
        if (current.authority > authority) revert FreezeAuthorityTooHigh(target, _msgSender(), current.authority);
        delete _freezes[target];
        emit Restored(target, reasonDigest, _msgSender());
    }

    /**
     * @notice Whether `target` is frozen.
     * @param target Registration leaf / asset id.
     * @return True while a freeze is in force.
     */
    function isFrozen(bytes32 target) external view returns (bool) {
        return _freezes[target].authority != Authority.None;
    }

    /**
     * @notice Extends the pause a moderator's freeze of `target` puts on lien enforcement; only
     * an arbiter, only while a moderator's freeze is in force, only later than the end in force
     * ({moderatorPauseEnd}). The new end is the target's recorded pause end: it survives a
     * restore (a moderator freezing again before it continues the pause to it), and the lender's
     * window of {MODERATOR_ENFORCEMENT_PAUSE}, in which a moderator's freeze pauses nothing, runs
     * from it.
     * @dev Reverts with {AccessControlUnauthorizedAccount}, {NotModeratorFreeze} or
     * {InvalidFreezeExtension}. Emits {FreezeExtended}.
     * @param target The frozen target.
     * @param until The new end of the pause.
     * @param reasonDigest Digest of the ruling.
     */
    function extendFreeze(bytes32 target, uint64 until, bytes32 reasonDigest) external onlyRole(ARBITER_ROLE) {
        if (_freezes[target].authority != Authority.Moderator) revert NotModeratorFreeze(target);
        uint64 current = _moderatorPauseEnd[target];
        if (until <= current) revert InvalidFreezeExtension(target, until, current);
        _moderatorPauseEnd[target] = until;
        emit FreezeExtended(target, until, _msgSender(), reasonDigest);
    }

    /**
     * @notice Until when a freeze of `target` pauses lien enforcement: 0 if not frozen, the
     * largest `uint64` for a regulator's freeze (no end), and for a moderator's freeze the
     * target's recorded pause end ({moderatorPauseEnd}: {MODERATOR_ENFORCEMENT_PAUSE} from the
     * freeze that started the pause, or an arbiter's extension), which is in the past when the
     * pause is over or the freeze paused nothing (see {freeze}).
     * @param target The target.
     * @return until The first second at which a lender may enforce again.
     */
    function enforcementPausedUntil(bytes32 target) public view returns (uint64 until) {
        Authority authority = _freezes[target].authority;
        if (authority == Authority.None) return 0;
        if (authority == Authority.Regulator) return type(uint64).max;
        return _moderatorPauseEnd[target];
    }

    /**
     * @notice The end of the latest enforcement pause of a moderator's freeze of `target`, frozen
     * or not (0 if a moderator never paused it): {MODERATOR_ENFORCEMENT_PAUSE} from the freeze
     * that started it, or an arbiter's extension. Restores and regulator freezes leave it as it
     * is. A moderator's freeze before it continues the pause to it, one in the
     * {MODERATOR_ENFORCEMENT_PAUSE} after it pauses nothing, a later one pauses afresh.
     * @param target The target.
     * @return until The end of the pause (in the past once it is over).
     */
    function moderatorPauseEnd(bytes32 target) external view returns (uint64 until) {
        return _moderatorPauseEnd[target];
    }

    /**
     * @notice Whether a freeze of `target` stops the enforcement of liens now.
     * @param target The target.
     * @return Whether enforcement is paused.
     */
    function enforcementPaused(bytes32 target) external view returns (bool) {
        return block.timestamp < enforcementPausedUntil(target);
    }

    /**
     * @notice The freeze in force on `target` (all zero if none).
     * @param target Registration leaf / asset id.
     * @return authority Authority of the freeze.
     * @return frozenAt Block timestamp of the freeze.
     * @return actor Account that placed it.
     */
    function freezeOf(bytes32 target) external view returns (Authority authority, uint64 frozenAt, address actor) {
        Freeze storage current = _freezes[target];
        return (current.authority, current.frozenAt, current.actor);
    }

    function _authorityOf(address account) private view returns (Authority) {
        if (hasRole(REGULATOR_ROLE, account)) return Authority.Regulator;
        if (hasRole(MODERATOR_ROLE, account)) return Authority.Moderator;
        revert NotModerator(account);
    }
}

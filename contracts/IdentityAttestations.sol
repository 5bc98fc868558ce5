// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {DelayedRoleGrants} from "./access/DelayedRoleGrants.sol";

/**
 * @title IdentityAttestations
 * @notice Records, per party, the salted commitment of its identity attestation (实名认证): that
 * an identity attestor vouched for who the party is, until when, and whether it was revoked.
 * @dev A party is its registry id as bytes32 (ASCII, zero-padded on the right). The commitment
 * is `SM3(salt ‖ canonical identity JSON)`; neither the identity nor the salt is ever on chain.
 * The attestor's SM2 signature over its `banquan.attestation/1` statement is emitted so that
 * anyone can check it off chain (the EVM has no SM2). The registry's sending account holds
 * {ATTESTOR_ROLE} after it checked the signature against a configured attestor key. A
 * commitment is recorded once, ever: a revoked or superseded one is not attested again. A new
 * attestor is granted in two steps with a delay ({DelayedRoleGrants}), like every operational role.
 */
contract IdentityAttestations is DelayedRoleGrants {
    /// @notice Role allowed to record and revoke attestations (the registry's account).
    bytes32 public constant ATTESTOR_ROLE = keccak256("ATTESTOR_ROLE");
    /// @notice Delay before a new default admin can accept the role (two-step admin transfer).
    uint48 public constant ADMIN_TRANSFER_DELAY = 2 days;

    /**
     * @notice A party's current attestation (two slots).
     * @param commitment SM3(salt ‖ identity) the attestor signed.
     * @param expiresAt Unix time it stops holding.
     * @param attestedAt Block timestamp it was recorded.
     * @param revoked Whether it was revoked.
     * @param person Whether the attestor stated the party is a natural person (set with an
     * account binding, cleared when a new attestation supersedes this one).
     * @param adult Whether the attestor stated the person is of full age (no birth date on chain).
     */
    struct Attestation {
        bytes32 commitment;
        uint64 expiresAt;
        uint64 attestedAt;
        bool revoked;
        bool person;
        bool adult;
    }

    mapping(bytes32 party => Attestation) private _attestations;
    mapping(bytes32 commitment => bool) private _used;
    mapping(address account => bytes32 party) private _accountParty;

    /// @notice The party is zero.
    error ZeroParty();

    /**
     * @notice The commitment is zero.
     * @param party The party.
     */
    error ZeroCommitment(bytes32 party);

    /**
     * @notice The attestor's signature is empty.
     * @param party The party.
     */
    error EmptySignature(bytes32 party);

    /**
     * @notice The attestation has expired already.
     * @param party The party.
     * @param expiresAt Its expiry.
     * @param timestamp The block's time.
     */
    error AlreadyExpired(bytes32 party, uint64 expiresAt, uint64 timestamp);

    /**
     * @notice The commitment was recorded before (for this party or another).
     * @param commitment The commitment.
     */
    error CommitmentUsed(bytes32 commitment);

    /**
     * @notice The commitment is not the party's current attestation.
     * @param party The party.
     * @param commitment The commitment given.
     */
    error NotCurrentAttestation(bytes32 party, bytes32 commitment);

    /**
     * @notice The party's current attestation is revoked already.
     * @param party The party.
     * @param commitment Its commitment.
     */
    error AlreadyRevoked(bytes32 party, bytes32 commitment);

    /**
     * @notice The party has no attestation in force (recorded, not revoked, not expired).
     * @param party The party.
     */
    error NotVerified(bytes32 party);

    /**
     * @notice The account is zero.
     */
    error ZeroAccount();

    /**
     * @notice The account is bound to another party already (unbind it first).
     * @param account The account.
     * @param party The party it is bound to.
     */
    error AccountBoundElsewhere(address account, bytes32 party);

    /**
     * @notice The account is not bound to any party.
     * @param account The account.
     */
    error AccountNotBound(address account);

    /**
     * @notice Emitted when an account is bound to a verified natural person, with whether the
     * person is of full age as the attestor states it.
     * @param party The party id.
     * @param account The account bound to it.
     * @param adult Whether the person is of full age.
     * @param actor Account that bound it.
     */
    event PersonAccountBound(bytes32 indexed party, address indexed account, bool adult, address actor);

    /**
     * @notice Emitted when an account's binding to a party is removed.
     * @param party The party id.
     * @param account The account.
     * @param actor Account that removed it.
     */
    event AccountUnbound(bytes32 indexed party, address indexed account, address actor);

    /**
     * @notice Emitted when a party's attestation is recorded (superseding any earlier one).
     * @param party The party id.
     * @param commitment SM3(salt ‖ identity).
     * @param expiresAt Unix time it stops holding.
     * @param attestorSignature The attestor's SM2 signature (r ‖ s) of the statement.
     * @param actor Account that recorded it.
     */
    event Attested(
        bytes32 indexed party, bytes32 indexed commitment, uint64 expiresAt, bytes attestorSignature, address actor
    );

    /**
     * @notice Emitted when a party's attestation is revoked.
     * @param party The party id.
     * @param commitment The revoked commitment.
     * @param reasonDigest Digest of the reason (kept off chain).
     * @param actor Account that revoked it.
     */
    event AttestationRevoked(bytes32 indexed party, bytes32 indexed commitment, bytes32 reasonDigest, address actor);

    /**
     * @notice Sets up the admin and the first attestor account.
     * @param admin Account granted {DEFAULT_ADMIN_ROLE}.
     * @param attestor Account granted {ATTESTOR_ROLE} (none if zero).
     * @param roleGrantDelay_ Delay of the two-step grant of further attestors ({DelayedRoleGrants};
     * 0 only on development and test chains).
     */
    constructor(address admin, address attestor, uint48 roleGrantDelay_)
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin)
        DelayedRoleGrants(roleGrantDelay_)
    {
        if (attestor != address(0)) _grantRole(ATTESTOR_ROLE, attestor);
    }

    /**
     * @notice Records `party`'s attestation: `commitment` holds until `expiresAt`, superseding
     * the party's earlier one.
     * @dev Only {ATTESTOR_ROLE}. Reverts with {ZeroParty}, {ZeroCommitment}, {EmptySignature},
     * {AlreadyExpired} or {CommitmentUsed}. Emits {Attested}.
     * @param party The party id (ASCII, zero-padded).
     * @param commitment SM3(salt ‖ identity).
     * @param expiresAt Unix time it stops holding.
     * @param attestorSignature The attestor's SM2 signature (r ‖ s) of the statement.
     */
    function attest(bytes32 party, bytes32 commitment, uint64 expiresAt, bytes calldata attestorSignature)
        external
        onlyRole(ATTESTOR_ROLE)
    {
        if (party == bytes32(0)) revert ZeroParty();
        if (commitment == bytes32(0)) revert ZeroCommitment(party);
        if (attestorSignature.length == 0) revert EmptySignature(party);
        if (expiresAt <= block.timestamp) revert AlreadyExpired(party, expiresAt, uint64(block.timestamp));
        if (_used[commitment]) revert CommitmentUsed(commitment);
        _used[commitment] = true;
        _attestations[party] = Attestation({
            commitment: commitment,
            expiresAt: expiresAt,
            attestedAt: uint64(block.timestamp),
            revoked: false,
            person: false,
            adult: false
        });
        emit Attested(party, commitment, expiresAt, attestorSignature, _msgSender());
    }

    /**
     * @notice Revokes `party`'s current attestation, named by its commitment.
     * @dev Only {ATTESTOR_ROLE}. Reverts with {NotCurrentAttestation} or {AlreadyRevoked}.
     * Emits {AttestationRevoked}.
     * @param party The party id.
     * @param commitment The commitment of its current attestation.
     * @param reasonDigest Digest of the reason.
     */
    function revoke(bytes32 party, bytes32 commitment, bytes32 reasonDigest) external onlyRole(ATTESTOR_ROLE) {
        Attestation storage current = _attestations[party];
        if (commitment == bytes32(0) || current.commitment != commitment) {
            revert NotCurrentAttestation(party, commitment);
        }
        if (current.revoked) revert AlreadyRevoked(party, commitment);
        current.revoked = true;
        emit AttestationRevoked(party, commitment, reasonDigest, _msgSender());
    }

    /**
     * @notice `party`'s current attestation (all zero if none).
     * @param party The party id.
     * @return commitment SM3(salt ‖ identity).
     * @return expiresAt Unix time it stops holding.
     * @return attestedAt Block timestamp it was recorded.
     * @return revoked Whether it was revoked.
     */
    function attestationOf(bytes32 party)
        external
        view
        returns (bytes32 commitment, uint64 expiresAt, uint64 attestedAt, bool revoked)
    {
        Attestation storage current = _attestations[party];
        return (current.commitment, current.expiresAt, current.attestedAt, current.revoked);
    }

    /**
     * @notice Whether `party` holds an attestation in force: recorded, not revoked, not expired.
     * @param party The party id.
     * @return True while verified.
     */
    function isVerified(bytes32 party) public view returns (bool) {
        Attestation storage current = _attestations[party];
        return current.commitment != bytes32(0) && !current.revoked && current.expiresAt > block.timestamp;
    }

    /**
     * @notice Binds `account` to `party`, a natural person with an attestation in force, and
     * records whether the person is of full age (完全民事行为能力; only the flag, never a birth date).
     * @dev Only {ATTESTOR_ROLE}. The person and adult facts belong to the current attestation: a
     * new attestation of the party clears them until they are stated again. Binding the same
     * account again restates the facts. Reverts with {ZeroAccount}, {NotVerified} or
     * {AccountBoundElsewhere}. Emits {PersonAccountBound}.
     * @param party The party id.
     * @param account The account to bind.
     * @param adult Whether the person is of full age.
     */
    function bindPersonAccount(bytes32 party, address account, bool adult) external onlyRole(ATTESTOR_ROLE) {
        if (account == address(0)) revert ZeroAccount();
        if (!isVerified(party)) revert NotVerified(party);
        bytes32 bound = _accountParty[account];
        if (bound != bytes32(0) && bound != party) revert AccountBoundElsewhere(account, bound);
        _accountParty[account] = party;
        Attestation storage current = _attestations[party];
        current.person = true;
        current.adult = adult;
        emit PersonAccountBound(party, account, adult, _msgSender());
    }

    /**
     * @notice Removes the binding of `account` (its party keeps its attestation).
     * @dev Only {ATTESTOR_ROLE}. Reverts with {AccountNotBound}. Emits {AccountUnbound}.
     * @param account The bound account.
     */
    function unbindAccount(address account) external onlyRole(ATTESTOR_ROLE) {
        bytes32 party = _accountParty[account];
        if (party == bytes32(0)) revert AccountNotBound(account);
        delete _accountParty[account];
        emit AccountUnbound(party, account, _msgSender());
    }

    /**
     * @notice The party `account` is bound to (zero if none).
     * @param account The account.
     * @return party The party id.
     */
    function partyOf(address account) external view returns (bytes32 party) {
        return _accountParty[account];
    }

    /**
     * @notice The person facts of `party`'s current attestation.
     * @param party The party id.
     * @return person Whether it is a natural person.
     * @return adult Whether the person is of full age.
     */
    function personFactsOf(bytes32 party) external view returns (bool person, bool adult) {
        Attestation storage current = _attestations[party];
        return (current.person, current.adult);
    }

    /**
     * @notice Whether `account` is bound to a verified natural person of full age: bound, the
     * party's attestation in force, stated a person and an adult. What {Editions} asks of every
     * holder of a copy.
     * @param account The account.
     * @return True for a verified adult person's account.
     */
    function isVerifiedAdult(address account) external view returns (bool) {
        bytes32 party = _accountParty[account];
        if (party == bytes32(0)) return false;
        Attestation storage current = _attestations[party];
        return current.person && current.adult && !current.revoked && current.expiresAt > block.timestamp;
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";

/**
 * @title IdentityAttestations
 * @notice Records, per party, the salted commitment of its identity attestation (实名认证): that
 * an identity attestor vouched for who the party is, until when, and whether it was revoked.
 * @dev A party is its registry id as bytes32 (ASCII, zero-padded on the right). The commitment
 * is `SM3(salt ‖ canonical identity JSON)`; neither the identity nor the salt is ever on chain.
 * The attestor's SM2 signature over its `banquan.attestation/1` statement is emitted so that
 * anyone can check it off chain (the EVM has no SM2). The registry's sending account holds
 * {ATTESTOR_ROLE} after it checked the signature against a configured attestor key. A
 * commitment is recorded once, ever: a revoked or superseded one is not attested again.
 */
contract IdentityAttestations is AccessControlDefaultAdminRules {
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
     */
    struct Attestation {
        bytes32 commitment;
        uint64 expiresAt;
        uint64 attestedAt;
        bool revoked;
    }

    mapping(bytes32 party => Attestation) private _attestations;
    mapping(bytes32 commitment => bool) private _used;

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
     */
    constructor(address admin, address attestor) AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin) {
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
            commitment: commitment, expiresAt: expiresAt, attestedAt: uint64(block.timestamp), revoked: false
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
    function isVerified(bytes32 party) external view returns (bool) {
        Attestation storage current = _attestations[party];
        return current.commitment != bytes32(0) && !current.revoked && current.expiresAt > block.timestamp;
    }
}

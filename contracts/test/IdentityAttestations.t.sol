// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IdentityAttestations} from "../IdentityAttestations.sol";
import {SuiteBase} from "./SuiteBase.sol";

contract IdentityAttestationsTest is SuiteBase {
    bytes32 private constant PARTY = bytes32("party_5f0c2a9e4b7d1c33");
    bytes32 private constant COMMITMENT = keccak256("SM3(salt || identity)");
    bytes32 private constant OTHER_COMMITMENT = keccak256("another identity");
    bytes32 private constant REASON = keccak256("licence revoked");
    address private constant ATTESTOR = address(0xA77E57);
    bytes private constant SIGNATURE = hex"2fe7ad25a64339f1afbd064f5a120001138562adca1ea3962539b711360afd82";
    uint64 private constant EXPIRES = START_TIME + 365 days;

    IdentityAttestations private attestations;

    function setUp() public {
        vm.warp(START_TIME);
        attestations = new IdentityAttestations(ADMIN, ATTESTOR, 0);
    }

    function _assertNone(bytes32 party) private view {
        (bytes32 commitment, uint64 expiresAt, uint64 attestedAt, bool revoked) = attestations.attestationOf(party);
        _assertEq(commitment, bytes32(0), "no commitment");
        _assertEq(expiresAt, 0, "no expiry");
        _assertEq(attestedAt, 0, "not attested");
        _assertTrue(!revoked, "not revoked");
        _assertTrue(!attestations.isVerified(party), "not verified");
    }

    function test_attest_recordsCommitmentAndEmits() public {
        vm.expectEmit(true, true, true, true, address(attestations));
        emit IdentityAttestations.Attested(PARTY, COMMITMENT, EXPIRES, SIGNATURE, ATTESTOR);
        vm.prank(ATTESTOR);
        attestations.attest(PARTY, COMMITMENT, EXPIRES, SIGNATURE);
        (bytes32 commitment, uint64 expiresAt, uint64 attestedAt, bool revoked) = attestations.attestationOf(PARTY);
        _assertEq(commitment, COMMITMENT, "commitment");
        _assertEq(expiresAt, EXPIRES, "expiresAt");
        _assertEq(attestedAt, START_TIME, "attestedAt");
        _assertTrue(!revoked, "not revoked");
        _assertTrue(attestations.isVerified(PARTY), "verified");
    }

    function test_attest_revertsForAnotherAccount() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, attestations.ATTESTOR_ROLE()
            )
        );
        vm.prank(STRANGER);
        attestations.attest(PARTY, COMMITMENT, EXPIRES, SIGNATURE);
        _assertNone(PARTY);
    }

    function test_attest_revertsForTheAdminWithoutTheRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, ADMIN, attestations.ATTESTOR_ROLE()
            )
        );
        vm.prank(ADMIN);
        attestations.attest(PARTY, COMMITMENT, EXPIRES, SIGNATURE);
        _assertNone(PARTY);
    }

    function test_attest_revertsOnZeroPartyOrCommitmentOrNoSignature() public {
        vm.startPrank(ATTESTOR);
        vm.expectRevert(abi.encodeWithSelector(IdentityAttestations.ZeroParty.selector));
        attestations.attest(bytes32(0), COMMITMENT, EXPIRES, SIGNATURE);
        vm.expectRevert(abi.encodeWithSelector(IdentityAttestations.ZeroCommitment.selector, PARTY));
        attestations.attest(PARTY, bytes32(0), EXPIRES, SIGNATURE);
        vm.expectRevert(abi.encodeWithSelector(IdentityAttestations.EmptySignature.selector, PARTY));
        attestations.attest(PARTY, COMMITMENT, EXPIRES, "");
        vm.stopPrank();
        _assertNone(PARTY);
    }

    function test_attest_revertsWhenAlreadyExpired() public {
        vm.expectRevert(
            abi.encodeWithSelector(IdentityAttestations.AlreadyExpired.selector, PARTY, START_TIME, START_TIME)
        );
        vm.prank(ATTESTOR);
        attestations.attest(PARTY, COMMITMENT, START_TIME, SIGNATURE);
        _assertNone(PARTY);
    }

    function test_attest_aNewCommitmentSupersedesAndAnOldOneIsNeverReused() public {
        vm.startPrank(ATTESTOR);
        attestations.attest(PARTY, COMMITMENT, EXPIRES, SIGNATURE);
        attestations.attest(PARTY, OTHER_COMMITMENT, EXPIRES, SIGNATURE);
        (bytes32 commitment,,,) = attestations.attestationOf(PARTY);
        _assertEq(commitment, OTHER_COMMITMENT, "superseded");
        vm.expectRevert(abi.encodeWithSelector(IdentityAttestations.CommitmentUsed.selector, COMMITMENT));
        attestations.attest(PARTY, COMMITMENT, EXPIRES, SIGNATURE);
        vm.expectRevert(abi.encodeWithSelector(IdentityAttestations.CommitmentUsed.selector, OTHER_COMMITMENT));
        attestations.attest(keccak256("other party"), OTHER_COMMITMENT, EXPIRES, SIGNATURE);
        vm.stopPrank();
    }

    function test_isVerified_falseOnceExpired() public {
        vm.prank(ATTESTOR);
        attestations.attest(PARTY, COMMITMENT, EXPIRES, SIGNATURE);
        vm.warp(EXPIRES);
        _assertTrue(!attestations.isVerified(PARTY), "expired");
    }

    function test_revoke_marksRevokedAndEmits() public {
        vm.startPrank(ATTESTOR);
        attestations.attest(PARTY, COMMITMENT, EXPIRES, SIGNATURE);
        vm.expectEmit(true, true, true, true, address(attestations));
        emit IdentityAttestations.AttestationRevoked(PARTY, COMMITMENT, REASON, ATTESTOR);
        attestations.revoke(PARTY, COMMITMENT, REASON);
        vm.stopPrank();
        (bytes32 commitment,,, bool revoked) = attestations.attestationOf(PARTY);
        _assertEq(commitment, COMMITMENT, "kept");
        _assertTrue(revoked, "revoked");
        _assertTrue(!attestations.isVerified(PARTY), "not verified");
    }

    function test_revoke_revertsForAnotherAccount() public {
        vm.prank(ATTESTOR);
        attestations.attest(PARTY, COMMITMENT, EXPIRES, SIGNATURE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, attestations.ATTESTOR_ROLE()
            )
        );
        vm.prank(STRANGER);
        attestations.revoke(PARTY, COMMITMENT, REASON);
        _assertTrue(attestations.isVerified(PARTY), "still verified");
    }

    function test_revoke_revertsForAnotherCommitmentOrTwice() public {
        vm.startPrank(ATTESTOR);
        vm.expectRevert(
            abi.encodeWithSelector(IdentityAttestations.NotCurrentAttestation.selector, PARTY, COMMITMENT)
        );
        attestations.revoke(PARTY, COMMITMENT, REASON);
        attestations.attest(PARTY, COMMITMENT, EXPIRES, SIGNATURE);
        vm.expectRevert(
            abi.encodeWithSelector(IdentityAttestations.NotCurrentAttestation.selector, PARTY, OTHER_COMMITMENT)
        );
        attestations.revoke(PARTY, OTHER_COMMITMENT, REASON);
        attestations.revoke(PARTY, COMMITMENT, REASON);
        vm.expectRevert(abi.encodeWithSelector(IdentityAttestations.AlreadyRevoked.selector, PARTY, COMMITMENT));
        attestations.revoke(PARTY, COMMITMENT, REASON);
        vm.stopPrank();
    }

    function test_bindPersonAccount_revertsForAnotherAccount() public {
        vm.prank(ATTESTOR);
        attestations.attest(PARTY, COMMITMENT, EXPIRES, SIGNATURE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, attestations.ATTESTOR_ROLE()
            )
        );
        vm.prank(STRANGER);
        attestations.bindPersonAccount(PARTY, STRANGER, true);
        _assertTrue(!attestations.isVerifiedAdult(STRANGER), "not bound");
    }

    function test_bindPersonAccount_recordsAnAdultPerson() public {
        vm.startPrank(ATTESTOR);
        vm.expectRevert(abi.encodeWithSelector(IdentityAttestations.NotVerified.selector, PARTY));
        attestations.bindPersonAccount(PARTY, BUYER, true);
        attestations.attest(PARTY, COMMITMENT, EXPIRES, SIGNATURE);
        vm.expectRevert(abi.encodeWithSelector(IdentityAttestations.ZeroAccount.selector));
        attestations.bindPersonAccount(PARTY, address(0), true);
        vm.expectEmit(true, true, true, true, address(attestations));
        emit IdentityAttestations.PersonAccountBound(PARTY, BUYER, true, ATTESTOR);
        attestations.bindPersonAccount(PARTY, BUYER, true);
        vm.stopPrank();
        _assertEq(attestations.partyOf(BUYER), PARTY, "bound");
        (bool person, bool adult) = attestations.personFactsOf(PARTY);
        _assertTrue(person && adult, "adult person");
        _assertTrue(attestations.isVerifiedAdult(BUYER), "verified adult");
        vm.warp(EXPIRES);
        _assertTrue(!attestations.isVerifiedAdult(BUYER), "expired");
    }

    function test_bindPersonAccount_aMinorIsNotAnAdultAndANewAttestationClearsTheFacts() public {
        vm.startPrank(ATTESTOR);
        attestations.attest(PARTY, COMMITMENT, EXPIRES, SIGNATURE);
        attestations.bindPersonAccount(PARTY, BUYER, false);
        _assertTrue(!attestations.isVerifiedAdult(BUYER), "minor");
        attestations.bindPersonAccount(PARTY, BUYER, true);
        _assertTrue(attestations.isVerifiedAdult(BUYER), "now of age");
        attestations.attest(PARTY, OTHER_COMMITMENT, EXPIRES, SIGNATURE);
        _assertTrue(!attestations.isVerifiedAdult(BUYER), "facts cleared");
        attestations.revoke(PARTY, OTHER_COMMITMENT, REASON);
        vm.expectRevert(abi.encodeWithSelector(IdentityAttestations.NotVerified.selector, PARTY));
        attestations.bindPersonAccount(PARTY, BUYER, true);
        vm.stopPrank();
    }

    function test_bindPersonAccount_revertsForAnAccountBoundElsewhereAndUnbinds() public {
        bytes32 other = bytes32("party_other");
        vm.startPrank(ATTESTOR);
        attestations.attest(PARTY, COMMITMENT, EXPIRES, SIGNATURE);
        attestations.attest(other, OTHER_COMMITMENT, EXPIRES, SIGNATURE);
        attestations.bindPersonAccount(PARTY, BUYER, true);
        vm.expectRevert(abi.encodeWithSelector(IdentityAttestations.AccountBoundElsewhere.selector, BUYER, PARTY));
        attestations.bindPersonAccount(other, BUYER, true);
        vm.expectEmit(true, true, true, true, address(attestations));
        emit IdentityAttestations.AccountUnbound(PARTY, BUYER, ATTESTOR);
        attestations.unbindAccount(BUYER);
        _assertTrue(!attestations.isVerifiedAdult(BUYER), "unbound");
        vm.expectRevert(abi.encodeWithSelector(IdentityAttestations.AccountNotBound.selector, BUYER));
        attestations.unbindAccount(BUYER);
        attestations.bindPersonAccount(other, BUYER, true);
        vm.stopPrank();
        _assertEq(attestations.partyOf(BUYER), other, "rebound");
    }
}

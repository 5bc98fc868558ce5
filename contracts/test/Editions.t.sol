// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Editions} from "../Editions.sol";
import {IEditionWork, IEditionLicences, IEditionIdentity} from "../interfaces/IEditionSources.sol";
import {IdentityAttestations} from "../IdentityAttestations.sol";
import {IModeration} from "../interfaces/IModeration.sol";
import {IRegistryAnchor} from "../interfaces/IRegistryAnchor.sol";
import {IRightsAsset, IMPORTER_ROLE} from "../interfaces/IRightsAsset.sol";
import {ILienRegistry} from "../interfaces/ILienRegistry.sol";
import {ISuiteErrors} from "../interfaces/ISuiteErrors.sol";
import {RightsAsset} from "../RightsAsset.sol";
import {Pledges} from "../Pledges.sol";
import {Licences} from "../Licences.sol";
import {SuiteMigrator} from "../SuiteMigrator.sol";
import {SuiteBase} from "./SuiteBase.sol";

contract EditionsTest is SuiteBase {
    address private constant ATTESTOR = address(0xA77E57);
    address private constant READER1 = address(0x4EAD1);
    address private constant READER2 = address(0x4EAD2);
    address private constant READER3 = address(0x4EAD3);
    address private constant MINOR = address(0x4EAD4);
    address private constant UNBOUND = address(0x4EAD5);
    uint32 private constant NETWORK = uint32(1) << 11;
    bytes private constant COVER = hex"01711220c0c0";
    uint64 private constant LOCK_ISSUE = 180 days;
    uint64 private constant LOCK_GIFT = 2 * 365 days;
    uint16 private constant HONG_KONG = 344;

    IdentityAttestations private identity;
    Editions private editions;
    uint256 private assetId;
    uint256 private nextCommitment = 1;

    function setUp() public {
        _deploySuite(false);
        identity = new IdentityAttestations(ADMIN, ATTESTOR, 0);
        editions = new Editions(
            IEditionWork(address(assets)),
            IEditionLicences(address(licences)),
            IModeration(address(moderation)),
            IEditionIdentity(address(identity))
        );
        assetId = _tokenize(keccak256("the book"));
        _verify(READER1, true);
        _verify(READER2, true);
        _verify(READER3, true);
        _verify(MINOR, false);
    }

    // ---------------------------------------------------------------- helpers

    function _verify(address account, bool adult) private {
        bytes32 party = bytes32(uint256(uint160(account)));
        vm.startPrank(ATTESTOR);
        identity.attest(party, bytes32(nextCommitment++), uint64(block.timestamp) + 10 * 365 days, hex"01");
        identity.bindPersonAccount(party, account, adult);
        vm.stopPrank();
    }

    function _terms(uint32 size) private pure returns (Editions.Terms memory) {
        return Editions.Terms({
            size: size,
            territory: CHINA,
            lockAfterIssue: LOCK_ISSUE,
            lockAfterGift: LOCK_GIFT,
            dailyGiftLimit: 2,
            sole: false
        });
    }

    function _termsIn(uint16 territory) private pure returns (Editions.Terms memory terms) {
        terms = _terms(10);
        terms.territory = territory;
    }

    function _ownerNotEntitled(uint256 asset, uint16 territory, uint32 rights, uint16 held, uint64 termEnd)
        private
        pure
        returns (bytes memory)
    {
        return abi.encodeWithSelector(Editions.OwnerNotEntitled.selector, asset, territory, rights, held, termEnd);
    }

    function _create(uint32 size) private returns (uint256 editionId) {
        vm.prank(owner);
        editionId = editions.create(assetId, COVER, _terms(size));
    }

    function _readers() private pure returns (address[] memory holders) {
        holders = new address[](3);
        holders[0] = READER1;
        holders[1] = READER2;
        holders[2] = READER3;
    }

    /// @dev Creates an edition of 10 and issues copies 1..3 to READER1..3.
    function _issued() private returns (uint256 editionId) {
        editionId = _create(10);
        vm.prank(owner);
        editions.issue(editionId, _readers());
    }

    function _leaves(uint256 editionId, uint256 firstCopy, address[] memory holders)
        private
        view
        returns (bytes32[] memory leaves)
    {
        leaves = new bytes32[](holders.length);
        for (uint256 i = 0; i < holders.length; ++i) {
            leaves[i] = editions.copyLeaf(editionId, firstCopy + i, holders[i]);
        }
    }

    /// @dev The proof of leaf `index` in the tree the contract builds (sorted pairs, odd node carried up).
    function _proof(bytes32[] memory leaves, uint256 index) private pure returns (bytes32[] memory proof) {
        bytes32[] memory path = new bytes32[](32);
        uint256 depth = 0;
        bytes32[] memory level = leaves;
        uint256 n = leaves.length;
        while (n > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < n) path[depth++] = level[sibling];
            uint256 m = (n + 1) / 2;
            bytes32[] memory next = new bytes32[](m);
            for (uint256 i = 0; i < n / 2; ++i) {
                next[i] = _hashPair(level[2 * i], level[2 * i + 1]);
            }
            if (n % 2 == 1) next[m - 1] = level[n - 1];
            level = next;
            n = m;
            index /= 2;
        }
        proof = new bytes32[](depth);
        for (uint256 i = 0; i < depth; ++i) {
            proof[i] = path[i];
        }
    }

    function _hashPair2(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    function _readerProof(uint256 editionId, uint256 copy) private view returns (bytes32[] memory) {
        return _proof(_leaves(editionId, 1, _readers()), copy - 1);
    }

    function _gift(uint256 editionId, uint256 copy, address from, address to) private {
        bytes32[] memory proof = _readerProof(editionId, copy);
        vm.prank(from);
        editions.gift(editionId, copy, to, 0, proof);
    }

    function _expectGiftRevert(uint256 editionId, uint256 copy, address from, address to, bytes memory expected)
        private
    {
        (address holderBefore, uint64 receivedBefore) = editions.copyRecord(editionId, copy);
        bytes32[] memory proof = _readerProof(editionId, copy);
        vm.expectRevert(expected);
        vm.prank(from);
        editions.gift(editionId, copy, to, 0, proof);
        (address holderAfter, uint64 receivedAfter) = editions.copyRecord(editionId, copy);
        _assertEq(holderAfter, holderBefore, "holder unchanged");
        _assertEq(receivedAfter, receivedBefore, "record unchanged");
    }

    /// @dev A work tokenized to `owner` with `rights` over `territory` (the default term).
    function _tokenizeWith(bytes32 leaf, uint32 rights, uint16 territory) private returns (uint256 id) {
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(leaf);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        metadata.rights = rights;
        metadata.territory = territory;
        vm.prank(REGISTRAR);
        id = assets.tokenize(owner, leaf, proof, root, metadata, address(0), 0, "");
    }

    function _one(address reader) private pure returns (address[] memory holders) {
        holders = new address[](1);
        holders[0] = reader;
    }

    /// @dev Seals the suite naming a successor and migrates the work there; the successor's
    /// `RightsAsset` and `Licences`.
    function _sealAndMigrate() private returns (RightsAsset nextAssets, Licences nextLicences) {
        nextAssets = new RightsAsset(
            ADMIN, REGISTRAR, IRegistryAnchor(address(registry)), IModeration(address(moderation)), 0, 1, assets
        );
        Pledges nextPledges =
            new Pledges(ADMIN, IRightsAsset(address(nextAssets)), IModeration(address(moderation)), false, 0);
        nextLicences = new Licences(
            IRightsAsset(address(nextAssets)), IModeration(address(moderation)), ILienRegistry(address(nextPledges))
        );
        vm.startPrank(ADMIN);
        nextAssets.bindLienRegistry(ILienRegistry(address(nextPledges)));
        nextPledges.bindLicences(address(nextLicences));
        vm.stopPrank();
        SuiteMigrator migrator = new SuiteMigrator(assets, nextAssets);
        vm.startPrank(ADMIN);
        _grantDelayed(nextAssets, IMPORTER_ROLE, address(migrator));
        assets.revokeRole(assets.REGISTRAR_ROLE(), REGISTRAR);
        assets.scheduleSeal(address(nextAssets));
        vm.warp(block.timestamp + 2 days);
        assets.executeSeal();
        vm.stopPrank();
        migrator.migrate(assetId);
    }

    // ---------------------------------------------------------------- adversaries

    function test_create_revertsForAnotherPublisher() public {
        vm.expectRevert(abi.encodeWithSelector(Editions.NotPublisher.selector, assetId, STRANGER));
        vm.prank(STRANGER);
        editions.create(assetId, COVER, _terms(10));
        _assertEq(editions.editionCount(), 0, "no edition");
    }

    function test_create_revertsForALicenseeOfAnotherRightOrTerritory() public {
        vm.startPrank(owner);
        licences.grant(assetId, LICENSEE, uint32(1) << 5, CHINA, START_TIME, START_TIME + 365 days, false, true, 0);
        licences.grant(assetId, LICENSEE2, NETWORK, 344, START_TIME, START_TIME + 365 days, false, true, 0);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(Editions.NotPublisher.selector, assetId, LICENSEE));
        vm.prank(LICENSEE);
        editions.create(assetId, COVER, _terms(10));
        vm.expectRevert(abi.encodeWithSelector(Editions.NotPublisher.selector, assetId, LICENSEE2));
        vm.prank(LICENSEE2);
        editions.create(assetId, COVER, _terms(10));
        _assertEq(editions.editionCount(), 0, "no edition");
    }

    function test_create_byALicenseeOfTheNetworkRightForTheTerritory() public {
        vm.prank(owner);
        licences.grant(assetId, LICENSEE, NETWORK, CHINA, START_TIME, START_TIME + 365 days, false, true, 0);
        vm.prank(LICENSEE);
        uint256 editionId = editions.create(assetId, COVER, _terms(10));
        _assertEq(editions.editionOf(editionId).publisher, LICENSEE, "publisher");
        vm.prank(LICENSEE);
        editions.issue(editionId, _readers());
        // Once the licence ends, the licensee issues no more.
        vm.warp(START_TIME + 365 days);
        address[] memory one = new address[](1);
        one[0] = READER1;
        vm.expectRevert(abi.encodeWithSelector(Editions.NotPublisher.selector, assetId, LICENSEE));
        vm.prank(LICENSEE);
        editions.issue(editionId, one);
    }

    function test_create_revertsForTheOwnerWhileAnotherHoldsTheExclusiveNetworkLicence() public {
        vm.prank(owner);
        uint256 licenceId =
            licences.grant(assetId, LICENSEE, NETWORK, CHINA, START_TIME, START_TIME + 365 days, true, true, 0);
        // 专有使用权 excludes the licensor too: the owner publishes no edition in China now.
        vm.expectRevert(abi.encodeWithSelector(Editions.ExclusivelyLicensed.selector, assetId, licenceId, LICENSEE));
        vm.prank(owner);
        editions.create(assetId, COVER, _terms(10));
        Editions.Terms memory worldwide = _termsIn(0);
        vm.expectRevert(abi.encodeWithSelector(Editions.ExclusivelyLicensed.selector, assetId, licenceId, LICENSEE));
        vm.prank(owner);
        editions.create(assetId, COVER, worldwide);
        _assertEq(editions.editionCount(), 0, "no edition");
        // Elsewhere the owner still may; the exclusive licensee may in China.
        Editions.Terms memory hongKong = _termsIn(344);
        vm.prank(owner);
        editions.create(assetId, COVER, hongKong);
        vm.prank(LICENSEE);
        editions.create(assetId, hex"01711220c0c1", _terms(10));
        // Once the licence ends, so does the exclusion.
        vm.warp(START_TIME + 365 days);
        vm.prank(owner);
        editions.create(assetId, hex"01711220c0c2", _terms(10));
        _assertEq(editions.editionCount(), 3, "three editions");
    }

    function test_issue_revertsForTheOwnerWhileAnotherHoldsTheExclusiveNetworkLicence() public {
        uint256 editionId = _issued();
        // Granted after the edition, starting in a month: until then the owner issues.
        vm.prank(owner);
        uint256 licenceId = licences.grant(
            assetId, LICENSEE, NETWORK, 0, START_TIME + 30 days, START_TIME + 365 days, true, true, 0
        );
        address[] memory one = new address[](1);
        one[0] = READER1;
        vm.prank(owner);
        editions.issue(editionId, one);
        vm.warp(START_TIME + 30 days);
        vm.expectRevert(abi.encodeWithSelector(Editions.ExclusivelyLicensed.selector, assetId, licenceId, LICENSEE));
        vm.prank(owner);
        editions.issue(editionId, one);
        vm.expectRevert(abi.encodeWithSelector(Editions.ExclusivelyLicensed.selector, assetId, licenceId, LICENSEE));
        vm.prank(owner);
        editions.postAllowList(editionId, keccak256("readers"), 2);
        _assertEq(editions.editionOf(editionId).issued, 4, "nothing more issued");
        // A revoked exclusive licence excludes no longer.
        vm.prank(owner);
        licences.revoke(licenceId, keccak256("breach"));
        vm.prank(owner);
        editions.issue(editionId, one);
        _assertEq(editions.editionOf(editionId).issued, 5, "issued once the licence is revoked");
    }

    function test_create_byTheOwnerBesideAnExclusiveLicenceOfAnotherRight() public {
        vm.prank(owner);
        licences.grant(assetId, LICENSEE, uint32(1) << 5, CHINA, START_TIME, START_TIME + 365 days, true, true, 0);
        vm.prank(owner);
        uint256 editionId = editions.create(assetId, COVER, _terms(10));
        _assertEq(editions.editionOf(editionId).publisher, owner, "the owner publishes");
    }

    function test_create_revertsForTheOwnerInATerritoryTheAssetDoesNotCarry() public {
        uint256 chinaOnly = _tokenizeWith(keccak256("china only"), PROPERTY_RIGHTS, CHINA);
        // The owner licenses right 11 in China, all it holds, exclusively.
        vm.prank(owner);
        uint256 licenceId = licences.grant(chinaOnly, LICENSEE, NETWORK, CHINA, START_TIME, TERM_END, true, false, 0);
        vm.expectRevert(abi.encodeWithSelector(Editions.ExclusivelyLicensed.selector, chinaOnly, licenceId, LICENSEE));
        vm.prank(owner);
        editions.create(chinaOnly, COVER, _terms(10));
        // Another territory is no way round it: the asset does not carry it, nor worldwide.
        Editions.Terms memory hongKong = _termsIn(HONG_KONG);
        vm.expectRevert(_ownerNotEntitled(chinaOnly, HONG_KONG, PROPERTY_RIGHTS, CHINA, TERM_END));
        vm.prank(owner);
        editions.create(chinaOnly, COVER, hongKong);
        Editions.Terms memory worldwide = _termsIn(0);
        vm.expectRevert(_ownerNotEntitled(chinaOnly, 0, PROPERTY_RIGHTS, CHINA, TERM_END));
        vm.prank(owner);
        editions.create(chinaOnly, COVER, worldwide);
        _assertEq(editions.editionCount(), 0, "no edition");
        // The exclusive licensee publishes in China.
        vm.prank(LICENSEE);
        editions.create(chinaOnly, COVER, _terms(10));
        _assertEq(editions.editionCount(), 1, "the licensee's edition");
    }

    function test_issue_revertsForTheOwnerInATerritoryTheAssetDoesNotCarry() public {
        // An edition amended to a territory the asset does not carry issues nothing.
        uint256 chinaOnly = _tokenizeWith(keccak256("china only"), PROPERTY_RIGHTS, CHINA);
        vm.prank(owner);
        uint256 editionId = editions.create(chinaOnly, COVER, _terms(10));
        Editions.Terms memory hongKong = _termsIn(HONG_KONG);
        vm.expectRevert(_ownerNotEntitled(chinaOnly, HONG_KONG, PROPERTY_RIGHTS, CHINA, TERM_END));
        vm.prank(owner);
        editions.amendTerms(editionId, COVER, hongKong);
        vm.prank(owner);
        editions.issue(editionId, _one(READER1));
        _assertEq(editions.editionOf(editionId).territory, CHINA, "terms unchanged");
    }

    function test_create_revertsForTheOwnerOfAnAssetWithoutTheNetworkRight() public {
        uint32 rights = PROPERTY_RIGHTS & ~NETWORK;
        uint256 withoutNetwork = _tokenizeWith(keccak256("no network right"), rights, 0);
        vm.expectRevert(_ownerNotEntitled(withoutNetwork, CHINA, rights, 0, TERM_END));
        vm.prank(owner);
        editions.create(withoutNetwork, COVER, _terms(10));
        _assertEq(editions.editionCount(), 0, "no edition");
    }

    function test_issue_revertsForTheOwnerOnceTheAssetsTermEnded() public {
        uint64 termEnd = START_TIME + 365 days;
        bytes32 leaf = keccak256("a term of a year");
        (bytes32 root, bytes32[] memory proof) = _anchorLeaf(leaf);
        RightsAsset.AssetMetadata memory metadata = _metadata();
        metadata.termEnd = termEnd;
        vm.prank(REGISTRAR);
        uint256 shortTerm = assets.tokenize(owner, leaf, proof, root, metadata, address(0), 0, "");
        vm.prank(owner);
        uint256 editionId = editions.create(shortTerm, COVER, _terms(10));
        vm.warp(termEnd - 1);
        vm.prank(owner);
        editions.issue(editionId, _one(READER1));
        vm.warp(termEnd);
        bytes memory refusal = _ownerNotEntitled(shortTerm, CHINA, PROPERTY_RIGHTS, 0, termEnd);
        vm.expectRevert(refusal);
        vm.prank(owner);
        editions.issue(editionId, _one(READER1));
        vm.expectRevert(refusal);
        vm.prank(owner);
        editions.create(shortTerm, hex"01711220c0c1", _terms(10));
        _assertEq(editions.editionOf(editionId).issued, 1, "nothing issued after the term");
    }

    function test_create_revertsForAnUntokenizedWork() public {
        vm.expectRevert(abi.encodeWithSelector(Editions.WorkNotTokenized.selector, 42));
        vm.prank(owner);
        editions.create(42, COVER, _terms(10));
    }

    function test_issue_revertsForAnotherAccount() public {
        uint256 editionId = _create(10);
        vm.expectRevert(abi.encodeWithSelector(Editions.NotEditionPublisher.selector, editionId, STRANGER));
        vm.prank(STRANGER);
        editions.issue(editionId, _readers());
        _assertEq(editions.editionOf(editionId).issued, 0, "nothing issued");
    }

    function test_gift_revertsForANonHolderWithAHoldersProof() public {
        uint256 editionId = _issued();
        vm.warp(START_TIME + LOCK_ISSUE);
        _expectGiftRevert(
            editionId, 1, READER2, READER3, abi.encodeWithSelector(Editions.NotHolder.selector, editionId, 1, READER2)
        );
        _expectGiftRevert(
            editionId, 1, STRANGER, READER3, abi.encodeWithSelector(Editions.NotHolder.selector, editionId, 1, STRANGER)
        );
    }

    function test_gift_revertsForTheFormerHolderAfterAGift() public {
        uint256 editionId = _issued();
        vm.warp(START_TIME + LOCK_ISSUE);
        _gift(editionId, 1, READER1, READER2);
        vm.warp(START_TIME + LOCK_ISSUE + LOCK_GIFT);
        _expectGiftRevert(
            editionId, 1, READER1, READER3, abi.encodeWithSelector(Editions.NotHolder.selector, editionId, 1, READER1)
        );
        _assertTrue(!editions.holds(editionId, 1, READER1, 0, _readerProof(editionId, 1)), "old proof dead");
    }

    function test_amendTerms_revertsForAnotherAccount() public {
        uint256 editionId = _create(10);
        vm.expectRevert(abi.encodeWithSelector(Editions.NotEditionPublisher.selector, editionId, STRANGER));
        vm.prank(STRANGER);
        editions.amendTerms(editionId, COVER, _terms(5));
    }

    // ---------------------------------------------------------------- bad input

    function test_gift_revertsInsideTheLockUpAfterIssueAndAfterAGift() public {
        uint256 editionId = _issued();
        uint64 until = START_TIME + LOCK_ISSUE;
        vm.warp(until - 1);
        _expectGiftRevert(
            editionId, 1, READER1, READER2, abi.encodeWithSelector(Editions.LockedUp.selector, editionId, 1, until)
        );
        vm.warp(until);
        _gift(editionId, 1, READER1, READER2);
        vm.warp(until + LOCK_GIFT - 1);
        _expectGiftRevert(
            editionId,
            1,
            READER2,
            READER3,
            abi.encodeWithSelector(Editions.LockedUp.selector, editionId, 1, until + LOCK_GIFT)
        );
        vm.warp(until + LOCK_GIFT);
        _gift(editionId, 1, READER2, READER3);
    }

    function test_gift_revertsToAnUnverifiedMinorOrRevokedParty() public {
        uint256 editionId = _issued();
        vm.warp(START_TIME + LOCK_ISSUE);
        _expectGiftRevert(
            editionId, 1, READER1, UNBOUND, abi.encodeWithSelector(Editions.NotVerifiedAdult.selector, UNBOUND)
        );
        _expectGiftRevert(
            editionId, 1, READER1, MINOR, abi.encodeWithSelector(Editions.NotVerifiedAdult.selector, MINOR)
        );
        bytes32 party = bytes32(uint256(uint160(READER2)));
        (bytes32 commitment,,,) = identity.attestationOf(party);
        vm.prank(ATTESTOR);
        identity.revoke(party, commitment, 0);
        _expectGiftRevert(
            editionId, 1, READER1, READER2, abi.encodeWithSelector(Editions.NotVerifiedAdult.selector, READER2)
        );
        _expectGiftRevert(editionId, 1, READER1, READER1, abi.encodeWithSelector(Editions.GiftToSelf.selector, READER1));
    }

    function test_gift_revertsFromAHolderWhoseAccountWasUnboundOrRevoked() public {
        uint256 editionId = _issued();
        vm.warp(START_TIME + LOCK_ISSUE);
        // A reader's key leaked and was revoked: the registry unbinds its account. The thief
        // holding the key cannot give its copy away, to itself or anyone, proof or no proof.
        vm.prank(ATTESTOR);
        identity.unbindAccount(READER1);
        _expectGiftRevert(
            editionId, 1, READER1, READER3, abi.encodeWithSelector(Editions.NotVerifiedAdult.selector, READER1)
        );
        // A reader whose party's attestation was revoked cannot either.
        bytes32 party = bytes32(uint256(uint160(READER2)));
        (bytes32 commitment,,,) = identity.attestationOf(party);
        vm.prank(ATTESTOR);
        identity.revoke(party, commitment, 0);
        _expectGiftRevert(
            editionId, 2, READER2, READER3, abi.encodeWithSelector(Editions.NotVerifiedAdult.selector, READER2)
        );
        // A copy already given away (its stored record decides) is refused the same way.
        _verify(READER1, true);
        _gift(editionId, 3, READER3, READER1);
        vm.prank(ATTESTOR);
        identity.unbindAccount(READER1);
        vm.warp(START_TIME + LOCK_ISSUE + LOCK_GIFT);
        vm.expectRevert(abi.encodeWithSelector(Editions.NotVerifiedAdult.selector, READER1));
        vm.prank(READER1);
        editions.gift(editionId, 3, READER3, 0, new bytes32[](0));
        (address holder,) = editions.copyRecord(editionId, 3);
        _assertEq(holder, READER1, "still the unbound holder's");
        _assertEq(editions.giftsToday(editionId, READER1), 0, "no gift counted");
    }

    function test_gift_byAVerifiedHolderAgainOnceReverified() public {
        uint256 editionId = _issued();
        vm.warp(START_TIME + LOCK_ISSUE);
        // An attestation that expired stops the holder giving until it is verified again.
        vm.warp(START_TIME + 10 * 365 days);
        _expectGiftRevert(
            editionId, 1, READER1, READER2, abi.encodeWithSelector(Editions.NotVerifiedAdult.selector, READER1)
        );
        _verify(READER1, true);
        _verify(READER2, true);
        vm.expectEmit(true, true, true, true, address(editions));
        emit Editions.Gifted(editionId, 1, READER1, READER2);
        _gift(editionId, 1, READER1, READER2);
        (address holder,) = editions.copyRecord(editionId, 1);
        _assertEq(holder, READER2, "given");
    }

    function test_gift_revertsOverTheDailyLimit() public {
        uint256 editionId = _create(10);
        address[] memory holders = new address[](3);
        holders[0] = READER1;
        holders[1] = READER1;
        holders[2] = READER1;
        vm.prank(owner);
        editions.issue(editionId, holders);
        bytes32[] memory leaves = _leaves(editionId, 1, holders);
        vm.warp(START_TIME + LOCK_ISSUE);
        vm.startPrank(READER1);
        editions.gift(editionId, 1, READER2, 0, _proof(leaves, 0));
        editions.gift(editionId, 2, READER3, 0, _proof(leaves, 1));
        bytes32[] memory proof = _proof(leaves, 2);
        vm.expectRevert(abi.encodeWithSelector(Editions.DailyGiftLimitReached.selector, editionId, READER1, 2));
        editions.gift(editionId, 3, READER2, 0, proof);
        _assertEq(editions.giftsToday(editionId, READER1), 2, "two today");
        // The next UTC day the limit starts again.
        vm.warp((block.timestamp / 1 days + 1) * 1 days);
        editions.gift(editionId, 3, READER2, 0, proof);
        vm.stopPrank();
        (address holder,) = editions.copyRecord(editionId, 3);
        _assertEq(holder, READER2, "given the next day");
    }

    function test_takedown_freezesTheEdition() public {
        uint256 editionId = _issued();
        vm.warp(START_TIME + LOCK_ISSUE);
        vm.prank(MODERATOR);
        moderation.freeze(bytes32(assetId), keccak256("infringing"));
        _assertTrue(editions.isFrozen(editionId), "frozen");
        _expectGiftRevert(
            editionId, 1, READER1, READER2, abi.encodeWithSelector(Editions.WorkTakenDown.selector, assetId)
        );
        address[] memory one = new address[](1);
        one[0] = READER1;
        vm.expectRevert(abi.encodeWithSelector(Editions.WorkTakenDown.selector, assetId));
        vm.prank(owner);
        editions.issue(editionId, one);
        vm.prank(MODERATOR);
        moderation.restore(bytes32(assetId), keccak256("cleared"));
        _gift(editionId, 1, READER1, READER2);
    }

    function test_issue_revertsBeyondTheSize() public {
        uint256 editionId = _create(4);
        vm.startPrank(owner);
        editions.issue(editionId, _readers());
        address[] memory two = new address[](2);
        two[0] = READER1;
        two[1] = READER2;
        vm.expectRevert(abi.encodeWithSelector(Editions.IssueBeyondSize.selector, editionId, 4, 3, 2));
        editions.issue(editionId, two);
        vm.expectRevert(abi.encodeWithSelector(Editions.IssueBeyondSize.selector, editionId, 4, 3, 0));
        editions.issue(editionId, new address[](0));
        address[] memory one = new address[](1);
        one[0] = READER3;
        editions.issue(editionId, one);
        vm.stopPrank();
        _assertEq(editions.editionOf(editionId).issued, 4, "all issued");
        _assertEq(editions.editionOf(editionId).batchCount, 2, "two batches");
    }

    function test_issue_revertsForAnUnverifiedReader() public {
        uint256 editionId = _create(10);
        address[] memory holders = _readers();
        holders[1] = MINOR;
        vm.expectRevert(abi.encodeWithSelector(Editions.NotVerifiedAdult.selector, MINOR));
        vm.prank(owner);
        editions.issue(editionId, holders);
        _assertEq(editions.editionOf(editionId).issued, 0, "nothing issued");
    }

    function test_create_revertsWhenASecondEditionBreaksTheFirstsTerms() public {
        _create(10);
        Editions.Terms memory terms = _terms(5);
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(Editions.EditionConflict.selector, assetId, 0));
        editions.create(assetId, COVER, terms);
        terms.sole = true;
        vm.expectRevert(abi.encodeWithSelector(Editions.EditionConflict.selector, assetId, 0));
        editions.create(assetId, hex"0171122011", terms);
        terms.sole = false;
        uint256 second = editions.create(assetId, hex"0171122011", terms);
        vm.stopPrank();
        _assertEq(second, 1, "a second edition with another cover");
        _assertEq(editions.editionsOfWork(assetId).length, 2, "two editions");
    }

    function test_create_revertsAfterASoleEdition() public {
        Editions.Terms memory terms = _terms(5);
        terms.sole = true;
        vm.startPrank(owner);
        editions.create(assetId, COVER, terms);
        terms.sole = false;
        vm.expectRevert(abi.encodeWithSelector(Editions.EditionConflict.selector, assetId, 0));
        editions.create(assetId, hex"0171122011", terms);
        vm.stopPrank();
    }

    function test_create_byTheOwnerOnceALapsedLicenseesEmptyEditionNoLongerStands() public {
        // A licensee for 30 days creates a sole edition on the owner's cover and issues nothing.
        vm.prank(owner);
        licences.grant(assetId, LICENSEE, NETWORK, CHINA, START_TIME, START_TIME + 30 days, false, false, 0);
        Editions.Terms memory sole = _terms(1);
        sole.sole = true;
        vm.prank(LICENSEE);
        uint256 squat = editions.create(assetId, COVER, sole);
        // While the licence runs, it stands.
        vm.expectRevert(abi.encodeWithSelector(Editions.EditionConflict.selector, assetId, squat));
        vm.prank(owner);
        editions.create(assetId, COVER, _terms(1000));
        // Once it ends, the empty edition blocks no one: the owner publishes, on that cover too.
        vm.warp(START_TIME + 30 days);
        vm.prank(owner);
        uint256 editionId = editions.create(assetId, COVER, _terms(1000));
        vm.prank(owner);
        editions.issue(editionId, _readers());
        _assertEq(editions.editionOf(editionId).issued, 3, "the owner's edition issues");
    }

    function test_create_revertsBesideALapsedLicenseesEditionWithCopies() public {
        vm.prank(owner);
        licences.grant(assetId, LICENSEE, NETWORK, CHINA, START_TIME, START_TIME + 30 days, false, false, 0);
        Editions.Terms memory sole = _terms(10);
        sole.sole = true;
        vm.prank(LICENSEE);
        uint256 licensed = editions.create(assetId, COVER, sole);
        vm.prank(LICENSEE);
        editions.issue(licensed, _one(READER1));
        // Its readers hold copies of the work's sole edition: it stands after the licence.
        vm.warp(START_TIME + 30 days);
        vm.expectRevert(abi.encodeWithSelector(Editions.EditionConflict.selector, assetId, licensed));
        vm.prank(owner);
        editions.create(assetId, hex"01711220c0c1", _terms(1000));
    }

    function test_create_byTheBuyerBesideTheFormerOwnersEmptySoleEdition() public {
        Editions.Terms memory sole = _terms(10);
        sole.sole = true;
        vm.prank(owner);
        uint256 former = editions.create(assetId, COVER, sole);
        vm.prank(owner);
        assets.transferFrom(owner, BUYER, assetId);
        vm.prank(BUYER);
        uint256 editionId = editions.create(assetId, COVER, _terms(10));
        vm.prank(BUYER);
        editions.issue(editionId, _readers());
        // The former owner's edition issues nothing: it may not publish (nor would it conflict).
        vm.expectRevert(abi.encodeWithSelector(Editions.NotPublisher.selector, assetId, owner));
        vm.prank(owner);
        editions.issue(former, _one(READER1));
    }

    function test_issue_revertsForAnEmptyEditionRevivedBesideALaterOne() public {
        vm.prank(owner);
        licences.grant(assetId, LICENSEE, NETWORK, CHINA, START_TIME, START_TIME + 30 days, false, false, 0);
        Editions.Terms memory sole = _terms(10);
        sole.sole = true;
        vm.prank(LICENSEE);
        uint256 lapsed = editions.create(assetId, hex"01711220c0c1", sole);
        vm.warp(START_TIME + 30 days);
        uint256 later = _create(10);
        // Licensed again, the licensee may publish, but its empty sole edition's first copy would
        // break the terms of the edition created meanwhile.
        vm.prank(owner);
        licences.grant(assetId, LICENSEE, NETWORK, CHINA, START_TIME + 30 days, START_TIME + 60 days, false, false, 0);
        vm.expectRevert(abi.encodeWithSelector(Editions.EditionConflict.selector, assetId, later));
        vm.prank(LICENSEE);
        editions.issue(lapsed, _one(READER1));
        vm.expectRevert(abi.encodeWithSelector(Editions.EditionConflict.selector, assetId, later));
        vm.prank(LICENSEE);
        editions.postAllowList(lapsed, keccak256("readers"), 2);
        _assertEq(editions.editionOf(lapsed).issued, 0, "nothing issued");
    }

    function test_create_revertsOnInvalidTerms() public {
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(Editions.InvalidTerms.selector, 0, 2));
        editions.create(assetId, COVER, _terms(0));
        Editions.Terms memory terms = _terms(5);
        terms.dailyGiftLimit = 0;
        vm.expectRevert(abi.encodeWithSelector(Editions.InvalidTerms.selector, 5, 0));
        editions.create(assetId, COVER, terms);
        vm.expectRevert(abi.encodeWithSelector(Editions.InvalidTerms.selector, 5, 2));
        editions.create(assetId, "", _terms(5));
        vm.stopPrank();
    }

    function test_amendTerms_onlyBeforeTheFirstCopy() public {
        uint256 editionId = _create(10);
        Editions.Terms memory terms = _terms(20);
        terms.lockAfterIssue = 1 days;
        vm.prank(owner);
        editions.amendTerms(editionId, COVER, terms);
        _assertEq(editions.editionOf(editionId).size, 20, "amended");
        vm.prank(owner);
        editions.issue(editionId, _readers());
        vm.expectRevert(abi.encodeWithSelector(Editions.TermsLocked.selector, editionId, 3));
        vm.prank(owner);
        editions.amendTerms(editionId, COVER, _terms(30));
        _assertEq(editions.editionOf(editionId).size, 20, "unchanged");
    }

    function test_amendTerms_refusedWhileTheWorkIsTakenDown() public {
        uint256 editionId = _create(10);
        vm.prank(MODERATOR);
        moderation.freeze(bytes32(assetId), keccak256("infringing"));
        vm.expectRevert(abi.encodeWithSelector(Editions.WorkTakenDown.selector, assetId));
        vm.prank(owner);
        editions.amendTerms(editionId, hex"01711220c0c3", _terms(20));
        _assertEq(editions.editionOf(editionId).size, 10, "unchanged while taken down");
        vm.prank(MODERATOR);
        moderation.restore(bytes32(assetId), keccak256("cleared"));
        vm.prank(owner);
        editions.amendTerms(editionId, hex"01711220c0c3", _terms(20));
        _assertEq(editions.editionOf(editionId).size, 20, "amended once restored");
    }

    // ---------------------------------------------------------------- holding and gifts

    function test_issue_emitsOneEventAndHoldsProves() public {
        uint256 editionId = _create(10);
        bytes32[] memory leaves = _leaves(editionId, 1, _readers());
        bytes32 root = _hashPair2(_hashPair2(leaves[0], leaves[1]), leaves[2]);
        vm.expectEmit(true, true, true, true, address(editions));
        emit Editions.Issued(editionId, 0, 1, root, _readers());
        vm.prank(owner);
        editions.issue(editionId, _readers());
        _assertEq(editions.batchOf(editionId, 0).root, root, "root");
        for (uint256 copy = 1; copy <= 3; ++copy) {
            _assertTrue(editions.holds(editionId, copy, _readers()[copy - 1], 0, _readerProof(editionId, copy)), "holds");
            _assertTrue(!editions.holds(editionId, copy, STRANGER, 0, _readerProof(editionId, copy)), "stranger");
        }
        _assertTrue(!editions.holds(editionId, 4, READER1, 0, new bytes32[](0)), "not issued");
    }

    function test_gift_movesTheCopyAndEmits() public {
        uint256 editionId = _issued();
        vm.warp(START_TIME + LOCK_ISSUE);
        vm.expectEmit(true, true, true, true, address(editions));
        emit Editions.Gifted(editionId, 2, READER2, READER1);
        _gift(editionId, 2, READER2, READER1);
        (address holder, uint64 receivedAt) = editions.copyRecord(editionId, 2);
        _assertEq(holder, READER1, "new holder");
        _assertEq(receivedAt, START_TIME + LOCK_ISSUE, "received");
        _assertTrue(editions.holds(editionId, 2, READER1, 0, new bytes32[](0)), "new holder holds");
        _assertTrue(!editions.holds(editionId, 2, READER2, 0, _readerProof(editionId, 2)), "old holder does not");
    }

    function test_issue_aLargeBatchProvesEveryCopy() public {
        uint256 editionId = _create(1000);
        address[] memory holders = new address[](37);
        for (uint256 i = 0; i < holders.length; ++i) {
            holders[i] = i % 2 == 0 ? READER1 : READER3;
        }
        vm.prank(owner);
        editions.issue(editionId, _readers());
        vm.prank(owner);
        editions.issue(editionId, holders);
        bytes32[] memory leaves = _leaves(editionId, 4, holders);
        for (uint256 i = 0; i < holders.length; ++i) {
            _assertTrue(editions.holds(editionId, 4 + i, holders[i], 1, _proof(leaves, i)), "holds");
            _assertTrue(!editions.holds(editionId, 4 + i, holders[i], 0, _proof(leaves, i)), "wrong batch");
        }
    }

    // ---------------------------------------------------------------- allow-lists

    /// @dev Edition of 10; an allow-list of copies 1..3 for READER1, MINOR, READER3.
    function _allowList() private returns (uint256 editionId, address[] memory readers, bytes32[] memory leaves) {
        editionId = _create(10);
        readers = _readers();
        readers[1] = MINOR;
        leaves = _leaves(editionId, 1, readers);
        bytes32 root = _hashPair2(_hashPair2(leaves[0], leaves[1]), leaves[2]);
        vm.expectEmit(true, true, true, true, address(editions));
        emit Editions.AllowListPosted(editionId, 0, 1, 3, root);
        vm.prank(owner);
        editions.postAllowList(editionId, root, 3);
    }

    function test_claim_revertsForAnotherReaderWithAReadersProof() public {
        (uint256 editionId,, bytes32[] memory leaves) = _allowList();
        bytes32[] memory proof = _proof(leaves, 0);
        vm.expectRevert(abi.encodeWithSelector(Editions.NotHolder.selector, editionId, 1, READER2));
        vm.prank(READER2);
        editions.claim(editionId, 1, 0, proof);
        (address holder,) = editions.copyRecord(editionId, 1);
        _assertEq(holder, address(0), "unclaimed");
    }

    function test_postAllowList_revertsForAnotherAccountAndBeyondSize() public {
        uint256 editionId = _create(2);
        vm.expectRevert(abi.encodeWithSelector(Editions.NotEditionPublisher.selector, editionId, STRANGER));
        vm.prank(STRANGER);
        editions.postAllowList(editionId, keccak256("root"), 2);
        vm.expectRevert(abi.encodeWithSelector(Editions.IssueBeyondSize.selector, editionId, 2, 0, 3));
        vm.prank(owner);
        editions.postAllowList(editionId, keccak256("root"), 3);
        _assertEq(editions.editionOf(editionId).issued, 0, "nothing reserved");
    }

    function test_claim_checksTheReaderThenTheCopyIsHeld() public {
        (uint256 editionId, address[] memory readers, bytes32[] memory leaves) = _allowList();
        // Unclaimed: held by nobody, and the leaf gives no right to gift.
        _assertTrue(!editions.holds(editionId, 1, READER1, 0, _proof(leaves, 0)), "not before the claim");
        vm.warp(START_TIME + LOCK_ISSUE);
        bytes32[] memory proof0 = _proof(leaves, 0);
        vm.expectRevert(abi.encodeWithSelector(Editions.NotHolder.selector, editionId, 1, READER1));
        vm.prank(READER1);
        editions.gift(editionId, 1, READER2, 0, proof0);
        // The minor on the list cannot claim.
        bytes32[] memory proof1 = _proof(leaves, 1);
        vm.expectRevert(abi.encodeWithSelector(Editions.NotVerifiedAdult.selector, readers[1]));
        vm.prank(MINOR);
        editions.claim(editionId, 2, 0, proof1);
        vm.expectEmit(true, true, true, true, address(editions));
        emit Editions.Claimed(editionId, 1, READER1);
        vm.prank(READER1);
        editions.claim(editionId, 1, 0, proof0);
        _assertTrue(editions.holds(editionId, 1, READER1, 0, new bytes32[](0)), "held");
        vm.expectRevert(abi.encodeWithSelector(Editions.AlreadyClaimed.selector, editionId, 1));
        vm.prank(READER1);
        editions.claim(editionId, 1, 0, proof0);
        // Its lock-up after issue ran from the posting: it can go now; the receiver's is the gift's.
        vm.prank(READER1);
        editions.gift(editionId, 1, READER2, 0, new bytes32[](0));
        vm.warp(START_TIME + LOCK_ISSUE + LOCK_GIFT - 1);
        _expectGiftRevert(
            editionId,
            1,
            READER2,
            READER3,
            abi.encodeWithSelector(Editions.LockedUp.selector, editionId, 1, START_TIME + LOCK_ISSUE + LOCK_GIFT)
        );
    }

    function test_claim_refusedWhileTheWorkIsTakenDown() public {
        (uint256 editionId,, bytes32[] memory leaves) = _allowList();
        vm.prank(MODERATOR);
        moderation.freeze(bytes32(assetId), keccak256("infringing"));
        bytes32[] memory proof = _proof(leaves, 0);
        vm.expectRevert(abi.encodeWithSelector(Editions.WorkTakenDown.selector, assetId));
        vm.prank(READER1);
        editions.claim(editionId, 1, 0, proof);
    }

    // ---------------------------------------------------------------- a sealed suite

    function test_sealedSuite_refusesTheFormerOwnerEditionsAndCopies() public {
        uint256 editionId = _issued();
        vm.prank(owner);
        uint256 empty = editions.create(assetId, hex"01711220c0c3", _terms(5));
        (RightsAsset nextAssets, Licences nextLicences) = _sealAndMigrate();
        // Sold on the successor; the buyer licenses right 11 exclusively there.
        vm.prank(owner);
        nextAssets.transferFrom(owner, BUYER, assetId);
        vm.prank(BUYER);
        nextLicences.grant(assetId, LICENSEE, NETWORK, 0, uint64(block.timestamp), TERM_END, true, false, 0);
        // The sealed suite still names the former owner; its Editions takes nothing new from it.
        _assertEq(assets.ownerOf(assetId), owner, "frozen owner on the sealed suite");
        bytes memory refusal = abi.encodeWithSelector(ISuiteErrors.SuiteSealed.selector, address(nextAssets));
        Editions.Terms memory sole = _terms(1000);
        sole.sole = true;
        vm.expectRevert(refusal);
        vm.prank(owner);
        editions.create(assetId, hex"01711220c0c1", sole);
        vm.expectRevert(refusal);
        vm.prank(owner);
        editions.issue(editionId, _one(READER1));
        vm.expectRevert(refusal);
        vm.prank(owner);
        editions.postAllowList(editionId, keccak256("readers"), 2);
        vm.expectRevert(refusal);
        vm.prank(owner);
        editions.amendTerms(empty, hex"01711220c0c2", sole);
        _assertEq(editions.editionCount(), 2, "no edition created");
        _assertEq(editions.editionOf(editionId).issued, 3, "no copy issued");
        _assertTrue(!editions.editionOf(empty).sole, "terms unchanged");
    }

    function test_sealedSuite_keepsCopiesHeldGivenAndClaimed() public {
        (uint256 listed,, bytes32[] memory leaves) = _allowList();
        vm.prank(owner);
        uint256 editionId = editions.create(assetId, hex"01711220c0c3", _terms(10));
        vm.prank(owner);
        editions.issue(editionId, _readers());
        _sealAndMigrate();
        vm.warp(START_TIME + LOCK_ISSUE);
        // A copy issued before the seal is held and given as before.
        _assertTrue(editions.holds(editionId, 1, READER1, 0, _readerProof(editionId, 1)), "held");
        _gift(editionId, 1, READER1, READER2);
        _assertTrue(editions.holds(editionId, 1, READER2, 0, new bytes32[](0)), "given");
        // A copy reserved on an allow-list before the seal counts as issued: its reader claims it.
        bytes32[] memory proof = _proof(leaves, 0);
        vm.prank(READER1);
        editions.claim(listed, 1, 0, proof);
        _assertTrue(editions.holds(listed, 1, READER1, 0, new bytes32[](0)), "claimed");
    }
}

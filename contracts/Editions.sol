// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IModeration} from "./interfaces/IModeration.sol";
import {ISuiteErrors} from "./interfaces/ISuiteErrors.sol";
import {IEditionIdentity, IEditionLicences, IEditionWork} from "./interfaces/IEditionSources.sol";

/**
 * @title Editions
 * @notice Numbered editions (数字藏书) of a registered, tokenized work: a publisher issues copies
 * 1..N of one edition to verified adult readers; a copy changes hands only as a gift, under
 * lock-up periods and a daily gift limit fixed with the edition.
 * @dev Copies are deliberately not ERC-721 tokens: there is no approval, no transfer by a third
 * party, no price and no marketplace hook, and no path from `Pledges` (editions are not
 * pledgeable; the work's rights asset stays pledgeable). Each copy is still distinct, numbered
 * 1..N, and its holder is provable.
 *
 * Issuing writes no storage per copy: {issue} checks every reader on chain, computes the Merkle
 * root of the batch's leaves `keccak256(abi.encode(editionId, copy, holder))` (pairs hashed
 * sorted, an odd node carried up unchanged, as OpenZeppelin's `MerkleProof` verifies) and stores
 * one root per batch, emitting one {Issued} event with the holders in order (as ERC-2309's
 * ConsecutiveTransfer does). A copy materialises in storage on its first gift, when its holder
 * presents the proof of its leaf; after that the stored record is authoritative. A publisher
 * may instead post an allow-list root ({postAllowList}): nobody is checked then, and each reader
 * claims its copy ({claim}), checked as a verified adult at that moment; an unclaimed copy is
 * held by nobody.
 *
 * Once the suite of its `RightsAsset` is sealed, an `Editions` creates, amends and issues
 * nothing more ({SuiteSealed}): the sealed suite's owners and licences are frozen there, and the
 * work's rights live on in the successor. Copies issued, and copies reserved on an allow-list,
 * before the seal stay: they are claimed, given and held as before.
 */
contract Editions is ISuiteErrors {
    /// @notice Right number of 信息网络传播权 (right of information-network dissemination).
    uint8 public constant RIGHT_INFORMATION_NETWORK = 11;
    /// @notice Most copies one edition can have.
    uint32 public constant MAX_SIZE = 1_000_000;
    /// @notice Longest lock-up an edition can set (the longest term the rules in force name, with room).
    uint64 public constant MAX_LOCK_UP = 10 * 365 days;

    /**
     * @notice Terms fixed with an edition (what {create} takes).
     * @param size Number of copies N.
     * @param territory Territory the publisher's licence must cover (ISO 3166 numeric; 156 China).
     * @param lockAfterIssue Seconds a copy cannot be given away after it was issued.
     * @param lockAfterGift Seconds a copy cannot be given away again after it was received as a gift.
     * @param dailyGiftLimit Gifts one holder may make per UTC day in this edition (at least 1).
     * @param sole Whether this is to be the work's only edition.
     */
    struct Terms {
        uint32 size;
        uint16 territory;
        uint64 lockAfterIssue;
        uint64 lockAfterGift;
        uint16 dailyGiftLimit;
        bool sole;
    }

    /**
     * @notice One edition (four slots).
     * @param assetId The work's rights asset (its registration leaf as a number).
     * @param metadataDigest keccak256 of the cover/metadata CID's bytes.
     * @param publisher Account that created it and alone may issue.
     * @param size Number of copies N.
     * @param issued Copies issued so far (copies 1..issued exist).
     * @param territory Territory of the publisher's right.
     * @param dailyGiftLimit Gifts per holder per UTC day.
     * @param sole Whether it is the work's only edition.
     * @param lockAfterIssue Lock-up after issue, seconds.
     * @param lockAfterGift Lock-up after a gift, seconds.
     * @param batchCount Number of issue batches.
     */
    struct Edition {
        uint256 assetId;
        bytes32 metadataDigest;
        address publisher;
        uint32 size;
        uint32 issued;
        uint16 territory;
        uint16 dailyGiftLimit;
        bool sole;
        uint64 lockAfterIssue;
        uint64 lockAfterGift;
        uint32 batchCount;
    }

    /**
     * @notice One issue batch (two slots).
     * @param root Merkle root of its (edition, copy, holder) leaves.
     * @param firstCopy Number of its first copy.
     * @param count Number of copies.
     * @param issuedAt Block timestamp of the issue.
     * @param allowList Whether it is an allow-list: each reader claims its copy (checked then).
     */
    struct Batch {
        bytes32 root;
        uint32 firstCopy;
        uint32 count;
        uint64 issuedAt;
        bool allowList;
    }

    /**
     * @notice A copy's record once it was given away at least once (one slot).
     * @param holder Its holder.
     * @param receivedAt When the holder received it.
     */
    struct CopyRecord {
        address holder;
        uint64 receivedAt;
    }

    /// @dev Why an account may not publish a work in a territory now ({_refusal}).
    enum Refusal {
        None,
        NotPublisher,
        OwnerNotEntitled,
        ExclusivelyLicensed
    }

    /// @dev Gifts a holder made on one UTC day (one slot).
    struct GiftDay {
        uint64 day;
        uint32 count;
    }

    /// @notice The work's rights assets.
    IEditionWork public immutable works;
    /// @notice The licences of the works' rights.
    IEditionLicences public immutable licences;
    /// @notice Takedowns (a frozen work freezes its editions).
    IModeration public immutable moderation;
    /// @notice Verified persons bound to accounts.
    IEditionIdentity public immutable identity;

    Edition[] private _editions;
    mapping(uint256 editionId => mapping(uint256 batchIndex => Batch)) private _batches;
    mapping(uint256 editionId => mapping(uint256 copy => CopyRecord)) private _copies;
    mapping(uint256 editionId => mapping(address holder => GiftDay)) private _giftDays;
    mapping(uint256 assetId => uint256[]) private _editionsOfWork;
    /// @dev Copies claimed from an allow-list and not given away since (their lock-up is the
    /// one after issue, counted from the posting).
    mapping(uint256 editionId => mapping(uint256 copy => bool)) private _claimed;

    /// @notice The caller neither owns the work's rights asset nor holds a licence of the right
    /// of information-network dissemination for the territory.
    /// @param assetId The work.
    /// @param caller The caller.
    error NotPublisher(uint256 assetId, address caller);

    /// @notice The caller owns the work's rights asset, but the asset does not carry the right of
    /// information-network dissemination for the territory now: its rights lack it, its territory
    /// is another (0 = worldwide covers every territory), or its term has ended.
    /// @param assetId The work.
    /// @param territory The edition's territory.
    /// @param rights The asset's rights bitmask.
    /// @param heldTerritory The asset's territory.
    /// @param termEnd The asset's term end.
    error OwnerNotEntitled(uint256 assetId, uint16 territory, uint32 rights, uint16 heldTerritory, uint64 termEnd);

    /// @notice Another account holds an exclusive licence (专有使用权) of the right of
    /// information-network dissemination in the territory now: the owner may not exercise it there.
    /// @param assetId The work.
    /// @param licenceId The exclusive licence.
    /// @param licensee Its licensee.
    error ExclusivelyLicensed(uint256 assetId, uint256 licenceId, address licensee);

    /// @notice The work has no rights asset (not registered, anchored and tokenized, or burned).
    /// @param assetId The work.
    error WorkNotTokenized(uint256 assetId);

    /// @notice The work's registration was revoked with its batch.
    /// @param assetId The work.
    error WorkRevoked(uint256 assetId);

    /// @notice The work is taken down (frozen by moderation); its editions are frozen with it.
    /// @param assetId The work.
    error WorkTakenDown(uint256 assetId);

    /// @notice The terms are invalid (size 0 or above {MAX_SIZE}, a lock-up above {MAX_LOCK_UP},
    /// a daily gift limit of 0, or an empty cover/metadata CID).
    /// @param size The size given.
    /// @param dailyGiftLimit The daily gift limit given.
    error InvalidTerms(uint32 size, uint16 dailyGiftLimit);

    /// @notice An edition breaks the terms of another edition of the same work: that one is the
    /// work's sole edition, this one claims to be, or both have the same cover/metadata. An edition
    /// with no copy yet counts only while its publisher may publish it ({create}'s rule).
    /// @param assetId The work.
    /// @param editionId The other edition.
    error EditionConflict(uint256 assetId, uint256 editionId);

    /// @notice No such edition.
    /// @param editionId The id given.
    error UnknownEdition(uint256 editionId);

    /// @notice Only the edition's publisher may do this.
    /// @param editionId The edition.
    /// @param caller The caller.
    error NotEditionPublisher(uint256 editionId, address caller);

    /// @notice The terms can no longer change: copies were issued.
    /// @param editionId The edition.
    /// @param issued Copies issued.
    error TermsLocked(uint256 editionId, uint32 issued);

    /// @notice Issuing would go beyond the edition's size.
    /// @param editionId The edition.
    /// @param size Its size.
    /// @param issued Copies issued already.
    /// @param count Copies asked for.
    error IssueBeyondSize(uint256 editionId, uint32 size, uint32 issued, uint256 count);

    /// @notice A holder is not an account bound to a verified natural person of full age.
    /// @param account The account.
    error NotVerifiedAdult(address account);

    /// @notice No such copy (0, or not issued yet).
    /// @param editionId The edition.
    /// @param copy The copy number.
    error UnknownCopy(uint256 editionId, uint256 copy);

    /// @notice The batch does not hold the copy, or the proof does not show `account` holds it.
    /// @param editionId The edition.
    /// @param copy The copy number.
    /// @param account The account.
    error NotHolder(uint256 editionId, uint256 copy, address account);

    /// @notice The copy is in its lock-up period.
    /// @param editionId The edition.
    /// @param copy The copy number.
    /// @param until First second it can be given away.
    error LockedUp(uint256 editionId, uint256 copy, uint64 until);

    /// @notice The holder made as many gifts today as the edition allows.
    /// @param editionId The edition.
    /// @param holder The holder.
    /// @param limit The daily limit.
    error DailyGiftLimitReached(uint256 editionId, address holder, uint16 limit);

    /// @notice The copy was claimed (or given away) already.
    /// @param editionId The edition.
    /// @param copy The copy number.
    error AlreadyClaimed(uint256 editionId, uint256 copy);

    /// @notice A copy cannot be given to its own holder.
    /// @param account The holder.
    error GiftToSelf(address account);

    /**
     * @notice Emitted when an edition is created.
     * @param editionId The new edition's id.
     * @param assetId The work.
     * @param publisher Its publisher.
     * @param size Number of copies.
     * @param metadataCid The cover/metadata CID (binary).
     * @param terms All its terms.
     */
    event EditionCreated(
        uint256 indexed editionId, uint256 indexed assetId, address indexed publisher, uint32 size, bytes metadataCid,
        Terms terms
    );

    /**
     * @notice Emitted when the publisher amends an edition's terms before its first copy.
     * @param editionId The edition.
     * @param metadataCid The cover/metadata CID (binary).
     * @param terms The new terms.
     */
    event TermsAmended(uint256 indexed editionId, bytes metadataCid, Terms terms);

    /**
     * @notice Emitted once per issue batch: copies `firstCopy` .. `firstCopy + holders.length - 1`
     * go to `holders` in order.
     * @param editionId The edition.
     * @param batchIndex The batch's index in the edition.
     * @param firstCopy Number of the first copy.
     * @param root Merkle root of the batch's leaves.
     * @param holders The holders, one per copy.
     */
    event Issued(uint256 indexed editionId, uint32 indexed batchIndex, uint32 firstCopy, bytes32 root, address[] holders);

    /**
     * @notice Emitted when the publisher posts an allow-list: copies `firstCopy` ..
     * `firstCopy + count - 1` are reserved for the readers of its leaves, who claim them.
     * @param editionId The edition.
     * @param batchIndex The batch's index in the edition.
     * @param firstCopy Number of the first copy.
     * @param count Number of copies.
     * @param root Merkle root of the (edition, copy, reader) leaves.
     */
    event AllowListPosted(
        uint256 indexed editionId, uint32 indexed batchIndex, uint32 firstCopy, uint32 count, bytes32 root
    );

    /**
     * @notice Emitted when a reader claims its copy from an allow-list.
     * @param editionId The edition.
     * @param copy The copy number.
     * @param holder The reader.
     */
    event Claimed(uint256 indexed editionId, uint256 indexed copy, address indexed holder);

    /**
     * @notice Emitted when a copy is given away.
     * @param editionId The edition.
     * @param copy The copy number.
     * @param from The giver.
     * @param to The receiver.
     */
    event Gifted(uint256 indexed editionId, uint256 indexed copy, address indexed from, address to);

    /**
     * @notice Binds the contracts an edition's rules read.
     * @param works_ `RightsAsset`.
     * @param licences_ `Licences`.
     * @param moderation_ `Moderation`.
     * @param identity_ `IdentityAttestations`.
     */
    constructor(
        IEditionWork works_,
        IEditionLicences licences_,
        IModeration moderation_,
        IEditionIdentity identity_
    ) {
        works = works_;
        licences = licences_;
        moderation = moderation_;
        identity = identity_;
    }

    /**
     * @notice Creates an edition of the work `assetId` with `terms`, its cover/metadata at
     * `metadataCid`. The caller becomes its publisher.
     * @dev The caller must own the rights asset or hold a licence of right 11 (信息网络传播权) for
     * `terms.territory` now; an owner, only while the asset carries right 11 for that territory
     * within its term, and no one else holds an exclusive licence of it there. An earlier edition
     * with no copy whose publisher may no longer publish it is no conflict. Reverts with
     * {SuiteSealed}, {WorkNotTokenized}, {WorkRevoked}, {WorkTakenDown}, {NotPublisher},
     * {OwnerNotEntitled}, {ExclusivelyLicensed}, {InvalidTerms} or {EditionConflict}. Emits
     * {EditionCreated}.
     * @param assetId The work's rights asset.
     * @param metadataCid The cover/metadata CID (binary).
     * @param terms The terms.
     * @return editionId The new edition's id (from 0).
     */
    function create(uint256 assetId, bytes calldata metadataCid, Terms calldata terms)
        external
        returns (uint256 editionId)
    {
        _checkLive();
        _checkWork(assetId);
        _checkPublisher(assetId, msg.sender, terms.territory);
        _checkTerms(metadataCid, terms);
        bytes32 digest = keccak256(metadataCid);
        _checkConflict(assetId, type(uint256).max, digest, terms.sole);
        editionId = _editions.length;
        _editions.push(
            Edition({
                assetId: assetId,
                metadataDigest: digest,
                publisher: msg.sender,
                size: terms.size,
                issued: 0,
                territory: terms.territory,
                dailyGiftLimit: terms.dailyGiftLimit,
                sole: terms.sole,
                lockAfterIssue: terms.lockAfterIssue,
                lockAfterGift: terms.lockAfterGift,
                batchCount: 0
            })
        );
        _editionsOfWork[assetId].push(editionId);
        emit EditionCreated(editionId, assetId, msg.sender, terms.size, metadataCid, terms);
    }

    /**
     * @notice Replaces the terms of an edition that has no copy yet.
     * @dev Only the publisher, only before the first copy, never while the work is revoked or
     * taken down (its cover and terms stay as the takedown found them). Reverts with
     * {SuiteSealed}, {UnknownEdition}, {NotEditionPublisher}, {TermsLocked}, {WorkRevoked},
     * {WorkTakenDown}, {NotPublisher}, {OwnerNotEntitled}, {ExclusivelyLicensed}, {InvalidTerms}
     * or {EditionConflict}.
     * Emits {TermsAmended}.
     * @param editionId The edition.
     * @param metadataCid The cover/metadata CID (binary).
     * @param terms The new terms.
     */
    function amendTerms(uint256 editionId, bytes calldata metadataCid, Terms calldata terms) external {
        _checkLive();
        Edition storage edition = _edition(editionId);
        if (edition.publisher != msg.sender) revert NotEditionPublisher(editionId, msg.sender);
        if (edition.issued != 0) revert TermsLocked(editionId, edition.issued);
        _checkWork(edition.assetId);
        _checkPublisher(edition.assetId, msg.sender, terms.territory);
        _checkTerms(metadataCid, terms);
        bytes32 digest = keccak256(metadataCid);
        _checkConflict(edition.assetId, editionId, digest, terms.sole);
        edition.metadataDigest = digest;
        edition.size = terms.size;
        edition.territory = terms.territory;
        edition.dailyGiftLimit = terms.dailyGiftLimit;
        edition.sole = terms.sole;
        edition.lockAfterIssue = terms.lockAfterIssue;
        edition.lockAfterGift = terms.lockAfterGift;
        emit TermsAmended(editionId, metadataCid, terms);
    }

    /**
     * @notice Issues the next `holders.length` copies of `editionId`, one to each holder in order.
     * @dev Only the publisher, who must still own the work or hold the licence. Every holder must
     * be a verified adult person's account (one may hold several copies). Stores one Merkle root
     * for the batch, nothing per copy. Reverts with {SuiteSealed}, {UnknownEdition},
     * {NotEditionPublisher}, {WorkNotTokenized}, {WorkRevoked}, {WorkTakenDown}, {NotPublisher},
     * {OwnerNotEntitled}, {ExclusivelyLicensed}, {IssueBeyondSize}, {EditionConflict} (the first
     * copy, if another edition came to conflict while this one had none) or {NotVerifiedAdult}.
     * Emits {Issued}.
     * @param editionId The edition.
     * @param holders The readers, one per copy.
     * @return firstCopy Number of the first copy issued.
     */
    function issue(uint256 editionId, address[] calldata holders) external returns (uint32 firstCopy) {
        uint256 count = holders.length;
        firstCopy = _nextCopy(editionId, count);
        bytes32[] memory nodes = new bytes32[](count);
        IEditionIdentity identity_ = identity;
        for (uint256 i = 0; i < count; ++i) {
            address holder = holders[i];
            // A view of the immutable IdentityAttestations, once per holder of a bounded batch.
            // slither-disable-next-line calls-loop
            if (!identity_.isVerifiedAdult(holder)) revert NotVerifiedAdult(holder);
            nodes[i] = copyLeaf(editionId, firstCopy + i, holder);
        }
        bytes32 root = _root(nodes);
        uint32 batchIndex = _addBatch(editionId, root, firstCopy, uint32(count), false);
        emit Issued(editionId, batchIndex, firstCopy, root, holders);
    }

    /**
     * @notice Reserves the next `count` copies of `editionId` for the readers of an allow-list:
     * `root` is the Merkle root of their leaves (as {issue} builds them); each reader claims its
     * copy with {claim}, and is checked then.
     * @dev Only the publisher, who must still own the work or hold the licence. Stores one root,
     * nothing per copy. Reverts with {SuiteSealed}, {UnknownEdition}, {NotEditionPublisher},
     * {WorkNotTokenized}, {WorkRevoked}, {WorkTakenDown}, {NotPublisher}, {OwnerNotEntitled},
     * {ExclusivelyLicensed}, {IssueBeyondSize} or {EditionConflict} (as {issue}). Emits
     * {AllowListPosted}.
     * @param editionId The edition.
     * @param root Merkle root of the (edition, copy, reader) leaves.
     * @param count Number of copies reserved.
     * @return firstCopy Number of the first copy reserved.
     */
    function postAllowList(uint256 editionId, bytes32 root, uint32 count) external returns (uint32 firstCopy) {
        firstCopy = _nextCopy(editionId, count);
        uint32 batchIndex = _addBatch(editionId, root, firstCopy, count, true);
        emit AllowListPosted(editionId, batchIndex, firstCopy, count, root);
    }

    /**
     * @notice Claims copy `copy` of `editionId` from allow-list batch `batchIndex`: the caller
     * must be the reader of its leaf, and a verified adult person now.
     * @dev The copy's lock-up after issue runs from the allow-list's posting. A copy reserved
     * before the suite was sealed is claimed after the seal too (it counts as issued). Reverts with
     * {UnknownEdition}, {WorkNotTokenized}, {WorkRevoked}, {WorkTakenDown}, {UnknownCopy},
     * {AlreadyClaimed}, {NotHolder} or {NotVerifiedAdult}. Emits {Claimed}.
     * @param editionId The edition.
     * @param copy The copy number.
     * @param batchIndex The allow-list batch.
     * @param proof The Merkle proof of the caller's leaf.
     */
    function claim(uint256 editionId, uint256 copy, uint32 batchIndex, bytes32[] calldata proof) external {
        Edition storage edition = _edition(editionId);
        _checkWork(edition.assetId);
        if (copy == 0 || copy > edition.issued) revert UnknownCopy(editionId, copy);
        if (_copies[editionId][copy].holder != address(0)) revert AlreadyClaimed(editionId, copy);
        Batch storage batch = _batches[editionId][batchIndex];
        if (
            batchIndex >= edition.batchCount || !batch.allowList || copy < batch.firstCopy
                || copy >= uint256(batch.firstCopy) + batch.count
                || !MerkleProof.verifyCalldata(proof, batch.root, copyLeaf(editionId, copy, msg.sender))
        ) revert NotHolder(editionId, copy, msg.sender);
        if (!identity.isVerifiedAdult(msg.sender)) revert NotVerifiedAdult(msg.sender);
        // Received at the posting: the lock-up after issue applies, not the one after a gift.
        _copies[editionId][copy] = CopyRecord({holder: msg.sender, receivedAt: batch.issuedAt});
        _claimed[editionId][copy] = true;
        emit Claimed(editionId, copy, msg.sender);
    }

    /**
     * @notice Gives copy `copy` of `editionId` to `to`; the caller must be its holder, and both
     * the caller and `to` verified adult persons now. No price is paid or recorded: a gift only.
     * @dev A copy never given away before is proven by its issue batch `batchIndex` and the Merkle
     * `proof` of its leaf; afterwards the stored record decides (pass any batch and an empty
     * proof). A holder whose account was unbound (its key or party revoked) or whose attestation
     * expired keeps the copy but cannot give it until it is verified and bound again. Reverts
     * with {UnknownEdition}, {WorkNotTokenized}, {WorkRevoked}, {WorkTakenDown}, {UnknownCopy},
     * {NotHolder}, {NotVerifiedAdult} (the caller, or `to`), {LockedUp}, {GiftToSelf} or
     * {DailyGiftLimitReached}. Emits {Gifted}.
     * @param editionId The edition.
     * @param copy The copy number.
     * @param to The receiver (a verified adult person's account).
     * @param batchIndex The copy's issue batch (first gift only).
     * @param proof The Merkle proof of the copy's leaf in that batch (first gift only).
     */
    function gift(uint256 editionId, uint256 copy, address to, uint32 batchIndex, bytes32[] calldata proof)
        external
    {
        Edition storage edition = _edition(editionId);
        _checkWork(edition.assetId);
        if (copy == 0 || copy > edition.issued) revert UnknownCopy(editionId, copy);
        CopyRecord storage record = _copies[editionId][copy];
        uint64 until;
        if (record.holder != address(0)) {
            if (record.holder != msg.sender) revert NotHolder(editionId, copy, msg.sender);
            until = record.receivedAt + (_claimed[editionId][copy] ? edition.lockAfterIssue : edition.lockAfterGift);
        } else {
            Batch storage batch = _batches[editionId][batchIndex];
            if (
                batchIndex >= edition.batchCount || batch.allowList || copy < batch.firstCopy
                    || copy >= uint256(batch.firstCopy) + batch.count
                    || !MerkleProof.verifyCalldata(proof, batch.root, copyLeaf(editionId, copy, msg.sender))
            ) revert NotHolder(editionId, copy, msg.sender);
            until = batch.issuedAt + edition.lockAfterIssue;
        }
        // The giver too must be a verified adult now: an account unbound on chain (its key or
        // party revoked, a leaked key) or whose attestation ended gives nothing away.
        if (!identity.isVerifiedAdult(msg.sender)) revert NotVerifiedAdult(msg.sender);
        if (block.timestamp < until) revert LockedUp(editionId, copy, until);
        if (to == msg.sender) revert GiftToSelf(to);
        if (!identity.isVerifiedAdult(to)) revert NotVerifiedAdult(to);
        GiftDay storage giftDay = _giftDays[editionId][msg.sender];
        uint64 today = uint64(block.timestamp / 1 days);
        // A gift day is a whole UTC day number, compared for equality on purpose: the count is of
        // today's gifts (a validator's skew of seconds moves at most a gift at midnight).
        // slither-disable-next-line incorrect-equality
        uint32 made = giftDay.day == today ? giftDay.count : 0;
        if (made >= edition.dailyGiftLimit) revert DailyGiftLimitReached(editionId, msg.sender, edition.dailyGiftLimit);
        _giftDays[editionId][msg.sender] = GiftDay({day: today, count: made + 1});
        _copies[editionId][copy] = CopyRecord({holder: to, receivedAt: uint64(block.timestamp)});
        if (_claimed[editionId][copy]) delete _claimed[editionId][copy];
        emit Gifted(editionId, copy, msg.sender, to);
    }

    /**
     * @notice Whether `account` holds copy `copy` of `editionId` now: the stored record once the
     * copy was given away, otherwise the issue batch `batchIndex` and the `proof` of its leaf.
     * @param editionId The edition.
     * @param copy The copy number.
     * @param account The account asked about.
     * @param batchIndex The copy's issue batch (used only before its first gift).
     * @param proof The Merkle proof of the leaf (used only before its first gift).
     * @return True if `account` holds the copy.
     */
    function holds(uint256 editionId, uint256 copy, address account, uint32 batchIndex, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        if (editionId >= _editions.length || copy == 0 || copy > _editions[editionId].issued) return false;
        address holder = _copies[editionId][copy].holder;
        if (holder != address(0)) return holder == account;
        if (batchIndex >= _editions[editionId].batchCount) return false;
        Batch storage batch = _batches[editionId][batchIndex];
        return !batch.allowList && copy >= batch.firstCopy && copy < uint256(batch.firstCopy) + batch.count
            && MerkleProof.verifyCalldata(proof, batch.root, copyLeaf(editionId, copy, account));
    }

    /**
     * @notice The stored record of copy `copy` (zero until its first gift).
     * @param editionId The edition.
     * @param copy The copy number.
     * @return holder Its holder after the last gift.
     * @return receivedAt When that holder received it.
     */
    function copyRecord(uint256 editionId, uint256 copy) external view returns (address holder, uint64 receivedAt) {
        CopyRecord storage record = _copies[editionId][copy];
        return (record.holder, record.receivedAt);
    }

    /**
     * @notice An edition.
     * @dev Reverts with {UnknownEdition}.
     * @param editionId The edition.
     * @return The edition.
     */
    function editionOf(uint256 editionId) external view returns (Edition memory) {
        return _edition(editionId);
    }

    /**
     * @notice An issue batch (all zero if none).
     * @param editionId The edition.
     * @param batchIndex The batch's index.
     * @return The batch.
     */
    function batchOf(uint256 editionId, uint32 batchIndex) external view returns (Batch memory) {
        return _batches[editionId][batchIndex];
    }

    /**
     * @notice Number of editions created.
     * @return The count (ids are 0 .. count - 1).
     */
    function editionCount() external view returns (uint256) {
        return _editions.length;
    }

    /**
     * @notice The editions of a work.
     * @param assetId The work.
     * @return Their ids, in creation order.
     */
    function editionsOfWork(uint256 assetId) external view returns (uint256[] memory) {
        return _editionsOfWork[assetId];
    }

    /**
     * @notice Whether the edition is frozen now (its work taken down, revoked or burned).
     * @param editionId The edition.
     * @return True while frozen.
     */
    function isFrozen(uint256 editionId) external view returns (bool) {
        uint256 assetId = _edition(editionId).assetId;
        return moderation.isFrozen(bytes32(assetId)) || !works.exists(assetId) || works.isRevoked(assetId);
    }

    /**
     * @notice Gifts `holder` made today in `editionId`.
     * @param editionId The edition.
     * @param holder The holder.
     * @return count Gifts made since 00:00 UTC.
     */
    function giftsToday(uint256 editionId, address holder) external view returns (uint32 count) {
        GiftDay storage giftDay = _giftDays[editionId][holder];
        // A whole day number, compared for equality on purpose (see {gift}).
        // slither-disable-next-line incorrect-equality
        return giftDay.day == uint64(block.timestamp / 1 days) ? giftDay.count : 0;
    }

    /**
     * @notice The leaf of copy `copy` held by `holder` in an issue batch.
     * @param editionId The edition.
     * @param copy The copy number.
     * @param holder The holder.
     * @return The leaf.
     */
    function copyLeaf(uint256 editionId, uint256 copy, address holder) public pure returns (bytes32) {
        return keccak256(abi.encode(editionId, copy, holder));
    }

    /// The first of the next `count` copies of `editionId`, which the caller may issue: its
    /// publisher, still owning the work or holding the licence, within the edition's size.
    function _nextCopy(uint256 editionId, uint256 count) private view returns (uint32) {
        _checkLive();
        Edition storage edition = _edition(editionId);
        if (edition.publisher != msg.sender) revert NotEditionPublisher(editionId, msg.sender);
        uint256 assetId = edition.assetId;
        _checkWork(assetId);
        _checkPublisher(assetId, msg.sender, edition.territory);
        uint32 issued = edition.issued;
        if (count == 0 || count > edition.size - issued) {
            revert IssueBeyondSize(editionId, edition.size, issued, count);
        }
        // Another edition may have been created while this one stood empty and did not count
        // (its publisher not entitled then): the first copy keeps the work's editions' terms.
        if (issued == 0) _checkConflict(assetId, editionId, edition.metadataDigest, edition.sole);
        return issued + 1;
    }

    /// Records the batch of copies `firstCopy` to `firstCopy + count - 1` under `root`; its index.
    function _addBatch(uint256 editionId, bytes32 root, uint32 firstCopy, uint32 count, bool allowList)
        private
        returns (uint32 batchIndex)
    {
        Edition storage edition = _editions[editionId];
        batchIndex = edition.batchCount;
        _batches[editionId][batchIndex] = Batch({
            root: root, firstCopy: firstCopy, count: count, issuedAt: uint64(block.timestamp), allowList: allowList
        });
        edition.batchCount = batchIndex + 1;
        edition.issued = firstCopy - 1 + count;
    }

    function _edition(uint256 editionId) private view returns (Edition storage) {
        if (editionId >= _editions.length) revert UnknownEdition(editionId);
        return _editions[editionId];
    }

    /// A sealed suite's owners and licences are frozen: its editions take nothing new.
    function _checkLive() private view {
        address successor = works.successor();
        if (successor != address(0)) revert SuiteSealed(successor);
    }

    function _checkWork(uint256 assetId) private view {
        if (!works.exists(assetId)) revert WorkNotTokenized(assetId);
        if (works.isRevoked(assetId)) revert WorkRevoked(assetId);
        if (moderation.isFrozen(bytes32(assetId))) revert WorkTakenDown(assetId);
    }

    function _checkPublisher(uint256 assetId, address account, uint16 territory) private view {
        (Refusal refusal, uint256 licenceId, address licensee) = _refusal(assetId, account, territory);
        if (refusal == Refusal.NotPublisher) revert NotPublisher(assetId, account);
        if (refusal == Refusal.OwnerNotEntitled) {
            // Registration time and batch do not limit an edition.
            // slither-disable-next-line unused-return
            (, uint64 termEnd,, uint32 rights, uint16 heldTerritory) = works.assetTerms(assetId);
            revert OwnerNotEntitled(assetId, territory, rights, heldTerritory, termEnd);
        }
        if (refusal == Refusal.ExclusivelyLicensed) revert ExclusivelyLicensed(assetId, licenceId, licensee);
    }

    /// Why `account` may not publish `assetId` in `territory` now ({Refusal.None} if it may), and
    /// the exclusive licence in the way if that is why. {_checkConflict} asks it in its loop only
    /// of an earlier edition that would conflict and has no copy: views of the immutable
    /// `RightsAsset` and `Licences` (`calls-loop` accepted at each call below).
    function _refusal(uint256 assetId, address account, uint16 territory)
        private
        view
        returns (Refusal refusal, uint256 licenceId, address licensee)
    {
        // slither-disable-next-line calls-loop
        if (works.ownerOf(assetId) == account) {
            // The owner publishes under the asset's own terms: right 11, the territory, the term
            // (registration time and batch do not limit an edition).
            // slither-disable-next-line unused-return,calls-loop
            (, uint64 termEnd,, uint32 rights, uint16 heldTerritory) = works.assetTerms(assetId);
            if (
                rights & (uint32(1) << RIGHT_INFORMATION_NETWORK) == 0
                    || (heldTerritory != 0 && heldTerritory != territory) || block.timestamp >= termEnd
            ) return (Refusal.OwnerNotEntitled, 0, address(0));
            // slither-disable-next-line calls-loop
            (licenceId, licensee) = licences.exclusiveLicenceInForce(assetId, RIGHT_INFORMATION_NETWORK, territory);
            if (licenceId != 0 && licensee != account) return (Refusal.ExclusivelyLicensed, licenceId, licensee);
            return (Refusal.None, 0, address(0));
        }
        // The licence's id is not needed here, only whether one is in force.
        // slither-disable-next-line unused-return,calls-loop
        (bool licensed,) =
            licences.isLicensed(assetId, account, RIGHT_INFORMATION_NETWORK, territory, uint64(block.timestamp));
        return (licensed ? Refusal.None : Refusal.NotPublisher, 0, address(0));
    }

    function _checkTerms(bytes calldata metadataCid, Terms calldata terms) private pure {
        if (
            terms.size == 0 || terms.size > MAX_SIZE || terms.dailyGiftLimit == 0 || terms.lockAfterIssue > MAX_LOCK_UP
                || terms.lockAfterGift > MAX_LOCK_UP || metadataCid.length == 0
        ) revert InvalidTerms(terms.size, terms.dailyGiftLimit);
    }

    function _checkConflict(uint256 assetId, uint256 self, bytes32 digest, bool sole) private view {
        uint256[] storage ids = _editionsOfWork[assetId];
        for (uint256 i = 0; i < ids.length; ++i) {
            uint256 other = ids[i];
            if (other == self) continue;
            Edition storage edition = _editions[other];
            if (!sole && !edition.sole && edition.metadataDigest != digest) continue;
            // An edition with no copy stands only while its publisher may still publish it: a
            // lapsed licensee's or a former owner's empty edition blocks no one.
            if (edition.issued == 0) {
                // Only whether it may; the licence in the way is not needed.
                (Refusal refusal,,) = _refusal(assetId, edition.publisher, edition.territory);
                if (refusal != Refusal.None) continue;
            }
            revert EditionConflict(assetId, other);
        }
    }

    /// @dev Merkle root of `nodes` (sorted-pair hashing, an odd node carried up), built in place.
    function _root(bytes32[] memory nodes) private pure returns (bytes32) {
        uint256 n = nodes.length;
        while (n > 1) {
            uint256 half = n / 2;
            for (uint256 i = 0; i < half; ++i) {
                bytes32 a = nodes[2 * i];
                bytes32 b = nodes[2 * i + 1];
                nodes[i] = a < b ? _hash(a, b) : _hash(b, a);
            }
            if (n % 2 == 1) {
                nodes[half] = nodes[n - 1];
                n = half + 1;
            } else {
                n = half;
            }
        }
        return nodes[0];
    }

    function _hash(bytes32 a, bytes32 b) private pure returns (bytes32 value) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            value := keccak256(0x00, 0x40)
        }
    }
}

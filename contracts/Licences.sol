// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {IModeration} from "./interfaces/IModeration.sol";
import {ILienRegistry, LicenceConsentTerms, licenceConsentDigest} from "./interfaces/ILienRegistry.sol";
import {IRightsAsset, IMPORTER_ROLE} from "./interfaces/IRightsAsset.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ISuiteErrors} from "./interfaces/ISuiteErrors.sol";

/**
 * @title Licences
 * @notice Licences of rights assets: granted by the asset's owner to a licensee for some of the
 * asset's rights, in a territory, for a period, exclusive or not; revocable by the owner where
 * the terms allow; expired by time.
 * No licence starts before its grant, so {isLicensed} never answers yes for a moment before a
 * licence was granted.
 * @dev Licences bind later owners of the asset: after a transfer the new owner is the licensor
 * and holds the power to revoke revocable licences. An exclusive licence blocks, and is blocked
 * by, any licence in force that overlaps it in rights, territory and time (rights bitmasks
 * intersect, territories are equal or one is worldwide (0), periods `[start, end)` intersect).
 * A frozen asset cannot be licensed; an asset with active liens only with every lender's one-shot
 * consent to exactly this licence (`Pledges.setLicensingConsent` with the licence's
 * `licenceConsentDigest`), which the grant uses up. Each asset carries at most {MAX_LICENCES_PER_ASSET} live
 * licences (in force or starting later): revoked and expired licences are pruned from the live
 * list on the next grant and never count, which bounds the loops of `grant` and
 * {exclusiveLicences}. The full history stays readable ({licenceIdsOf}, {isLicensed}).
 */
contract Licences is Context, ISuiteErrors {
    /// @notice Most live licences (in force or starting later) one asset can carry (bounds the overlap scan).
    uint256 public constant MAX_LICENCES_PER_ASSET = 64;
    /// @notice Mask of the moral rights, Copyright Law art. 10 (1)–(4) (bits 0–3): never licensed.
    uint32 public constant MORAL_RIGHTS = 0xF;

    /**
     * @notice A licence (three slots; the terms digest is in {LicenceGranted}).
     * @param licensee The licensee.
     * @param rights Bitmask of licensed rights.
     * @param territory ISO 3166-1 numeric code, 0 = worldwide.
     * @param exclusive Whether the licence is exclusive.
     * @param revocable Whether the terms let the licensor revoke it.
     * @param revoked Whether it was revoked.
     * @param start First second of the licence.
     * @param end First second after the licence.
     * @param assetId The licensed asset.
     */
    struct Licence {
        address licensee;
        uint32 rights;
        uint16 territory;
        bool exclusive;
        bool revocable;
        bool revoked;
        uint64 start;
        uint64 end;
        uint256 assetId;
    }

    /**
     * @notice A licence with its id, as returned by the list views.
     * @param licenceId The id.
     * @param licence The licence.
     */
    struct LicenceEntry {
        uint256 licenceId;
        Licence licence;
    }

    /// @notice The rights assets licensed here.
    IRightsAsset public immutable rightsAsset;
    /// @notice The moderation contract whose freezes stop licensing.
    IModeration public immutable moderation;
    /// @notice The lien registry whose lenders must consent to licences of pledged assets.
    ILienRegistry public immutable lienRegistry;

    /// @dev Ids above it are this suite's own; a predecessor's imported licences keep theirs (at most it).
    uint256 private immutable _idBase;
    uint256 private _licenceCount;
    mapping(uint256 licenceId => Licence) private _licences;
    mapping(uint256 assetId => uint256[] licenceIds) private _assetLicences;
    /// @dev Licences that were live at the last grant (a superset of those live now; at most the cap).
    mapping(uint256 assetId => uint256[] licenceIds) private _liveLicences;


    /**
     * @notice The caller does not own the asset.
     * @param assetId The asset.
     * @param caller The caller.
     */
    error NotAssetOwner(uint256 assetId, address caller);

    /**
     * @notice The licensee is the zero address or the owner.
     * @param licensee The licensee given.
     */
    error InvalidLicensee(address licensee);

    /**
     * @notice The rights are empty or not all held by the asset.
     * @param assetId The asset.
     * @param rights The rights asked.
     * @param heldRights The asset's rights.
     */
    error RightsNotHeld(uint256 assetId, uint32 rights, uint32 heldRights);


    /**
     * @notice The territory is outside the asset's.
     * @param assetId The asset.
     * @param territory The territory asked.
     * @param heldTerritory The asset's territory.
     */
    error TerritoryNotHeld(uint256 assetId, uint16 territory, uint16 heldTerritory);

    /**
     * @notice The period is empty, already over, or runs past the asset's term.
     * @param start Start given.
     * @param end End given.
     * @param termEnd The asset's term end.
     */
    error InvalidLicencePeriod(uint64 start, uint64 end, uint64 termEnd);

    /**
     * @notice The licence would start before it is granted.
     * @param start Start given.
     * @param grantedAt The time of the grant (the block's).
     */
    error LicenceBackdated(uint64 start, uint64 grantedAt);


    /**
     * @notice The asset has an active lien whose lender has not consented to exactly this licence
     * (no consent, consent to other terms, or a consent already used by an earlier grant).
     * @param assetId The asset.
     * @param lienId The first lien lacking the consent.
     * @param licenceDigest The licence's `licenceConsentDigest`.
     */
    error LicenceNotConsented(uint256 assetId, uint256 lienId, bytes32 licenceDigest);

    /**
     * @notice The licence overlaps an exclusive licence in force (or is exclusive and overlaps one).
     * @param assetId The asset.
     * @param conflictingLicenceId The licence in force it overlaps.
     */
    error LicenceConflict(uint256 assetId, uint256 conflictingLicenceId);

    /**
     * @notice The asset carries the most live licences allowed.
     * @param assetId The asset.
     * @param maxLicences The limit.
     */
    error TooManyLicences(uint256 assetId, uint256 maxLicences);

    /**
     * @notice No such licence.
     * @param licenceId The id.
     */
    error UnknownLicence(uint256 licenceId);

    /**
     * @notice The licence's terms do not allow revocation.
     * @param licenceId The licence.
     */
    error LicenceNotRevocable(uint256 licenceId);

    /**
     * @notice The licence is no longer in force (revoked or expired).
     * @param licenceId The licence.
     */
    error LicenceNotInForce(uint256 licenceId);

    /**
     * @notice Emitted when a licence is granted.
     * @param licenceId New licence id.
     * @param assetId The asset.
     * @param licensor The owner granting it.
     * @param licensee The licensee.
     * @param rights Rights bitmask.
     * @param territory Territory code.
     * @param start Start.
     * @param end End (exclusive).
     * @param exclusive Exclusive or not.
     * @param revocable Revocable by the licensor or not.
     * @param termsDigest Digest of the licence terms (kept off chain).
     */
    event LicenceGranted(
        uint256 indexed licenceId,
        uint256 indexed assetId,
        address indexed licensee,
        address licensor,
        uint32 rights,
        uint16 territory,
        uint64 start,
        uint64 end,
        bool exclusive,
        bool revocable,
        bytes32 termsDigest
    );

    /**
     * @notice Emitted when a licence is revoked.
     * @param licenceId The licence.
     * @param assetId The asset.
     * @param licensor The owner revoking it.
     * @param reasonDigest Digest of the reason.
     */
    event LicenceRevoked(
        uint256 indexed licenceId, uint256 indexed assetId, address indexed licensor, bytes32 reasonDigest
    );

    /**
     * @notice Emitted when the importer copies a licence of the sealed predecessor (same id and terms).
     * @param licenceId The licence id.
     * @param assetId The asset.
     * @param licensee The licensee.
     */
    event LicenceImported(uint256 indexed licenceId, uint256 indexed assetId, address indexed licensee);

    /**
     * @notice Sets the contracts read.
     * @param rightsAsset_ The `RightsAsset` contract.
     * @param moderation_ The `Moderation` contract.
     * @param lienRegistry_ The `Pledges` contract.
     */
    constructor(IRightsAsset rightsAsset_, IModeration moderation_, ILienRegistry lienRegistry_) {
        if (
            address(rightsAsset_) == address(0) || address(moderation_) == address(0)
                || address(lienRegistry_) == address(0)
        ) revert ZeroAddress();
        rightsAsset = rightsAsset_;
        moderation = moderation_;
        lienRegistry = lienRegistry_;
        // Ids continue above the suite's base: a predecessor's licences keep their ids when imported.
        uint256 idBase = rightsAsset_.idBase();
        _idBase = idBase;
        _licenceCount = idBase;
    }

    /**
     * @notice Grants a licence of `assetId`; only its owner.
     * @dev Reverts with {ERC721NonexistentToken} (from `RightsAsset`), {NotAssetOwner},
     * {InvalidLicensee}, {MoralRightsNotTransferable}, {RightsNotHeld}, {TerritoryNotHeld}, {InvalidLicencePeriod},
     * {LicenceBackdated}, {AssetFrozen}, {AssetRevoked}, {LicenceNotConsented}, {TooManyLicences} or
     * {LicenceConflict}.
     * Emits {LicenceGranted} (and `Pledges.LicensingConsentUsed` for each lien of the asset).
     * @param assetId The asset.
     * @param licensee The licensee.
     * @param rights Rights bitmask (a subset of the asset's; never a moral right, bits 0–3).
     * @param territory Territory code (the asset's, or any if the asset's is worldwide).
     * @param start Start, not before the grant (the block's time).
     * @param end End (exclusive), at most the asset's term end.
     * @param exclusive Exclusive or not.
     * @param revocable Whether the licensor may revoke it.
     * @param termsDigest Digest of the licence terms.
     * @return licenceId The new licence's id.
     */
    function grant(
        uint256 assetId,
        address licensee,
        uint32 rights,
        uint16 territory,
        uint64 start,
        uint64 end,
        bool exclusive,
        bool revocable,
        bytes32 termsDigest
    ) external returns (uint256 licenceId) {
        _requireLive();
        address owner = rightsAsset.ownerOf(assetId);
        if (_msgSender() != owner) revert NotAssetOwner(assetId, _msgSender());
        if (licensee == address(0) || licensee == owner) revert InvalidLicensee(licensee);
        _checkTerms(assetId, rights, territory, start, end);
        if (moderation.isFrozen(bytes32(assetId))) revert AssetFrozen(assetId);
        if (rightsAsset.isRevoked(assetId)) revert AssetRevoked(assetId);

        Licence memory candidate = Licence({
            licensee: licensee,
            rights: rights,
            territory: territory,
            exclusive: exclusive,
            revocable: revocable,
            revoked: false,
            start: start,
            end: end,
            assetId: assetId
        });
        // The callee is the immutable lien registry, which points back at this contract (checked
        // when it bound it) and calls nothing; a revert there reverts the grant.
        // slither-disable-next-line reentrancy-benign,reentrancy-events
        _useLienConsents(candidate, termsDigest);
        _pruneAndCheckLive(candidate);

        licenceId = ++_licenceCount;
        _licences[licenceId] = candidate;
        _assetLicences[assetId].push(licenceId);
        _liveLicences[assetId].push(licenceId);
        emit LicenceGranted(
            licenceId, assetId, licensee, owner, rights, territory, start, end, exclusive, revocable, termsDigest
        );
    }

    /**
     * @notice Revokes licence `licenceId`; only the asset's current owner, and only if the terms
     * allow it and the licence is still in force.
     * @dev Reverts with {UnknownLicence}, {ERC721NonexistentToken}, {NotAssetOwner},
     * {LicenceNotRevocable} or {LicenceNotInForce}. Emits {LicenceRevoked}.
     * @param licenceId The licence.
     * @param reasonDigest Digest of the reason.
     */
    function revoke(uint256 licenceId, bytes32 reasonDigest) external {
        _requireLive();
        Licence storage licence = _licences[licenceId];
        if (licence.end == 0) revert UnknownLicence(licenceId);
        uint256 assetId = licence.assetId;
        if (rightsAsset.ownerOf(assetId) != _msgSender()) revert NotAssetOwner(assetId, _msgSender());
        if (!licence.revocable) revert LicenceNotRevocable(licenceId);
        if (licence.revoked || licence.end <= block.timestamp) revert LicenceNotInForce(licenceId);
        licence.revoked = true;
        emit LicenceRevoked(licenceId, assetId, _msgSender(), reasonDigest);
    }

    /**
     * @notice Imports licence `licenceId` of the sealed predecessor, in force or to come, exactly
     * as it stands there (the terms digest stays in the predecessor's `LicenceGranted` event).
     * @dev Only the holder of `RightsAsset`'s `IMPORTER_ROLE` (the migrator, which reads the
     * predecessor on chain); the asset must have been imported first. Reverts with
     * {AccessControlUnauthorizedAccount}, {SuiteSealed}, {ImportRefused} (id zero, above this
     * suite's base or taken; a revoked or ended licence) or {ERC721NonexistentToken}. Emits
     * {LicenceImported}.
     * @param licenceId The licence id on the predecessor.
     * @param licence The licence there (`licenceOf`).
     */
    function importLicence(uint256 licenceId, Licence calldata licence) external {
        if (!IAccessControl(address(rightsAsset)).hasRole(IMPORTER_ROLE, _msgSender())) {
            revert IAccessControl.AccessControlUnauthorizedAccount(_msgSender(), IMPORTER_ROLE);
        }
        _requireLive();
        uint256 assetId = licence.assetId;
        if (
            licenceId == 0 || licenceId > _idBase || _licences[licenceId].end != 0 || licence.revoked
                || licence.end <= block.timestamp
        ) revert ImportRefused(licenceId);
        // Only that the asset exists here (imported first): `ownerOf` reverts otherwise.
        // slither-disable-next-line unused-return
        rightsAsset.ownerOf(assetId);
        _licences[licenceId] = licence;
        _assetLicences[assetId].push(licenceId);
        _liveLicences[assetId].push(licenceId);
        emit LicenceImported(licenceId, assetId, licence.licensee);
    }

    /**
     * @notice Whether `licensee` holds a licence of `assetId` for right number `right`
     * (0 = 发表权 … 16 = 其他权利) in `territory` at time `time`.
     * @param assetId The asset.
     * @param licensee The account asked about.
     * @param right Right number, 0–16.
     * @param territory Territory code (a worldwide licence covers every territory).
     * @param time The moment asked about.
     * @return licensed Whether such a licence exists.
     * @return licenceId The first such licence (0 if none).
     */
    function isLicensed(uint256 assetId, address licensee, uint8 right, uint16 territory, uint64 time)
        external
        view
        returns (bool licensed, uint256 licenceId)
    {
        if (right > 16) return (false, 0);
        uint32 bit = uint32(1) << right;
        uint256[] storage ids = _assetLicences[assetId];
        for (uint256 i = 0; i < ids.length; ++i) {
            Licence storage licence = _licences[ids[i]];
            if (
                licence.licensee == licensee && !licence.revoked && licence.rights & bit != 0
                    && (licence.territory == 0 || licence.territory == territory) && licence.start <= time
                    && time < licence.end
            ) return (true, ids[i]);
        }
        return (false, 0);
    }

    /**
     * @notice The exclusive licence of `assetId` in force now for right number `right` in a
     * territory that covers or is covered by `territory` (either worldwide, or the same), if any.
     * @dev An exclusive licence (专有使用权) excludes everyone else from exercising the right in
     * its territory for its term, the licensor included: `Editions` asks it before the asset's
     * owner publishes or issues copies.
     * @param assetId The asset.
     * @param right Right number, 0–16.
     * @param territory Territory code (0 for worldwide).
     * @return licenceId The licence (0 if none).
     * @return licensee Its licensee (zero if none).
     */
    function exclusiveLicenceInForce(uint256 assetId, uint8 right, uint16 territory)
        external
        view
        returns (uint256 licenceId, address licensee)
    {
        if (right > 16) return (0, address(0));
        uint32 bit = uint32(1) << right;
        uint256[] storage ids = _liveLicences[assetId];
        for (uint256 i = 0; i < ids.length; ++i) {
            Licence storage licence = _licences[ids[i]];
            if (
                licence.exclusive && !licence.revoked && licence.rights & bit != 0
                    && (licence.territory == 0 || territory == 0 || licence.territory == territory)
                    && licence.start <= block.timestamp && block.timestamp < licence.end
            ) return (ids[i], licence.licensee);
        }
        return (0, address(0));
    }

    /**
     * @notice The exclusive licences of `assetId` that are in force now or start later.
     * @param assetId The asset.
     * @return entries The licences with their ids.
     */
    function exclusiveLicences(uint256 assetId) external view returns (LicenceEntry[] memory entries) {
        uint256[] storage ids = _liveLicences[assetId];
        entries = new LicenceEntry[](ids.length);
        uint256 count = 0;
        for (uint256 i = 0; i < ids.length; ++i) {
            Licence storage licence = _licences[ids[i]];
            if (licence.exclusive && !licence.revoked && licence.end > block.timestamp) {
                entries[count++] = LicenceEntry({licenceId: ids[i], licence: licence});
            }
        }
        // Shrink the array to the entries filled in.
        assembly ("memory-safe") {
            mstore(entries, count)
        }
    }

    /**
     * @notice Number of live licences of `assetId` (not revoked, not expired): what
     * {MAX_LICENCES_PER_ASSET} bounds.
     * @param assetId The asset.
     * @return count The number.
     */
    function liveLicenceCount(uint256 assetId) external view returns (uint256 count) {
        uint256[] storage ids = _liveLicences[assetId];
        for (uint256 i = 0; i < ids.length; ++i) {
            Licence storage licence = _licences[ids[i]];
            if (!licence.revoked && licence.end > block.timestamp) ++count;
        }
    }

    /**
     * @notice The ids of every licence ever granted on `assetId`.
     * @param assetId The asset.
     * @return The ids, oldest first.
     */
    function licenceIdsOf(uint256 assetId) external view returns (uint256[] memory) {
        return _assetLicences[assetId];
    }

    /**
     * @notice Licence `licenceId` (all zero if unknown).
     * @param licenceId The id.
     * @return The licence.
     */
    function licenceOf(uint256 licenceId) external view returns (Licence memory) {
        return _licences[licenceId];
    }

    /**
     * @notice The last licence id this suite issued: the number of licences it granted, above
     * the suite's `idBase` (0 for a first suite; imported licences keep their lower ids).
     * @return The id.
     */
    function licenceCount() external view returns (uint256) {
        return _licenceCount;
    }

    /**
     * @notice Whether two licences overlap in rights, territory and time.
     * @param a One licence.
     * @param b The other.
     * @return True if they overlap.
     */
    function overlaps(Licence memory a, Licence memory b) public pure returns (bool) {
        return a.rights & b.rights != 0
            && (a.territory == b.territory || a.territory == 0 || b.territory == 0) && a.start < b.end
            && b.start < a.end;
    }

    /// @dev Uses up every lender's consent to exactly `candidate` with `termsDigest`, or refuses.
    function _useLienConsents(Licence memory candidate, bytes32 termsDigest) private {
        bytes32 licenceDigest = licenceConsentDigest(
            LicenceConsentTerms({
                assetId: candidate.assetId,
                licensee: candidate.licensee,
                rights: candidate.rights,
                territory: candidate.territory,
                start: candidate.start,
                end: candidate.end,
                exclusive: candidate.exclusive,
                revocable: candidate.revocable,
                termsDigest: termsDigest
            })
        );
        uint256 missingLienId = lienRegistry.useLicensingConsents(candidate.assetId, licenceDigest);
        if (missingLienId != 0) revert LicenceNotConsented(candidate.assetId, missingLienId, licenceDigest);
    }

    /// @dev Drops revoked and expired licences from the asset's live list, then refuses a
    /// conflict with a live licence or a full live list.
    function _pruneAndCheckLive(Licence memory candidate) private {
        uint256 assetId = candidate.assetId;
        uint256[] storage live = _liveLicences[assetId];
        uint256 i = 0;
        while (i < live.length) {
            uint256 otherId = live[i];
            Licence storage other = _licences[otherId];
            if (other.revoked || other.end <= block.timestamp) {
                // No longer live: swap with the last and pop.
                live[i] = live[live.length - 1];
                live.pop();
                continue;
            }
            if ((candidate.exclusive || other.exclusive) && overlaps(candidate, other)) {
                revert LicenceConflict(assetId, otherId);
            }
            ++i;
        }
        if (live.length >= MAX_LICENCES_PER_ASSET) revert TooManyLicences(assetId, MAX_LICENCES_PER_ASSET);
    }

    /// @dev Refuses every change once the suite is sealed (the seal is kept by `RightsAsset`).
    function _requireLive() private view {
        address successor = rightsAsset.successor();
        if (successor != address(0)) revert SuiteSealed(successor);
    }

    function _checkTerms(uint256 assetId, uint32 rights, uint16 territory, uint64 start, uint64 end) private view {
        // Registration time and batch do not limit a licence.
        // slither-disable-next-line unused-return
        (, uint64 termEnd,, uint32 heldRights, uint16 heldTerritory) = rightsAsset.assetTerms(assetId);
        if (rights & MORAL_RIGHTS != 0) revert MoralRightsNotTransferable(rights & MORAL_RIGHTS);
        if (rights == 0 || rights & ~heldRights != 0) revert RightsNotHeld(assetId, rights, heldRights);
        if (heldTerritory != 0 && territory != heldTerritory) {
            revert TerritoryNotHeld(assetId, territory, heldTerritory);
        }
        if (start >= end || end <= block.timestamp || end > termEnd) revert InvalidLicencePeriod(start, end, termEnd);
        if (start < block.timestamp) revert LicenceBackdated(start, uint64(block.timestamp));
    }
}

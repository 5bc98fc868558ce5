"""The errors of editions (数字藏书), each in the family of :mod:`registry.core.errors` whose HTTP
status it answers with, and the contract's custom errors they stand for."""

from __future__ import annotations

from registry.core import errors


class EditionNotFound(errors.NotFound):
    """No such edition."""

    code = "edition_not_found"


class CopyNotFound(errors.NotFound):
    """No such copy: 0, or not issued yet."""

    code = "copy_not_found"


class InvalidEditionTerms(errors.InvalidInput):
    """The terms are not acceptable: size 1 to 1,000,000, a daily gift limit of at least 1,
    lock-ups of at most ten years, a cover/metadata CID, a price in CNY that is not negative."""

    code = "invalid_edition_terms"


class InvalidIssueCatalogue(errors.InvalidInput):
    """The catalogue is empty, too long for one request, or its copy numbers do not follow the
    copies issued (the next copy first, no gap, no repeat)."""

    code = "invalid_issue_catalogue"


class GiftToSelf(errors.InvalidInput):
    """A copy cannot be given to its own holder."""

    code = "gift_to_self"


class NotEditionPublisher(errors.Forbidden):
    """Only the owner of the work's rights asset, or a licensee of its right of
    information-network dissemination for the territory, publishes and issues an edition."""

    code = "not_edition_publisher"


class OwnerNotEntitled(errors.Forbidden):
    """The work's rights asset does not carry the right of information-network dissemination
    (信息网络传播权) for the territory now: its rights lack it, its territory is another (a
    worldwide asset covers every territory), or its term has ended. Its owner publishes and
    issues nothing there."""

    code = "owner_not_entitled"


class EditionsSealed(errors.Conflict):
    """The ``Editions`` contract reads a sealed suite, whose owners and licences are frozen: it
    creates, amends and issues nothing more. Copies issued, or reserved on an allow-list, before
    the seal are claimed, given and read as before."""

    code = "editions_sealed"


class ExclusivelyLicensed(errors.Conflict):
    """Another party holds an exclusive licence (专有使用权) of the right of information-network
    dissemination for the territory now: it excludes everyone else there, the owner included, from
    publishing or issuing copies until it ends or is revoked."""

    code = "exclusively_licensed"


class NotCopyHolder(errors.Forbidden):
    """Only the holder of a copy gives it away or reads with it."""

    code = "not_copy_holder"


class ReaderNotVerified(errors.Conflict):
    """A holder must be a verified natural person of full age (实名, adult) bound to the account
    on chain."""

    code = "reader_not_verified"


class CopyLockedUp(errors.Conflict):
    """The copy is in its lock-up period after issue or after the last gift."""

    code = "copy_locked_up"


class DailyGiftLimitReached(errors.Conflict):
    """The holder made as many gifts today (UTC) as the edition allows."""

    code = "daily_gift_limit_reached"


class IssueBeyondSize(errors.Conflict):
    """Issuing would go beyond the edition's fixed size."""

    code = "issue_beyond_size"


class EditionConflict(errors.Conflict):
    """A new edition breaks an earlier edition's terms: that one is the work's sole edition,
    this one claims to be, or it has the same cover/metadata."""

    code = "edition_conflict"


class EditionTermsLocked(errors.Conflict):
    """The terms cannot change once a copy was issued."""

    code = "edition_terms_locked"


class WorkNotTokenized(errors.Conflict):
    """An edition is of a work with a rights asset: registered, anchored and tokenized."""

    code = "work_not_tokenized"


class EditionTakenDown(errors.TakenDown):
    """The work is taken down (or its registration revoked); its edition is frozen with it: no
    issue, no gift, no certificate of a copy, no reading key."""

    code = "edition_taken_down"


#: The ``Editions`` contract's custom errors → the errors above.
EDITION_REFUSALS: dict[str, type[errors.RegistryError]] = {
    "NotPublisher": NotEditionPublisher,
    "NotEditionPublisher": NotEditionPublisher,
    "OwnerNotEntitled": OwnerNotEntitled,
    "ExclusivelyLicensed": ExclusivelyLicensed,
    "SuiteSealed": EditionsSealed,
    "WorkNotTokenized": WorkNotTokenized,
    "WorkRevoked": errors.Revoked,
    "WorkTakenDown": EditionTakenDown,
    "InvalidTerms": InvalidEditionTerms,
    "EditionConflict": EditionConflict,
    "UnknownEdition": EditionNotFound,
    "TermsLocked": EditionTermsLocked,
    "IssueBeyondSize": IssueBeyondSize,
    "NotVerifiedAdult": ReaderNotVerified,
    "UnknownCopy": CopyNotFound,
    "NotHolder": NotCopyHolder,
    "LockedUp": CopyLockedUp,
    "DailyGiftLimitReached": DailyGiftLimitReached,
    "GiftToSelf": GiftToSelf,
}

"""Typed access to ``Editions``: numbered editions (数字藏书) of a tokenized work.

Copies are issued in batches: ``Editions.issue`` stores one Merkle root per batch over the leaves
``keccak256(abi.encode(editionId, copy, holder))`` (pairs hashed sorted, an odd node carried up
unchanged). :func:`batch_root` and :func:`batch_proof` build the same tree here, so that a
holder's proof can be given to ``gift`` and ``holds`` from the batch's holders alone (as the
``Issued`` event lists them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple

from eth_abi.abi import encode
from eth_typing import BlockIdentifier
from eth_utils.crypto import keccak
from web3 import Web3

from chain_client.bound_contract import BoundContract
from chain_client.records import LogPosition, Record, from_abi
from chain_client.transactions import TransactionSender

#: 信息网络传播权, the right a licensee must hold to publish an edition.
RIGHT_INFORMATION_NETWORK = 11
#: Copies sent in one ``issue`` transaction (about 6,500 gas each; well inside a block).
ISSUE_CHUNK = 2_000


def copy_leaf(edition_id: int, copy: int, holder: str) -> bytes:
    """The leaf of copy ``copy`` held by ``holder`` (``Editions.copyLeaf``)."""
    return keccak(
        encode(
            ["uint256", "uint256", "address"],
            [edition_id, copy, Web3.to_checksum_address(holder)],
        )
    )


def _pair(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a < b else keccak(b + a)


def _levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    if not leaves:
        raise ValueError("a batch has at least one copy")
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        level = levels[-1]
        parents = [_pair(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            parents.append(level[-1])
        levels.append(parents)
    return levels


def batch_leaves(edition_id: int, first_copy: int, holders: Sequence[str]) -> list[bytes]:
    """The leaves of a batch whose copies ``first_copy``… go to ``holders`` in order."""
    return [copy_leaf(edition_id, first_copy + i, h) for i, h in enumerate(holders)]


def batch_root(edition_id: int, first_copy: int, holders: Sequence[str]) -> bytes:
    """The Merkle root ``Editions.issue`` stores for the batch."""
    return _levels(batch_leaves(edition_id, first_copy, holders))[-1][0]


def batch_proof(edition_id: int, first_copy: int, holders: Sequence[str], copy: int) -> list[bytes]:
    """The proof of copy ``copy``'s leaf in the batch."""
    index = copy - first_copy
    if not 0 <= index < len(holders):
        raise ValueError(f"copy {copy} is not in this batch")
    proof: list[bytes] = []
    for level in _levels(batch_leaves(edition_id, first_copy, holders))[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(level[sibling])
        index //= 2
    return proof


class EditionTerms(Record):
    """Terms fixed with an edition (the Solidity ``Terms`` struct, member for member)."""

    size: int
    territory: int
    lock_after_issue: int
    lock_after_gift: int
    daily_gift_limit: int
    sole: bool = False


class Edition(Record):
    asset_id: int
    metadata_digest: bytes
    publisher: str
    size: int
    issued: int
    territory: int
    daily_gift_limit: int
    sole: bool
    lock_after_issue: int
    lock_after_gift: int
    batch_count: int


class Batch(Record):
    root: bytes
    first_copy: int
    count: int
    issued_at: int
    allow_list: bool


class EditionCreated(Record):
    edition_id: int
    asset_id: int
    publisher: str
    size: int
    metadata_cid: bytes
    terms: EditionTerms
    position: LogPosition


class TermsAmended(Record):
    edition_id: int
    metadata_cid: bytes
    terms: EditionTerms
    position: LogPosition


class Issued(Record):
    edition_id: int
    batch_index: int
    first_copy: int
    root: bytes
    holders: tuple[str, ...]
    position: LogPosition


class AllowListPosted(Record):
    edition_id: int
    batch_index: int
    first_copy: int
    count: int
    root: bytes
    position: LogPosition


class Claimed(Record):
    edition_id: int
    copy: int
    holder: str
    position: LogPosition


class Gifted(Record):
    edition_id: int
    copy: int
    from_: str
    to: str
    position: LogPosition


class EditionsClient(BoundContract):
    """One deployed ``Editions``."""

    CONTRACT_NAME = "Editions"
    EVENT_TYPES = (EditionCreated, TermsAmended, Issued, AllowListPosted, Claimed, Gifted)

    @classmethod
    def deploy(
        cls,
        sender: TransactionSender,
        *,
        rights_asset: str,
        licences: str,
        moderation: str,
        identity_attestations: str,
    ) -> EditionsClient:
        """Deploy a new ``Editions`` reading the given suite contracts."""
        return cls._deploy(sender, rights_asset, licences, moderation, identity_attestations)

    def create(self, asset_id: int, metadata_cid: bytes, terms: EditionTerms) -> EditionCreated:
        """Create an edition of ``asset_id`` (its owner, or a licensee of right 11)."""
        return self._transact_one(EditionCreated, "create", asset_id, metadata_cid, astuple(terms))

    def amend_terms(
        self, edition_id: int, metadata_cid: bytes, terms: EditionTerms
    ) -> TermsAmended:
        """Replace the terms of an edition without copies (its publisher)."""
        return self._transact_one(
            TermsAmended, "amendTerms", edition_id, metadata_cid, astuple(terms)
        )

    def issue(self, edition_id: int, holders: Sequence[str]) -> Issued:
        """Issue the next ``len(holders)`` copies, one per holder, in one transaction."""
        return self._transact_one(Issued, "issue", edition_id, list(holders))

    def issue_all(
        self, edition_id: int, holders: Sequence[str], *, chunk: int = ISSUE_CHUNK
    ) -> list[Issued]:
        """Issue copies to ``holders`` in batches of ``chunk``, sent without waiting in between
        (the nonces follow), then wait for every receipt."""
        sender = self._sending()
        hashes = [
            self._submit("issue", edition_id, list(holders[i : i + chunk]))
            for i in range(0, len(holders), chunk)
        ]
        return [
            self.event_records.one_in_receipt(sender.wait(h, decoder=self.decoder), Issued)
            for h in hashes
        ]

    def post_allow_list(self, edition_id: int, root: bytes, count: int) -> AllowListPosted:
        """Reserve the next ``count`` copies for the readers of an allow-list (its root as
        :func:`batch_root` builds it); each reader claims its own."""
        return self._transact_one(AllowListPosted, "postAllowList", edition_id, root, count)

    def claim(
        self, edition_id: int, copy: int, batch_index: int, proof: Sequence[bytes]
    ) -> Claimed:
        """Claim copy ``copy`` from an allow-list (the reader of its leaf, a verified adult)."""
        return self._transact_one(Claimed, "claim", edition_id, copy, batch_index, list(proof))

    def gift(
        self, edition_id: int, copy: int, to: str, batch_index: int, proof: Sequence[bytes]
    ) -> Gifted:
        """Give copy ``copy`` to ``to`` (its holder; the proof only before its first gift)."""
        return self._transact_one(Gifted, "gift", edition_id, copy, to, batch_index, list(proof))

    def holds(
        self,
        edition_id: int,
        copy: int,
        account: str,
        batch_index: int,
        proof: Sequence[bytes],
        *,
        block: BlockIdentifier = "latest",
    ) -> bool:
        """Whether ``account`` holds copy ``copy`` now."""
        return bool(
            self._call("holds", edition_id, copy, account, batch_index, list(proof), block=block)
        )

    def copy_record(self, edition_id: int, copy: int) -> tuple[str | None, int]:
        """The holder after the copy's last gift and when they received it (None, 0 before)."""
        holder, received_at = self._call("copyRecord", edition_id, copy)
        return (None if int(holder, 16) == 0 else str(holder)), int(received_at)

    def edition_of(self, edition_id: int, *, block: BlockIdentifier = "latest") -> Edition:
        return from_abi(Edition, self._call("editionOf", edition_id, block=block))

    def batch_of(self, edition_id: int, batch_index: int) -> Batch:
        return from_abi(Batch, self._call("batchOf", edition_id, batch_index))

    def edition_count(self) -> int:
        return int(self._call("editionCount"))

    def editions_of_work(self, asset_id: int) -> list[int]:
        return [int(v) for v in self._call("editionsOfWork", asset_id)]

    def is_frozen(self, edition_id: int) -> bool:
        """Whether the edition's work is taken down, revoked or burned."""
        return bool(self._call("isFrozen", edition_id))

    def gifts_today(self, edition_id: int, holder: str) -> int:
        return int(self._call("giftsToday", edition_id, holder))

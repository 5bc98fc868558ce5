"""Pure cryptographic primitives of banquan.

Content digests (SHA-256 and SM3 in one pass), RFC 8785 canonical JSON, registration claims
and their leaves, and a Merkle tree compatible with OpenZeppelin's ``StandardMerkleTree`` and
``MerkleProof.sol``. The package does no I/O of its own and depends on no other part of
banquan.
"""

from crypto.canonical import canonical_json
from crypto.claims import (
    CLAIM_LEAF_DOMAIN,
    CLAIM_VERSION,
    Claim,
    claim_leaf_v1,
    metadata_digest,
    new_nonce,
)
from crypto.digests import ContentDigests, DigestAccumulator, digest_stream, parse_digest_hex
from crypto.errors import CryptoError, InvalidClaim, InvalidDigest, InvalidProof, LeafNotInTree
from crypto.merkle import MerkleTree, hash_pair, leaf_hash, verify_proof

__all__ = [
    "CLAIM_LEAF_DOMAIN",
    "CLAIM_VERSION",
    "Claim",
    "ContentDigests",
    "CryptoError",
    "DigestAccumulator",
    "InvalidClaim",
    "InvalidDigest",
    "InvalidProof",
    "LeafNotInTree",
    "MerkleTree",
    "canonical_json",
    "claim_leaf_v1",
    "digest_stream",
    "hash_pair",
    "leaf_hash",
    "metadata_digest",
    "new_nonce",
    "parse_digest_hex",
    "verify_proof",
]

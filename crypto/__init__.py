"""Pure cryptographic primitives of banquan.

Content digests (SHA-256 and SM3 in one pass), RFC 8785 canonical JSON, registration claims
and their leaves, and a Merkle tree compatible with OpenZeppelin's ``StandardMerkleTree`` and
``MerkleProof.sol``. The package does no I/O of its own (beyond reading and writing keystore
files in :mod:`crypto.keystore`) and depends on no other part of banquan.

Signatures, keys and encryption live in their own modules, imported by name so that the
digest and claim code stays light to import:

* :mod:`crypto.signing` — ``Algorithm``, ``Signature``, ``Signer``/``KeySigner``, ``verify``;
* :mod:`crypto.sm2` — SM2 keys, signatures (SM3 + Z_A) and encryption (C1C3C2), on OpenSSL 3;
* :mod:`crypto.secp256k1` — Ethereum keys, EIP-191 and EIP-712 signatures, recovery;
* :mod:`crypto.symmetric` — SM4-GCM, AES-256-GCM, HMAC-SM3, content-key wrapping;
* :mod:`crypto.keystore` — encrypted keystore files (banquan's and Ethereum V3);
* :mod:`crypto.claims_v2` — signed ``banquan.claim/2`` claims with salted private fields.
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
from crypto.errors import (
    BackendUnavailable,
    CryptoError,
    DecryptionFailed,
    InvalidClaim,
    InvalidDigest,
    InvalidKey,
    InvalidKeystore,
    InvalidProof,
    InvalidSignature,
    LeafNotInTree,
    UnsupportedAlgorithm,
)
from crypto.merkle import (
    MerkleTree,
    MultiProof,
    entry_hash,
    hash_pair,
    leaf_hash,
    process_multiproof,
    verify_multiproof,
    verify_proof,
)

__all__ = [
    "CLAIM_LEAF_DOMAIN",
    "CLAIM_VERSION",
    "BackendUnavailable",
    "Claim",
    "ContentDigests",
    "CryptoError",
    "DecryptionFailed",
    "DigestAccumulator",
    "InvalidClaim",
    "InvalidDigest",
    "InvalidKey",
    "InvalidKeystore",
    "InvalidProof",
    "InvalidSignature",
    "LeafNotInTree",
    "MerkleTree",
    "MultiProof",
    "UnsupportedAlgorithm",
    "canonical_json",
    "claim_leaf_v1",
    "digest_stream",
    "entry_hash",
    "hash_pair",
    "leaf_hash",
    "metadata_digest",
    "new_nonce",
    "parse_digest_hex",
    "process_multiproof",
    "verify_multiproof",
    "verify_proof",
]

// The digests a claim records of its content, computed here from the bytes of a file.

import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex } from "@noble/hashes/utils";
import { sm3 } from "sm-crypto-v2";

/** SHA-256 and SM3 (GB/T 32905) of `bytes`, as lowercase hex, and their count. */
export function contentDigests(bytes) {
  return { sha256: bytesToHex(sha256(bytes)), sm3: sm3(bytes), size: bytes.length };
}

/** The same of a File the reader chose: read here, never sent anywhere. */
export async function fileDigests(file) {
  return contentDigests(new Uint8Array(await file.arrayBuffer()));
}

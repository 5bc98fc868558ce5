// Writes unixfs_cids.json: golden CIDs computed by the reference JavaScript UnixFS importer
// (ipfs-unixfs-importer, blockstore-core; versions pinned in package.json) with Kubo's defaults
// for `ipfs add --cid-version=1 --raw-leaves`. Content of size n: byte i is i % 251.
// Run from the repository root, after `npm ci`: node tests/registry/content/vectors/unixfs_cids.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { importer } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import { MemoryBlockstore } from "blockstore-core/memory";

const CHUNK = 262144;
const CASES = [
  ["empty file", 0],
  ["1 byte", 1],
  ["exactly 256 KiB", CHUNK],
  ["256 KiB + 1", CHUNK + 1],
  ["2 chunks", 2 * CHUNK],
  ["3 chunks + 5 bytes", 3 * CHUNK + 5],
  ["1 MiB", 4 * CHUNK],
  ["exactly 174 chunks", 174 * CHUNK],
  ["174 chunks + 1 byte", 174 * CHUNK + 1],
  ["175 chunks", 175 * CHUNK],
  ["45 MiB (180 chunks)", 180 * CHUNK],
];

export function pattern(size) {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = i % 251;
  return out;
}

export const KUBO_ADD_OPTIONS = {
  cidVersion: 1, rawLeaves: true, reduceSingleLeafToSelf: true,
  chunker: fixedSize({ chunkSize: CHUNK }),
  layout: balanced({ maxChildrenPerNode: 174 }),
};

// Imports `content` as `ipfs add --cid-version=1 --raw-leaves` does; the root CID and the store.
export async function imported(content) {
  const store = new MemoryBlockstore();
  let last;
  for await (const entry of importer([{ content }], store, KUBO_ADD_OPTIONS)) last = entry;
  return { root: last.cid, store };
}

async function main() {
  const lines = [];
  for (const [name, size] of CASES) {
    const { root, store } = await imported(pattern(size));
    let blocks = 0;
    for await (const _ of store.getAll()) blocks++;
    const entry = { name, size, cid: root.toString(), blocks };
    lines.push(`    ${oneLine(entry)}`);
  }
  const source =
    `ipfs-unixfs-importer ${pinned("ipfs-unixfs-importer")} ` +
    "(cidVersion 1, rawLeaves, fixedSize 262144, balanced 174); content byte i = i % 251";
  const text = `{\n  "source": ${JSON.stringify(source)},\n  "cases": [\n${lines.join(",\n")}\n  ]\n}\n`;
  writeFileSync(new URL("unixfs_cids.json", import.meta.url), text);
}

// The version package.json pins (the one `npm ci` installs).
export function pinned(name) {
  const manifest = JSON.parse(readFileSync(new URL("../../../../package.json", import.meta.url)));
  return manifest.devDependencies[name];
}

// `{"a": 1, "b": 2}`: one case a line, as the golden files are laid out.
export function oneLine(entry) {
  return `{${Object.entries(entry).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ")}}`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();

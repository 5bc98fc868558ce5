// Writes car_export.json: golden CARv1 files written by the reference JavaScript CAR writer
// (@ipld/car; versions pinned in package.json) for content imported as unixfs_cids.mjs does.
// Blocks go in the order of `ipfs dag export`: depth first from the root, root first, links in
// order. Content of size n: byte i is i % 251.
// Run from the repository root, after `npm ci`: node tests/registry/content/vectors/car_export.mjs
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { CarWriter } from "@ipld/car/writer";
import * as dagPb from "@ipld/dag-pb";
import { imported, oneLine, pattern, pinned } from "./unixfs_cids.mjs";

const CASES = [["1 MiB", 1048576]];

async function block(store, cid) {
  const chunks = [];
  for await (const chunk of store.get(cid)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function putDepthFirst(writer, store, cid) {
  const bytes = await block(store, cid);
  await writer.put({ cid, bytes });
  if (cid.code === dagPb.code) {
    for (const link of dagPb.decode(bytes).Links) await putDepthFirst(writer, store, link.Hash);
  }
}

async function car(root, store) {
  const { writer, out } = CarWriter.create([root]);
  const collected = (async () => {
    const chunks = [];
    for await (const chunk of out) chunks.push(chunk);
    return Buffer.concat(chunks);
  })();
  await putDepthFirst(writer, store, root);
  await writer.close();
  return collected;
}

async function main() {
  const lines = [];
  for (const [name, size] of CASES) {
    const { root, store } = await imported(pattern(size));
    const bytes = await car(root, store);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    lines.push(`    ${oneLine({ name, size, root: root.toString(), bytes: bytes.length, sha256 })}`);
  }
  const source =
    `@ipld/car ${pinned("@ipld/car")} CarWriter over ipfs-unixfs-importer ` +
    `${pinned("ipfs-unixfs-importer")} (as unixfs_cids.json); blocks depth first, root first`;
  const text = `{\n  "source": ${JSON.stringify(source)},\n  "cases": [\n${lines.join(",\n")}\n  ]\n}\n`;
  writeFileSync(new URL("car_export.json", import.meta.url), text);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();

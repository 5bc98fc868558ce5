// Produces unixfs_cids.json: golden CIDs computed by the reference JavaScript UnixFS importer
// (ipfs-unixfs-importer 17.1.1, blockstore-core 7.0.1) with Kubo's defaults for
// `ipfs add --cid-version=1 --raw-leaves`. Content of size n: byte i is i % 251.
// Run: npm install ipfs-unixfs-importer@17.1.1 blockstore-core@7.0.1, then node unixfs_cids.mjs "[sizes]"
import { importer } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import { MemoryBlockstore } from "blockstore-core/memory";

function pattern(size) {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = i % 251;
  return out;
}

const sizes = JSON.parse(process.argv[2]);
const result = {};
for (const size of sizes) {
  const store = new MemoryBlockstore();
  const options = {
    cidVersion: 1, rawLeaves: true, reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: 262144 }),
    layout: balanced({ maxChildrenPerNode: 174 }),
  };
  let last;
  for await (const entry of importer([{ content: pattern(size) }], store, options)) last = entry;
  let blocks = 0;
  for await (const _ of store.getAll()) blocks++;
  result[size] = { cid: last.cid.toString(), blocks };
}
console.log(JSON.stringify(result, null, 2));

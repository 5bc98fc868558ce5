// Exports the ABI and bytecode of every contract in contracts/ (tests excluded) from the Hardhat
// build into chain_client/abi/<ContractName>.json (abstract bases in contracts/access/ excluded), where the Python client loads them from.
//
//   node contracts/scripts/export-abi.mjs           write the files (`make abi`)
//   node contracts/scripts/export-abi.mjs --check   only compare them with the build (`make check-abi`)
//
// Run `npx hardhat build` first. Each file holds exactly contractName, sourceName, abi, bytecode,
// deployedBytecode and immutableRanges (the [start, length] byte ranges of the deployed code that
// hold immutable values; solc's own references are keyed by AST ids, which change with the build), as JSON with 2-space indentation and a trailing newline, so the output depends
// only on the sources and the compiler settings. In --check mode nothing is written; the script exits
// with status 1 and names every missing, differing or stale file if the committed ABIs are out of date.

import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const ARTIFACTS_DIR = path.join(ROOT, "artifacts", "contracts");
const OUT_DIR = path.join(ROOT, "chain_client", "abi");
const OUT_DIR_DISPLAY = path.relative(ROOT, OUT_DIR);

function isExported(sourceName) {
  return (
    typeof sourceName === "string" &&
    sourceName.startsWith("contracts/") &&
    !sourceName.startsWith("contracts/test/") &&
    !sourceName.startsWith("contracts/interfaces/") &&
    !sourceName.startsWith("contracts/access/") &&
    sourceName.endsWith(".sol") &&
    !sourceName.endsWith(".t.sol")
  );
}

function immutableRanges(references) {
  return Object.values(references)
    .flat()
    .map(({ start, length }) => [start, length])
    .sort((a, b) => a[0] - b[0]);
}

async function findArtifactFiles(dir) {
  const files = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await findArtifactFiles(full)));
    else if (entry.isFile() && entry.name.endsWith(".json")) files.push(full);
  }
  return files;
}

/** Returns a Map from output file name to its exact contents, in a stable order. */
async function expectedOutputs() {
  if (!existsSync(ARTIFACTS_DIR)) {
    throw new Error("no Hardhat artifacts found; run `npx hardhat build` first");
  }
  const bySource = new Map();
  for (const file of await findArtifactFiles(ARTIFACTS_DIR)) {
    const artifact = JSON.parse(await readFile(file, "utf8"));
    const { contractName, sourceName } = artifact;
    if (typeof contractName !== "string" || !isExported(sourceName)) continue;
    // Artifacts of deleted sources may linger until the next clean build.
    if (!existsSync(path.join(ROOT, sourceName))) continue;
    const name = `${contractName}.json`;
    if (bySource.has(name)) {
      throw new Error(
        `contract name ${contractName} is defined in both ${bySource.get(name).sourceName} and ${sourceName}`,
      );
    }
    const exported = {
      contractName,
      sourceName,
      abi: artifact.abi,
      bytecode: artifact.bytecode,
      deployedBytecode: artifact.deployedBytecode,
      immutableRanges: immutableRanges(artifact.immutableReferences ?? {}),
    };
    bySource.set(name, { sourceName, text: `${JSON.stringify(exported, null, 2)}\n` });
  }
  if (bySource.size === 0) {
    throw new Error("no contract artifacts under artifacts/contracts/; run `npx hardhat build` first");
  }
  const names = [...bySource.keys()].sort();
  return new Map(names.map((name) => [name, bySource.get(name).text]));
}

async function existingOutputs() {
  if (!existsSync(OUT_DIR)) return [];
  const entries = await readdir(OUT_DIR, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".json"))
    .map((e) => e.name)
    .sort();
}

async function check(expected) {
  const problems = [];
  for (const [name, text] of expected) {
    const file = path.join(OUT_DIR, name);
    if (!existsSync(file)) problems.push(`${OUT_DIR_DISPLAY}/${name}: missing`);
    else if ((await readFile(file, "utf8")) !== text) {
      problems.push(`${OUT_DIR_DISPLAY}/${name}: differs from the build`);
    }
  }
  for (const name of await existingOutputs()) {
    if (!expected.has(name)) problems.push(`${OUT_DIR_DISPLAY}/${name}: stale, no such contract in the build`);
  }
  if (problems.length > 0) {
    console.error("ABIs out of date:");
    for (const problem of problems) console.error(`  ${problem}`);
    console.error("Run `make abi` and commit the result.");
    return 1;
  }
  console.log("ABIs current");
  return 0;
}

async function write(expected) {
  await mkdir(OUT_DIR, { recursive: true });
  for (const [name, text] of expected) {
    const file = path.join(OUT_DIR, name);
    const current = existsSync(file) ? await readFile(file, "utf8") : null;
    if (current === text) continue;
    await writeFile(file, text);
    console.log(`wrote ${OUT_DIR_DISPLAY}/${name}`);
  }
  for (const name of await existingOutputs()) {
    if (expected.has(name)) continue;
    await unlink(path.join(OUT_DIR, name));
    console.log(`removed stale ${OUT_DIR_DISPLAY}/${name}`);
  }
  return 0;
}

async function main(args) {
  const unknown = args.filter((arg) => arg !== "--check");
  if (unknown.length > 0) {
    console.error(`unknown argument(s): ${unknown.join(" ")}\nusage: export-abi.mjs [--check]`);
    return 2;
  }
  const expected = await expectedOutputs();
  return args.includes("--check") ? check(expected) : write(expected);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`export-abi: ${error.message}`);
  process.exitCode = 2;
}

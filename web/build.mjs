// Bundles the verification page's script (web/src/main.js) into api/static/verify.js, minified,
// with no CDN: `node web/build.mjs` writes it, `node web/build.mjs --check` fails when the
// committed bundle is not what the sources build to (run by `make check-web`).

import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const output = join(root, "api", "static", "verify.js");

async function bundle() {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ["web/src/main.js"],
    bundle: true,
    minify: true,
    format: "iife",
    platform: "browser",
    target: ["chrome109", "firefox115", "safari16"],
    legalComments: "eof",
    charset: "utf8",
    write: false,
    logLevel: "warning",
  });
  return result.outputFiles[0].contents;
}

const built = await bundle();
if (process.argv.includes("--check")) {
  let committed = null;
  try {
    committed = await readFile(output);
  } catch {
    // missing: reported below
  }
  if (committed === null || Buffer.compare(committed, Buffer.from(built)) !== 0) {
    console.error("api/static/verify.js is not what web/src builds to: run `make web` and commit it");
    process.exit(1);
  }
  console.log(`api/static/verify.js is current (${built.length} bytes)`);
} else {
  await writeFile(output, built);
  console.log(`wrote api/static/verify.js (${built.length} bytes)`);
}

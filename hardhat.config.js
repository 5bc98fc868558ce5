// Hardhat 3 configuration. The compiler is solc-js from npm (no download at build time),
// pinned together with the EVM version and optimizer settings so that builds are reproducible.
import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  solidity: {
    version: "0.8.37",
    path: require.resolve("solc/soljson.js"),
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 200 },
    },
  },
  paths: {
    sources: "./contracts",
    tests: { solidity: "./contracts/test" },
  },
});

// The public verification page: look a work up (by file, number, digest or CID), show every
// registration of its content, and check each anchored one's proof here in the browser.

import {
  HEX64,
  LookupError,
  NUMBER,
  assetStanding,
  oldestFirst,
  proofBundle,
  registrationsOf,
  work,
} from "./api.js";
import { readAsset } from "./chain.js";
import { withParties } from "./parties.js";
import { checkBundle } from "./checks.js";
import { fileDigests } from "./digests.js";
import { LANGUAGES, MESSAGES, savedLanguage, saveLanguage, t } from "./i18n.js";
import { priorClaim } from "./priority.js";
import { renderDigests, renderResult } from "./render.js";

// Proofs are checked and assets read for this many registrations of one content at most.
const MAX_CHECKED = 10;

function readConfig() {
  try {
    return JSON.parse(document.getElementById("page-config")?.textContent || "{}");
  } catch {
    return {};
  }
}

const state = {
  lang: savedLanguage(window.localStorage),
  config: readConfig(),
  busy: null,
  file: null,
  lookup: null,
  checks: new Map(),
  assets: new Map(),
  generation: 0, // a newer lookup makes the answers of older ones stale
};

const elements = {
  result: document.getElementById("result"),
  digest: document.getElementById("digest"),
  file: document.getElementById("file"),
  query: document.getElementById("query"),
  form: document.getElementById("lookup"),
  toggle: document.getElementById("lang-toggle"),
};

function render() {
  renderResult(elements.result, state);
  renderDigests(elements.digest, state);
}

function applyLanguage() {
  const lang = state.lang;
  document.documentElement.lang = lang;
  for (const element of document.querySelectorAll("[data-i18n]")) {
    element.textContent = t(lang, element.dataset.i18n);
  }
  for (const element of document.querySelectorAll("[data-i18n-placeholder]")) {
    element.placeholder = t(lang, element.dataset.i18nPlaceholder);
  }
  for (const element of document.querySelectorAll("[data-i18n-aria]")) {
    element.setAttribute("aria-label", t(lang, element.dataset.i18nAria));
  }
  document.title = t(lang, "doc_title");
  // The switch is written in the language it switches to.
  elements.toggle.lang = lang === "en" ? "zh-CN" : "en";
  render();
}

function otherLanguage(lang) {
  return LANGUAGES.find((candidate) => candidate !== lang) ?? lang;
}

function begin(busy) {
  state.generation += 1;
  state.busy = busy;
  state.lookup = null;
  state.checks = new Map();
  state.assets = new Map();
  render();
  return state.generation;
}

function settle(generation, lookup) {
  if (generation !== state.generation) return false;
  state.busy = null;
  state.lookup = lookup;
  render();
  return true;
}

function failure(error) {
  if (error instanceof LookupError && error.status === 404) {
    return { outcome: "not_found", code: error.code };
  }
  return { outcome: "error", code: error.code ?? "error", message: error.message ?? String(error) };
}

async function lookUp(generation, by, find) {
  let lookup;
  try {
    lookup = { outcome: "found", by, ...(await find()) };
  } catch (error) {
    lookup = failure(error);
  }
  if (settle(generation, lookup) && lookup.outcome === "found") {
    verifyAll(generation, lookup.registrations);
  }
}

async function byNumber(number) {
  const looked = await work(number);
  let all = [looked];
  try {
    all = [...all, ...(await registrationsOf("sha256", looked.sha256))];
  } catch {
    // The number's own registration is shown all the same.
  }
  return { registrations: oldestFirst(all), primary: looked.number };
}

async function byQuery(kind, value) {
  const registrations = oldestFirst(await registrationsOf(kind, value));
  return { registrations, primary: (priorClaim(registrations) ?? registrations[0]).number };
}

async function byDigest(value) {
  try {
    return await byQuery("sha256", value);
  } catch (error) {
    if (error instanceof LookupError && error.status === 404) return byQuery("sm3", value);
    throw error;
  }
}

function verifyAll(generation, registrations) {
  const anchored = registrations.filter((r) => r.status === "anchored" && r.anchor).slice(0, MAX_CHECKED);
  for (const registration of anchored) {
    verifyOne(generation, registration);
    readAssetOf(generation, registration);
  }
}

async function verifyOne(generation, registration) {
  state.checks.set(registration.number, "running");
  let checks;
  try {
    const bundle = await proofBundle(registration.number);
    checks = await checkBundle(registration, bundle, state.file?.digests ?? null, state.config);
  } catch (error) {
    checks = { error: error.message || error.code || String(error) };
  }
  if (generation !== state.generation) return;
  state.checks.set(registration.number, checks);
  render();
}

async function readAssetOf(generation, registration) {
  const config = state.config;
  if (!config.rpc_url || !config.rights_asset || !config.encumbrances || !config.licences) {
    state.assets.set(registration.number, { state: "unavailable" });
    render();
    return;
  }
  state.assets.set(registration.number, { state: "reading" });
  let asset;
  try {
    // The facts from the chain; from the registry only the names of the parties holding its
    // addresses (asked once the chain says there is an asset; none if the registry fails).
    const value = await readAsset(config.rpc_url, config, registration.leaf);
    const standing = value.tokenized ? await assetStanding(registration.number).catch(() => null) : null;
    asset = { state: "done", value: withParties(value, standing) };
  } catch (error) {
    asset = { state: "error", why: error.message || String(error) };
  }
  if (generation !== state.generation) return;
  state.assets.set(registration.number, asset);
  render();
}

function lookUpQuery(query) {
  const text = query.trim();
  if (!text) return;
  state.file = null;
  elements.file.value = "";
  const generation = begin("looking_up");
  if (NUMBER.test(text)) lookUp(generation, "number", () => byNumber(text.toUpperCase()));
  else if (HEX64.test(text)) lookUp(generation, "digest", () => byDigest(text));
  else lookUp(generation, "cid", () => byQuery("cid", text));
}

elements.form.addEventListener("submit", (event) => {
  event.preventDefault();
  lookUpQuery(elements.query.value);
});

elements.file.addEventListener("change", async () => {
  const file = elements.file.files?.[0];
  if (!file) return;
  const generation = begin("hashing");
  state.file = { name: file.name, digests: null };
  const digests = await fileDigests(file);
  if (generation !== state.generation) return;
  state.file = { name: file.name, digests };
  state.busy = "looking_up";
  render();
  lookUp(generation, "file", () => byQuery("sha256", digests.sha256));
});

elements.toggle.addEventListener("click", () => {
  state.lang = otherLanguage(state.lang);
  saveLanguage(window.localStorage, state.lang);
  applyLanguage();
});

if (!MESSAGES[state.lang]) state.lang = LANGUAGES[0];
applyLanguage();
const number = new URLSearchParams(window.location.search).get("number");
if (number) {
  elements.query.value = number;
  lookUpQuery(number);
}

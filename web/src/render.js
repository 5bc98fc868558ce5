// The page's result area, rebuilt from the page's state whenever it changes (a lookup, a check
// that finished, the language). Built node by node: nothing from the API or the chain is ever
// parsed as HTML. Values that are data, not words (titles, digests, addresses, reasons), carry
// the class "data".

import { CHECK_NAMES } from "./checks.js";
import { priorClaim, priorityLines } from "./priority.js";
import { t } from "./i18n.js";
import {
  amountText,
  authorityText,
  dateText,
  rightByName,
  rightsOfMask,
  rightsSentence,
  territoryText,
  timeText,
} from "./format.js";

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A message whose placeholders may be filled with nodes (data kept apart from words). */
export function tx(lang, key, params = {}) {
  const texts = {};
  const nodes = {};
  for (const [name, value] of Object.entries(params)) {
    if (value instanceof Node) nodes[name] = value;
    else texts[name] = value;
  }
  const template = t(lang, key, texts);
  return template.split(/(\{\w+\})/).map((piece) => {
    const name = /^\{(\w+)\}$/.exec(piece)?.[1];
    return name && nodes[name] ? nodes[name] : piece;
  });
}

const data = (value) => h("span", { class: "data" }, String(value));
const hex = (value) => h("code", { class: "data hex" }, String(value));

/** An address, and the party the registry says holds it (its public name and id), if any. */
function held(lang, address, party) {
  if (!party) return hex(address);
  return h("span", {}, hex(address), tx(lang, "held_by", { name: data(party.public_name), party: hex(party.party_id) }));
}

const ARTICLE_ZH = "一二三四五六七八九十";
function articleZh(item) {
  if (item <= 10) return ARTICLE_ZH[item - 1];
  return `十${ARTICLE_ZH[item - 11]}`;
}

function rightItem(lang, name) {
  const right = rightByName(name);
  if (!right) return h("li", {}, data(name));
  const zh = h("span", { lang: "zh-CN" }, right.zh);
  const en = h("span", { lang: "en" }, right.en);
  const article =
    lang === "en"
      ? h("span", { class: "article" }, `art. 10 (${right.article})`)
      : h("span", { class: "article" }, `第十条第（${articleZh(right.article)}）项`);
  return h("li", {}, lang === "en" ? [en, zh] : [zh, en], article);
}

/** Right names in the order of art. 10; names the page does not know come last. */
function inArticleOrder(names) {
  const article = (name) => rightByName(name)?.article ?? Infinity;
  return [...names].sort((a, b) => article(a) - article(b));
}

export function verdictOf(lang, registration) {
  if (registration.revoked || registration.takedown?.kind === "revocation") {
    return ["no", t(lang, "v_revoked")];
  }
  if (registration.takedown) {
    return ["no", t(lang, "v_taken_down", { authority: authorityText(lang, registration.takedown.authority) })];
  }
  switch (registration.status) {
    case "anchored":
      return ["ok", t(lang, "v_anchored")];
    case "held":
      return ["wait", t(lang, "v_held")];
    case "rejected":
      return ["no", t(lang, "v_rejected")];
    default:
      return ["wait", t(lang, "v_pending")];
  }
}

function statusText(lang, registration) {
  const key = `status_${registration.status}`;
  try {
    return t(lang, key);
  } catch {
    return registration.status;
  }
}

function field(lang, key, ...value) {
  return [h("dt", {}, t(lang, key)), h("dd", { "data-field": key.replace(/^f_/, "") }, ...value)];
}

function registrantValue(lang, registration) {
  if (!registration.registrant) return t(lang, "registrant_none");
  const mode = registration.signing_mode === "custodial" ? "signing_custodial" : "signing_client";
  return [hex(registration.registrant), h("div", { class: "note" }, t(lang, mode))];
}

function takedownValue(lang, takedown) {
  return h(
    "div",
    { class: "takedown" },
    h(
      "div",
      {},
      tx(lang, takedown.kind === "revocation" ? "revocation_text" : "takedown_text", {
        authority: authorityText(lang, takedown.authority),
        time: timeText(lang, takedown.taken_down_at),
        reason: data(takedown.reason),
      }),
    ),
    h("div", {}, t(lang, "reason_digest"), t(lang, "label_sep"), hex(takedown.reason_digest)),
    h("div", {}, t(lang, "transaction"), t(lang, "label_sep"), hex(takedown.tx_hash)),
  );
}

function detailsList(lang, registration) {
  const metadata = registration.metadata ?? {};
  const authors = Array.isArray(metadata.authors) ? metadata.authors : [];
  const rights = metadata.rights ?? registration.claim?.rights ?? [];
  const anchor = registration.anchor;
  const encoded = encodeURIComponent(registration.number);
  return h(
    "dl",
    {},
    field(lang, "f_number", data(registration.number)),
    field(lang, "f_status", statusText(lang, registration)),
    registration.takedown
      ? field(
          lang,
          registration.takedown.kind === "revocation" ? "f_revocation" : "f_takedown",
          takedownValue(lang, registration.takedown),
        )
      : null,
    field(lang, "f_title", data(registration.title)),
    field(lang, "f_authors", authors.length ? data(authors.join(t(lang, "list_separator"))) : t(lang, "not_stated")),
    field(lang, "f_isbn", metadata.isbn ? data(metadata.isbn) : t(lang, "not_stated")),
    metadata.language ? field(lang, "f_language", data(metadata.language)) : null,
    registration.party ? field(lang, "f_party", data(registration.party.public_name)) : null,
    field(lang, "f_registrant", registrantValue(lang, registration)),
    field(lang, "f_registered_at", timeText(lang, registration.registered_at)),
    field(
      lang,
      "f_anchored_at",
      anchor?.anchored_at ? timeText(lang, anchor.anchored_at) : statusText(lang, registration),
    ),
    registration.priority
      ? field(lang, "f_priority", priorityLines(lang, registration.priority).map((line) => h("div", {}, line)))
      : null,
    field(
      lang,
      "f_rights",
      rights.length ? h("ul", { class: "rights" }, inArticleOrder(rights).map((name) => rightItem(lang, name))) : t(lang, "not_stated"),
    ),
    field(lang, "f_sha256", hex(registration.sha256)),
    field(lang, "f_sm3", hex(registration.sm3)),
    field(lang, "f_size", t(lang, "bytes", { n: registration.size })),
    registration.cid ? field(lang, "f_cid", hex(registration.cid)) : null,
    anchor ? field(lang, "f_root", hex(anchor.root)) : null,
    anchor?.tx_hash
      ? field(
          lang,
          "f_transaction",
          hex(anchor.tx_hash),
          t(lang, "in_block", {
            block: anchor.block_number,
            confirmed: anchor.confirmed ? t(lang, "confirmed") : "",
          }),
        )
      : null,
    anchor?.contract_address
      ? field(lang, "f_contract", hex(anchor.contract_address), t(lang, "on_chain_id", { chain: anchor.chain_id }))
      : null,
    anchor
      ? field(
          lang,
          "f_links",
          h("a", { href: `/v1/works/${encoded}/proof` }, t(lang, "proof_bundle")),
          " · ",
          h("a", { href: `/v1/works/${encoded}/certificate.pdf` }, t(lang, "certificate")),
        )
      : null,
  );
}

function checkParams(lang, check) {
  const params = { ...check.params };
  if (params.anchoredAt !== undefined) params.time = timeText(lang, params.anchoredAt);
  for (const name of ["rpc", "contract", "expected", "number", "why"]) {
    if (typeof params[name] === "string") params[name] = data(params[name]);
  }
  return params;
}

function checksSection(lang, registration, checks) {
  const heading = h("h3", {}, t(lang, "checks_heading"));
  if (registration.status !== "anchored" || !registration.anchor) {
    return h("section", { class: "checks-section" }, heading, h("p", { class: "note" }, t(lang, "checks_waiting")));
  }
  if (!checks || checks === "running") {
    return h(
      "section",
      { class: "checks-section", "data-state": "running" },
      heading,
      h("p", { class: "note" }, t(lang, "checks_running")),
    );
  }
  if (checks.error) {
    return h(
      "section",
      { class: "checks-section", "data-state": "error" },
      heading,
      h("p", { class: "no" }, t(lang, "bundle_unavailable", { why: checks.error })),
    );
  }
  const names = (state) =>
    checks
      .filter((c) => c.state === state)
      .map((c) => t(lang, `c_${c.name}`))
      .join(t(lang, "list_separator"));
  const failedNames = names("failed");
  const skippedNames = names("skipped");
  let summary;
  if (failedNames) summary = h("p", { class: "checks-summary no" }, t(lang, "checks_failed", { names: failedNames }));
  else if (skippedNames) summary = h("p", { class: "checks-summary ok" }, t(lang, "checks_some_skipped", { names: skippedNames }));
  else summary = h("p", { class: "checks-summary ok" }, t(lang, "checks_all_passed"));
  const ordered = CHECK_NAMES.map((name) => checks.find((c) => c.name === name)).filter(Boolean);
  return h(
    "section",
    { class: "checks-section", "data-state": failedNames ? "failed" : "passed" },
    heading,
    summary,
    h(
      "ul",
      { class: "checks" },
      ordered.map((check) =>
        h(
          "li",
          { class: `check ${check.state}`, "data-check": check.name, "data-state": check.state },
          h("span", { class: "check-state" }, t(lang, `s_${check.state}`)),
          h("span", { class: "check-name" }, t(lang, `c_${check.name}`)),
          h("span", { class: "check-detail" }, tx(lang, check.reason, checkParams(lang, check))),
        ),
      ),
    ),
  );
}

function licenceState(licence, now) {
  if (licence.revoked) return "licence_revoked";
  if (now < licence.start) return "licence_not_started";
  if (now >= licence.end) return "licence_ended";
  return "licence_in_force";
}

function licenceItem(lang, licence, now) {
  return h(
    "li",
    { "data-licence": licence.licenceId.toString() },
    tx(lang, "licence_text", {
      id: licence.licenceId.toString(),
      kind: t(lang, licence.exclusive ? "licence_exclusive" : "licence_non_exclusive"),
      licensee: held(lang, licence.licensee, licence.party),
      rights: rightsSentence(lang, rightsOfMask(licence.rights)),
      territory: territoryText(lang, licence.territory),
      start: dateText(lang, licence.start),
      end: dateText(lang, licence.end),
      revocable: licence.revocable ? t(lang, "licence_revocable") : "",
      state: t(lang, licenceState(licence, now)),
    }),
  );
}

function lienItem(lang, lien) {
  return h(
    "li",
    { "data-lien": lien.lienId.toString() },
    tx(lang, "lien_text", {
      rank: lien.rank.toString(),
      id: lien.lienId.toString(),
      lender: hex(lien.lender),
      amount: data(amountText(lien.amount, lien.currency)),
      currency: data(lien.currency),
      maturity: dateText(lang, lien.maturity),
      consent: lien.licensingConsent ? t(lang, "lien_consent") : "",
    }),
  );
}

function assetSection(lang, registration, asset) {
  if (registration.status !== "anchored") return null;
  const heading = h("h3", {}, t(lang, "asset_heading"));
  const note = (key, params) => h("section", { class: "asset" }, heading, h("p", { class: "note" }, t(lang, key, params)));
  if (!asset || asset.state === "reading") return note("asset_reading");
  if (asset.state === "unavailable") return note("asset_no_contracts");
  if (asset.state === "error") return note("asset_unreadable", { why: asset.why });
  const value = asset.value;
  if (!value.tokenized) return h("section", { class: "asset", "data-tokenized": "false" }, heading, h("p", {}, t(lang, "asset_none")));
  const now = value.chainTime ?? Date.now() / 1000; // as the contracts and the API judge it
  const freeze = value.freeze.frozenAt
    ? t(lang, "frozen_text", {
        authority: authorityText(lang, value.freeze.authority),
        time: timeText(lang, value.freeze.frozenAt),
      })
    : t(lang, "not_frozen");
  return h(
    "section",
    { class: "asset", "data-tokenized": "true" },
    heading,
    h(
      "dl",
      {},
      field(lang, "a_owner", held(lang, value.owner, value.ownerParty)),
      field(lang, "a_rights", rightsSentence(lang, rightsOfMask(value.rights))),
      field(lang, "a_territory", territoryText(lang, value.territory)),
      field(lang, "a_term_end", dateText(lang, value.termEnd)),
      field(
        lang,
        "a_licences",
        value.licences.length
          ? h("ul", { class: "licences" }, value.licences.map((licence) => licenceItem(lang, licence, now)))
          : t(lang, "none"),
      ),
      field(
        lang,
        "a_liens",
        value.liens.length ? h("ul", { class: "liens" }, value.liens.map((lien) => lienItem(lang, lien))) : t(lang, "none"),
      ),
      field(lang, "a_freeze", value.freeze.frozenAt ? h("span", { class: "no" }, freeze) : freeze),
    ),
  );
}

function card(state, registration) {
  const lang = state.lang;
  const lookup = state.lookup;
  const primary = registration.number === lookup.primary;
  const first = registration.number === priorClaim(lookup.registrations)?.number;
  const [tone, verdict] = verdictOf(lang, registration);
  return h(
    "section",
    {
      class: `registration${primary && lookup.registrations.length > 1 ? " primary" : ""}`,
      "data-number": registration.number,
    },
    h(
      "h2",
      {},
      data(registration.number),
      first ? h("span", { class: "badge first" }, t(lang, "first_registered")) : null,
      primary && lookup.by === "number" && lookup.registrations.length > 1
        ? h("span", { class: "badge" }, t(lang, "looked_up"))
        : null,
    ),
    h("p", { class: `state ${tone}` }, verdict),
    detailsList(lang, registration),
    checksSection(lang, registration, state.checks.get(registration.number)),
    assetSection(lang, registration, state.assets.get(registration.number)),
  );
}

/** Replace the content of `root` with the state's outcome. */
export function renderResult(root, state) {
  const lang = state.lang;
  const lookup = state.lookup;
  const children = [];
  if (state.busy) {
    children.push(h("p", { class: "note" }, t(lang, state.busy)));
  } else if (lookup?.outcome === "not_found") {
    children.push(
      h("p", { id: "verdict", class: "no" }, t(lang, "v_not_registered")),
      h("p", { class: "note" }, t(lang, "v_not_registered_detail", { code: lookup.code })),
    );
  } else if (lookup?.outcome === "error") {
    children.push(
      h("p", { id: "verdict", class: "no" }, t(lang, "v_failed")),
      h("p", { class: "note" }, data(`${lookup.code}: ${lookup.message}`)),
    );
  } else if (lookup?.outcome === "found") {
    const primary = lookup.registrations.find((r) => r.number === lookup.primary) ?? lookup.registrations[0];
    const [tone, verdict] = verdictOf(lang, primary);
    children.push(h("p", { id: "verdict", class: tone }, verdict));
    if (lookup.registrations.length > 1) {
      children.push(h("p", { class: "note" }, t(lang, "v_count", { n: lookup.registrations.length })));
    }
    lookup.registrations.forEach((registration) => children.push(card(state, registration)));
  }
  root.replaceChildren(...children);
}

/** The chosen file's digests, under the file input. */
export function renderDigests(root, state) {
  const file = state.file;
  if (!file?.digests) {
    root.replaceChildren();
    return;
  }
  root.replaceChildren(
    h("strong", {}, t(state.lang, "your_file")),
    t(state.lang, "label_sep"),
    data(file.name),
    t(state.lang, "file_size", { n: file.digests.size }),
    h("br"),
    "SHA-256 ",
    hex(file.digests.sha256),
    h("br"),
    "SM3 ",
    hex(file.digests.sm3),
  );
}


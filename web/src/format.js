// Values in words: times in Beijing time and UTC, rights, territories, amounts.

import { RIGHTS, t } from "./i18n.js";

const BEIJING_OFFSET_MS = 8 * 3600 * 1000; // UTC+8 all year: China keeps no summer time

function clock(date) {
  // "YYYY-MM-DD HH:MM:SS" of a Date read in UTC.
  return date.toISOString().slice(0, 19).replace("T", " ");
}

/** An instant (ISO 8601 text, or Unix seconds) as {beijing, utc} wall-clock texts. */
export function instant(value) {
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  return { beijing: clock(new Date(date.getTime() + BEIJING_OFFSET_MS)), utc: clock(date) };
}

/** "2026-11-27 18:44:12 北京时间（UTC+8）· 2026-11-27 10:44:12 UTC" */
export function timeText(lang, value) {
  const parts = instant(value);
  return parts ? t(lang, "time", parts) : String(value);
}

/** The date part only, in Beijing time: for terms, maturities and licence periods. */
export function dateText(lang, unixSeconds) {
  const parts = instant(Number(unixSeconds));
  return parts ? t(lang, "date", { beijing: parts.beijing.slice(0, 10) }) : String(unixSeconds);
}

export function rightByName(name) {
  return RIGHTS.find((right) => right.name === name) ?? null;
}

/** The rights of a bitmask (bit i = item i + 1 of art. 10), in article order. */
export function rightsOfMask(mask) {
  const bits = BigInt(mask);
  return RIGHTS.filter((right) => (bits >> BigInt(right.bit)) & 1n);
}

/** A right's name in the page's language. */
export function rightName(lang, right) {
  return lang === "en" ? right.en : right.zh;
}

export function rightsSentence(lang, rights) {
  if (rights.length === 0) return t(lang, "none");
  return rights.map((right) => rightName(lang, right)).join(t(lang, "list_separator"));
}

export function territoryText(lang, code) {
  const number = Number(code);
  if (number === 0) return t(lang, "worldwide");
  if (number === 156) return t(lang, "territory_156");
  return t(lang, "territory_code", { code: number });
}

/** An amount in a currency's minor unit (e.g. fen) as a decimal text in its major unit. */
export function amountText(minorUnits, currency) {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
      .maximumFractionDigits;
  } catch {
    // Not an ISO 4217 code this browser knows: assume two decimals, as most currencies have.
  }
  const value = BigInt(minorUnits);
  if (digits === 0) return value.toString();
  const scale = 10n ** BigInt(digits);
  const fraction = (value % scale).toString().padStart(digits, "0");
  return `${(value / scale).toLocaleString("en")}.${fraction}`;
}

export function authorityText(lang, authority) {
  const key = `authority_${String(authority).toLowerCase()}`;
  try {
    return t(lang, key);
  } catch {
    return String(authority);
  }
}

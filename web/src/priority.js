// Priority between claimants of the same content (首次登记 / 后续登记), as the API answers it in
// `registration.priority`: { first, later, is_first }, each claimant with number, claimant (the
// party's public name or the registrant key), registered_at, anchored_at, status, taken_down,
// revoked (a revocation is also a takedown in force: it is told as the stronger of the two).
// Words only (no DOM): render.js places the lines.

import { timeText } from "./format.js";
import { t } from "./i18n.js";

export function claimantText(lang, claimant) {
  const params = {
    number: claimant.number,
    name: claimant.claimant ?? t(lang, "priority_unnamed"),
    time: timeText(lang, claimant.registered_at),
  };
  const text = claimant.anchored_at
    ? t(lang, "priority_claimant_anchored", { ...params, anchored: timeText(lang, claimant.anchored_at) })
    : t(lang, "priority_claimant", params);
  if (claimant.revoked) return text + t(lang, "priority_revoked");
  if (claimant.taken_down) return text + t(lang, "priority_taken_down");
  // Moderation has yet to decide on it: it may still be rejected, and then hold no claim.
  return claimant.status === "held" ? text + t(lang, "priority_held") : text;
}

/** The lines the page shows for a registration's priority; none when the answer has none. */
export function priorityLines(lang, priority) {
  if (!priority?.first) return [];
  const lines = [
    priority.is_first ? t(lang, "priority_is_first") : t(lang, "priority_not_first"),
    t(lang, "priority_first", { claimant: claimantText(lang, priority.first) }),
  ];
  const later = priority.later ?? [];
  if (later.length) {
    const claimants = later.map((claimant) => claimantText(lang, claimant));
    lines.push(t(lang, "priority_later", { claimants: claimants.join(t(lang, "priority_separator")) }));
  }
  return lines;
}

/**
 * The registration holding the prior claim among `registrations` (oldest first), as the API's
 * priority names it: a rejected registration never holds it, and a party's later registrations
 * of the same content do not either. Without such an answer, the oldest one not rejected; none
 * (undefined) when every one was rejected, as the API then names no prior claim either.
 */
export function priorClaim(registrations) {
  return (
    registrations.find((registration) => registration.priority?.first?.number === registration.number) ??
    registrations.find((registration) => registration.status !== "rejected")
  );
}

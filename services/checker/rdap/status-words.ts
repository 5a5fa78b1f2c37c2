/**
 * RDAP status values (RFC 9083 §4.6, §10.2.2) are lower-case words separated by spaces, and
 * RFC 8056 §2 maps the EPP statuses onto them (`clientHold` -> `client hold`). Servers in the
 * wild still send EPP spellings, capitalised words, `_` or `-` separators, and WHOIS-style
 * values with a trailing `https://icann.org/epp#...` link, so every value is normalised
 * before it is matched.
 */

// RFC 8056 §2: the two EPP values whose RDAP names are not just re-spaced.
const EPP_RENAMES: ReadonlyMap<string, string> = new Map([
  ['ok', 'active'],
  ['linked', 'associated'],
]);

// A trailing ICANN EPP status link, as WHOIS prints it: `clientHold https://icann.org/epp#...`.
const ICANN_EPP_LINK = /\s*\(?https?:\/\/(?:www\.)?icann\.org\/epp#([^\s)]*)\)?\s*$/i;

/** Normalises one value to RFC 8056 spelling: `Redemption Period` -> `redemption period`. */
export function normaliseStatus(raw: string): string {
  const words = stripEppLink(raw.trim())
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/[_-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return EPP_RENAMES.get(words) ?? words;
}

/** Normalises a list of values, dropping empty ones and duplicates, keeping the first order. */
export function normaliseStatuses(raw: readonly string[]): string[] {
  const words = raw.map(normaliseStatus).filter((word) => word !== '');
  return [...new Set(words)];
}

function stripEppLink(value: string): string {
  const match = ICANN_EPP_LINK.exec(value);
  if (match === null) return value;
  const before = value.slice(0, match.index);
  // A bare link carries the status only in its fragment.
  return before === '' ? (match[1] ?? '') : before;
}

/**
 * The values of the IANA "RDAP JSON Values" registry with type "status" (RFC 9083 §10.2.2,
 * extended by RFC 8056 §2). Anything else is a registry's own word: it is kept in the
 * evidence and reported, never silently dropped.
 */
export const STANDARD_STATUSES: ReadonlySet<string> = new Set([
  'validated',
  'renew prohibited',
  'update prohibited',
  'transfer prohibited',
  'delete prohibited',
  'proxy',
  'private',
  'removed',
  'obscured',
  'associated',
  'active',
  'inactive',
  'locked',
  'pending create',
  'pending renew',
  'pending transfer',
  'pending update',
  'pending delete',
  'add period',
  'auto renew period',
  'client delete prohibited',
  'client hold',
  'client renew prohibited',
  'client transfer prohibited',
  'client update prohibited',
  'pending restore',
  'redemption period',
  'renew period',
  'server delete prohibited',
  'server renew prohibited',
  'server transfer prohibited',
  'server update prohibited',
  'server hold',
  'transfer period',
  'administrative',
  'reserved',
]);

export function isStandardStatus(normalised: string): boolean {
  return STANDARD_STATUSES.has(normalised);
}

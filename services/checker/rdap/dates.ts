/**
 * RDAP event dates are RFC 3339 timestamps (RFC 9083 §4.5), but servers also send `.0Z`
 * fractions (CentralNic, ZDNS), microseconds (AFNIC), `+0000` without a colon (MarkMonitor),
 * no offset at all (some registrar servers) and, from Nomulus, the year 294247 as "end of
 * time". Parsing is lenient about the shape and strict about the values: anything that is
 * not a real instant returns null, so a bad date can never make a domain look fine. The raw
 * string stays in the evidence either way.
 */

// The year is exactly four digits (RFC 3339 §5.6 date-fullyear): 294247 is not a date.
const TIMESTAMP = new RegExp(
  '^(\\d{4})-(\\d{2})-(\\d{2})' +
    '(?:[Tt ](\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d+))?)?)?' +
    '\\s*(Z|z|[+-]\\d{2}(?::?\\d{2})?)?$',
);

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millis: number;
}

/** Epoch milliseconds of an RDAP date, or null when it is not a valid instant. */
export function parseRdapDate(raw: string): number | null {
  const match = TIMESTAMP.exec(raw.trim());
  if (match === null) return null;
  const parts = toParts(match);
  if (!inRange(parts)) return null;

  // A missing offset is read as UTC: registries run on UTC, and a guess is still a guess.
  const offsetMs = parseOffset(match[8]);
  if (offsetMs === null) return null;
  const local = Date.UTC(
    parts.year,
    parts.month - 1,
    parts.day,
    parts.hour,
    parts.minute,
    Math.min(parts.second, 59),
    parts.millis,
  );
  if (!isRealDay(local, parts)) return null;
  return local - offsetMs;
}

function toParts(match: RegExpExecArray): Parts {
  const num = (index: number): number => Number(match[index] ?? '0');
  const fraction = (match[7] ?? '').padEnd(3, '0').slice(0, 3);
  return {
    year: num(1),
    month: num(2),
    day: num(3),
    hour: num(4),
    minute: num(5),
    second: num(6),
    millis: Number(fraction),
  };
}

function inRange(p: Parts): boolean {
  // RFC 3339 §5.7 allows second 60 (a leap second); it is folded into second 59.
  return (
    p.month >= 1 && p.month <= 12 && p.day >= 1 && p.hour <= 23 && p.minute <= 59 && p.second <= 60
  );
}

/** Rejects days that Date.UTC would roll over, such as February 30. */
function isRealDay(epochMs: number, p: Parts): boolean {
  const date = new Date(epochMs);
  return date.getUTCMonth() === p.month - 1 && date.getUTCDate() === p.day;
}

function parseOffset(zone: string | undefined): number | null {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 23 || minutes > 59) return null;
  return sign * (hours * 60 + minutes) * 60_000;
}

import type { Document } from 'mongodb';
import { epochMs, valueAt } from './database.ts';
import type { ListLayout, SingleLayout, UserLayout } from './settings.ts';

/** An address as the enforcer found it: the text exactly as stored and when it was verified. */
export interface AddressRef {
  address: string;
  /** Null when the layout records no time (Meteor) or the stored value is not a time. */
  verifiedAt: number | null;
}

/**
 * `verified`: still verified as it was read (same verification time). `unverified`: no longer
 * verified as read: unverified, or verified again at another time since. `absent`: the user or
 * the address is gone.
 */
/**
 * `reverified`: verified again since it was read (another verification time). Its owner proved
 * control after the lapse was seen, so it is neither ours to unverify nor to report.
 */
export type AddressState = 'verified' | 'reverified' | 'unverified' | 'absent';

export interface UnverifyPlan {
  /** Conditions that keep the write on the entries that were read. */
  guard: Document;
  set: Document;
}

/** What differs between the two layouts; everything else is shared by the user store. */
export interface LayoutAdapter {
  projection: Document;
  indexPath: string;
  candidateFilter(pattern: RegExp): Document;
  verifiedIn(doc: Document, pattern: RegExp): AddressRef[];
  /** The write that unverifies whichever of `refs` are still verified as read; null if none. */
  unverifyPlan(doc: Document | null, refs: readonly AddressRef[]): UnverifyPlan | null;
  stateIn(doc: Document | null, ref: AddressRef): AddressState;
}

export function layoutAdapter(layout: UserLayout): LayoutAdapter {
  return layout.kind === 'single' ? singleAdapter(layout) : listAdapter(layout);
}

/** One address per user; Auth.js's verified-at Date doubles as the flag and is nulled. */
function singleAdapter(layout: SingleLayout): LayoutAdapter {
  const { emailField, verifiedAtField } = layout;
  const stateIn = (doc: Document | null, ref: AddressRef): AddressState => {
    if (doc === null || valueAt(doc, emailField) !== ref.address) return 'absent';
    const raw = valueAt(doc, verifiedAtField);
    if (!isVerifiedValue(raw)) return 'unverified';
    return epochMs(raw) === ref.verifiedAt ? 'verified' : 'reverified';
  };
  return {
    projection: { [emailField]: 1, [verifiedAtField]: 1 },
    indexPath: emailField,
    candidateFilter: (pattern) => ({
      [emailField]: pattern,
      [verifiedAtField]: { $nin: [null, false] },
    }),
    verifiedIn(doc) {
      const address = valueAt(doc, emailField);
      const raw = valueAt(doc, verifiedAtField);
      if (typeof address !== 'string' || !isVerifiedValue(raw)) return [];
      return [{ address, verifiedAt: epochMs(raw) }];
    },
    unverifyPlan(doc, refs) {
      const ref = refs.find((r) => stateIn(doc, r) === 'verified');
      if (ref === undefined) return null;
      const guard = { [emailField]: ref.address, [verifiedAtField]: valueAt(doc, verifiedAtField) };
      return { guard, set: { [verifiedAtField]: null } };
    },
    stateIn,
  };
}

// Anything but null, false or a missing field counts as verified.
function isVerifiedValue(value: unknown): boolean {
  return value !== null && value !== undefined && value !== false;
}

/*
 * A list of addresses per user (Meteor). FerretDB 1.24 answers `$elemMatch` on arrays of
 * documents with no match at all and rejects positional `$` and `arrayFilters` updates, so
 * candidates are found with plain dotted paths (a superset: the address and the flag may sit in
 * different entries), entries are checked here, and the write addresses entries by index,
 * guarded by each index's address so a list that shifted makes it miss, not hit another entry.
 */
function listAdapter(layout: ListLayout): LayoutAdapter {
  const { emailsField, addressField, verifiedField } = layout;
  const entries = (doc: Document | null) => entriesOf(doc, emailsField);
  const isAsRead = (entry: Document, ref: AddressRef) =>
    entry[addressField] === ref.address &&
    entry[verifiedField] === true &&
    sameVerifiedAt(entry, layout, ref);
  return {
    projection: { [emailsField]: 1 },
    indexPath: `${emailsField}.${addressField}`,
    candidateFilter: (pattern) => ({
      [`${emailsField}.${addressField}`]: pattern,
      [`${emailsField}.${verifiedField}`]: true,
    }),
    verifiedIn: (doc, pattern) =>
      verifiedEntries(entries(doc), layout).filter((ref) => pattern.test(ref.address)),
    unverifyPlan(doc, refs) {
      const targets = entries(doc).filter(({ entry }) => refs.some((r) => isAsRead(entry, r)));
      return targets.length === 0 ? null : listPlan(layout, targets);
    },
    stateIn(doc, ref) {
      const same = entries(doc).filter(({ entry }) => entry[addressField] === ref.address);
      if (same.length === 0) return 'absent';
      if (same.some(({ entry }) => isAsRead(entry, ref))) return 'verified';
      return same.some(({ entry }) => entry[verifiedField] === true) ? 'reverified' : 'unverified';
    },
  };
}

interface IndexedEntry {
  index: number;
  entry: Document;
}

function entriesOf(doc: Document | null, field: string): IndexedEntry[] {
  const list = doc === null ? undefined : valueAt(doc, field);
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry: unknown, index) => (isRecord(entry) ? [{ index, entry }] : []));
}

function verifiedEntries(entries: IndexedEntry[], layout: ListLayout): AddressRef[] {
  return entries.flatMap(({ entry }) => {
    const address = entry[layout.addressField];
    if (entry[layout.verifiedField] !== true || typeof address !== 'string') return [];
    return [{ address, verifiedAt: verifiedAtOf(entry, layout) }];
  });
}

function listPlan(layout: ListLayout, targets: IndexedEntry[]): UnverifyPlan {
  const guard: Document = {};
  const set: Document = {};
  for (const { index, entry } of targets) {
    const at = `${layout.emailsField}.${index}`;
    guard[`${at}.${layout.addressField}`] = entry[layout.addressField];
    if (layout.verifiedAtField !== undefined && entry[layout.verifiedAtField] !== undefined) {
      guard[`${at}.${layout.verifiedAtField}`] = entry[layout.verifiedAtField];
    }
    set[`${at}.${layout.verifiedField}`] = false;
  }
  return { guard, set };
}

function verifiedAtOf(entry: Document, layout: ListLayout): number | null {
  return layout.verifiedAtField === undefined ? null : epochMs(entry[layout.verifiedAtField]);
}

function sameVerifiedAt(entry: Document, layout: ListLayout, ref: AddressRef): boolean {
  return layout.verifiedAtField === undefined || verifiedAtOf(entry, layout) === ref.verifiedAt;
}

function isRecord(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

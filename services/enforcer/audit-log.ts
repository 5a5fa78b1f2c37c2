import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { EmailUnverified, LapsedState } from '../shared/records.ts';
import { isDuplicateKey } from './database.ts';
import type { HoldReason } from './holds.ts';

/**
 * `pending`: written before the user is touched, so a crash can never leave an unverified
 * address without a trace. `unverified`: the address is unverified and an event is owed until
 * `published`. `skipped`: the address changed under us (re-verified, removed) and was left alone.
 */
export type AuditStatus = 'pending' | 'unverified' | 'skipped';

/** One document per address a lapse touched, keyed so that a replay finds it again. */
export interface AuditEntry {
  _id: string;
  eventId: string;
  dryRun: false;
  lapseId: string;
  checkId: string;
  domain: string;
  state: LapsedState;
  provider: string;
  userId: string;
  /** The user's `_id` as stored, to look the user up again when recovering. */
  userKey: unknown;
  email: string;
  verifiedAt: Date | null;
  status: AuditStatus;
  published: boolean;
  createdAt: Date;
  unverifiedAt: Date | null;
  publishedAt: Date | null;
}

/** What a lapse would have done, recorded instead of acting when dry run is on. */
export interface DryRunRecord {
  _id: string;
  dryRun: true;
  status: 'dry_run';
  lapseId: string;
  domain: string;
  state: LapsedState;
  wouldUnverify: number;
  skippedVerifiedAfter: number;
  /** Masked addresses, a few of them: enough for an operator to sanity-check the match. */
  samples: string[];
  wouldHold: HoldReason | null;
  recordedAt: Date;
}

export type Publish = (events: EmailUnverified[]) => Promise<void>;

// Events go out in pages so a crash mid-way re-publishes at most one page.
const PUBLISH_PAGE = 500;

/**
 * The audit id, and with it the event id: the same lapse, user and stored address always give
 * the same id, so a replay finds the existing document and downstream consumers can
 * drop a re-published event by its id.
 */
export function auditId(lapseId: string, userId: string, address: string): string {
  const digest = createHash('sha256').update(JSON.stringify([lapseId, userId, address]));
  return digest.digest('hex').slice(0, 32);
}

export function createAuditLog(db: Db, name: string) {
  const entries = db.collection<AuditEntry>(name);
  return {
    open: (entry: AuditEntry) => open(entries, entry),
    close: (id: string, status: AuditStatus, at: Date) => close(entries, id, status, at),
    pending: (lapseId: string) => entries.find({ lapseId, status: 'pending' }).toArray(),
    countUnverified: (lapseId: string) => entries.countDocuments({ lapseId, status: 'unverified' }),
    publishOwed: (lapseId: string, publish: Publish, at: Date) =>
      publishOwed(entries, lapseId, publish, at),
    domainsEnforcedSince: (since: Date, except: string) =>
      domainsEnforcedSince(entries, since, except),
    recordDryRun: (record: DryRunRecord) => recordDryRun(db.collection<DryRunRecord>(name), record),
    ensureIndexes: () => ensureIndexes(entries),
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;

/**
 * Creates the entry unless it exists; returns the stored status either way. An insert rather
 * than an upsert: FerretDB 1.24 drops null fields from `$setOnInsert`.
 */
async function open(entries: Collection<AuditEntry>, entry: AuditEntry): Promise<AuditStatus> {
  try {
    await entries.insertOne(entry);
    return entry.status;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const stored = await entries.findOne({ _id: entry._id }, { projection: { status: 1 } });
    return stored?.status ?? entry.status;
  }
}

// Only a pending entry moves: whoever settles it first wins, and they agree on the outcome.
async function close(
  entries: Collection<AuditEntry>,
  id: string,
  status: AuditStatus,
  at: Date,
): Promise<boolean> {
  const unverifiedAt = status === 'unverified' ? at : null;
  const filter = { _id: id, status: 'pending' as const };
  const result = await entries.updateOne(filter, { $set: { status, unverifiedAt } });
  return result.modifiedCount === 1;
}

async function publishOwed(
  entries: Collection<AuditEntry>,
  lapseId: string,
  publish: Publish,
  at: Date,
): Promise<number> {
  const owed = { lapseId, status: 'unverified' as const, published: false };
  let total = 0;
  for (;;) {
    const page = await entries.find(owed).sort({ _id: 1 }).limit(PUBLISH_PAGE).toArray();
    if (page.length === 0) return total;

    await publish(page.map(toEvent));
    const ids = page.map((entry) => entry._id);
    await entries.updateMany({ _id: { $in: ids } }, { $set: { published: true, publishedAt: at } });
    total += page.length;
    if (page.length < PUBLISH_PAGE) return total;
  }
}

function toEvent(entry: AuditEntry): EmailUnverified {
  return {
    eventId: entry.eventId,
    userId: entry.userId,
    email: entry.email,
    domain: entry.domain,
    state: entry.state,
    lapseId: entry.lapseId,
    unverifiedAt: (entry.unverifiedAt ?? entry.createdAt).getTime(),
  };
}

async function domainsEnforcedSince(
  entries: Collection<AuditEntry>,
  since: Date,
  except: string,
): Promise<number> {
  const filter = { status: 'unverified' as const, unverifiedAt: { $gte: since } };
  const domains = await entries.distinct('domain', { ...filter, domain: { $ne: except } });
  return domains.length;
}

async function recordDryRun(records: Collection<DryRunRecord>, record: DryRunRecord) {
  await records.replaceOne({ _id: record._id }, record, { upsert: true });
}

async function ensureIndexes(entries: Collection<AuditEntry>): Promise<void> {
  await entries.createIndex({ lapseId: 1, status: 1 });
  await entries.createIndex({ status: 1, unverifiedAt: 1 });
}

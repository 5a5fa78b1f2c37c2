import type { Collection, Db, Filter } from 'mongodb';
import type { UnmappableReason } from '../shared/email-domain.ts';
import { DomainGuardError } from '../shared/errors.ts';
import type { PendingReason } from './change-plan.ts';
import { guardDatabase, isDuplicateKey } from '../shared/mongo.ts';

/** A check a recorded change still owes; cleared once the domain's check was requested. */
export interface PendingCheck {
  checkId: string;
  reason: PendingReason;
}

/** One address of one user, as the watcher last saw it. */
export interface WatchedEmail {
  /** JSON of [userId, address]: unambiguous whatever characters either contains. */
  _id: string;
  userId: string;
  address: string;
  /** Null when the address maps to no registrable domain; see `unmappable`. */
  domain: string | null;
  unmappable: UnmappableReason | null;
  verified: boolean;
  verifiedAt: number | null;
  /** Kept as a tombstone so a replayed older change cannot bring the address back. */
  removed: boolean;
  pending: PendingCheck | null;
  lastOccurredAt: number;
  lastEventId: string;
}

/** Orders changes to one address: later occurredAt wins, eventId breaks ties. */
export interface ChangeVersion {
  occurredAt: number;
  eventId: string;
}

export type AddressState = Omit<WatchedEmail, '_id' | 'lastOccurredAt' | 'lastEventId'>;

export interface AddressStore {
  ensureIndexes(): Promise<void>;
  /** Applies the state unless a change at or after `version` was already applied. */
  apply(
    state: AddressState,
    version: ChangeVersion,
  ): Promise<{ doc: WatchedEmail; applied: boolean }>;
  /** Tombstones every address of a user older than `version`; returns all of them. */
  removeUser(
    userId: string,
    version: ChangeVersion,
  ): Promise<{ docs: WatchedEmail[]; applied: boolean }>;
  /** Verified addresses at a domain and the earliest verification among them. */
  countVerified(domain: string): Promise<{ count: number; oldestVerifiedAt: number | null }>;
  clearPending(id: string, checkId: string): Promise<void>;
}

export function watchedEmailId(userId: string, address: string): string {
  return JSON.stringify([userId, address]);
}

export function createAddressStore(db: Db, collectionName: string): AddressStore {
  const emails = db.collection<WatchedEmail>(collectionName);
  return {
    ensureIndexes: () => ensureIndexes(emails),
    apply: (state, version) => apply(emails, state, version),
    removeUser: (userId, version) => removeUser(emails, userId, version),
    countVerified: (domain) => countVerified(emails, domain),
    clearPending: (id, checkId) =>
      guardDatabase('clear pending check', async () => {
        await emails.updateOne(
          { _id: id, 'pending.checkId': checkId },
          { $set: { pending: null } },
        );
      }),
  };
}

async function ensureIndexes(emails: Collection<WatchedEmail>): Promise<void> {
  // One call per index: FerretDB 1.24 drops the connection when a createIndexes command
  // lists several indexes that all exist already.
  await guardDatabase('create watched email indexes', async () => {
    await emails.createIndex({ userId: 1 }, { name: 'by_user' });
    // Serves both the count and the oldest-verification lookup of countVerified.
    await emails.createIndex({ domain: 1, verified: 1, verifiedAt: 1 }, { name: 'by_domain' });
  });
}

function olderThan(version: ChangeVersion): Filter<WatchedEmail> {
  return {
    $or: [
      { lastOccurredAt: { $lt: version.occurredAt } },
      { lastOccurredAt: version.occurredAt, lastEventId: { $lt: version.eventId } },
    ],
  };
}

function versioned(state: AddressState, version: ChangeVersion): Omit<WatchedEmail, '_id'> {
  return { ...state, lastOccurredAt: version.occurredAt, lastEventId: version.eventId };
}

async function apply(
  emails: Collection<WatchedEmail>,
  state: AddressState,
  version: ChangeVersion,
): Promise<{ doc: WatchedEmail; applied: boolean }> {
  const _id = watchedEmailId(state.userId, state.address);
  const next = versioned(state, version);
  const inserted = await insertIfAbsent(emails, _id, next);
  const applied = inserted || (await updateIfOlder(emails, _id, next, version));
  const doc = await guardDatabase('read watched email', () => emails.findOne({ _id }));
  if (doc === null) {
    // Only a concurrent drop of the collection gets here; retrying rebuilds the document.
    throw new DomainGuardError('DG_DATABASE_FAILED', 'watched email vanished after its write', {
      retriable: true,
    });
  }
  return { doc, applied };
}

/** insertOne, not an upsert with $setOnInsert: FerretDB 1.24 drops null fields from the latter. */
async function insertIfAbsent(
  emails: Collection<WatchedEmail>,
  _id: string,
  next: Omit<WatchedEmail, '_id'>,
): Promise<boolean> {
  return guardDatabase('insert watched email', async () => {
    try {
      await emails.insertOne({ _id, ...next });
      return true;
    } catch (err) {
      // Known address: the versioned update decides whether this change is newer.
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  });
}

async function updateIfOlder(
  emails: Collection<WatchedEmail>,
  _id: string,
  next: Omit<WatchedEmail, '_id'>,
  version: ChangeVersion,
): Promise<boolean> {
  const result = await guardDatabase('update watched email', () =>
    emails.updateOne({ _id, ...olderThan(version) }, { $set: next }),
  );
  return result.matchedCount === 1;
}

async function removeUser(
  emails: Collection<WatchedEmail>,
  userId: string,
  version: ChangeVersion,
): Promise<{ docs: WatchedEmail[]; applied: boolean }> {
  const tombstone = {
    removed: true,
    verified: false,
    verifiedAt: null,
    pending: null,
    lastOccurredAt: version.occurredAt,
    lastEventId: version.eventId,
  };
  const result = await guardDatabase('remove user addresses', () =>
    emails.updateMany({ userId, ...olderThan(version) }, { $set: tombstone }),
  );
  const docs = await guardDatabase('read user addresses', () =>
    emails.find({ userId }).sort({ _id: 1 }).toArray(),
  );
  return { docs, applied: result.matchedCount > 0 };
}

async function countVerified(
  emails: Collection<WatchedEmail>,
  domain: string,
): Promise<{ count: number; oldestVerifiedAt: number | null }> {
  // Two indexed reads instead of one $group: FerretDB 1.24 has no $min accumulator.
  const filter = { domain, verified: true };
  const count = await guardDatabase('count verified addresses', () =>
    emails.countDocuments(filter),
  );
  if (count === 0) return { count, oldestVerifiedAt: null };
  const oldest = await guardDatabase('find oldest verification', () =>
    emails
      .find(filter, { projection: { verifiedAt: 1 } })
      .sort({ verifiedAt: 1 })
      .limit(1)
      .next(),
  );
  return { count, oldestVerifiedAt: oldest?.verifiedAt ?? null };
}

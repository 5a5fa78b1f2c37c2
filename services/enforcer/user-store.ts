import { ObjectId, MongoServerError, type Collection, type Db, type Document } from 'mongodb';
import { DomainGuardError } from '../shared/errors.ts';
import { layoutAdapter, type AddressRef, type AddressState } from './user-layouts.ts';
import type { UserLayout } from './settings.ts';

export type { AddressRef, AddressState } from './user-layouts.ts';

/** One verified address as read from the operator's users collection. */
export interface StoredAddress extends AddressRef {
  /** The user's `_id` exactly as stored (ObjectId, string, ...), for update filters. */
  userKey: unknown;
  /** The same id as text, for events and the audit trail. */
  userId: string;
}

/** The operator's users collection, whichever layout it has. */
export interface UserStore {
  /** Verified addresses whose text matches `pattern`: a superset the caller narrows. */
  verifiedMatching(pattern: RegExp): AsyncGenerator<StoredAddress>;
  /**
   * Unverifies these addresses of one user and re-reads until none is verified as it was read.
   * Every writer sets the same target state and never sets a flag back, so two deliveries of
   * one lapse converge even where concurrent updates are not isolated (FerretDB 1.24 applies
   * both and keeps one).
   */
  unverify(userKey: unknown, addresses: readonly AddressRef[]): Promise<void>;
  /** How each address reads now compared with how it was read, from one read of the user. */
  statesOf(userKey: unknown, addresses: readonly AddressRef[]): Promise<AddressState[]>;
  /** Creates an index on the address field unless one already leads with it. */
  ensureIndex(): Promise<string | null>;
}

// A user document that keeps changing between our read and our write is retried this many
// times before the lapse fails and is retried as a whole.
const MAX_ATTEMPTS = 5;

export function createUserStore(db: Db, collection: string, layout: UserLayout): UserStore {
  const users = db.collection(collection);
  const adapter = layoutAdapter(layout);
  const { projection } = adapter;
  const read = (userKey: unknown) => users.findOne(byId(userKey), { projection });
  return {
    async *verifiedMatching(pattern) {
      const cursor = users.find(adapter.candidateFilter(pattern), { projection });
      for await (const doc of cursor.sort({ _id: 1 })) {
        const userKey: unknown = doc._id;
        const userId = userIdOf(userKey);
        for (const ref of adapter.verifiedIn(doc, pattern)) yield { userKey, userId, ...ref };
      }
    },
    async unverify(userKey, addresses) {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const plan = adapter.unverifyPlan(await read(userKey), addresses);
        if (plan === null) return;
        await users.updateOne({ ...byId(userKey), ...plan.guard }, { $set: plan.set });
      }
      throw new DomainGuardError('DG_DATABASE_FAILED', 'user kept changing under update', {
        retriable: true,
      });
    },
    async statesOf(userKey, addresses) {
      const doc = await read(userKey);
      return addresses.map((ref) => adapter.stateIn(doc, ref));
    },
    ensureIndex: () => ensureIndexOn(users, adapter.indexPath),
  };
}

// The users collection is the operator's: its ids may be ObjectIds, strings or anything else.
function byId(userKey: unknown): Document {
  return { _id: userKey };
}

/** Text form of a user id: ObjectIds as hex, strings as they are. */
export function userIdOf(userKey: unknown): string {
  if (userKey instanceof ObjectId) return userKey.toHexString();
  return String(userKey);
}

// The candidate query is a case-insensitive suffix match, which no index can bound; an index on
// the address still lets MongoDB scan keys instead of whole user documents.
async function ensureIndexOn(users: Collection, path: string): Promise<string | null> {
  const existing = await listIndexKeys(users);
  if (existing.some((key) => Object.keys(key)[0] === path)) return null;
  return users.createIndex({ [path]: 1 });
}

async function listIndexKeys(users: Collection): Promise<Document[]> {
  try {
    const indexes = await users.listIndexes().toArray();
    return indexes.map((index) => index.key as Document);
  } catch (err) {
    // NamespaceNotFound: the collection does not exist yet, so it has no index either.
    if (err instanceof MongoServerError && err.code === 26) return [];
    throw err;
  }
}

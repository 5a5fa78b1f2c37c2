import type { Collection, Db, Filter } from 'mongodb';
import { DomainGuardError } from '../shared/errors.ts';
import type { CheckReason, DomainStatus, LifecycleState } from '../shared/records.ts';
import { guardDatabase, isDuplicateKey } from '../shared/mongo.ts';
import { createKeyedLock } from './keyed-lock.ts';

/** The part of a status's evidence worth keeping next to the domain. */
export interface EvidenceSummary {
  provider: string;
  checkId: string;
  server: string | null;
  httpStatus: number | null;
  statuses: string[];
  registeredAt: number | null;
  expiresAt: number | null;
  detail: string | null;
}

/** One document per registrable domain. */
export interface DomainDoc {
  _id: string;
  verifiedCount: number;
  oldestVerifiedAt: number | null;
  /**
   * verifiedCount > 0, kept as its own field so the sweep's index is an equality plus a range:
   * FerretDB 1.24 has no partial indexes to leave unwatched domains out.
   */
  watched: boolean;
  lastCheckRequestedAt: number | null;
  lastCheckReason: CheckReason | null;
  /** checkId of the latest claim; lets a retry of that same check pass its own claim. */
  claimId: string | null;
  /** 0 until the first check or status: due at once. */
  nextCheckAt: number;
  lastState: LifecycleState | null;
  lastObservedAt: number | null;
  lastEvidence: EvidenceSummary | null;
  /** Orders concurrent recounts; see recount(). */
  recountSeq: number;
  countedSeq: number;
}

export type ClaimState = Pick<
  DomainDoc,
  'nextCheckAt' | 'lastCheckRequestedAt' | 'lastCheckReason' | 'claimId'
>;

export interface ClaimRequest {
  domain: string;
  checkId: string;
  reason: CheckReason;
  now: number;
  nextCheckAt: number;
}

export interface DueDomain {
  _id: string;
  nextCheckAt: number;
}

export interface DomainStore {
  ensureIndexes(): Promise<void>;
  recount(domain: string, count: () => Promise<Counted>): Promise<void>;
  /** Takes the right to request a check; resolves to the domain as it was, or null if taken. */
  claim(request: ClaimRequest): Promise<DomainDoc | null>;
  /** Gives a claim back after its request failed, unless someone claimed since. */
  release(domain: string, checkId: string, before: ClaimState): Promise<void>;
  /** Records a status unless one observed at or after it is stored; true when recorded. */
  recordStatus(status: DomainStatus, nextCheckAt: number): Promise<boolean>;
  dueBatch(dueBy: number, after: DueDomain | null, limit: number): Promise<DueDomain[]>;
}

export interface Counted {
  count: number;
  oldestVerifiedAt: number | null;
}

const NEW_DOMAIN: Omit<DomainDoc, '_id'> = {
  verifiedCount: 0,
  oldestVerifiedAt: null,
  watched: false,
  lastCheckRequestedAt: null,
  lastCheckReason: null,
  claimId: null,
  nextCheckAt: 0,
  lastState: null,
  lastObservedAt: null,
  lastEvidence: null,
  recountSeq: 0,
  countedSeq: 0,
};

/**
 * Every write to one domain document goes through a per-domain lock. MongoDB applies each
 * conditional update atomically, but FerretDB 1.24 reads the document, applies the update in
 * its own process and writes the whole document back: two concurrent updates of one domain can
 * both match, and one can undo the other. The lock makes that impossible within one watcher;
 * across several watchers only MongoDB gives the guarantee (see README, limitations).
 */
export function createDomainStore(db: Db, collectionName: string): DomainStore {
  const domains = db.collection<DomainDoc>(collectionName);
  const locked = createKeyedLock();
  return {
    ensureIndexes: () =>
      guardDatabase('create domain indexes', async () => {
        await domains.createIndex({ watched: 1, nextCheckAt: 1, _id: 1 }, { name: 'sweep_due' });
      }),
    recount: (domain, count) => locked(domain, () => recount(domains, domain, count)),
    claim: (request) => locked(request.domain, () => claim(domains, request)),
    release: (domain, checkId, before) =>
      locked(domain, () =>
        guardDatabase('release check claim', async () => {
          await domains.updateOne({ _id: domain, claimId: checkId }, { $set: before });
        }),
      ),
    recordStatus: (status, nextCheckAt) =>
      locked(status.domain, () => recordStatus(domains, status, nextCheckAt)),
    dueBatch: (dueBy, after, limit) => dueBatch(domains, dueBy, after, limit),
  };
}

/**
 * Writes a domain's count so that concurrent recounts in different watchers cannot leave a
 * stale one behind (within one watcher the lock already orders them). Each recount takes a
 * sequence number after its address write and before counting; only a count with a higher
 * number than the stored one is written. The highest number counted after every write that
 * took a lower one, so the count that survives includes all of them.
 */
async function recount(
  domains: Collection<DomainDoc>,
  domain: string,
  count: () => Promise<Counted>,
): Promise<void> {
  const seq = await nextRecountSeq(domains, domain);
  const counted = await count();
  await guardDatabase('write domain count', () =>
    domains.updateOne(
      { _id: domain, countedSeq: { $lt: seq } },
      {
        $set: {
          verifiedCount: counted.count,
          oldestVerifiedAt: counted.oldestVerifiedAt,
          watched: counted.count > 0,
          countedSeq: seq,
        },
      },
    ),
  );
}

async function nextRecountSeq(domains: Collection<DomainDoc>, domain: string): Promise<number> {
  const bump = () =>
    domains.findOneAndUpdate(
      { _id: domain },
      { $inc: { recountSeq: 1 } },
      { returnDocument: 'after' },
    );
  const doc = await guardDatabase('number domain recount', async () => {
    const existing = await bump();
    if (existing !== null) return existing;
    await insertDomain(domains, domain);
    return bump();
  });
  if (doc === null) {
    // Only a concurrent drop of the collection gets here; retrying rebuilds the document.
    throw new DomainGuardError('DG_DATABASE_FAILED', 'domain vanished while being recounted', {
      retriable: true,
    });
  }
  return doc.recountSeq;
}

/**
 * insertOne, not an upsert with $setOnInsert: FerretDB 1.24 drops null fields from the
 * latter. Losing the race to another instance's insert is fine: the document exists.
 */
async function insertDomain(domains: Collection<DomainDoc>, domain: string): Promise<void> {
  try {
    await domains.insertOne({ _id: domain, ...NEW_DOMAIN });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

function claimFilter(request: ClaimRequest): Filter<DomainDoc> {
  const due = { nextCheckAt: { $lte: request.now } };
  switch (request.reason) {
    case 'recheck':
    case 'manual':
      // A fresh verification asks for a fresh answer whatever the schedule says.
      return { _id: request.domain };
    case 'sweep':
      return { _id: request.domain, watched: true, ...due };
    case 'new_email':
      return { _id: request.domain, $or: [due, { claimId: request.checkId }] };
  }
}

async function claim(
  domains: Collection<DomainDoc>,
  request: ClaimRequest,
): Promise<DomainDoc | null> {
  const claimed: ClaimState = {
    nextCheckAt: request.nextCheckAt,
    lastCheckRequestedAt: request.now,
    lastCheckReason: request.reason,
    claimId: request.checkId,
  };
  return guardDatabase('claim domain check', () =>
    domains.findOneAndUpdate(claimFilter(request), { $set: claimed }, { returnDocument: 'before' }),
  );
}

async function recordStatus(
  domains: Collection<DomainDoc>,
  status: DomainStatus,
  nextCheckAt: number,
): Promise<boolean> {
  const filter = {
    _id: status.domain,
    $or: [{ lastObservedAt: null }, { lastObservedAt: { $lt: status.observedAt } }],
  };
  const recorded = {
    lastState: status.state,
    lastObservedAt: status.observedAt,
    lastEvidence: summarize(status),
    nextCheckAt,
  };
  const record = async () => (await domains.updateOne(filter, { $set: recorded })).matchedCount;
  return guardDatabase('record domain status', async () => {
    if ((await record()) === 1) return true;
    // Not matched: either a newer status is stored or the domain is new to the watcher.
    if ((await domains.countDocuments({ _id: status.domain }, { limit: 1 })) === 1) return false;
    await insertDomain(domains, status.domain);
    return (await record()) === 1;
  });
}

function summarize(status: DomainStatus): EvidenceSummary {
  const { evidence } = status;
  return {
    provider: status.provider,
    checkId: status.checkId,
    server: evidence.server,
    httpStatus: evidence.httpStatus,
    statuses: evidence.statuses,
    registeredAt: evidence.registeredAt,
    expiresAt: evidence.expiresAt,
    detail: evidence.detail,
  };
}

async function dueBatch(
  domains: Collection<DomainDoc>,
  dueBy: number,
  after: DueDomain | null,
  limit: number,
): Promise<DueDomain[]> {
  // Keyset pagination: a domain whose request failed stays due but is not read twice.
  const next: Filter<DomainDoc> = after
    ? {
        $or: [
          { nextCheckAt: { $gt: after.nextCheckAt } },
          { nextCheckAt: after.nextCheckAt, _id: { $gt: after._id } },
        ],
      }
    : {};
  return guardDatabase('read due domains', () =>
    domains
      .find(
        { watched: true, nextCheckAt: { $lte: dueBy }, ...next },
        { projection: { nextCheckAt: 1 } },
      )
      .sort({ nextCheckAt: 1, _id: 1 })
      .limit(limit)
      .toArray(),
  );
}

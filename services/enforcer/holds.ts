import type { Collection, Db } from 'mongodb';
import type { DomainLapsed, LapsedState } from '../shared/records.ts';
import { isDuplicateKey } from './database.ts';

export type HoldReason = 'too_many_emails' | 'too_many_domains';

/**
 * A lapse the blast-radius limits stopped. It carries the whole lapse so an operator can
 * re-submit it once approved; `_id` is the lapse id, so holding the same lapse twice is one
 * document.
 */
export interface HoldRecord {
  _id: string;
  lapseId: string;
  domain: string;
  state: LapsedState;
  reason: HoldReason;
  /** How many addresses the lapse would have unverified when it was held. */
  candidates: number;
  lapsed: DomainLapsed;
  status: 'pending' | 'approved';
  createdAt: Date;
  approvedBy: string | null;
  approvedAt: Date | null;
}

export interface NewHold {
  lapsed: DomainLapsed;
  domain: string;
  reason: HoldReason;
  candidates: number;
  at: Date;
}

export function createHolds(db: Db, name: string) {
  const holds = db.collection<HoldRecord>(name);
  return {
    find: (lapseId: string) => holds.findOne({ _id: lapseId }),
    /** Oldest first: the longest-waiting hold is the one an operator should look at first. */
    list: (options: { all: boolean }) =>
      holds
        .find(options.all ? {} : { status: 'pending' })
        .sort({ createdAt: 1, _id: 1 })
        .toArray(),
    place: (hold: NewHold) => place(holds, hold),
    approve: (lapseId: string, approver: string, at: Date) => approve(holds, lapseId, approver, at),
    ensureIndexes: async () => {
      await holds.createIndex({ status: 1, createdAt: 1 });
    },
  };
}

export type Holds = ReturnType<typeof createHolds>;

/** Writes the hold unless one exists and returns the stored one, which may be older. */
async function place(holds: Collection<HoldRecord>, hold: NewHold): Promise<HoldRecord> {
  const { lapsed } = hold;
  const record: HoldRecord = {
    _id: lapsed.lapseId,
    lapseId: lapsed.lapseId,
    domain: hold.domain,
    state: lapsed.state,
    reason: hold.reason,
    candidates: hold.candidates,
    lapsed,
    status: 'pending',
    createdAt: hold.at,
    approvedBy: null,
    approvedAt: null,
  };
  try {
    // An insert, not an upsert: FerretDB 1.24 drops null fields from `$setOnInsert`.
    await holds.insertOne(record);
    return record;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return (await holds.findOne({ _id: lapsed.lapseId })) ?? record;
  }
}

// The first approval is the one on record; approving again returns it unchanged.
async function approve(
  holds: Collection<HoldRecord>,
  lapseId: string,
  approver: string,
  at: Date,
): Promise<HoldRecord | null> {
  const approval = { status: 'approved' as const, approvedBy: approver, approvedAt: at };
  const updated = await holds.findOneAndUpdate(
    { _id: lapseId, status: 'pending' },
    { $set: approval },
    { returnDocument: 'after' },
  );
  return updated ?? holds.findOne({ _id: lapseId });
}

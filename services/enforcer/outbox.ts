import { maskEmail, type Logger } from '../shared/logger.ts';
import type { DomainLapsed } from '../shared/records.ts';
import { auditId, type AuditEntry, type AuditLog, type Publish } from './audit-log.ts';
import type { DomainScan } from './candidates.ts';
import type { AddressRef, StoredAddress, UserStore } from './user-store.ts';

/*
 * The outbox. Per user: an audit entry per address is written (pending) before the user is
 * touched, then the user is unverified, then each entry is settled from what the user document
 * says; only then are owed events published and marked. A crash anywhere leaves entries the
 * next delivery settles and publishes, and an entry once settled is never acted on again.
 */

export interface OutboxDeps {
  users: UserStore;
  audit: AuditLog;
  publish: Publish;
  now: () => Date;
}

export interface EnforceCounts {
  /** Entries this call settled as unverified, including those of an interrupted attempt. */
  unverified: number;
  /**
   * Addresses an earlier or concurrent delivery of this lapse had already unverified (entries
   * it settled as skipped are not counted).
   */
  alreadyDone: number;
  skippedVerifiedAfter: number;
  /** Events published by this call, including ones an earlier attempt failed to send. */
  published: number;
}

interface Tally {
  unverified: number;
  alreadyDone: number;
}

// Users are updated this many at a time: enough to hide round trips, few enough to stay
// polite to the operator's primary. One user's addresses always go in one write.
const CONCURRENCY = 8;

export async function enforceLapse(
  deps: OutboxDeps,
  lapsed: DomainLapsed,
  domain: string,
  scan: DomainScan,
  log: Logger,
): Promise<EnforceCounts> {
  const earlier = await deps.audit.countUnverified(lapsed.lapseId);
  const recovered = await settleInterrupted(deps, lapsed, scan.eligible, log);
  const tallies = await mapLimited(groupByUser(scan.eligible), CONCURRENCY, (addresses) =>
    enforceUser(deps, lapsed, domain, addresses, log),
  );
  const published = await deps.audit.publishOwed(lapsed.lapseId, deps.publish, deps.now());

  const total = sum([recovered, ...tallies]);
  return {
    unverified: total.unverified,
    alreadyDone: earlier + total.alreadyDone,
    skippedVerifiedAfter: scan.skippedVerifiedAfter,
    published,
  };
}

async function enforceUser(
  deps: OutboxDeps,
  lapsed: DomainLapsed,
  domain: string,
  addresses: readonly StoredAddress[],
  log: Logger,
): Promise<Tally> {
  const pending: AuditEntry[] = [];
  for (const stored of addresses) {
    const entry = auditEntry(lapsed, domain, stored, deps.now());
    if ((await deps.audit.open(entry)) === 'pending') pending.push(entry);
  }
  const first = addresses[0];
  if (pending.length === 0 || first === undefined) return { unverified: 0, alreadyDone: 0 };

  await deps.users.unverify(first.userKey, pending.map(refOf));
  return settle(deps, first.userKey, pending, log);
}

/**
 * Pending entries whose address is no longer a candidate: an earlier attempt wrote them and
 * may have unverified the user before it stopped. If the address is no longer verified as it
 * was read, that change is taken as ours and its event is owed.
 */
async function settleInterrupted(
  deps: OutboxDeps,
  lapsed: DomainLapsed,
  eligible: readonly StoredAddress[],
  log: Logger,
): Promise<Tally> {
  const candidates = new Set(eligible.map((a) => auditId(lapsed.lapseId, a.userId, a.address)));
  const pending = await deps.audit.pending(lapsed.lapseId);
  const tallies: Tally[] = [];
  for (const entry of pending.filter((e) => !candidates.has(e._id))) {
    tallies.push(await settle(deps, entry.userKey, [entry], log));
  }
  const total = sum(tallies);
  if (tallies.length > 0) log.info({ settled: tallies.length }, 'settled interrupted entries');
  return total;
}

// What the user document says now decides each entry; only a pending entry moves, so of two
// deliveries settling the same entry one counts it and the other sees it already done.
async function settle(
  deps: OutboxDeps,
  userKey: unknown,
  entries: readonly AuditEntry[],
  log: Logger,
): Promise<Tally> {
  const states = await deps.users.statesOf(userKey, entries.map(refOf));
  const tally = { unverified: 0, alreadyDone: 0 };
  for (const [i, entry] of entries.entries()) {
    // Only an address that is unverified now was unverified by us; one verified again since
    // (`reverified`) is skipped and owes no event, even if an interrupted attempt of ours had
    // unverified it before its owner verified it again.
    const status = states[i] === 'unverified' ? 'unverified' : 'skipped';
    const moved = await deps.audit.close(entry._id, status, deps.now());
    if (!moved) tally.alreadyDone += 1;
    else if (status === 'unverified') tally.unverified += 1;
    log.debug({ userId: entry.userId, email: maskEmail(entry.email), status }, 'entry settled');
  }
  return tally;
}

function refOf(entry: AuditEntry): AddressRef {
  return { address: entry.email, verifiedAt: entry.verifiedAt?.getTime() ?? null };
}

function auditEntry(
  lapsed: DomainLapsed,
  domain: string,
  stored: StoredAddress,
  at: Date,
): AuditEntry {
  const id = auditId(lapsed.lapseId, stored.userId, stored.address);
  const { lapseId, checkId, state, provider } = lapsed;
  return {
    ...{ _id: id, eventId: id, dryRun: false, lapseId, checkId, domain, state, provider },
    ...{ userId: stored.userId, userKey: stored.userKey, email: stored.address },
    verifiedAt: stored.verifiedAt === null ? null : new Date(stored.verifiedAt),
    ...{ status: 'pending', published: false, createdAt: at },
    ...{ unverifiedAt: null, publishedAt: null },
  };
}

function groupByUser(addresses: readonly StoredAddress[]): StoredAddress[][] {
  const groups = new Map<string, StoredAddress[]>();
  for (const stored of addresses) {
    const group = groups.get(stored.userId);
    if (group === undefined) groups.set(stored.userId, [stored]);
    else group.push(stored);
  }
  return [...groups.values()];
}

function sum(tallies: readonly Tally[]): Tally {
  return {
    unverified: tallies.reduce((n, t) => n + t.unverified, 0),
    alreadyDone: tallies.reduce((n, t) => n + t.alreadyDone, 0),
  };
}

/** Maps with at most `limit` calls in flight; after a failure no new call starts. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const workers = Array.from({ length: Math.min(limit, items.length) }, worker);
  const settled = await Promise.allSettled(workers);
  const rejection = settled.find((s) => s.status === 'rejected');
  if (rejection !== undefined) throw rejection.reason;
  return results;
}

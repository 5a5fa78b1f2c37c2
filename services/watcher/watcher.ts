import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { registrableDomainOfAddress } from '../shared/email-domain.ts';
import { maskEmail, type Logger } from '../shared/logger.ts';
import type { DomainCheckRequest, DomainStatus, UserChange } from '../shared/records.ts';
import { createAddressStore, type ChangeVersion, type WatchedEmail } from './address-store.ts';
import { addressKey, planChange, type AddressWrite } from './change-plan.ts';
import { claimAndRequest } from './check-request.ts';
import type { WatcherContext } from './context.ts';
import { createDomainStore } from './domain-store.ts';
import { handleDomainStatus, type StatusOutcome } from './domain-status.ts';
import type { WatcherSettings } from './settings.ts';
import { sweep, type SweepReport } from './sweep.ts';

export type { StatusOutcome } from './domain-status.ts';
export type { SweepReport } from './sweep.ts';

export interface WatcherDeps {
  db: Db;
  settings: WatcherSettings;
  /** Publishes to `domain.checks`; resolves once Kafka acknowledged the record. */
  requestCheck: (request: DomainCheckRequest) => Promise<void>;
  logger: Logger;
  /** Epoch ms; injected so tests can move time. */
  now?: () => number;
  /** New checkIds. */
  newId?: () => string;
}

export interface ChangeOutcome {
  /** `stale`: this change, or a later one, was already recorded for every address it names. */
  result: 'applied' | 'stale' | 'ignored';
  /** Domains whose verified count was recomputed, in the order they were. */
  domains: string[];
  checksRequested: number;
  /** Addresses recorded that map to no registrable domain, so are never checked. */
  unmappable: number;
}

export interface Watcher {
  ensureIndexes(): Promise<void>;
  handleUserChange(change: UserChange): Promise<ChangeOutcome>;
  handleDomainStatus(status: DomainStatus): Promise<StatusOutcome>;
  sweep(): Promise<SweepReport>;
}

export function createWatcher(deps: WatcherDeps): Watcher {
  const ctx: WatcherContext = {
    addresses: createAddressStore(deps.db, deps.settings.watchedEmailsCollection),
    domains: createDomainStore(deps.db, deps.settings.domainsCollection),
    settings: deps.settings,
    requestCheck: deps.requestCheck,
    logger: deps.logger.child({ component: 'watcher' }),
    now: deps.now ?? Date.now,
    newId: deps.newId ?? randomUUID,
  };
  return {
    async ensureIndexes() {
      await ctx.addresses.ensureIndexes();
      await ctx.domains.ensureIndexes();
    },
    handleUserChange: (change) => handleUserChange(ctx, change),
    handleDomainStatus: (status) => handleDomainStatus(ctx, status),
    sweep: () => sweep(ctx),
  };
}

interface Recorded {
  docs: WatchedEmail[];
  applied: boolean;
  unmappable: number;
}

/**
 * Records what a change did to a user's addresses, recounts the domains involved, then pays
 * any check the recorded addresses still owe. A change seen before records nothing, but the
 * recount and the owed checks run again: they are idempotent, and they are exactly what a
 * retry after a failure half-way needs.
 */
async function handleUserChange(ctx: WatcherContext, change: UserChange): Promise<ChangeOutcome> {
  const plan = planChange(change);
  const log = ctx.logger.child({ eventId: change.eventId, userId: change.userId });
  if (plan.kind === 'ignore') {
    log.debug({ kind: change.kind, why: plan.why }, 'change ignored');
    return { result: 'ignored', domains: [], checksRequested: 0, unmappable: 0 };
  }

  const version = { occurredAt: change.occurredAt, eventId: change.eventId };
  const recorded =
    plan.kind === 'delete_user'
      ? { ...(await ctx.addresses.removeUser(change.userId, version)), unmappable: 0 }
      : await recordWrites(ctx, { userId: change.userId, version, log }, plan.writes);
  if (!recorded.applied) log.debug({ kind: change.kind }, 'stale change ignored');

  const domains = await recount(ctx, recorded.docs);
  const checksRequested = await payPendingChecks(ctx, recorded.docs, log);
  const result = recorded.applied ? 'applied' : 'stale';
  return { result, domains, checksRequested, unmappable: recorded.unmappable };
}

interface WriteContext {
  userId: string;
  version: ChangeVersion;
  log: Logger;
}

async function recordWrites(
  ctx: WatcherContext,
  write: WriteContext,
  writes: AddressWrite[],
): Promise<Recorded> {
  const recorded: Recorded = { docs: [], applied: false, unmappable: 0 };
  for (const address of writes) {
    const { doc, applied, unmappable } = await recordWrite(ctx, write, address);
    recorded.docs.push(doc);
    recorded.applied ||= applied;
    if (unmappable) recorded.unmappable += 1;
  }
  return recorded;
}

async function recordWrite(ctx: WatcherContext, write: WriteContext, address: AddressWrite) {
  const mapping = registrableDomainOfAddress(address.address);
  const pending =
    address.pending !== null && mapping.ok
      ? { checkId: ctx.newId(), reason: address.pending }
      : null;
  const state = {
    userId: write.userId,
    address: addressKey(address.address),
    domain: mapping.ok ? mapping.domain : null,
    unmappable: mapping.ok ? null : mapping.reason,
    verified: address.verified,
    verifiedAt: address.verifiedAt,
    removed: address.removed,
    pending,
  };
  const { doc, applied } = await ctx.addresses.apply(state, write.version);

  const unmappable = applied && !mapping.ok && !address.removed;
  if (unmappable) {
    const fields = { email: maskEmail(address.address), reason: mapping.reason };
    write.log.warn({ ...fields, detail: mapping.detail }, 'address has no registrable domain');
  }
  return { doc, applied, unmappable };
}

async function recount(ctx: WatcherContext, docs: WatchedEmail[]): Promise<string[]> {
  const domains = [...new Set(docs.flatMap((doc) => (doc.domain === null ? [] : [doc.domain])))];
  for (const domain of domains) {
    await ctx.domains.recount(domain, () => ctx.addresses.countVerified(domain));
  }
  return domains;
}

/**
 * A recorded address keeps its owed check until it was requested or found not due, so a
 * retry after a failed request asks again even though the change itself is now stale.
 */
async function payPendingChecks(
  ctx: WatcherContext,
  docs: WatchedEmail[],
  log: Logger,
): Promise<number> {
  let requested = 0;
  for (const doc of docs) {
    if (!doc.pending || !doc.domain) continue;
    const intent = { domain: doc.domain, ...doc.pending };
    if (await claimAndRequest(ctx, intent, log)) requested += 1;
    await ctx.addresses.clearPending(doc._id, doc.pending.checkId);
  }
  return requested;
}

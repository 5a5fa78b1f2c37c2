import type { Db } from 'mongodb';
import { MalformedMessageError } from '../shared/errors.ts';
import { maskEmail, maskIfAddress, type Logger } from '../shared/logger.ts';
import type { DomainLapsed } from '../shared/records.ts';
import { createAuditLog, type AuditLog, type Publish } from './audit-log.ts';
import { asRegistrable, scanDomain, type DomainScan } from './candidates.ts';
import { guardDatabase } from './database.ts';
import { createHolds, type HoldReason, type HoldRecord, type Holds } from './holds.ts';
import type { EnforcerSettings } from './settings.ts';
import { enforceLapse, type EnforceCounts } from './outbox.ts';
import { createUserStore, type UserStore } from './user-store.ts';

export interface EnforcerDeps {
  db: Db;
  settings: EnforcerSettings;
  /** Resolves once Kafka acknowledged every event; a rejection fails the lapse for a retry. */
  publish: Publish;
  logger: Logger;
  now?: () => number;
}

export type EnforcementOutcome =
  | { kind: 'protected'; lapseId: string; domain: string }
  | { kind: 'held'; lapseId: string; domain: string; reason: HoldReason; candidates: number }
  | {
      kind: 'dry_run';
      lapseId: string;
      domain: string;
      wouldUnverify: number;
      skippedVerifiedAfter: number;
      samples: string[];
      wouldHold: HoldReason | null;
    }
  | ({ kind: 'enforced'; lapseId: string; domain: string } & EnforceCounts);

export interface Enforcer {
  /** Rejects with a retriable DG_DATABASE_FAILED when MongoDB fails: do not commit the offset. */
  handle(lapsed: DomainLapsed): Promise<EnforcementOutcome>;
  /** Approves a held lapse; null when there is no hold with that id. */
  approveHold(lapseId: string, approver: string): Promise<HoldRecord | null>;
  findHold(lapseId: string): Promise<HoldRecord | null>;
  /** Pending holds, oldest first; approved ones too with `all`. */
  listHolds(options: { all: boolean }): Promise<HoldRecord[]>;
  ensureIndexes(): Promise<void>;
}

interface Context {
  settings: EnforcerSettings;
  users: UserStore;
  audit: AuditLog;
  holds: Holds;
  publish: Publish;
  logger: Logger;
  now: () => Date;
  protectedDomains: ReadonlySet<string>;
}

const DRY_RUN_SAMPLES = 10;

export function createEnforcer(deps: EnforcerDeps): Enforcer {
  const ctx = contextOf(deps);
  return {
    handle: (lapsed) => guardDatabase('handle', () => handle(ctx, lapsed)),
    approveHold: (lapseId, approver) =>
      guardDatabase('approveHold', () => approveHold(ctx, lapseId, approver)),
    findHold: (lapseId) => guardDatabase('findHold', () => ctx.holds.find(lapseId)),
    listHolds: (options) => guardDatabase('listHolds', () => ctx.holds.list(options)),
    ensureIndexes: () => guardDatabase('ensureIndexes', () => ensureIndexes(ctx)),
  };
}

function contextOf(deps: EnforcerDeps): Context {
  const { db, settings } = deps;
  const now = deps.now ?? Date.now;
  return {
    settings,
    users: createUserStore(db, settings.usersCollection, settings.layout),
    audit: createAuditLog(db, settings.auditCollection),
    holds: createHolds(db, settings.holdsCollection),
    publish: deps.publish,
    logger: deps.logger.child({ component: 'enforcer' }),
    now: () => new Date(now()),
    protectedDomains: new Set(settings.protectedDomains),
  };
}

async function handle(ctx: Context, lapsed: DomainLapsed): Promise<EnforcementOutcome> {
  const domain = lapsedDomain(lapsed);
  const { lapseId } = lapsed;
  const log = ctx.logger.child({ lapseId, domain, state: lapsed.state });
  if (ctx.protectedDomains.has(domain)) {
    log.warn({ provider: lapsed.provider }, 'protected domain reported lapsed, nothing changed');
    return { kind: 'protected', lapseId, domain };
  }

  const scan = await scanDomain(ctx.users, lapsed, domain);
  if (ctx.settings.dryRun) return dryRun(ctx, lapsed, domain, scan, log);

  const hold = await holdIfTooLarge(ctx, lapsed, domain, scan.eligible.length);
  if (hold === null) return enforce(ctx, lapsed, domain, scan, log);
  log.warn({ reason: hold.reason, candidates: hold.candidates }, 'lapse held for approval');
  return { kind: 'held', lapseId, domain, reason: hold.reason, candidates: hold.candidates };
}

// The checker only emits registrable domains; anything else is a malformed message that no
// retry can fix, so it goes to the dead-letter topic rather than unverifying a wrong set.
function lapsedDomain(lapsed: DomainLapsed): string {
  const domain = asRegistrable(lapsed.domain);
  if (domain !== null) return domain;
  const shown = maskIfAddress(lapsed.domain);
  throw new MalformedMessageError(`lapsed domain "${shown}" is not a registrable domain`);
}

async function holdIfTooLarge(
  ctx: Context,
  lapsed: DomainLapsed,
  domain: string,
  candidates: number,
): Promise<HoldRecord | null> {
  if (candidates === 0) return null;
  const existing = await ctx.holds.find(lapsed.lapseId);
  if (existing !== null) return existing.status === 'approved' ? null : existing;

  const reason = await limitExceeded(ctx, domain, candidates);
  if (reason === null) return null;
  const placed = await ctx.holds.place({ lapsed, domain, reason, candidates, at: ctx.now() });
  return placed.status === 'approved' ? null : placed;
}

/**
 * The window counts distinct other domains with unverified audit entries, so it survives a
 * restart and a re-delivered lapse never counts against itself.
 */
async function limitExceeded(
  ctx: Context,
  domain: string,
  candidates: number,
): Promise<HoldReason | null> {
  const limits = ctx.settings.blastRadius;
  if (candidates === 0) return null;
  if (candidates > limits.maxEmailsPerDomain) return 'too_many_emails';
  const since = new Date(ctx.now().getTime() - limits.windowMs);
  const others = await ctx.audit.domainsEnforcedSince(since, domain);
  return others >= limits.maxDomainsPerWindow ? 'too_many_domains' : null;
}

async function dryRun(
  ctx: Context,
  lapsed: DomainLapsed,
  domain: string,
  scan: DomainScan,
  log: Logger,
): Promise<EnforcementOutcome> {
  const wouldUnverify = scan.eligible.length;
  const wouldHold = await limitExceeded(ctx, domain, wouldUnverify);
  const samples = scan.eligible.slice(0, DRY_RUN_SAMPLES).map((a) => maskEmail(a.address));
  const { lapseId, state } = lapsed;
  const { skippedVerifiedAfter } = scan;
  await ctx.audit.recordDryRun({
    ...{ _id: `dry_run:${lapseId}`, dryRun: true, status: 'dry_run', lapseId, domain, state },
    ...{ wouldUnverify, skippedVerifiedAfter, samples, wouldHold, recordedAt: ctx.now() },
  });
  log.info({ wouldUnverify, skippedVerifiedAfter, wouldHold }, 'dry run recorded, nothing changed');
  return {
    kind: 'dry_run',
    lapseId,
    domain,
    wouldUnverify,
    skippedVerifiedAfter,
    samples,
    wouldHold,
  };
}

async function enforce(
  ctx: Context,
  lapsed: DomainLapsed,
  domain: string,
  scan: DomainScan,
  log: Logger,
): Promise<EnforcementOutcome> {
  const counts = await enforceLapse(ctx, lapsed, domain, scan, log);
  log.info(counts, 'lapse enforced');
  return { kind: 'enforced', lapseId: lapsed.lapseId, domain, ...counts };
}

async function approveHold(
  ctx: Context,
  lapseId: string,
  approver: string,
): Promise<HoldRecord | null> {
  const hold = await ctx.holds.approve(lapseId, approver, ctx.now());
  if (hold === null) {
    ctx.logger.warn({ lapseId }, 'no hold to approve');
    return null;
  }
  const { domain, approvedBy } = hold;
  ctx.logger.info({ lapseId, domain, approvedBy }, 'hold approved');
  return hold;
}

async function ensureIndexes(ctx: Context): Promise<void> {
  await ctx.audit.ensureIndexes();
  await ctx.holds.ensureIndexes();
  const created = await ctx.users.ensureIndex();
  const collection = ctx.settings.usersCollection;
  if (created !== null) ctx.logger.info({ collection, index: created }, 'created address index');
}

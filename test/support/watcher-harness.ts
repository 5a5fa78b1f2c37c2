import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { MongoClient, type Db } from 'mongodb';
import { loadConfig } from '../../services/shared/config.ts';
import { createLogger, type Logger } from '../../services/shared/logger.ts';
import type {
  DomainCheckRequest,
  DomainStatus,
  UserChange,
} from '../../services/shared/records.ts';
import type { WatchedEmail } from '../../services/watcher/address-store.ts';
import {
  watcherSettingsFromEnv,
  watcherSettingsSchema,
  type WatcherSettings,
} from '../../services/watcher/settings.ts';
import { createWatcher, type Watcher } from '../../services/watcher/watcher.ts';
import { stackEnv } from './stack.ts';

export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;
/** The tests' epoch: 2025-01-01T00:00:00Z. */
export const T0 = Date.UTC(2025, 0, 1);

export const defaultSettings: WatcherSettings = {
  ...loadConfig(watcherSettingsSchema, watcherSettingsFromEnv({})),
};

/** A database of its own for one test, dropped when the test ends. */
export async function freshDb(t: TestContext): Promise<Db> {
  const client = new MongoClient(stackEnv.MONGODB_URI, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  const db = client.db(`watcher_${randomUUID().replaceAll('-', '').slice(0, 16)}`);
  t.after(async () => {
    await db.dropDatabase();
    await client.close();
  });
  return db;
}

/**
 * False on FerretDB 1.24, whose updates are read-modify-write in its own process: two
 * conditional updates of one document can both succeed. Tests that need two watcher instances
 * to exclude each other through MongoDB alone run only where updates are atomic.
 */
export async function updatesAreAtomic(db: Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return !('ferretdbVersion' in info);
}

export interface Clock {
  now: number;
}

export interface Harness {
  watcher: Watcher;
  db: Db;
  clock: Clock;
  /** Every request the watcher published, in order. */
  checks: DomainCheckRequest[];
  /** Log lines as parsed JSON, without the varying `time`. */
  logs: Record<string, unknown>[];
  /** Makes the next `count` requests fail as an unreachable Kafka would. */
  failRequests(count: number): void;
}

export interface HarnessOptions {
  db?: Db;
  clock?: Clock;
  settings?: Partial<WatcherSettings>;
  /** Prefix of generated checkIds, to tell two watchers on one database apart. */
  idPrefix?: string;
}

export async function createHarness(t: TestContext, options: HarnessOptions = {}) {
  const db = options.db ?? (await freshDb(t));
  const clock = options.clock ?? { now: T0 };
  const checks: DomainCheckRequest[] = [];
  const { logger, lines: logs } = captureLogger();
  let failures = 0;
  let ids = 0;
  const watcher = createWatcher({
    db,
    settings: { ...defaultSettings, ...options.settings },
    requestCheck: async (request) => {
      if (failures > 0) {
        failures -= 1;
        throw new Error('broker unavailable');
      }
      checks.push(request);
    },
    logger,
    now: () => clock.now,
    newId: () => `${options.idPrefix ?? 'check'}-${(ids += 1)}`,
  });
  await watcher.ensureIndexes();
  const harness: Harness = {
    watcher,
    db,
    clock,
    checks,
    logs,
    failRequests: (count) => (failures = count),
  };
  return harness;
}

/** A logger whose lines land, parsed and without `time`, in `lines`. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return {
    logger: createLogger({ service: 'watcher', level: 'debug' }, captureLines(lines)),
    lines,
  };
}

function captureLines(lines: Record<string, unknown>[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = JSON.parse(chunk.toString()) as Record<string, unknown>;
      delete line.time;
      lines.push(line);
      done();
    },
  });
}

let events = 0;

/** A user change; eventIds are zero-padded so their text order is their creation order. */
export function userChange(fields: Partial<UserChange> = {}): UserChange {
  events += 1;
  return {
    eventId: `evt-${String(events).padStart(6, '0')}`,
    userId: 'user-1',
    kind: 'registered',
    email: 'alice@example.com',
    previousEmail: null,
    verified: true,
    verifiedAt: T0 - HOUR,
    occurredAt: T0,
    ...fields,
  };
}

export function domainStatus(fields: Partial<DomainStatus> = {}): DomainStatus {
  return {
    checkId: 'check-1',
    domain: 'example.com',
    state: 'registered',
    provider: 'rdap',
    observedAt: T0,
    evidence: {
      server: 'https://rdap.example.test/',
      httpStatus: 200,
      statuses: ['active'],
      events: [{ action: 'registration', date: '2001-01-01T00:00:00Z' }],
      registeredAt: Date.UTC(2001, 0, 1),
      expiresAt: Date.UTC(2026, 0, 1),
      handle: 'EXAMPLE-1',
      detail: null,
    },
    ...fields,
  };
}

/** The stored domain document without its recount bookkeeping, or null. */
export function domainDoc(harness: Harness, domain: string) {
  return harness.db
    .collection<Record<string, unknown> & { _id: string }>('domains')
    .findOne({ _id: domain }, { projection: { recountSeq: 0, countedSeq: 0 } });
}

/** Every watched_emails document, sorted by _id. */
export function watchedEmails(harness: Harness): Promise<WatchedEmail[]> {
  return harness.db.collection<WatchedEmail>('watched_emails').find().sort({ _id: 1 }).toArray();
}

/** What every domain document holds before anything happened to it. */
export const NEW_DOMAIN = {
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
};

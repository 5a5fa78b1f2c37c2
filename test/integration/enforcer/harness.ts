import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import type { Document } from 'mongodb';
import { createLogger } from '../../../services/shared/logger.ts';
import type { DomainLapsed, EmailUnverified } from '../../../services/shared/records.ts';
import { auditId } from '../../../services/enforcer/audit-log.ts';
import { createEnforcer, type Enforcer } from '../../../services/enforcer/enforcer.ts';
import {
  enforcerSettingsSchema,
  type EnforcerSettingsInput,
} from '../../../services/enforcer/settings.ts';
import { openTestDatabase, type TestDatabase } from '../../support/mongo.ts';

export const OBSERVED_AT = Date.UTC(2025, 5, 1, 12);
export const NOW = Date.UTC(2025, 5, 1, 12, 5);
export const DAY = 24 * 60 * 60 * 1000;

/** A point in time relative to the lapse observation, as the Date Auth.js would store. */
export function daysBefore(days: number): Date {
  return new Date(OBSERVED_AT - days * DAY);
}

export function lapse(overrides: Partial<DomainLapsed> = {}): DomainLapsed {
  return {
    lapseId: 'lapse-1',
    checkId: 'check-1',
    domain: 'acme-widgets.com',
    state: 'redemption',
    provider: 'rdap',
    observedAt: OBSERVED_AT,
    registeredAt: null,
    detail: null,
    ...overrides,
  };
}

export type PublishFn = (events: EmailUnverified[]) => Promise<void>;

export interface Harness extends TestDatabase {
  enforcer: Enforcer;
  /** Every event the enforcer published, in order. */
  events: EmailUnverified[];
  /** The clock every enforcer of this harness reads; tests move it. */
  clock: { now: number };
  /** JSON log lines written so far, without their time stamps. */
  logs(): Document[];
  /** Another enforcer on the same database: a restart with other settings or publisher. */
  enforcerWith(settings?: EnforcerSettingsInput, publish?: PublishFn): Enforcer;
  all(collection: string): Promise<Document[]>;
  /** Inserts documents whose `_id` may be anything, as in an operator's own collection. */
  insert(collection: string, docs: Document[]): Promise<void>;
}

type AnyIdDocument = { _id: unknown } & Document;

export async function openHarness(
  t: TestContext,
  settings: EnforcerSettingsInput = {},
): Promise<Harness> {
  const database = await openTestDatabase(t.name);
  t.after(() => database.drop());
  const events: EmailUnverified[] = [];
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ service: 'enforcer-test', level: 'debug' }, stream);
  const clock = { now: NOW };
  const capture: PublishFn = async (batch) => {
    events.push(...batch);
  };
  const enforcerWith = (overrides: EnforcerSettingsInput = settings, publish = capture) =>
    createEnforcer({
      db: database.db,
      settings: enforcerSettingsSchema.parse(overrides),
      publish,
      logger,
      now: () => clock.now,
    });
  return {
    ...database,
    enforcer: enforcerWith(),
    events,
    clock,
    logs: () => lines.map((line) => withoutTime(JSON.parse(line) as Document)),
    enforcerWith,
    all: (name) => database.db.collection(name).find().sort({ _id: 1 }).toArray(),
    async insert(name, docs) {
      await database.db.collection<AnyIdDocument>(name).insertMany(docs as AnyIdDocument[]);
    },
  };
}

function withoutTime(line: Document): Document {
  const copy = { ...line };
  delete copy.time;
  return copy;
}

export interface AddressFixture {
  userKey: unknown;
  userId: string;
  email: string;
  verifiedAt: Date | null;
}

/** The audit document the enforcer should have left for one address, settled and published. */
export function expectedEntry(
  lapsed: DomainLapsed,
  address: AddressFixture,
  overrides: Document = {},
): Document {
  const id = auditId(lapsed.lapseId, address.userId, address.email);
  return {
    _id: id,
    eventId: id,
    dryRun: false,
    lapseId: lapsed.lapseId,
    checkId: lapsed.checkId,
    domain: lapsed.domain,
    state: lapsed.state,
    provider: lapsed.provider,
    ...address,
    status: 'unverified',
    published: true,
    createdAt: new Date(NOW),
    unverifiedAt: new Date(NOW),
    publishedAt: new Date(NOW),
    ...overrides,
  };
}

export function expectedEvent(
  lapsed: DomainLapsed,
  address: Pick<AddressFixture, 'userId' | 'email'>,
  unverifiedAt = NOW,
): EmailUnverified {
  return {
    eventId: auditId(lapsed.lapseId, address.userId, address.email),
    userId: address.userId,
    email: address.email,
    domain: lapsed.domain,
    state: lapsed.state,
    lapseId: lapsed.lapseId,
    unverifiedAt,
  };
}

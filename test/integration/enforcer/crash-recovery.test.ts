import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MongoClient, MongoError } from 'mongodb';
import { createEnforcer } from '../../../services/enforcer/enforcer.ts';
import { enforcerSettingsSchema } from '../../../services/enforcer/settings.ts';
import { DomainGuardError } from '../../../services/shared/errors.ts';
import { createLogger } from '../../../services/shared/logger.ts';
import type { EmailUnverified } from '../../../services/shared/records.ts';
import {
  NOW,
  daysBefore,
  expectedEntry,
  expectedEvent,
  lapse,
  openHarness,
  type AddressFixture,
} from './harness.ts';

const MONTH_AGO = daysBefore(30);
const ALICE: AddressFixture = {
  userKey: 'u1',
  userId: 'u1',
  email: 'alice@acme-widgets.com',
  verifiedAt: MONTH_AGO,
};
const BOB: AddressFixture = {
  ...ALICE,
  userKey: 'u2',
  userId: 'u2',
  email: 'bob@acme-widgets.com',
};
const LATER = NOW + 60_000;

// What an earlier attempt leaves when it stops right after writing the entry.
const PENDING = { status: 'pending', published: false, unverifiedAt: null, publishedAt: null };

test('a failed publish leaves events owed; the next delivery publishes them once', async (t) => {
  const h = await openHarness(t);
  await h.insert('users', [
    { _id: 'u1', email: ALICE.email, emailVerified: MONTH_AGO },
    { _id: 'u2', email: BOB.email, emailVerified: MONTH_AGO },
  ]);
  const broken = h.enforcerWith(undefined, async () => {
    throw new Error('broker unavailable');
  });

  await assert.rejects(broken.handle(lapse()), new Error('broker unavailable'));

  assert.deepEqual(await h.all('users'), [
    { _id: 'u1', email: ALICE.email, emailVerified: null },
    { _id: 'u2', email: BOB.email, emailVerified: null },
  ]);
  const owed = { published: false, publishedAt: null };
  assert.deepEqual(
    await h.all('unverifications'),
    byId([expectedEntry(lapse(), ALICE, owed), expectedEntry(lapse(), BOB, owed)]),
  );

  h.clock.now = LATER;
  const retried = await h.enforcer.handle(lapse());
  const replayed = await h.enforcer.handle(lapse());

  assert.deepEqual(retried, enforced({ alreadyDone: 2, published: 2 }));
  assert.deepEqual(replayed, enforced({ alreadyDone: 2, published: 0 }));
  assert.deepEqual(
    byEventId(h.events),
    byEventId([expectedEvent(lapse(), ALICE), expectedEvent(lapse(), BOB)]),
  );
  const sent = { publishedAt: new Date(LATER) };
  assert.deepEqual(
    await h.all('unverifications'),
    byId([expectedEntry(lapse(), ALICE, sent), expectedEntry(lapse(), BOB, sent)]),
  );
});

test('a stop between unverifying and settling the entry is recovered', async (t) => {
  const h = await openHarness(t);
  await h.insert('users', [{ _id: 'u1', email: ALICE.email, emailVerified: null }]);
  await h.insert('unverifications', [expectedEntry(lapse(), ALICE, PENDING)]);
  h.clock.now = LATER;

  const outcome = await h.enforcer.handle(lapse());

  assert.deepEqual(outcome, enforced({ unverified: 1, published: 1 }));
  assert.deepEqual(h.events, [expectedEvent(lapse(), ALICE, LATER)]);
  const settled = { unverifiedAt: new Date(LATER), publishedAt: new Date(LATER) };
  assert.deepEqual(await h.all('unverifications'), [expectedEntry(lapse(), ALICE, settled)]);
});

test('a stop between writing the entry and unverifying is completed', async (t) => {
  const h = await openHarness(t);
  await h.insert('users', [{ _id: 'u1', email: ALICE.email, emailVerified: MONTH_AGO }]);
  await h.insert('unverifications', [expectedEntry(lapse(), ALICE, PENDING)]);
  h.clock.now = LATER;

  const outcome = await h.enforcer.handle(lapse());

  assert.deepEqual(outcome, enforced({ unverified: 1, published: 1 }));
  assert.deepEqual(await h.all('users'), [{ _id: 'u1', email: ALICE.email, emailVerified: null }]);
  assert.deepEqual(h.events, [expectedEvent(lapse(), ALICE, LATER)]);
  const settled = { unverifiedAt: new Date(LATER), publishedAt: new Date(LATER) };
  assert.deepEqual(await h.all('unverifications'), [expectedEntry(lapse(), ALICE, settled)]);
});

test('a pending entry whose address was removed meanwhile is skipped without event', async (t) => {
  const h = await openHarness(t);
  await h.insert('users', [{ _id: 'u1', email: 'alice@new-home.org', emailVerified: NOW }]);
  await h.insert('unverifications', [expectedEntry(lapse(), ALICE, PENDING)]);

  const outcome = await h.enforcer.handle(lapse());

  assert.deepEqual(outcome, enforced({}));
  assert.deepEqual(h.events, []);
  const skipped = { ...PENDING, status: 'skipped' };
  assert.deepEqual(await h.all('unverifications'), [expectedEntry(lapse(), ALICE, skipped)]);
});

test('a pending entry whose address was verified again since is skipped without event', async (t) => {
  const h = await openHarness(t);
  // Verified again after the lapse was observed: its owner has proved control since.
  await h.insert('users', [{ _id: 'u1', email: ALICE.email, emailVerified: new Date(LATER) }]);
  await h.insert('unverifications', [expectedEntry(lapse(), ALICE, PENDING)]);
  h.clock.now = LATER;

  const outcome = await h.enforcer.handle(lapse());

  assert.deepEqual(h.events, []);
  assert.equal(outcome.kind === 'enforced' && outcome.published, 0);
  const skipped = { ...PENDING, status: 'skipped' };
  assert.deepEqual(await h.all('unverifications'), [expectedEntry(lapse(), ALICE, skipped)]);
  const users = await h.all('users');
  assert.deepEqual(users, [{ _id: 'u1', email: ALICE.email, emailVerified: new Date(LATER) }]);
});

test('two deliveries of one lapse at once unverify once and agree on the events', async (t) => {
  const h = await openHarness(t, { layout: { kind: 'list' } });
  const users = ['u1', 'u2', 'u3'].map((id) => ({
    _id: id,
    emails: [
      { address: `${id}@acme-widgets.com`, verified: true },
      { address: `${id}@keep-me.org`, verified: true },
      { address: `${id}@mail.acme-widgets.com`, verified: true },
    ],
  }));
  await h.insert('users', users);

  await Promise.all([h.enforcer.handle(lapse()), h.enforcerWith().handle(lapse())]);

  const unverified = (id: string) => [
    { address: `${id}@acme-widgets.com`, verified: false },
    { address: `${id}@keep-me.org`, verified: true },
    { address: `${id}@mail.acme-widgets.com`, verified: false },
  ];
  assert.deepEqual(
    await h.all('users'),
    users.map((u) => ({ _id: u._id, emails: unverified(u._id) })),
  );
  const fixtures = users.flatMap((u) =>
    [`${u._id}@acme-widgets.com`, `${u._id}@mail.acme-widgets.com`].map((email) => ({
      userKey: u._id,
      userId: u._id,
      email,
      verifiedAt: null,
    })),
  );
  assert.deepEqual(
    await h.all('unverifications'),
    byId(fixtures.map((f) => expectedEntry(lapse(), f))),
  );
  // At-least-once: both deliveries may publish, but only ever the same event ids and bodies.
  const expected = new Map(fixtures.map((f) => [expectedEvent(lapse(), f).eventId, f]));
  assert.deepEqual(new Set(h.events.map((e) => e.eventId)), new Set(expected.keys()));
  for (const event of h.events) {
    const fixture = expected.get(event.eventId);
    assert.deepEqual(event, fixture && expectedEvent(lapse(), fixture));
  }
});

test('a database failure rejects with a retriable DG_DATABASE_FAILED', async (t) => {
  // Nothing listens on port 1: server selection fails fast, as during a MongoDB outage.
  const client = new MongoClient('mongodb://127.0.0.1:1/none', { serverSelectionTimeoutMS: 200 });
  t.after(() => client.close());
  const events: EmailUnverified[] = [];
  const enforcer = createEnforcer({
    db: client.db(),
    settings: enforcerSettingsSchema.parse({}),
    publish: async (batch) => {
      events.push(...batch);
    },
    logger: createLogger({ service: 'enforcer-test', level: 'silent' }),
  });

  const error = await enforcer.handle(lapse()).catch((err: unknown) => err);

  assert.ok(error instanceof DomainGuardError);
  assert.ok(error.cause instanceof MongoError);
  assert.deepEqual(
    { name: error.name, code: error.code, retriable: error.retriable, message: error.message },
    {
      name: 'DomainGuardError',
      code: 'DG_DATABASE_FAILED',
      retriable: true,
      message: 'database failed during handle',
    },
  );
  assert.deepEqual(events, []);
});

function enforced(counts: Partial<Record<string, number>>) {
  return {
    kind: 'enforced',
    lapseId: 'lapse-1',
    domain: 'acme-widgets.com',
    unverified: 0,
    alreadyDone: 0,
    skippedVerifiedAfter: 0,
    published: 0,
    ...counts,
  };
}

function byId<T extends { _id?: unknown }>(docs: T[]): T[] {
  return [...docs].sort((a, b) => String(a._id).localeCompare(String(b._id)));
}

function byEventId<T extends { eventId: string }>(events: T[]): T[] {
  return [...events].sort((a, b) => a.eventId.localeCompare(b.eventId));
}

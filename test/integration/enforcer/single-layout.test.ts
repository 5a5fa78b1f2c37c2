import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ObjectId } from 'mongodb';
import {
  DAY,
  OBSERVED_AT,
  daysBefore,
  expectedEntry,
  expectedEvent,
  lapse,
  openHarness,
} from './harness.ts';

const MONTH_AGO = daysBefore(30);

test('a redemption unverifies the user, writes one audit entry and one event', async (t) => {
  const h = await openHarness(t);
  const [alice, bob, carol, dave, erin] = [1, 2, 3, 4, 5].map(() => new ObjectId()) as [
    ObjectId,
    ObjectId,
    ObjectId,
    ObjectId,
    ObjectId,
  ];
  await h.insert('users', [
    { _id: alice, name: 'Alice', email: 'alice@acme-widgets.com', emailVerified: MONTH_AGO },
    { _id: bob, name: 'Bob', email: 'bob@other-shop.com', emailVerified: MONTH_AGO },
    { _id: carol, email: 'carol@notacme-widgets.com', emailVerified: MONTH_AGO },
    { _id: dave, email: 'dave@acme-widgets.com.au', emailVerified: MONTH_AGO },
    { _id: erin, email: 'erin@acme-widgets.com', emailVerified: null },
  ]);

  const outcome = await h.enforcer.handle(lapse());

  assert.deepEqual(outcome, {
    kind: 'enforced',
    lapseId: 'lapse-1',
    domain: 'acme-widgets.com',
    unverified: 1,
    alreadyDone: 0,
    skippedVerifiedAfter: 0,
    published: 1,
  });
  assert.deepEqual(await h.all('users'), [
    { _id: alice, name: 'Alice', email: 'alice@acme-widgets.com', emailVerified: null },
    { _id: bob, name: 'Bob', email: 'bob@other-shop.com', emailVerified: MONTH_AGO },
    { _id: carol, email: 'carol@notacme-widgets.com', emailVerified: MONTH_AGO },
    { _id: dave, email: 'dave@acme-widgets.com.au', emailVerified: MONTH_AGO },
    { _id: erin, email: 'erin@acme-widgets.com', emailVerified: null },
  ]);
  const address = { userId: alice.toHexString(), email: 'alice@acme-widgets.com' };
  const entry = expectedEntry(lapse(), { userKey: alice, ...address, verifiedAt: MONTH_AGO });
  assert.deepEqual(await h.all('unverifications'), [entry]);
  assert.deepEqual(h.events, [expectedEvent(lapse(), address)]);
});

test('addresses at subdomains and in other letter cases belong to the domain', async (t) => {
  const h = await openHarness(t);
  await h.insert('users', [
    { _id: 'u1', email: 'a@mail.example.co.uk', emailVerified: MONTH_AGO },
    { _id: 'u2', email: 'B@EXAMPLE.CO.UK', emailVerified: MONTH_AGO },
    { _id: 'u3', email: 'c@other-example.co.uk', emailVerified: MONTH_AGO },
    { _id: 'u4', email: 'd@example.co.uk.', emailVerified: MONTH_AGO },
    // Matches the suffix, but registrableDomain cannot map it: no mail reaches it either.
    { _id: 'u5', email: 'e@-bad-.example.co.uk', emailVerified: MONTH_AGO },
  ]);
  const lapsed = lapse({ domain: 'example.co.uk', state: 'pending_delete' });

  const outcome = await h.enforcer.handle(lapsed);

  assert.deepEqual(outcome, {
    kind: 'enforced',
    lapseId: 'lapse-1',
    domain: 'example.co.uk',
    unverified: 3,
    alreadyDone: 0,
    skippedVerifiedAfter: 0,
    published: 3,
  });
  assert.deepEqual(await h.all('users'), [
    { _id: 'u1', email: 'a@mail.example.co.uk', emailVerified: null },
    { _id: 'u2', email: 'B@EXAMPLE.CO.UK', emailVerified: null },
    { _id: 'u3', email: 'c@other-example.co.uk', emailVerified: MONTH_AGO },
    { _id: 'u4', email: 'd@example.co.uk.', emailVerified: null },
    { _id: 'u5', email: 'e@-bad-.example.co.uk', emailVerified: MONTH_AGO },
  ]);
  const events = ['u1:a@mail.example.co.uk', 'u2:B@EXAMPLE.CO.UK', 'u4:d@example.co.uk.'];
  assert.deepEqual(
    sortByEventId(h.events),
    sortByEventId(events.map((e) => expectedEvent(lapsed, split(e)))),
  );
});

test('an internationalised domain matches addresses stored in Unicode', async (t) => {
  const h = await openHarness(t);
  await h.insert('users', [
    { _id: 'u1', email: 'Jörg@Bücher.de', emailVerified: MONTH_AGO },
    { _id: 'u2', email: 'anna@mail.xn--bcher-kva.de', emailVerified: MONTH_AGO },
    { _id: 'u3', email: 'otto@buecher.de', emailVerified: MONTH_AGO },
  ]);

  const outcome = await h.enforcer.handle(lapse({ domain: 'xn--bcher-kva.de' }));

  assert.deepEqual(outcome, {
    kind: 'enforced',
    lapseId: 'lapse-1',
    domain: 'xn--bcher-kva.de',
    unverified: 2,
    alreadyDone: 0,
    skippedVerifiedAfter: 0,
    published: 2,
  });
  assert.deepEqual(await h.all('users'), [
    { _id: 'u1', email: 'Jörg@Bücher.de', emailVerified: null },
    { _id: 'u2', email: 'anna@mail.xn--bcher-kva.de', emailVerified: null },
    { _id: 'u3', email: 'otto@buecher.de', emailVerified: MONTH_AGO },
  ]);
});

test('replaying the same lapse changes nothing and publishes nothing new', async (t) => {
  const h = await openHarness(t);
  await h.insert('users', [
    { _id: 'u1', email: 'alice@acme-widgets.com', emailVerified: MONTH_AGO },
    { _id: 'u2', email: 'bob@acme-widgets.com', emailVerified: MONTH_AGO },
  ]);
  await h.enforcer.handle(lapse());
  const users = await h.all('users');
  const audit = await h.all('unverifications');
  h.clock.now += 60_000;

  const outcome = await h.enforcer.handle(lapse());

  assert.deepEqual(outcome, {
    kind: 'enforced',
    lapseId: 'lapse-1',
    domain: 'acme-widgets.com',
    unverified: 0,
    alreadyDone: 2,
    skippedVerifiedAfter: 0,
    published: 0,
  });
  assert.deepEqual(await h.all('users'), users);
  assert.deepEqual(await h.all('unverifications'), audit);
  assert.equal(h.events.length, 2);
});

test('a second lapse of the same domain writes and publishes nothing', async (t) => {
  const h = await openHarness(t);
  await h.insert('users', [
    {
      _id: 'u1',
      email: 'alice@acme-widgets.com',
      emailVerified: MONTH_AGO,
    },
  ]);
  await h.enforcer.handle(lapse());
  const audit = await h.all('unverifications');

  const second = lapse({ lapseId: 'lapse-2', checkId: 'check-2', state: 'available' });
  const outcome = await h.enforcer.handle(second);

  assert.deepEqual(outcome, {
    kind: 'enforced',
    lapseId: 'lapse-2',
    domain: 'acme-widgets.com',
    unverified: 0,
    alreadyDone: 0,
    skippedVerifiedAfter: 0,
    published: 0,
  });
  assert.deepEqual(await h.all('unverifications'), audit);
  assert.deepEqual(h.events, [
    expectedEvent(lapse(), { userId: 'u1', email: 'alice@acme-widgets.com' }),
  ]);
});

test('an address verified after the lapse was observed is left alone', async (t) => {
  const h = await openHarness(t);
  const afterwards = new Date(OBSERVED_AT + 60_000);
  const atObservation = new Date(OBSERVED_AT);
  await h.insert('users', [
    { _id: 'u1', email: 'old@acme-widgets.com', emailVerified: MONTH_AGO },
    { _id: 'u2', email: 'new@acme-widgets.com', emailVerified: afterwards },
    { _id: 'u3', email: 'edge@acme-widgets.com', emailVerified: atObservation },
  ]);

  const outcome = await h.enforcer.handle(lapse());

  assert.deepEqual(outcome, {
    kind: 'enforced',
    lapseId: 'lapse-1',
    domain: 'acme-widgets.com',
    unverified: 2,
    alreadyDone: 0,
    skippedVerifiedAfter: 1,
    published: 2,
  });
  assert.deepEqual(await h.all('users'), [
    { _id: 'u1', email: 'old@acme-widgets.com', emailVerified: null },
    { _id: 'u2', email: 'new@acme-widgets.com', emailVerified: afterwards },
    { _id: 'u3', email: 'edge@acme-widgets.com', emailVerified: null },
  ]);
});

test('a re-registration unverifies only addresses verified before it', async (t) => {
  const h = await openHarness(t);
  const registeredAt = OBSERVED_AT - 5 * DAY;
  await h.insert('users', [
    { _id: 'u1', email: 'before@acme-widgets.com', emailVerified: daysBefore(10) },
    { _id: 'u2', email: 'since@acme-widgets.com', emailVerified: daysBefore(2) },
  ]);
  const lapsed = lapse({ state: 'reregistered', registeredAt });

  const outcome = await h.enforcer.handle(lapsed);

  assert.deepEqual(outcome, {
    kind: 'enforced',
    lapseId: 'lapse-1',
    domain: 'acme-widgets.com',
    unverified: 1,
    alreadyDone: 0,
    skippedVerifiedAfter: 1,
    published: 1,
  });
  assert.deepEqual(await h.all('users'), [
    { _id: 'u1', email: 'before@acme-widgets.com', emailVerified: null },
    { _id: 'u2', email: 'since@acme-widgets.com', emailVerified: daysBefore(2) },
  ]);
  assert.deepEqual(h.events, [
    expectedEvent(lapsed, { userId: 'u1', email: 'before@acme-widgets.com' }),
  ]);
});

test('custom collection and nested field names are honoured', async (t) => {
  const h = await openHarness(t, {
    usersCollection: 'accounts',
    layout: { kind: 'single', emailField: 'contact.email', verifiedAtField: 'contact.checkedAt' },
    auditCollection: 'dg_audit',
  });
  await h.insert('accounts', [
    { _id: 'u1', contact: { email: 'a@acme-widgets.com', checkedAt: MONTH_AGO } },
    { _id: 'u2', contact: { email: 'b@elsewhere.org', checkedAt: MONTH_AGO } },
  ]);

  const outcome = await h.enforcer.handle(lapse());

  assert.deepEqual(outcome, {
    kind: 'enforced',
    lapseId: 'lapse-1',
    domain: 'acme-widgets.com',
    unverified: 1,
    alreadyDone: 0,
    skippedVerifiedAfter: 0,
    published: 1,
  });
  assert.deepEqual(await h.all('accounts'), [
    { _id: 'u1', contact: { email: 'a@acme-widgets.com', checkedAt: null } },
    { _id: 'u2', contact: { email: 'b@elsewhere.org', checkedAt: MONTH_AGO } },
  ]);
  const address = { userKey: 'u1', userId: 'u1', email: 'a@acme-widgets.com' };
  assert.deepEqual(await h.all('dg_audit'), [
    expectedEntry(lapse(), { ...address, verifiedAt: MONTH_AGO }),
  ]);
  const names = await h.db.listCollections({}, { nameOnly: true }).toArray();
  assert.deepEqual(names.map((c) => c.name).sort(), ['accounts', 'dg_audit']);
});

function split(pair: string): { userId: string; email: string } {
  const [userId = '', email = ''] = pair.split(':');
  return { userId, email };
}

function sortByEventId<T extends { eventId: string }>(events: T[]): T[] {
  return [...events].sort((a, b) => a.eventId.localeCompare(b.eventId));
}

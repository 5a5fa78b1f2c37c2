import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ObjectId } from 'mongodb';
import { createUserStore } from '../../../services/enforcer/user-store.ts';
import { listLayoutSchema } from '../../../services/enforcer/settings.ts';
import {
  OBSERVED_AT,
  daysBefore,
  expectedEntry,
  expectedEvent,
  lapse,
  openHarness,
} from './harness.ts';

const LIST = { layout: { kind: 'list' as const } };

test('list layout: only the address at the lapsed domain is unverified', async (t) => {
  const h = await openHarness(t, LIST);
  await h.insert('users', [
    {
      _id: 'u1',
      username: 'alice',
      emails: [
        { address: 'alice@keep-me.org', verified: true },
        { address: 'Alice@Acme-Widgets.com', verified: true },
      ],
    },
    {
      _id: 'u2',
      emails: [
        { address: 'bob@acme-widgets.com', verified: false },
        { address: 'bob@keep-me.org', verified: true },
      ],
    },
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
    {
      _id: 'u1',
      username: 'alice',
      emails: [
        { address: 'alice@keep-me.org', verified: true },
        { address: 'Alice@Acme-Widgets.com', verified: false },
      ],
    },
    {
      _id: 'u2',
      emails: [
        { address: 'bob@acme-widgets.com', verified: false },
        { address: 'bob@keep-me.org', verified: true },
      ],
    },
  ]);
  const address = { userKey: 'u1', userId: 'u1', email: 'Alice@Acme-Widgets.com' };
  assert.deepEqual(await h.all('unverifications'), [
    expectedEntry(lapse(), { ...address, verifiedAt: null }),
  ]);
  assert.deepEqual(h.events, [expectedEvent(lapse(), address)]);
});

test('list layout: two addresses of one user at the domain are both unverified', async (t) => {
  const h = await openHarness(t, LIST);
  await h.insert('users', [
    {
      _id: 'u1',
      emails: [
        { address: 'a@acme-widgets.com', verified: true },
        { address: 'x@keep-me.org', verified: true },
        { address: 'b@shop.acme-widgets.com', verified: true },
      ],
    },
  ]);

  await h.enforcer.handle(lapse());
  const replay = await h.enforcer.handle(lapse());

  assert.deepEqual(await h.all('users'), [
    {
      _id: 'u1',
      emails: [
        { address: 'a@acme-widgets.com', verified: false },
        { address: 'x@keep-me.org', verified: true },
        { address: 'b@shop.acme-widgets.com', verified: false },
      ],
    },
  ]);
  assert.deepEqual(h.events.map((e) => e.email).sort(), [
    'a@acme-widgets.com',
    'b@shop.acme-widgets.com',
  ]);
  assert.deepEqual(replay, {
    kind: 'enforced',
    lapseId: 'lapse-1',
    domain: 'acme-widgets.com',
    unverified: 0,
    alreadyDone: 2,
    skippedVerifiedAfter: 0,
    published: 0,
  });
});

test('list layout with custom names and a verified-at field', async (t) => {
  const h = await openHarness(t, {
    usersCollection: 'members',
    layout: {
      kind: 'list',
      emailsField: 'contact.mails',
      addressField: 'addr',
      verifiedField: 'ok',
      verifiedAtField: 'okAt',
    },
  });
  const fresh = new Date(OBSERVED_AT + 1000);
  await h.insert('members', [
    {
      _id: 'm1',
      contact: {
        mails: [
          { addr: 'old@acme-widgets.com', ok: true, okAt: daysBefore(40) },
          { addr: 'new@acme-widgets.com', ok: true, okAt: fresh },
          { addr: 'unknown@acme-widgets.com', ok: true },
        ],
      },
    },
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
  assert.deepEqual(await h.all('members'), [
    {
      _id: 'm1',
      contact: {
        mails: [
          { addr: 'old@acme-widgets.com', ok: false, okAt: daysBefore(40) },
          { addr: 'new@acme-widgets.com', ok: true, okAt: fresh },
          { addr: 'unknown@acme-widgets.com', ok: false },
        ],
      },
    },
  ]);
  const entries = await h.all('unverifications');
  const byEmail = entries.sort((a, b) => String(a.email).localeCompare(String(b.email)));
  assert.deepEqual(
    byEmail.map((e) => [e.email, e.verifiedAt, e.status]),
    [
      ['old@acme-widgets.com', daysBefore(40), 'unverified'],
      ['unknown@acme-widgets.com', null, 'unverified'],
    ],
  );
});

test('the store unverifies every entry of the address as read, and only those', async (t) => {
  const h = await openHarness(t);
  const layout = listLayoutSchema.parse({ kind: 'list', verifiedAtField: 'at' });
  const users = createUserStore(h.db, 'users', layout);
  const readAt = daysBefore(40);
  const since = daysBefore(1);
  await h.insert('users', [
    {
      _id: 'u1',
      emails: [
        { address: 'a@acme-widgets.com', verified: true, at: readAt },
        { address: 'x@keep-me.org', verified: true, at: readAt },
        { address: 'a@acme-widgets.com', verified: true, at: readAt },
        { address: 'b@acme-widgets.com', verified: true, at: since },
      ],
    },
  ]);
  const refs = [
    { address: 'a@acme-widgets.com', verifiedAt: readAt.getTime() },
    { address: 'b@acme-widgets.com', verifiedAt: readAt.getTime() },
    { address: 'gone@acme-widgets.com', verifiedAt: null },
  ];

  await users.unverify('u1', refs);
  const states = await users.statesOf('u1', refs);

  // b was verified again at another time than the one read: not ours to touch or report.
  assert.deepEqual(states, ['unverified', 'reverified', 'absent']);
  assert.deepEqual(await h.all('users'), [
    {
      _id: 'u1',
      emails: [
        { address: 'a@acme-widgets.com', verified: false, at: readAt },
        { address: 'x@keep-me.org', verified: true, at: readAt },
        { address: 'a@acme-widgets.com', verified: false, at: readAt },
        { address: 'b@acme-widgets.com', verified: true, at: since },
      ],
    },
  ]);
});

test('a replay after the user verified the address again leaves it verified', async (t) => {
  const h = await openHarness(t, LIST);
  await h.insert('users', [
    { _id: 'u1', emails: [{ address: 'a@acme-widgets.com', verified: true }] },
  ]);
  await h.enforcer.handle(lapse());
  // Meteor records no verification time, so only the audit trail tells the replay apart.
  await h.db
    .collection('users')
    .updateOne({ _id: 'u1' as unknown as ObjectId }, { $set: { 'emails.0.verified': true } });

  const replay = await h.enforcer.handle(lapse());

  assert.deepEqual(replay, {
    kind: 'enforced',
    lapseId: 'lapse-1',
    domain: 'acme-widgets.com',
    unverified: 0,
    alreadyDone: 1,
    skippedVerifiedAfter: 0,
    published: 0,
  });
  assert.deepEqual(await h.all('users'), [
    { _id: 'u1', emails: [{ address: 'a@acme-widgets.com', verified: true }] },
  ]);
  assert.equal(h.events.length, 1);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRetriable, MalformedMessageError } from '../../../services/shared/errors.ts';
import {
  createHarness,
  DAY,
  domainDoc,
  HOUR,
  NEW_DOMAIN,
  T0,
  userChange,
  updatesAreAtomic,
  watchedEmails,
} from '../../support/watcher-harness.ts';

const nothing = { domains: [], checksRequested: 0, unmappable: 0 };

test('the first verified address at a domain requests one new_email check', async (t) => {
  const h = await createHarness(t);
  const change = userChange({ email: 'alice@example.com', verifiedAt: T0 - HOUR });

  const outcome = await h.watcher.handleUserChange(change);

  assert.deepEqual(outcome, {
    result: 'applied',
    domains: ['example.com'],
    checksRequested: 1,
    unmappable: 0,
  });
  assert.deepEqual(h.checks, [
    {
      checkId: 'check-1',
      domain: 'example.com',
      reason: 'new_email',
      requestedAt: T0,
      oldestVerifiedAt: T0 - HOUR,
    },
  ]);
  assert.deepEqual(await domainDoc(h, 'example.com'), {
    ...NEW_DOMAIN,
    _id: 'example.com',
    verifiedCount: 1,
    oldestVerifiedAt: T0 - HOUR,
    watched: true,
    lastCheckRequestedAt: T0,
    lastCheckReason: 'new_email',
    claimId: 'check-1',
    nextCheckAt: T0 + DAY,
  });
  assert.deepEqual(await watchedEmails(h), [
    {
      _id: '["user-1","alice@example.com"]',
      userId: 'user-1',
      address: 'alice@example.com',
      domain: 'example.com',
      unmappable: null,
      verified: true,
      verifiedAt: T0 - HOUR,
      removed: false,
      pending: null,
      lastOccurredAt: T0,
      lastEventId: change.eventId,
    },
  ]);
  assert.deepEqual(
    h.logs.filter((line) => line.msg === 'check requested'),
    [
      {
        level: 'info',
        service: 'watcher',
        component: 'watcher',
        eventId: change.eventId,
        userId: 'user-1',
        domain: 'example.com',
        checkId: 'check-1',
        reason: 'new_email',
        msg: 'check requested',
      },
    ],
  );
});

test('a second user at a known domain within the interval requests nothing', async (t) => {
  const h = await createHarness(t);
  await h.watcher.handleUserChange(userChange({ verifiedAt: T0 - HOUR }));
  h.clock.now = T0 + HOUR;

  const outcome = await h.watcher.handleUserChange(
    userChange({ userId: 'user-2', email: 'bob@example.com', verifiedAt: T0 - 2 * HOUR }),
  );

  assert.deepEqual(outcome, { ...nothing, result: 'applied', domains: ['example.com'] });
  assert.deepEqual(
    h.checks.map((c) => c.checkId),
    ['check-1'],
  );
  const domain = await domainDoc(h, 'example.com');
  assert.deepEqual(
    { count: domain?.verifiedCount, oldest: domain?.oldestVerifiedAt },
    { count: 2, oldest: T0 - 2 * HOUR },
  );
});

test('a new address at a known domain requests a check once the domain is due', async (t) => {
  const h = await createHarness(t);
  await h.watcher.handleUserChange(userChange({ verifiedAt: T0 - HOUR }));
  h.clock.now = T0 + DAY;

  await h.watcher.handleUserChange(
    userChange({ userId: 'user-2', email: 'bob@example.com', occurredAt: T0 + DAY }),
  );

  assert.deepEqual(h.checks.at(-1), {
    checkId: 'check-2',
    domain: 'example.com',
    reason: 'new_email',
    requestedAt: T0 + DAY,
    oldestVerifiedAt: T0 - HOUR,
  });
  assert.equal(h.checks.length, 2);
});

test('an unverified address is recorded but counts 0 and requests no check', async (t) => {
  const h = await createHarness(t);

  const outcome = await h.watcher.handleUserChange(
    userChange({ verified: false, verifiedAt: null }),
  );

  assert.deepEqual(outcome, { ...nothing, result: 'applied', domains: ['example.com'] });
  assert.deepEqual(h.checks, []);
  assert.deepEqual(await domainDoc(h, 'example.com'), { ...NEW_DOMAIN, _id: 'example.com' });
});

test('verifying an address requests a recheck even when the domain is not due', async (t) => {
  const h = await createHarness(t);
  await h.watcher.handleUserChange(userChange({ verifiedAt: T0 - HOUR }));
  h.clock.now = T0 + HOUR;
  const verified = userChange({
    kind: 'email_verified',
    userId: 'user-2',
    email: 'bob@example.com',
    verifiedAt: T0 + HOUR,
    occurredAt: T0 + HOUR,
  });

  const outcome = await h.watcher.handleUserChange(verified);
  const replay = await h.watcher.handleUserChange(verified);

  assert.deepEqual(outcome, {
    ...nothing,
    result: 'applied',
    domains: ['example.com'],
    checksRequested: 1,
  });
  assert.deepEqual(replay, { ...nothing, result: 'stale', domains: ['example.com'] });
  assert.deepEqual(h.checks.at(-1), {
    checkId: 'check-2',
    domain: 'example.com',
    reason: 'recheck',
    requestedAt: T0 + HOUR,
    oldestVerifiedAt: T0 - HOUR,
  });
  assert.equal(h.checks.length, 2);
  assert.equal((await domainDoc(h, 'example.com'))?.nextCheckAt, T0 + HOUR + DAY);
});

test('verifying a formerly unverified address requests its first check', async (t) => {
  const h = await createHarness(t);
  await h.watcher.handleUserChange(userChange({ verified: false, verifiedAt: null }));
  h.clock.now = T0 + HOUR;

  await h.watcher.handleUserChange(
    userChange({ kind: 'email_verified', verifiedAt: null, occurredAt: T0 + HOUR }),
  );

  assert.deepEqual(h.checks, [
    {
      checkId: 'check-1',
      domain: 'example.com',
      reason: 'recheck',
      requestedAt: T0 + HOUR,
      oldestVerifiedAt: T0 + HOUR,
    },
  ]);
});

test('changing an address moves its count to the new domain', async (t) => {
  const h = await createHarness(t);
  await h.watcher.handleUserChange(userChange({ verifiedAt: T0 - HOUR }));
  h.clock.now = T0 + HOUR;

  const outcome = await h.watcher.handleUserChange(
    userChange({
      kind: 'email_changed',
      email: 'alice@example.org',
      previousEmail: 'alice@example.com',
      verifiedAt: T0 + HOUR,
      occurredAt: T0 + HOUR,
    }),
  );

  assert.deepEqual(outcome, {
    result: 'applied',
    domains: ['example.com', 'example.org'],
    checksRequested: 1,
    unmappable: 0,
  });
  assert.deepEqual(
    h.checks.map((c) => [c.domain, c.reason]),
    [
      ['example.com', 'new_email'],
      ['example.org', 'new_email'],
    ],
  );
  const [before, after] = [await domainDoc(h, 'example.com'), await domainDoc(h, 'example.org')];
  assert.deepEqual(
    [before?.verifiedCount, before?.watched, before?.oldestVerifiedAt],
    [0, false, null],
  );
  assert.deepEqual([after?.verifiedCount, after?.oldestVerifiedAt], [1, T0 + HOUR]);
});

test('removing an address decrements its domain and moves the oldest verification', async (t) => {
  const h = await createHarness(t);
  await h.watcher.handleUserChange(userChange({ verifiedAt: T0 - HOUR }));
  await h.watcher.handleUserChange(
    userChange({ userId: 'user-2', email: 'bob@example.com', verifiedAt: T0 - 2 * HOUR }),
  );

  const outcome = await h.watcher.handleUserChange(
    userChange({
      kind: 'email_removed',
      userId: 'user-2',
      email: 'bob@example.com',
      occurredAt: T0 + HOUR,
    }),
  );

  assert.deepEqual(outcome, { ...nothing, result: 'applied', domains: ['example.com'] });
  const domain = await domainDoc(h, 'example.com');
  assert.deepEqual([domain?.verifiedCount, domain?.oldestVerifiedAt], [1, T0 - HOUR]);
});

test('a duplicate change is ignored', async (t) => {
  const h = await createHarness(t);
  const change = userChange();
  await h.watcher.handleUserChange(change);
  const stored = await watchedEmails(h);

  const outcome = await h.watcher.handleUserChange(change);

  assert.deepEqual(outcome, { ...nothing, result: 'stale', domains: ['example.com'] });
  assert.equal(h.checks.length, 1);
  assert.deepEqual(await watchedEmails(h), stored);
  assert.equal((await domainDoc(h, 'example.com'))?.verifiedCount, 1);
});

test('a replayed older change does not undo a later one', async (t) => {
  const h = await createHarness(t);
  const registered = userChange();
  await h.watcher.handleUserChange(registered);
  await h.watcher.handleUserChange(userChange({ kind: 'email_removed', occurredAt: T0 + 1 }));

  const outcome = await h.watcher.handleUserChange(registered);

  assert.deepEqual(outcome, { ...nothing, result: 'stale', domains: ['example.com'] });
  assert.deepEqual(
    (await watchedEmails(h)).map((doc) => [doc.removed, doc.verified]),
    [[true, false]],
  );
  assert.equal((await domainDoc(h, 'example.com'))?.verifiedCount, 0);
});

test('an address without a registrable domain is counted and logged, not checked', async (t) => {
  const h = await createHarness(t);
  const ip = userChange({ email: 'root@[192.0.2.1]' });
  const suffix = userChange({ userId: 'user-2', email: 'someone@co.uk' });

  const outcomes = [await h.watcher.handleUserChange(ip), await h.watcher.handleUserChange(suffix)];

  assert.deepEqual(outcomes, [
    { ...nothing, result: 'applied', unmappable: 1 },
    { ...nothing, result: 'applied', unmappable: 1 },
  ]);
  assert.deepEqual(h.checks, []);
  assert.deepEqual(
    (await watchedEmails(h)).map((doc) => [doc.domain, doc.unmappable, doc.pending]),
    [
      [null, 'ip_literal', null],
      [null, 'public_suffix_only', null],
    ],
  );
  assert.deepEqual(
    h.logs.filter((line) => line.level === 'warn'),
    [
      unmappableLine(ip.eventId, 'user-1', 'r***@[192.0.2.1]', 'ip_literal', IP_DETAIL),
      unmappableLine(suffix.eventId, 'user-2', 's***@co.uk', 'public_suffix_only', SUFFIX_DETAIL),
    ],
  );
});

test('an address without "@" is recorded as unmappable and never checked', async (t) => {
  const h = await createHarness(t);
  const change = userChange({ email: 'john.smith' });

  const outcome = await h.watcher.handleUserChange(change);

  assert.deepEqual(outcome, { ...nothing, result: 'applied', unmappable: 1 });
  assert.deepEqual(h.checks, []);
  assert.deepEqual(await watchedEmails(h), [
    {
      _id: '["user-1","john.smith"]',
      userId: 'user-1',
      address: 'john.smith',
      domain: null,
      unmappable: 'no_at_sign',
      verified: true,
      verifiedAt: T0 - HOUR,
      removed: false,
      pending: null,
      lastOccurredAt: T0,
      lastEventId: change.eventId,
    },
  ]);
  assert.deepEqual(await h.db.collection('domains').countDocuments({}), 0);
  assert.deepEqual(h.logs, [
    unmappableLine(change.eventId, 'user-1', '***', 'no_at_sign', NO_AT_DETAIL),
  ]);
});

const NO_AT_DETAIL = 'the address has no "@", so it names no domain';
const IP_DETAIL = 'the address names an IP address, which has no registration';
const SUFFIX_DETAIL = '"co.uk" is a public suffix, not a registrable domain';

function unmappableLine(
  eventId: string,
  userId: string,
  email: string,
  reason: string,
  detail: string,
) {
  const msg = 'address has no registrable domain';
  return {
    level: 'warn',
    service: 'watcher',
    component: 'watcher',
    eventId,
    userId,
    email,
    reason,
    detail,
    msg,
  };
}

test('User@Mail.Example.CO.UK. counts toward example.co.uk', async (t) => {
  const h = await createHarness(t);

  await h.watcher.handleUserChange(userChange({ email: 'User@Mail.Example.CO.UK.' }));

  assert.deepEqual(
    h.checks.map((c) => c.domain),
    ['example.co.uk'],
  );
  assert.equal((await domainDoc(h, 'example.co.uk'))?.verifiedCount, 1);
  assert.deepEqual(
    (await watchedEmails(h)).map((doc) => [doc._id, doc.address, doc.domain]),
    [['["user-1","user@mail.example.co.uk"]', 'user@mail.example.co.uk', 'example.co.uk']],
  );
});

test('deleting a user removes every address of theirs from every domain', async (t) => {
  const h = await createHarness(t);
  await h.watcher.handleUserChange(userChange({ kind: 'email_added' }));
  await h.watcher.handleUserChange(userChange({ kind: 'email_added', email: 'a@example.org' }));

  const outcome = await h.watcher.handleUserChange(
    userChange({ kind: 'user_deleted', email: null, occurredAt: T0 + HOUR }),
  );

  assert.deepEqual(outcome, {
    ...nothing,
    result: 'applied',
    domains: ['example.org', 'example.com'],
  });
  assert.deepEqual(
    [
      (await domainDoc(h, 'example.com'))?.verifiedCount,
      (await domainDoc(h, 'example.org'))?.verifiedCount,
    ],
    [0, 0],
  );
});

test('changes that touch no address are ignored', async (t) => {
  const h = await createHarness(t);

  const outcomes = [
    await h.watcher.handleUserChange(userChange({ kind: 'other' })),
    await h.watcher.handleUserChange(userChange({ kind: 'registered', email: null })),
  ];

  assert.deepEqual(outcomes, [
    { ...nothing, result: 'ignored' },
    { ...nothing, result: 'ignored' },
  ]);
  assert.deepEqual(await watchedEmails(h), []);
});

test('a change that needs an address but has none is malformed', async (t) => {
  const h = await createHarness(t);

  await assert.rejects(
    h.watcher.handleUserChange(userChange({ kind: 'email_added', email: null })),
    {
      name: 'MalformedMessageError',
      code: 'DG_MESSAGE_MALFORMED',
      retriable: false,
      message: 'user change of kind email_added without an email',
    },
  );
  await assert.rejects(
    h.watcher.handleUserChange(userChange({ kind: 'email_removed', email: null })),
    MalformedMessageError,
  );
  assert.deepEqual(await watchedEmails(h), []);
});

test('a failed request rejects retriably and its retry requests the check', async (t) => {
  const h = await createHarness(t);
  const change = userChange({ verifiedAt: T0 - HOUR });
  h.failRequests(1);

  const failure = await h.watcher.handleUserChange(change).then(
    () => assert.fail('expected the change to be rejected'),
    (err: unknown) => err,
  );
  assert.equal(isRetriable(failure), true);
  assert.deepEqual(h.checks, []);
  assert.deepEqual(await domainDoc(h, 'example.com'), {
    ...NEW_DOMAIN,
    _id: 'example.com',
    verifiedCount: 1,
    oldestVerifiedAt: T0 - HOUR,
    watched: true,
  });
  assert.deepEqual((await watchedEmails(h))[0]?.pending, {
    checkId: 'check-1',
    reason: 'new_email',
  });

  h.clock.now = T0 + 1_000;
  const retry = await h.watcher.handleUserChange(change);
  const replay = await h.watcher.handleUserChange(change);

  assert.deepEqual(retry, {
    ...nothing,
    result: 'stale',
    domains: ['example.com'],
    checksRequested: 1,
  });
  assert.deepEqual(replay, { ...nothing, result: 'stale', domains: ['example.com'] });
  assert.deepEqual(h.checks, [
    {
      checkId: 'check-1',
      domain: 'example.com',
      reason: 'new_email',
      requestedAt: T0 + 1_000,
      oldestVerifiedAt: T0 - HOUR,
    },
  ]);
});

test('concurrent changes at a new domain request one check', async (t) => {
  const h = await createHarness(t);

  const outcomes = await Promise.all(
    ['alice', 'bob', 'carol', 'dave'].map((name, i) =>
      h.watcher.handleUserChange(userChange({ userId: `user-${i}`, email: `${name}@example.com` })),
    ),
  );

  assert.equal(h.checks.length, 1);
  assert.deepEqual(outcomes.map((o) => o.checksRequested).sort(), [0, 0, 0, 1]);
  assert.equal((await domainDoc(h, 'example.com'))?.verifiedCount, 4);
});

test('two watchers seeing a new domain at once request one check', async (t) => {
  const a = await createHarness(t, { idPrefix: 'a' });
  if (!(await updatesAreAtomic(a.db))) {
    t.skip('needs atomic conditional updates across processes (MongoDB, not FerretDB 1.24)');
    return;
  }
  const b = await createHarness(t, { db: a.db, clock: a.clock, idPrefix: 'b' });

  await Promise.all([
    a.watcher.handleUserChange(userChange({ userId: 'user-1', email: 'alice@example.com' })),
    b.watcher.handleUserChange(userChange({ userId: 'user-2', email: 'bob@example.com' })),
  ]);

  assert.equal(a.checks.length + b.checks.length, 1);
  assert.equal((await domainDoc(a, 'example.com'))?.verifiedCount, 2);
});

test('a change redelivered after a crash between claim and request still requests', async (t) => {
  const h = await createHarness(t);
  const change = userChange({ verifiedAt: T0 - HOUR });
  h.failRequests(1);
  await assert.rejects(h.watcher.handleUserChange(change), { message: 'broker unavailable' });
  // What a process that died after claiming leaves behind: the claim was never released.
  await h.db
    .collection<{ _id: string }>('domains')
    .updateOne(
      { _id: 'example.com' },
      { $set: { claimId: 'check-1', lastCheckRequestedAt: T0, nextCheckAt: T0 + DAY } },
    );

  const retry = await h.watcher.handleUserChange(change);

  assert.deepEqual(retry.checksRequested, 1);
  assert.deepEqual(
    h.checks.map((c) => [c.checkId, c.reason]),
    [['check-1', 'new_email']],
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { daysBefore, lapse, openHarness } from './harness.ts';

const MONTH_AGO = daysBefore(30);

test('a stored value without "@" that ends in the lapsed domain is not its address', async (t) => {
  const h = await openHarness(t);
  await h.insert('users', [
    { _id: 'u1', email: 'john.acme-widgets.com', emailVerified: MONTH_AGO },
    { _id: 'u2', email: 'acme-widgets.com', emailVerified: MONTH_AGO },
  ]);

  const outcome = await h.enforcer.handle(lapse());

  assert.deepEqual(outcome, {
    kind: 'enforced',
    lapseId: 'lapse-1',
    domain: 'acme-widgets.com',
    unverified: 0,
    alreadyDone: 0,
    skippedVerifiedAfter: 0,
    published: 0,
  });
  assert.deepEqual(await h.all('users'), [
    { _id: 'u1', email: 'john.acme-widgets.com', emailVerified: MONTH_AGO },
    { _id: 'u2', email: 'acme-widgets.com', emailVerified: MONTH_AGO },
  ]);
  assert.deepEqual(await h.all('unverifications'), []);
  assert.deepEqual(h.events, []);
});

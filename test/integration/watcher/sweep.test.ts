import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createHarness,
  DAY,
  domainDoc,
  HOUR,
  T0,
  updatesAreAtomic,
  userChange,
  type Harness,
} from '../../support/watcher-harness.ts';

async function register(h: Harness, domains: string[]): Promise<void> {
  for (const [i, domain] of domains.entries()) {
    await h.watcher.handleUserChange(userChange({ userId: `user-${i}`, email: `u${i}@${domain}` }));
  }
}

const sweepChecks = (h: Harness) => h.checks.filter((c) => c.reason === 'sweep');

test('a sweep requests each due domain once, and again only after the interval', async (t) => {
  const h = await createHarness(t);
  await register(h, ['example.org', 'example.com']);

  h.clock.now = T0 + DAY - 1;
  const early = await h.watcher.sweep();
  h.clock.now = T0 + DAY;
  const due = await h.watcher.sweep();
  const again = await h.watcher.sweep();
  h.clock.now = T0 + 2 * DAY;
  const nextDay = await h.watcher.sweep();

  assert.deepEqual(
    [early, due, again, nextDay],
    [
      { due: 0, requested: 0, skipped: 0 },
      { due: 2, requested: 2, skipped: 0 },
      { due: 0, requested: 0, skipped: 0 },
      { due: 2, requested: 2, skipped: 0 },
    ],
  );
  assert.deepEqual(sweepChecks(h).slice(0, 2), [
    {
      checkId: 'check-3',
      domain: 'example.com',
      reason: 'sweep',
      requestedAt: T0 + DAY,
      oldestVerifiedAt: T0 - HOUR,
    },
    {
      checkId: 'check-4',
      domain: 'example.org',
      reason: 'sweep',
      requestedAt: T0 + DAY,
      oldestVerifiedAt: T0 - HOUR,
    },
  ]);
  assert.equal(sweepChecks(h).length, 4);
});

test('a domain without verified addresses is never swept', async (t) => {
  const h = await createHarness(t);
  await h.watcher.handleUserChange(userChange({ verified: false, verifiedAt: null }));
  await register(h, ['example.org']);
  await h.watcher.handleUserChange(
    userChange({
      kind: 'email_removed',
      userId: 'user-0',
      email: 'u0@example.org',
      occurredAt: T0 + 1,
    }),
  );

  h.clock.now = T0 + 30 * DAY;
  const report = await h.watcher.sweep();

  assert.deepEqual(report, { due: 0, requested: 0, skipped: 0 });
  assert.deepEqual(sweepChecks(h), []);
  assert.deepEqual(
    [(await domainDoc(h, 'example.com'))?.watched, (await domainDoc(h, 'example.org'))?.watched],
    [false, false],
  );
});

test('a sweep reads due domains in batches and requests each once', async (t) => {
  const h = await createHarness(t, { settings: { sweepBatchSize: 2 } });
  const domains = ['a.example', 'b.example', 'c.example', 'd.example', 'e.example'];
  await register(h, domains);

  h.clock.now = T0 + DAY;
  const report = await h.watcher.sweep();

  assert.deepEqual(report, { due: 5, requested: 5, skipped: 0 });
  assert.deepEqual(
    sweepChecks(h).map((c) => c.domain),
    domains,
  );
});

test('concurrent sweeps of one watcher request each due domain once', async (t) => {
  const h = await createHarness(t);
  await register(h, ['example.com', 'example.org']);

  h.clock.now = T0 + DAY;
  const reports = await Promise.all([h.watcher.sweep(), h.watcher.sweep()]);

  assert.equal(reports[0].requested + reports[1].requested, 2);
  assert.deepEqual(
    sweepChecks(h)
      .map((c) => c.domain)
      .sort(),
    ['example.com', 'example.org'],
  );
});

test('sweeps of two watchers request each due domain once', async (t) => {
  const a = await createHarness(t, { idPrefix: 'a' });
  if (!(await updatesAreAtomic(a.db))) {
    t.skip('needs atomic conditional updates across processes (MongoDB, not FerretDB 1.24)');
    return;
  }
  const b = await createHarness(t, { db: a.db, clock: a.clock, idPrefix: 'b' });
  await register(a, ['example.com', 'example.org', 'example.net']);

  a.clock.now = T0 + DAY;
  await Promise.all([a.watcher.sweep(), b.watcher.sweep()]);

  assert.equal(sweepChecks(a).length + sweepChecks(b).length, 3);
});

test('a failed request stops the sweep and the next sweep requests the rest', async (t) => {
  const h = await createHarness(t);
  await register(h, ['a.example', 'b.example', 'c.example']);
  h.clock.now = T0 + DAY;
  h.failRequests(1);

  await assert.rejects(h.watcher.sweep(), { message: 'broker unavailable' });
  assert.deepEqual(sweepChecks(h), []);
  assert.equal((await domainDoc(h, 'a.example'))?.nextCheckAt, T0 + DAY);
  assert.deepEqual(
    h.logs.filter((line) => line.msg === 'sweep stopped early').map((line) => line.due),
    [1],
  );

  const report = await h.watcher.sweep();

  assert.deepEqual(report, { due: 3, requested: 3, skipped: 0 });
});

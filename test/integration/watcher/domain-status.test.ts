import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIFECYCLE_STATES } from '../../../services/shared/records.ts';
import {
  createHarness,
  DAY,
  domainDoc,
  domainStatus,
  HOUR,
  NEW_DOMAIN,
  T0,
  userChange,
} from '../../support/watcher-harness.ts';

// Distinct delays so that each state's schedule can only come from its own setting.
const settings = {
  recheckIntervalMs: 5 * DAY,
  expiringRecheckMs: DAY,
  unknownRecheckMs: HOUR,
  lapsedRecheckMs: 2 * DAY,
};

test('a status schedules the next check by its state', async (t) => {
  const h = await createHarness(t, { settings });

  const outcomes = [];
  for (const state of LIFECYCLE_STATES) {
    outcomes.push(
      await h.watcher.handleDomainStatus(domainStatus({ domain: `${state}.example`, state })),
    );
  }

  assert.deepEqual(outcomes, [
    { result: 'applied', nextCheckAt: T0 + 5 * DAY },
    { result: 'applied', nextCheckAt: T0 + DAY },
    { result: 'applied', nextCheckAt: T0 + 2 * DAY },
    { result: 'applied', nextCheckAt: T0 + 2 * DAY },
    { result: 'applied', nextCheckAt: T0 + 2 * DAY },
    { result: 'applied', nextCheckAt: T0 + 2 * DAY },
    { result: 'applied', nextCheckAt: T0 + HOUR },
  ]);
  assert.deepEqual(LIFECYCLE_STATES, [
    'registered',
    'expiring',
    'redemption',
    'pending_delete',
    'available',
    'reregistered',
    'unknown',
  ]);
});

test('a status is stored with a summary of its evidence', async (t) => {
  const h = await createHarness(t, { settings });

  await h.watcher.handleDomainStatus(domainStatus());

  assert.deepEqual(await domainDoc(h, 'example.com'), {
    ...NEW_DOMAIN,
    _id: 'example.com',
    lastState: 'registered',
    lastObservedAt: T0,
    lastEvidence: {
      provider: 'rdap',
      checkId: 'check-1',
      server: 'https://rdap.example.test/',
      httpStatus: 200,
      statuses: ['active'],
      registeredAt: Date.UTC(2001, 0, 1),
      expiresAt: Date.UTC(2026, 0, 1),
      detail: null,
    },
    nextCheckAt: T0 + 5 * DAY,
  });
});

test('a status older than the stored one, or the same one again, is ignored', async (t) => {
  const h = await createHarness(t, { settings });
  await h.watcher.handleDomainStatus(domainStatus({ observedAt: T0 + HOUR }));
  const stored = await domainDoc(h, 'example.com');

  const older = await h.watcher.handleDomainStatus(
    domainStatus({ checkId: 'check-0', state: 'unknown', observedAt: T0 }),
  );
  const same = await h.watcher.handleDomainStatus(domainStatus({ observedAt: T0 + HOUR }));

  assert.deepEqual(
    [older, same],
    [
      { result: 'stale', nextCheckAt: null },
      { result: 'stale', nextCheckAt: null },
    ],
  );
  assert.deepEqual(await domainDoc(h, 'example.com'), stored);
});

test('an unknown answer makes a watched domain due again sooner', async (t) => {
  const h = await createHarness(t, { settings });
  await h.watcher.handleUserChange(userChange());
  await h.watcher.handleDomainStatus(domainStatus({ state: 'unknown', observedAt: T0 + 1_000 }));

  h.clock.now = T0 + 1_000 + HOUR - 1;
  const early = await h.watcher.sweep();
  h.clock.now = T0 + 1_000 + HOUR;
  const due = await h.watcher.sweep();

  assert.deepEqual(
    [early, due],
    [
      { due: 0, requested: 0, skipped: 0 },
      { due: 1, requested: 1, skipped: 0 },
    ],
  );
});

test('a registered answer keeps a watched domain quiet for the recheck interval', async (t) => {
  const h = await createHarness(t, { settings });
  await h.watcher.handleUserChange(userChange());
  await h.watcher.handleDomainStatus(domainStatus({ observedAt: T0 + 1_000 }));

  h.clock.now = T0 + 1_000 + 5 * DAY - 1;
  const early = await h.watcher.sweep();
  h.clock.now = T0 + 1_000 + 5 * DAY;
  const due = await h.watcher.sweep();

  assert.deepEqual([early.requested, due.requested], [0, 1]);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  enforcerSettingsFromEnv,
  type EnforcerSettingsInput,
} from '../../../services/enforcer/settings.ts';
import { MalformedMessageError } from '../../../services/shared/errors.ts';
import { NOW, daysBefore, lapse, openHarness } from './harness.ts';

const MONTH_AGO = daysBefore(30);
const HOUR = 60 * 60 * 1000;

test('a protected domain changes nothing and is logged as a warning', async (t) => {
  const h = await openHarness(t);
  const users = [{ _id: 'u1', email: 'someone@gmail.com', emailVerified: MONTH_AGO }];
  await h.insert('users', users);

  const outcome = await h.enforcer.handle(lapse({ domain: 'gmail.com' }));

  assert.deepEqual(outcome, { kind: 'protected', lapseId: 'lapse-1', domain: 'gmail.com' });
  assert.deepEqual(await h.all('users'), users);
  assert.deepEqual(await h.all('unverifications'), []);
  assert.deepEqual(h.events, []);
  assert.deepEqual(h.logs(), [
    {
      level: 'warn',
      service: 'enforcer-test',
      component: 'enforcer',
      lapseId: 'lapse-1',
      domain: 'gmail.com',
      state: 'redemption',
      provider: 'rdap',
      msg: 'protected domain reported lapsed, nothing changed',
    },
  ]);
});

test("the operator's own domains are protected on top of the built-in list", async (t) => {
  const env = { PROTECTED_DOMAINS: 'Our-Company.com, our-company.co.uk' };
  const h = await openHarness(t, enforcerSettingsFromEnv(env) as EnforcerSettingsInput);
  const users = [{ _id: 'u1', email: 'me@our-company.com', emailVerified: MONTH_AGO }];
  await h.insert('users', users);

  const own = await h.enforcer.handle(lapse({ domain: 'our-company.com' }));
  const builtIn = await h.enforcer.handle(lapse({ domain: 'outlook.com' }));

  assert.deepEqual([own.kind, builtIn.kind], ['protected', 'protected']);
  assert.deepEqual(await h.all('users'), users);
});

test('too many addresses hold the lapse until an operator approves it', async (t) => {
  const h = await openHarness(t, { blastRadius: { maxEmailsPerDomain: 2 } });
  const users = ['u1', 'u2', 'u3'].map((id) => ({
    _id: id,
    email: `${id}@acme-widgets.com`,
    emailVerified: MONTH_AGO,
  }));
  await h.insert('users', users);

  const first = await h.enforcer.handle(lapse());
  const redelivered = await h.enforcer.handle(lapse());

  const held = { kind: 'held', lapseId: 'lapse-1', domain: 'acme-widgets.com' };
  assert.deepEqual(first, { ...held, reason: 'too_many_emails', candidates: 3 });
  assert.deepEqual(redelivered, first);
  assert.deepEqual(await h.all('users'), users);
  assert.deepEqual(await h.all('unverifications'), []);
  assert.deepEqual(h.events, []);
  const hold = {
    _id: 'lapse-1',
    lapseId: 'lapse-1',
    domain: 'acme-widgets.com',
    state: 'redemption',
    reason: 'too_many_emails',
    candidates: 3,
    lapsed: lapse(),
    status: 'pending',
    createdAt: new Date(NOW),
    approvedBy: null,
    approvedAt: null,
  };
  assert.deepEqual(await h.all('enforcement_holds'), [hold]);

  h.clock.now = NOW + HOUR;
  const approved = await h.enforcer.approveHold('lapse-1', 'oncall@operator.example');
  h.clock.now = NOW + 2 * HOUR;
  const approvedAgain = await h.enforcer.approveHold('lapse-1', 'someone-else');
  const outcome = await h.enforcer.handle(lapse());

  const approval = { approvedBy: 'oncall@operator.example', approvedAt: new Date(NOW + HOUR) };
  assert.deepEqual(approved, { ...hold, status: 'approved', ...approval });
  assert.deepEqual(approvedAgain, approved);
  assert.equal(await h.enforcer.approveHold('no-such-lapse', 'oncall'), null);
  assert.deepEqual(outcome, {
    kind: 'enforced',
    lapseId: 'lapse-1',
    domain: 'acme-widgets.com',
    unverified: 3,
    alreadyDone: 0,
    skippedVerifiedAfter: 0,
    published: 3,
  });
  assert.deepEqual(
    (await h.all('users')).map((u) => u.emailVerified),
    [null, null, null],
  );
  assert.equal(h.events.length, 3);
});

test('more lapsed domains in the window than allowed hold the next one', async (t) => {
  const h = await openHarness(t, { blastRadius: { maxDomainsPerWindow: 2, windowMs: HOUR } });
  const domains = ['alpha-shop.com', 'beta-shop.com', 'gamma-shop.com', 'delta-shop.com'];
  await h.insert(
    'users',
    domains.map((domain, i) => ({ _id: `u${i}`, email: `x@${domain}`, emailVerified: MONTH_AGO })),
  );
  const handle = (domain: string, lapseId = domain) =>
    h.enforcer.handle(lapse({ lapseId, domain }));

  const kinds = [];
  for (const domain of domains.slice(0, 3)) kinds.push((await handle(domain)).kind);
  await h.insert('users', [{ _id: 'late', email: 'y@beta-shop.com', emailVerified: MONTH_AGO }]);
  const sameDomainAgain = await handle('beta-shop.com', 'beta-2');
  h.clock.now = NOW + HOUR + 1;
  const afterWindow = await handle('delta-shop.com');
  const stillHeld = await handle('gamma-shop.com');

  assert.deepEqual(kinds, ['enforced', 'enforced', 'held']);
  assert.deepEqual([sameDomainAgain.kind, afterWindow.kind], ['enforced', 'enforced']);
  assert.deepEqual(stillHeld, {
    kind: 'held',
    lapseId: 'gamma-shop.com',
    domain: 'gamma-shop.com',
    reason: 'too_many_domains',
    candidates: 1,
  });
  const emails = (await h.all('users')).map((u) => [u.email, u.emailVerified]);
  assert.deepEqual(emails, [
    ['y@beta-shop.com', null],
    ['x@alpha-shop.com', null],
    ['x@beta-shop.com', null],
    ['x@gamma-shop.com', MONTH_AGO],
    ['x@delta-shop.com', null],
  ]);
});

test('dry run records what would happen and changes no user', async (t) => {
  const h = await openHarness(t, { dryRun: true, blastRadius: { maxEmailsPerDomain: 2 } });
  const users = [
    { _id: 'u1', email: 'alice@acme-widgets.com', emailVerified: MONTH_AGO },
    { _id: 'u2', email: 'bob@mail.acme-widgets.com', emailVerified: MONTH_AGO },
    { _id: 'u3', email: 'carol@acme-widgets.com', emailVerified: MONTH_AGO },
    { _id: 'u4', email: 'dan@acme-widgets.com', emailVerified: new Date(NOW) },
    { _id: 'u5', email: 'erin@elsewhere.org', emailVerified: MONTH_AGO },
  ];
  await h.insert('users', users);

  const outcome = await h.enforcer.handle(lapse());

  const result = {
    wouldUnverify: 3,
    skippedVerifiedAfter: 1,
    samples: ['a***@acme-widgets.com', 'b***@mail.acme-widgets.com', 'c***@acme-widgets.com'],
    wouldHold: 'too_many_emails',
  };
  const ids = { lapseId: 'lapse-1', domain: 'acme-widgets.com' };
  assert.deepEqual(outcome, { kind: 'dry_run', ...ids, ...result });
  assert.deepEqual(await h.all('users'), users);
  assert.deepEqual(h.events, []);
  assert.deepEqual(await h.all('enforcement_holds'), []);
  assert.deepEqual(await h.all('unverifications'), [
    {
      _id: 'dry_run:lapse-1',
      dryRun: true,
      status: 'dry_run',
      ...ids,
      state: 'redemption',
      ...result,
      recordedAt: new Date(NOW),
    },
  ]);

  // Switching dry run off later enforces normally: the record does not count as done.
  const real = await h.enforcerWith({}).handle(lapse());
  assert.deepEqual(real, {
    kind: 'enforced',
    ...ids,
    unverified: 3,
    alreadyDone: 0,
    skippedVerifiedAfter: 1,
    published: 3,
  });
});

test('no log line carries a full address', async (t) => {
  const h = await openHarness(t, { blastRadius: { maxEmailsPerDomain: 1 } });
  await h.insert('users', [
    { _id: 'u1', email: 'alice@acme-widgets.com', emailVerified: MONTH_AGO },
    { _id: 'u2', email: 'bob@acme-widgets.com', emailVerified: MONTH_AGO },
  ]);

  await h.enforcer.handle(lapse());
  await h.enforcer.approveHold('lapse-1', 'oncall');
  await h.enforcer.handle(lapse());

  const text = JSON.stringify(h.logs());
  assert.deepEqual([text.includes('alice@'), text.includes('bob@')], [false, false]);
  assert.deepEqual(
    h.logs().map((line) => line.msg),
    [
      'lapse held for approval',
      'hold approved',
      'entry settled',
      'entry settled',
      'lapse enforced',
    ],
  );
});

test('a lapse naming a subdomain is malformed, not retried', async (t) => {
  const h = await openHarness(t);

  const error = await h.enforcer.handle(lapse({ domain: 'mail.acme-widgets.com' })).catch((e) => e);

  assert.ok(error instanceof MalformedMessageError);
  assert.deepEqual(
    { code: error.code, retriable: error.retriable, message: error.message },
    {
      code: 'DG_MESSAGE_MALFORMED',
      retriable: false,
      message: 'lapsed domain "mail.acme-widgets.com" is not a registrable domain',
    },
  );
});

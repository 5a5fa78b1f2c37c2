import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { EmailUnverified } from '../../../services/shared/records.ts';
import { createPipeline, waitFor, type Pipeline } from '../../support/pipeline.ts';
import { startRdapServer, type RdapTestServer } from '../../support/rdap-server.ts';
import { freePort } from '../../support/stack.ts';

let rdap: RdapTestServer;
let pipeline: Pipeline;
let metricsPort: number;
const verifiedAt = new Date('2024-01-15T10:00:00Z');

before(async () => {
  rdap = await startRdapServer();
  pipeline = await createPipeline('redemption', { RDAP_BOOTSTRAP_URL: rdap.bootstrapUrl });
  await pipeline.db.collection('users').insertMany([
    { _id: 'u-red' as never, email: 'alice@redemption.lol', emailVerified: verifiedAt },
    { _id: 'u-ok' as never, email: 'bob@google.com', emailVerified: verifiedAt },
  ]);
  metricsPort = await freePort();
  await pipeline.start('watcher');
  await pipeline.start('checker', { METRICS_PORT: String(metricsPort) });
  await pipeline.start('enforcer');
});

after(async () => {
  await pipeline.close();
  await rdap.close();
});

test('a user at a domain in redemption ends unverified, once, with an audit record', async () => {
  for (const [userId, email] of [
    ['u-red', 'alice@redemption.lol'],
    ['u-ok', 'bob@google.com'],
  ]) {
    await pipeline.publishChange({
      userId: userId ?? '',
      kind: 'registered',
      email: email ?? null,
      previousEmail: null,
      verified: true,
      verifiedAt: verifiedAt.getTime(),
    });
  }
  const users = pipeline.db.collection('users');
  const domains = pipeline.db.collection('domains');
  await waitFor(
    async () => (await users.findOne({ _id: 'u-red' as never }))?.emailVerified === null,
    60_000,
    'alice to be unverified',
  );
  await waitFor(
    async () => (await domains.findOne({ _id: 'google.com' as never }))?.lastState === 'registered',
    30_000,
    'google.com to be checked',
  );

  const events = (await pipeline.readAll('emailUnverified', 1)) as EmailUnverified[];
  assert.equal(events.length, 1);
  const { eventId, unverifiedAt, lapseId, ...event } = events[0] as EmailUnverified;
  assert.deepEqual(event, {
    userId: 'u-red',
    email: 'alice@redemption.lol',
    domain: 'redemption.lol',
    state: 'redemption',
  });
  assert.ok(eventId.length > 0 && lapseId.length > 0 && unverifiedAt > verifiedAt.getTime());

  const audit = await pipeline.db.collection('unverifications').find({}).toArray();
  assert.deepEqual(
    audit.map((a) => [a.userId, a.email, a.state, a.status, a.published, a.eventId]),
    [['u-red', 'alice@redemption.lol', 'redemption', 'unverified', true, eventId]],
  );
  assert.deepEqual(await users.findOne({ _id: 'u-ok' as never }), {
    _id: 'u-ok',
    email: 'bob@google.com',
    emailVerified: verifiedAt,
  });
});

test('the checker counts its verdicts on /metrics', async () => {
  const body = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const lines = body.split('\n').filter((line) => line.startsWith('dg_domain_checks_total'));
  assert.deepEqual(lines.sort(), [
    'dg_domain_checks_total{state="redemption",provider="rdap",service="checker"} 1',
    'dg_domain_checks_total{state="registered",provider="rdap",service="checker"} 1',
  ]);
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DomainCheckRequest, DomainStatus } from '../../../services/shared/records.ts';
import { createPipeline, waitFor, type Pipeline } from '../../support/pipeline.ts';
import { startRdapServer, type RdapTestServer } from '../../support/rdap-server.ts';

let rdap: RdapTestServer;
let pipeline: Pipeline;
const verifiedAt = new Date('2024-01-15T10:00:00Z');

before(async () => {
  rdap = await startRdapServer();
  pipeline = await createPipeline('sweep', {
    RDAP_BOOTSTRAP_URL: rdap.bootstrapUrl,
    RECHECK_INTERVAL_MS: '4000',
    SWEEP_INTERVAL_MS: '1000',
  });
  await pipeline.db
    .collection('users')
    .insertOne({ _id: 'u1' as never, email: 'ann@google.com', emailVerified: verifiedAt });
  for (const name of ['watcher', 'checker', 'enforcer'] as const) await pipeline.start(name);
});

after(async () => {
  await pipeline.close();
  await rdap.close();
});

test('the sweep finds a domain that lapsed after its users registered', async () => {
  await pipeline.publishChange({
    userId: 'u1',
    kind: 'registered',
    email: 'ann@google.com',
    previousEmail: null,
    verified: true,
    verifiedAt: verifiedAt.getTime(),
  });
  const domains = pipeline.db.collection('domains');
  await waitFor(
    async () => (await domains.findOne({ _id: 'google.com' as never }))?.lastState === 'registered',
    30_000,
    'the first check',
  );

  // The registry purges the name: its server now answers 404 for it.
  rdap.setFault('google.com', { kind: 'status', status: 404 });
  const users = pipeline.db.collection('users');
  await waitFor(
    async () => (await users.findOne({ _id: 'u1' as never }))?.emailVerified === null,
    60_000,
    'the sweep to catch the lapse',
  );

  const checks = (await pipeline.readAll('domainChecks', 2)) as DomainCheckRequest[];
  assert.deepEqual(
    checks.slice(0, 2).map((c) => [c.domain, c.reason]),
    [
      ['google.com', 'new_email'],
      ['google.com', 'sweep'],
    ],
  );
  const statuses = (await pipeline.readAll('domainStatus', 2)) as DomainStatus[];
  assert.deepEqual(
    statuses.slice(0, 2).map((s) => s.state),
    ['registered', 'available'],
  );
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DomainStatus } from '../../../services/shared/records.ts';
import { createPipeline, type Pipeline } from '../../support/pipeline.ts';
import { startRdapServer, type RdapTestServer } from '../../support/rdap-server.ts';

let rdap: RdapTestServer;
let pipeline: Pipeline;
const verifiedAt = new Date('2024-01-15T10:00:00Z');
const RETRY_AFTER_S = 2;

const users = [
  { _id: 'u-500', email: 'a@sumanda.com' },
  { _id: 'u-slow', email: 'b@iana.org' },
  { _id: 'u-429', email: 'c@hhgames.com' },
  { _id: 'u-nordap', email: 'd@example.de' },
];

before(async () => {
  rdap = await startRdapServer();
  rdap.setFault('sumanda.com', { kind: 'status', status: 500 });
  rdap.setFault('iana.org', { kind: 'delay', ms: 5_000 });
  rdap.setFault('hhgames.com', {
    kind: 'rate-limit',
    retryAfter: 'seconds',
    seconds: RETRY_AFTER_S,
    times: 1,
  });
  pipeline = await createPipeline('failures', {
    RDAP_BOOTSTRAP_URL: rdap.bootstrapUrl,
    PROVIDER_REQUEST_TIMEOUT_MS: '1000',
    PROVIDER_MAX_ATTEMPTS: '2',
  });
  await pipeline.db
    .collection('users')
    .insertMany(users.map((u) => ({ ...u, _id: u._id as never, emailVerified: verifiedAt })));
  for (const name of ['watcher', 'checker', 'enforcer'] as const) await pipeline.start(name);
});

after(async () => {
  await pipeline.close();
  await rdap.close();
});

test('errors, timeouts, rate limits and TLDs without RDAP never unverify anyone', async () => {
  const publishedAt = Date.now();
  for (const user of users) {
    await pipeline.publishChange({
      userId: user._id,
      kind: 'registered',
      email: user.email,
      previousEmail: null,
      verified: true,
      verifiedAt: verifiedAt.getTime(),
    });
  }

  const statuses = (await pipeline.readAll('domainStatus', 4, 90_000)) as DomainStatus[];
  const states = Object.fromEntries(statuses.map((s) => [s.domain, s.state]));
  assert.deepEqual(states, {
    'sumanda.com': 'unknown',
    'iana.org': 'unknown',
    'hhgames.com': 'registered',
    'example.de': 'unknown',
  });
  assert.equal(statuses.length, 4);

  // The rate-limited registry was asked again only after its Retry-After.
  const hhgames = statuses.find((s) => s.domain === 'hhgames.com');
  assert.ok(hhgames !== undefined && hhgames.observedAt - publishedAt >= RETRY_AFTER_S * 1000);
  assert.equal(rdap.requests.get('/registry/rdap.verisign.com/com/v1/domain/hhgames.com'), 2);

  assert.deepEqual(await pipeline.readAll('domainLapsed', 0), []);
  const stillVerified = await pipeline.db
    .collection('users')
    .countDocuments({ emailVerified: verifiedAt });
  assert.equal(stillVerified, users.length);
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { MongoClient, type Db } from 'mongodb';
import type { DomainLapsed, EmailUnverified } from '../../../services/shared/records.ts';
import { createPipeline, waitFor, type Pipeline } from '../../support/pipeline.ts';
import { mongoUriFor } from '../../support/stack.ts';

/**
 * One lapse stream, four enforcers with different settings, each over its own database: the
 * Meteor-style list layout, a protected domain, the blast-radius hold and dry-run.
 */
let pipeline: Pipeline;
let client: MongoClient;
const dbs: Record<'list' | 'guarded' | 'held' | 'dry', Db> = {} as never;
const verifiedAt = new Date('2024-01-15T10:00:00Z');

function lapse(lapseId: string, domain: string): DomainLapsed {
  return {
    lapseId,
    checkId: `c-${lapseId}`,
    domain,
    state: 'pending_delete',
    provider: 'rdap',
    observedAt: Date.now(),
    registeredAt: null,
    detail: null,
  };
}

async function idle(group: string): Promise<void> {
  const groupId = `${pipeline.env.TOPIC_PREFIX}${group}`;
  const topic = pipeline.topics.domainLapsed.name;
  await waitFor(async () => (await pipeline.bus.lag(groupId, topic)) === 0, 60_000, group);
}

before(async () => {
  pipeline = await createPipeline('rails', {});
  const uri = new URL(pipeline.env.MONGODB_URI ?? '');
  client = await MongoClient.connect(uri.toString());
  const suffix = randomUUID().slice(0, 8);
  for (const name of ['list', 'guarded', 'held', 'dry'] as const) {
    dbs[name] = client.db(`dg_rails_${name}_${suffix}`);
  }
  await dbs.list.collection('meteor_users').insertOne({
    _id: 'm1' as never,
    emails: [
      { address: 'kim@gone.example', verified: true },
      { address: 'kim@kept.example', verified: true },
    ],
  });
  await dbs.guarded
    .collection('users')
    .insertOne({ _id: 'g1' as never, email: 'lee@corp.example', emailVerified: verifiedAt });
  await dbs.held.collection('users').insertMany([
    { _id: 'h1' as never, email: 'a@gone.example', emailVerified: verifiedAt },
    { _id: 'h2' as never, email: 'b@gone.example', emailVerified: verifiedAt },
  ]);
  await dbs.dry
    .collection('users')
    .insertOne({ _id: 'd1' as never, email: 'dee@gone.example', emailVerified: verifiedAt });

  const start = (name: keyof typeof dbs, extra: Record<string, string>) =>
    pipeline.start('enforcer', {
      MONGODB_URI: mongoUriFor(dbs[name].databaseName),
      ENFORCER_GROUP_ID: `${pipeline.env.TOPIC_PREFIX}enforcer-${name}`,
      ...extra,
    });
  await start('list', { USER_LAYOUT: 'list', USERS_COLLECTION: 'meteor_users' });
  await start('guarded', { PROTECTED_DOMAINS: 'corp.example' });
  await start('held', { BLAST_MAX_EMAILS: '1' });
  await start('dry', { DRY_RUN: 'true' });

  await pipeline.publishLapse(lapse('L-gone', 'gone.example'));
  await pipeline.publishLapse(lapse('L-corp', 'corp.example'));
  for (const name of ['list', 'guarded', 'held', 'dry']) await idle(`enforcer-${name}`);
});

after(async () => {
  await pipeline.close();
  for (const db of Object.values(dbs)) await db.dropDatabase();
  await client.close();
});

test('list layout: only the address at the lapsed domain is unverified', async () => {
  assert.deepEqual(await dbs.list.collection('meteor_users').findOne({ _id: 'm1' as never }), {
    _id: 'm1',
    emails: [
      { address: 'kim@gone.example', verified: false },
      { address: 'kim@kept.example', verified: true },
    ],
  });
});

test('a protected domain is never unverified automatically', async () => {
  const user = await dbs.guarded.collection('users').findOne({ _id: 'g1' as never });
  assert.deepEqual(user?.emailVerified, verifiedAt);
  assert.equal(await dbs.guarded.collection('unverifications').countDocuments({}), 0);
});

test('dry-run records what would happen and changes nobody', async () => {
  const user = await dbs.dry.collection('users').findOne({ _id: 'd1' as never });
  assert.deepEqual(user?.emailVerified, verifiedAt);
  const records = await dbs.dry
    .collection('unverifications')
    .find({})
    .sort({ lapseId: -1 })
    .toArray();
  assert.deepEqual(
    records.map((r) => [r.dryRun, r.lapseId, r.wouldUnverify, r.samples]),
    [
      [true, 'L-gone', 1, ['d***@gone.example']],
      [true, 'L-corp', 0, []],
    ],
  );
});

test('a lapse over the blast radius is held until approved, then enforced', async () => {
  const users = dbs.held.collection('users');
  assert.equal(await users.countDocuments({ emailVerified: verifiedAt }), 2);
  const hold = await dbs.held.collection('enforcement_holds').findOne({ _id: 'L-gone' as never });
  assert.deepEqual(
    [hold?.status, hold?.reason, hold?.candidates],
    ['pending', 'too_many_emails', 2],
  );

  const { runApprove } = await import('../../../services/cli/operate.ts');
  const out: string[] = [];
  const env = {
    ...pipeline.env,
    MONGODB_URI: mongoUriFor(dbs.held.databaseName),
    LOG_LEVEL: 'silent',
    BLAST_MAX_EMAILS: '1',
  };
  const code = await runApprove(['L-gone', '--by', 'ops@example'], {
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    env,
  });
  assert.deepEqual(
    [code, out],
    [0, ['{"approved":"L-gone","domain":"gone.example","republished":true}\n']],
  );

  await waitFor(
    async () => (await users.countDocuments({ emailVerified: null })) === 2,
    60_000,
    'approved lapse',
  );
  const events = (await pipeline.readAll('emailUnverified', 3)) as EmailUnverified[];
  assert.deepEqual(events.map((e) => e.userId).sort(), ['h1', 'h2', 'm1']);
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DomainLapsed, EmailUnverified } from '../../../services/shared/records.ts';
import { createPipeline, sleep, waitFor, type Pipeline } from '../../support/pipeline.ts';
import { startTcpSwitch, type TcpSwitch } from '../../support/tcp-switch.ts';

let pipeline: Pipeline;
let db: TcpSwitch;
const groupId = (p: Pipeline): string => `${p.env.TOPIC_PREFIX}domain-guard-enforcer`;

before(async () => {
  pipeline = await createPipeline('outage', {});
  const real = new URL(pipeline.env.MONGODB_URI ?? '');
  db = await startTcpSwitch(real.hostname, Number(real.port || 27017));
  await pipeline.db
    .collection('users')
    .insertOne({ _id: 'u1' as never, email: 'one@outage.example', emailVerified: new Date(0) });
  const throughSwitch = new URL(real);
  throughSwitch.host = `127.0.0.1:${db.port}`;
  await pipeline.start('enforcer', {
    MONGODB_URI: throughSwitch.toString(),
  });
});

after(async () => {
  await pipeline.close();
  await db.close();
});

test('a lapse met by a database outage stays uncommitted until the database returns', async () => {
  db.cut();
  const lapse: DomainLapsed = {
    lapseId: 'L-outage',
    checkId: 'c-outage',
    domain: 'outage.example',
    state: 'pending_delete',
    provider: 'rdap',
    observedAt: Date.now(),
    registeredAt: null,
    detail: null,
  };
  await pipeline.publishLapse(lapse);

  // Long enough for several failed attempts; the offset must stay uncommitted throughout.
  await sleep(8_000);
  assert.equal(await pipeline.bus.lag(groupId(pipeline), pipeline.topics.domainLapsed.name), 1);
  const untouched = await pipeline.db.collection('users').findOne({ _id: 'u1' as never });
  assert.deepEqual(untouched?.emailVerified, new Date(0));

  db.restore();
  await waitFor(
    async () =>
      (await pipeline.bus.lag(groupId(pipeline), pipeline.topics.domainLapsed.name)) === 0,
    90_000,
    'the lapse to be committed after the database returned',
  );
  const user = await pipeline.db.collection('users').findOne({ _id: 'u1' as never });
  assert.equal(user?.emailVerified, null);
  const events = (await pipeline.readAll('emailUnverified', 1)) as EmailUnverified[];
  assert.deepEqual(
    events.map((e) => [e.userId, e.lapseId, e.state]),
    [['u1', 'L-outage', 'pending_delete']],
  );
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { consumeTopic } from '../../../services/shared/consume.ts';
import { DomainGuardError } from '../../../services/shared/errors.ts';
import { createKafkaBus, type KafkaBus } from '../../../services/shared/kafka.ts';
import { createLogger } from '../../../services/shared/logger.ts';
import { createMetrics } from '../../../services/shared/metrics.ts';
import { createSchemaCodec, type SchemaCodec } from '../../../services/shared/schema-codec.ts';
import { topicsFor } from '../../../services/shared/topics.ts';
import { waitFor } from '../../support/pipeline.ts';
import { stackEnv, uniquePrefix } from '../../support/stack.ts';

const topics = topicsFor(uniquePrefix('consume'));
const logger = createLogger({ service: 'test', level: 'silent' });
const fatal: Error[] = [];
let bus: KafkaBus;
let codec: SchemaCodec;

before(async () => {
  bus = createKafkaBus({
    brokers: [stackEnv.KAFKA_BROKERS],
    clientId: 'consume-test',
    logger,
    onFatal: (err) => fatal.push(err),
  });
  const { name, compacted } = topics.domainChecks;
  await bus.ensureTopics([{ name, partitions: 1, compacted }]);
  codec = await createSchemaCodec(stackEnv.SCHEMA_REGISTRY_URL, topics, ['domainChecks']);
});

after(async () => {
  await bus.deleteTopics([topics.domainChecks.name]);
  await bus.close();
});

async function publishCheck(checkId: string, domain: string): Promise<void> {
  const value = await codec.encode(topics.domainChecks, {
    checkId,
    domain,
    reason: 'manual',
    requestedAt: Date.now(),
    oldestVerifiedAt: null,
  });
  await bus.send(topics.domainChecks.name, [{ key: domain, value }]);
}

type Check = { checkId: string; domain: string };

/** Consumes the checks topic in a new group with `handle`; `extra` adds options. */
function consumeChecks(
  groupId: string,
  handle: (value: Check) => Promise<void>,
  extra: { sessionTimeoutMs?: number } = {},
) {
  return consumeTopic({
    bus,
    codec,
    topic: topics.domainChecks,
    groupId,
    logger,
    metrics: createMetrics('test'),
    parse: (value) => value as Check,
    handle,
    ...extra,
  });
}

test('a handler bug stops the consumer for good, reports it, and commits nothing', async () => {
  const groupId = `g-${randomUUID()}`;
  const attempts: string[] = [];
  const sub = await consumeChecks(groupId, async (value) => {
    attempts.push(value.domain);
    throw new DomainGuardError('DG_PROVIDER_FAILED', 'a bug, not an outage');
  });
  await publishCheck('c1', 'bug.example');

  await waitFor(() => fatal.length > 0, 60_000, 'the consumer to give up');
  await sub.stop();
  assert.equal(fatal[0]?.message, 'a bug, not an outage');
  assert.deepEqual(attempts, ['bug.example']);
  assert.equal(await bus.lag(groupId, topics.domainChecks.name), 1);
});

test('a handler slower than the session timeout keeps its partition and runs once', async () => {
  const groupId = `g-${randomUUID()}`;
  const handled: string[] = [];
  const slow = async (value: Check) => {
    handled.push(value.checkId);
    if (value.checkId === 'slow') await new Promise((resolve) => setTimeout(resolve, 12_000));
  };
  // The broker's smallest allowed session; the first record takes twice as long.
  const sub = await consumeChecks(groupId, slow, { sessionTimeoutMs: 6_000 });
  for (const checkId of ['slow', 'next']) await publishCheck(checkId, 'slow.example');
  try {
    await waitFor(
      async () => (await bus.lag(groupId, topics.domainChecks.name)) === 0 && handled.length >= 3,
      60_000,
      'the slow record and the next to be committed',
    );
  } finally {
    await sub.stop();
  }
  // The topic also holds the first test's record, handled here first.
  assert.deepEqual(handled, ['c1', 'slow', 'next']);
});

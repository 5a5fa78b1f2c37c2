import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { IncomingMessage } from '../../../services/shared/kafka.ts';
import { createPipeline, waitFor, type Pipeline } from '../../support/pipeline.ts';

let pipeline: Pipeline;

before(async () => {
  pipeline = await createPipeline('dlq', {});
  await pipeline.start('watcher');
});

after(() => pipeline.close());

async function readDeadLetters(topic: string, expected: number): Promise<IncomingMessage[]> {
  const found: IncomingMessage[] = [];
  const sub = await pipeline.bus.subscribe({
    groupId: `dlq-reader-${randomUUID()}`,
    topic,
    fromBeginning: true,
    onMessage: async (message) => {
      found.push(message);
    },
  });
  try {
    await waitFor(() => found.length >= expected, 30_000, `${expected} dead letters`);
  } finally {
    await sub.stop();
  }
  return found;
}

test('a malformed change goes to the dead-letter topic and the next one is processed', async () => {
  const { usersChanges } = pipeline.topics;
  await pipeline.bus.send(usersChanges.name, [{ key: 'u-bad', value: Buffer.from('{"json":1}') }]);
  await pipeline.publishChange({
    userId: 'u-good',
    kind: 'registered',
    email: 'good@after-poison.example',
    previousEmail: null,
    verified: true,
    verifiedAt: Date.now(),
  });

  const [letter] = await readDeadLetters(usersChanges.deadLetter, 1);
  assert.equal(letter?.key, 'u-bad');
  assert.equal(letter?.value?.toString(), '{"json":1}');
  assert.equal(letter?.headers['dg-error-code'], 'DG_MESSAGE_MALFORMED');
  assert.equal(letter?.headers['dg-original-topic'], usersChanges.name);
  assert.match(letter?.headers['dg-error-reason'] ?? '', /^cannot decode .*users\.changes record/);

  const domains = pipeline.db.collection('domains');
  await waitFor(
    async () => (await domains.findOne({ _id: 'after-poison.example' as never })) !== null,
    30_000,
    'the good change to be processed',
  );
});

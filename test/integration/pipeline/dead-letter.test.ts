import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createPipeline, waitFor, type Pipeline } from '../../support/pipeline.ts';

let pipeline: Pipeline;

before(async () => {
  pipeline = await createPipeline('dlq', {});
  await pipeline.start('watcher');
});

after(() => pipeline.close());

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

  const [letter] = await pipeline.readDeadLetters('usersChanges', 1);
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

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { IncomingMessage } from '../../../services/shared/kafka.ts';
import type { DomainStatus } from '../../../services/shared/records.ts';
import { createPipeline, sleep, waitFor, type Pipeline } from '../../support/pipeline.ts';

let pipeline: Pipeline;

before(async () => {
  pipeline = await createPipeline('statusdlq', { SWEEP_ON_START: 'false' });
  await pipeline.start('watcher');
});

after(() => pipeline.close());

function status(domain: string): DomainStatus {
  return {
    checkId: `c-${domain}`,
    domain,
    state: 'registered',
    provider: 'rdap',
    observedAt: Date.now(),
    evidence: {
      server: null,
      httpStatus: 200,
      statuses: ['active'],
      events: [],
      registeredAt: null,
      expiresAt: null,
      handle: null,
      detail: null,
    },
  };
}

async function publishStatus(value: DomainStatus): Promise<void> {
  const { domainStatus } = pipeline.topics;
  const encoded = await pipeline.codec.encode(domainStatus, value);
  await pipeline.bus.send(domainStatus.name, [{ key: value.domain, value: encoded }]);
}

async function deadLetters(topic: string, expected: number): Promise<IncomingMessage[]> {
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
    await sleep(1_500);
  } finally {
    await sub.stop();
  }
  return found;
}

test('a status for a subdomain is dead-lettered; the next status is recorded', async () => {
  const { domainStatus } = pipeline.topics;
  await publishStatus(status('Mail.Bad.Example'));
  await publishStatus(status('good.example'));

  const letters = await deadLetters(domainStatus.deadLetter, 1);
  assert.deepEqual(
    letters.map((letter) => [
      letter.key,
      letter.headers['dg-error-code'],
      letter.headers['dg-error-reason'],
      letter.headers['dg-original-topic'],
    ]),
    [
      [
        'Mail.Bad.Example',
        'DG_MESSAGE_MALFORMED',
        'status for "Mail.Bad.Example", ' +
          'not a registrable domain in canonical form ("bad.example")',
        domainStatus.name,
      ],
    ],
  );
  const domains = pipeline.db.collection('domains');
  await waitFor(
    async () => (await domains.countDocuments({ _id: 'good.example' as never })) === 1,
    30_000,
    'the good status to be recorded',
  );
  assert.deepEqual(
    (await domains.find({}, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id),
    ['good.example'],
  );
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DomainStatus } from '../../../services/shared/records.ts';
import { createPipeline, waitFor, type Pipeline } from '../../support/pipeline.ts';

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

test('a status for a subdomain is dead-lettered; the next status is recorded', async () => {
  const { domainStatus } = pipeline.topics;
  await publishStatus(status('Mail.Bad.Example'));
  await publishStatus(status('good.example'));

  const letters = await pipeline.readDeadLetters('domainStatus', 1);
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

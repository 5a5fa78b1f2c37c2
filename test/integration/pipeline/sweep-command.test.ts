import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runSweep } from '../../../services/cli/operate.ts';
import type { DomainCheckRequest } from '../../../services/shared/records.ts';
import { createPipeline, sleep, waitFor, type Pipeline } from '../../support/pipeline.ts';

let pipeline: Pipeline;
const settings = { SWEEP_ON_START: 'false', SWEEP_INTERVAL_MS: '3600000' };

before(async () => {
  pipeline = await createPipeline('sweepcmd', { ...settings, RECHECK_INTERVAL_MS: '1000' });
  await pipeline.start('watcher');
});

after(() => pipeline.close());

test('`domain-guard sweep` requests the checks that are due, once', async () => {
  await pipeline.publishChange({
    userId: 'u1',
    kind: 'registered',
    email: 'ann@due.example',
    previousEmail: null,
    verified: true,
    verifiedAt: Date.now(),
  });
  const domains = pipeline.db.collection('domains');
  await waitFor(
    async () => (await domains.findOne({ _id: 'due.example' as never }))?.lastCheckReason !== null,
    30_000,
    'the first check request',
  );
  await sleep(1_500);

  const output: string[] = [];
  const io = { stdout: (t: string) => output.push(t), stderr: (t: string) => output.push(t) };
  const env = { ...pipeline.env, LOG_LEVEL: 'silent' };
  const codes = [await runSweep({ ...io, env }), await runSweep({ ...io, env })];

  assert.deepEqual(codes, [0, 0]);
  assert.deepEqual(
    output.map((line) => JSON.parse(line) as unknown),
    [
      { due: 1, requested: 1, skipped: 0 },
      { due: 0, requested: 0, skipped: 0 },
    ],
  );
  const checks = (await pipeline.readAll('domainChecks', 2)) as DomainCheckRequest[];
  assert.deepEqual(
    checks.map((c) => [c.domain, c.reason]),
    [
      ['due.example', 'new_email'],
      ['due.example', 'sweep'],
    ],
  );
});

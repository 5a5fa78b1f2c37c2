import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createMetrics, serveMetrics } from '../../../services/shared/metrics.ts';
import { freePort } from '../../support/stack.ts';

test('/metrics serves the shared counters with the service label', async () => {
  const metrics = createMetrics('checker');
  metrics.processed.inc({ topic: 'domainChecks' }, 3);
  metrics.deadLettered.inc({ topic: 'usersChanges' });
  const server = await serveMetrics(metrics, await freePort());
  assert.ok(server !== undefined);
  try {
    const { port } = server.address() as AddressInfo;
    const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const lines = body.split('\n').filter((l) => l.startsWith('dg_messages_'));
    assert.deepEqual(lines, [
      'dg_messages_processed_total{topic="domainChecks",service="checker"} 3',
      'dg_messages_dead_lettered_total{topic="usersChanges",service="checker"} 1',
    ]);
    assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('port 0 leaves metrics unserved', async () => {
  assert.equal(await serveMetrics(createMetrics('watcher'), 0), undefined);
});

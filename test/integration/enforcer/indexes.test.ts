import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openHarness } from './harness.ts';

test('ensureIndexes creates the audit, hold and address indexes once', async (t) => {
  const h = await openHarness(t, { layout: { kind: 'list' } });
  const indexNames = async (name: string) =>
    (await h.db.collection(name).listIndexes().toArray()).map((i) => i.name).sort();

  await h.enforcer.ensureIndexes();
  await h.enforcer.ensureIndexes();

  assert.deepEqual(
    {
      users: await indexNames('users'),
      unverifications: await indexNames('unverifications'),
      holds: await indexNames('enforcement_holds'),
    },
    {
      users: ['_id_', 'emails.address_1'],
      unverifications: ['_id_', 'lapseId_1_status_1', 'status_1_unverifiedAt_1'],
      holds: ['_id_', 'status_1_createdAt_1'],
    },
  );
});

test("ensureIndexes keeps the operator's own index on the address field", async (t) => {
  const h = await openHarness(t);
  await h.db.collection('users').createIndex({ email: 1 }, { unique: true, name: 'email_unique' });

  await h.enforcer.ensureIndexes();

  const names = (await h.db.collection('users').listIndexes().toArray()).map((i) => i.name);
  assert.deepEqual(names.sort(), ['_id_', 'email_unique']);
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import {
  createSchemaCodec,
  loadSchema,
  type SchemaCodec,
} from '../../../services/shared/schema-codec.ts';
import { topicsFor } from '../../../services/shared/topics.ts';
import type { UserChange } from '../../../services/shared/records.ts';
import { stackEnv, uniquePrefix } from '../../support/stack.ts';

const topics = topicsFor(uniquePrefix('schema'));
const registry = new SchemaRegistry({ host: stackEnv.SCHEMA_REGISTRY_URL });
let codec: SchemaCodec;
let v1: Record<string, unknown>;

const change: UserChange = {
  eventId: 'e-1',
  userId: 'u-1',
  kind: 'registered',
  email: 'alice@example.com',
  previousEmail: null,
  verified: true,
  verifiedAt: 1_700_000_000_000,
  occurredAt: 1_700_000_000_500,
};

/** Version 2 as a later producer might write it: one new optional field, one new symbol. */
function version2(): Record<string, unknown> {
  const fields = [...(v1.fields as unknown[])];
  fields.push({ name: 'tenant', type: 'string', default: 'main' });
  return { ...v1, fields };
}

before(async () => {
  v1 = JSON.parse(await loadSchema(topics.usersChanges.schemaFile)) as Record<string, unknown>;
  codec = await createSchemaCodec(stackEnv.SCHEMA_REGISTRY_URL, topics, ['usersChanges']);
});

after(async () => {
  // Subjects are per-run (unique prefix); deleting them keeps the registry small.
  await fetch(`${stackEnv.SCHEMA_REGISTRY_URL}/subjects/${topics.usersChanges.subject}`, {
    method: 'DELETE',
  });
});

test('a version 1 reader decodes a record written with a later compatible version', async () => {
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(version2()) },
    { subject: topics.usersChanges.subject },
  );
  const bytes = await registry.encode(id, { ...change, tenant: 'eu' });

  assert.deepEqual(await codec.decode(topics.usersChanges, bytes), change);
});

test('two versions of one record decode side by side in one process', async () => {
  const idV1 = await registry.getRegistryId(topics.usersChanges.subject, 1);
  const idV2 = await registry.getLatestSchemaId(topics.usersChanges.subject);
  assert.notEqual(idV1, idV2);

  const fromV1 = await registry.encode(idV1, change);
  const fromV2 = await registry.encode(idV2, { ...change, userId: 'u-2', tenant: 'us' });

  assert.deepEqual(await codec.decode(topics.usersChanges, fromV1), change);
  assert.deepEqual(await codec.decode(topics.usersChanges, fromV2), { ...change, userId: 'u-2' });
});

test('the subject is BACKWARD: a field without a default is refused', async () => {
  const fields = [...(v1.fields as unknown[]), { name: 'mandatory', type: 'string' }];
  const breaking = { ...v1, fields };

  await assert.rejects(
    registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(breaking) },
      { subject: topics.usersChanges.subject },
    ),
    (err: unknown) => (err as { status?: number }).status === 409,
  );
});

test('bytes that are not a readable record are reported as malformed, not retried', async () => {
  const valid = await codec.encode(topics.usersChanges, change);
  const cases = [
    Buffer.from('not avro'),
    // The right magic byte, then too few bytes for a schema id.
    Buffer.from([0, 0, 1]),
    // A real header and the first bytes of a real record, cut short.
    valid.subarray(0, 9),
  ];
  for (const bytes of cases) {
    await assert.rejects(codec.decode(topics.usersChanges, bytes), {
      name: 'MalformedMessageError',
      code: 'DG_MESSAGE_MALFORMED',
    });
  }
});

async function compatibilityOf(subject: string): Promise<unknown> {
  const response = await fetch(`${stackEnv.SCHEMA_REGISTRY_URL}/config/${subject}`);
  return ((await response.json()) as { compatibilityLevel?: unknown }).compatibilityLevel;
}

test('services starting together on new subjects register, and leave them BACKWARD', async () => {
  const fresh = topicsFor(uniquePrefix('together'));
  const keys = ['usersChanges', 'domainChecks'] as const;
  const starts = [1, 2, 3].map(() => createSchemaCodec(stackEnv.SCHEMA_REGISTRY_URL, fresh, keys));
  const results = await Promise.allSettled(starts);

  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled', 'fulfilled'],
  );
  assert.deepEqual(
    [
      await compatibilityOf(fresh.usersChanges.subject),
      await compatibilityOf(fresh.domainChecks.subject),
    ],
    ['BACKWARD', 'BACKWARD'],
  );
});

test('a subject its creator left without a rule is made BACKWARD', async () => {
  const fresh = topicsFor(uniquePrefix('norule'));
  await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(v1) },
    { subject: fresh.usersChanges.subject, updateConfig: false },
  );
  assert.equal(await compatibilityOf(fresh.usersChanges.subject), 'NONE');

  await createSchemaCodec(stackEnv.SCHEMA_REGISTRY_URL, fresh, ['usersChanges']);
  assert.equal(await compatibilityOf(fresh.usersChanges.subject), 'BACKWARD');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSchema } from '../../../services/shared/schema-codec.ts';
import {
  CHECK_REASONS,
  LIFECYCLE_STATES,
  LAPSED_STATES,
} from '../../../services/shared/records.ts';
import { USER_CHANGE_KINDS } from '../../../services/shared/records.ts';

interface AvroField {
  name: string;
  type: unknown;
}

async function enumSymbols(file: string, field: string): Promise<unknown> {
  const schema = JSON.parse(await loadSchema(file)) as { fields: AvroField[] };
  const type = schema.fields.find((f) => f.name === field)?.type as { symbols?: unknown };
  return type.symbols;
}

test('the TypeScript unions list exactly the Avro enum symbols', async () => {
  assert.deepEqual(await enumSymbols('UserChange.avsc', 'kind'), [...USER_CHANGE_KINDS]);
  assert.deepEqual(await enumSymbols('DomainCheckRequest.avsc', 'reason'), [...CHECK_REASONS]);
  assert.deepEqual(await enumSymbols('DomainStatus.avsc', 'state'), [...LIFECYCLE_STATES]);
  assert.deepEqual(await enumSymbols('DomainLapsed.avsc', 'state'), [...LAPSED_STATES]);
});

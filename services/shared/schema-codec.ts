import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import { DomainGuardError, MalformedMessageError } from './errors.ts';
import type { Topic, Topics, TopicKey } from './topics.ts';

type RawAvroSchema = { name: string; type: 'record'; fields: unknown[] };

export const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));

/**
 * Avro in the Confluent wire format. Each topic's value schema is registered under
 * `<topic>-value` with BACKWARD compatibility, and every record is decoded into *our* schema
 * (the reader schema), so a producer on a newer compatible version never surprises us.
 */
export interface SchemaCodec {
  encode(topic: Topic, value: unknown): Promise<Buffer>;
  decode(topic: Topic, bytes: Buffer): Promise<unknown>;
}

export async function loadSchema(file: string): Promise<string> {
  return readFile(new URL(file, `file://${SCHEMAS_DIR}`), 'utf8');
}

export async function createSchemaCodec(
  registryUrl: string,
  topics: Topics,
  keys: readonly TopicKey[],
): Promise<SchemaCodec> {
  const registry = new SchemaRegistry({ host: registryUrl, clientId: 'domain-guard' });
  const ids = new Map<string, number>();
  const readers = new Map<string, RawAvroSchema>();
  for (const key of keys) {
    const topic = topics[key];
    const schema = await loadSchema(topic.schemaFile);
    ids.set(topic.name, await register(registry, topic, schema));
    readers.set(topic.name, JSON.parse(schema) as RawAvroSchema);
  }

  return {
    encode: (topic, value) => registry.encode(requireId(ids, topic), value),
    async decode(topic, bytes) {
      const readerSchema = readers.get(topic.name);
      if (readerSchema === undefined) throw new Error(`no reader schema for ${topic.name}`);
      try {
        const record: unknown = await registry.decode(bytes, {
          [SchemaType.AVRO]: { readerSchema },
        });
        // avsc returns instances of generated record classes; the services want plain data.
        return structuredClone(record);
      } catch (err) {
        throw classifyDecodeError(err, topic);
      }
    },
  };
}

async function register(registry: SchemaRegistry, topic: Topic, schema: string): Promise<number> {
  try {
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema },
      { subject: topic.subject, compatibility: COMPATIBILITY.BACKWARD },
    );
    return id;
  } catch (err) {
    throw new DomainGuardError(
      'DG_SCHEMA_REGISTRY_FAILED',
      `could not register ${topic.schemaFile} under ${topic.subject}: ${describe(err)}; ` +
        'check SCHEMA_REGISTRY_URL and that the change is BACKWARD compatible',
      { retriable: true, cause: err },
    );
  }
}

function requireId(ids: Map<string, number>, topic: Topic): number {
  const id = ids.get(topic.name);
  if (id === undefined) throw new Error(`schema for ${topic.name} was not registered`);
  return id;
}

/**
 * Bad bytes, a schema id the registry does not know and a record our schema cannot read are
 * permanent: the message goes to the dead-letter topic. A registry we cannot reach is not:
 * the message waits.
 */
function classifyDecodeError(err: unknown, topic: Topic): Error {
  const status = (err as { status?: unknown }).status;
  const permanent =
    // The library does not export its error classes; its names are stable.
    (err as { name?: unknown }).name === 'ConfluentSchemaRegistryArgumentError' ||
    status === 404 ||
    (status === undefined && !isNetworkError(err));
  if (permanent) {
    return new MalformedMessageError(`cannot decode ${topic.name} record: ${describe(err)}`, {
      cause: err,
    });
  }
  return new DomainGuardError('DG_SCHEMA_REGISTRY_FAILED', `schema lookup failed`, {
    retriable: true,
    cause: err,
  });
}

/** Errors of reaching the registry, not of the record: worth waiting for. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR_'));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

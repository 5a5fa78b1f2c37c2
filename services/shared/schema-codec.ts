import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import pRetry, { AbortError } from 'p-retry';
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
    ids.set(topic.name, await register(registry, registryUrl, topic, schema));
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

/**
 * Registers under `<topic>-value` and makes sure the subject is BACKWARD. The client's own
 * flow (read config, register, then create the rule) races when several services start on a
 * new subject together: the loser sees "rule already exists", or reads the registry's default
 * NONE in between. Both settle once the winner is done, so they are retried; a subject left at
 * NONE (its creator died mid-way) is set to BACKWARD. Any other level was chosen by someone:
 * we refuse to start rather than override it.
 */
async function register(
  registry: SchemaRegistry,
  registryUrl: string,
  topic: Topic,
  schema: string,
): Promise<number> {
  const attempt = async (): Promise<number> => {
    try {
      const options = { subject: topic.subject, compatibility: COMPATIBILITY.BACKWARD };
      return (await registry.register({ type: SchemaType.AVRO, schema }, options)).id;
    } catch (err) {
      if (describe(err).includes('already exists')) throw err;
      if (/!= NONE\)/.test(describe(err))) {
        await setBackward(registryUrl, topic.subject);
        throw err;
      }
      throw new AbortError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  try {
    return await pRetry(attempt, { retries: 6, minTimeout: 100, maxTimeout: 2000 });
  } catch (err) {
    throw new DomainGuardError(
      'DG_SCHEMA_REGISTRY_FAILED',
      `could not register ${topic.schemaFile} under ${topic.subject}: ${describe(err)}; ` +
        'check SCHEMA_REGISTRY_URL (the Confluent-compatible API, e.g. ' +
        'http://host:8081/apis/ccompat/v7) and that the schema change is BACKWARD compatible',
      { retriable: true, cause: err },
    );
  }
}

async function setBackward(registryUrl: string, subject: string): Promise<void> {
  const response = await fetch(`${registryUrl}/config/${encodeURIComponent(subject)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: 'BACKWARD' }),
  });
  if (!response.ok) throw new Error(`setting BACKWARD on ${subject}: HTTP ${response.status}`);
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
  if (!(err instanceof Error)) return String(err);
  const status = (err as { status?: unknown }).status;
  // The registry client renders a JSON error body as "[object Object]"; the status says more.
  const message = err.message.replace(/: \[object Object\]$/, '');
  return typeof status === 'number' && !message.includes(`status ${status}`)
    ? `${message} (HTTP ${status})`
    : message;
}

import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';

/**
 * Where the integration tests find the stack. scripts/test.sh starts the native stack and
 * exports these unless the caller already pointed them at a running one.
 */
export const stackEnv = {
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  MONGODB_URI: process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/domain-guard',
} as const;

/** A prefix that keeps one test's topics, subjects and groups apart from every other run. */
export function uniquePrefix(label: string): string {
  return `t-${label}-${randomUUID().slice(0, 8)}.`;
}

/** The stack's MongoDB URI with its database replaced by a fresh one. */
export function mongoUriFor(database: string): string {
  const url = new URL(stackEnv.MONGODB_URI);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A loopback port nothing listens on right now, for a server that cannot take port 0. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

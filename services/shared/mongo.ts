import { MongoClient, MongoError, type Db } from 'mongodb';
import { DomainGuardError } from './errors.ts';

export interface MongoConnection {
  client: MongoClient;
  db: Db;
}

/** Connects and proves the server answers, so a wrong URI fails at start-up, not later. */
export async function connectMongo(uri: string): Promise<MongoConnection> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    await client.connect();
    const db = client.db();
    await db.command({ ping: 1 });
    return { client, db };
  } catch (err) {
    await client.close().catch(() => undefined);
    throw new DomainGuardError(
      'DG_DATABASE_FAILED',
      `cannot reach MongoDB at ${redactUri(uri)}; check MONGODB_URI and that the server runs`,
      { retriable: true, cause: err },
    );
  }
}

/**
 * Runs database work and turns a driver error into a retriable `DG_DATABASE_FAILED`, so the
 * consumer leaves the offset uncommitted and the message is delivered again. Every handler is
 * idempotent, which is what makes retrying from the top safe. Errors that are not the driver's
 * (a failed publish, a malformed record) pass through unchanged.
 */
export async function guardDatabase<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof MongoError)) throw err;
    throw new DomainGuardError('DG_DATABASE_FAILED', `database failed during ${operation}`, {
      retriable: true,
      cause: err,
    });
  }
}

/** True for a duplicate-key error (E11000): an insert that found its _id already there. */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 11000;
}

/** Credentials in a URI must not reach the logs. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

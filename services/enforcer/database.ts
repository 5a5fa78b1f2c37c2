export { isDuplicateKey } from '../shared/mongo.ts';
import { MongoError } from 'mongodb';
import { DomainGuardError } from '../shared/errors.ts';

/**
 * Runs database work and turns any driver error into a retriable `DG_DATABASE_FAILED`, so the
 * consumer leaves the offset uncommitted and the lapse is delivered again. Every step of the
 * enforcer is idempotent, which is what makes retrying the whole lapse safe. Errors that are
 * not the driver's (a failed publish, a malformed lapse) pass through unchanged.
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

/** Reads a value at a dotted path such as `profile.email`; arrays are not traversed. */
export function valueAt(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Epoch ms of a stored verification time; null when it is missing or not a time at all. */
export function epochMs(value: unknown): number | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return null;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : parsed;
}

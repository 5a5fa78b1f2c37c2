export { isDuplicateKey } from '../shared/mongo.ts';
import { DomainGuardError } from '../shared/errors.ts';

/**
 * Runs one database operation and turns any failure into a retriable DG_DATABASE_FAILED, so
 * the consumer retries the whole change instead of committing it. Every handler step is
 * replay-safe, which is what makes retrying from the top correct.
 */
export async function dbCall<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new DomainGuardError('DG_DATABASE_FAILED', `database operation failed: ${operation}`, {
      retriable: true,
      cause: err,
    });
  }
}

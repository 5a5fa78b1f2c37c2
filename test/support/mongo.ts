import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { stackEnv } from './stack.ts';

export interface TestDatabase {
  client: MongoClient;
  db: Db;
  /** Drops the database and closes the client; safe to call twice. */
  drop(): Promise<void>;
}

/**
 * A database of its own on the stack's MongoDB (MONGODB_URI), so tests running in parallel
 * never see each other's documents. Names stay short and plain: FerretDB accepts fewer
 * characters and a shorter length than MongoDB.
 */
export async function openTestDatabase(label: string): Promise<TestDatabase> {
  const client = await MongoClient.connect(stackEnv.MONGODB_URI, {
    serverSelectionTimeoutMS: 5000,
  });
  const safeLabel = label.replace(/[^A-Za-z0-9]/g, '_').slice(0, 24);
  const db = client.db(`t_${safeLabel}_${randomUUID().slice(0, 8)}`);
  let dropped = false;
  return {
    client,
    db,
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        await db.dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}

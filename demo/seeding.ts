import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import type { KafkaBus } from '../services/shared/kafka.ts';
import type { UserChange } from '../services/shared/records.ts';
import type { SchemaCodec } from '../services/shared/schema-codec.ts';
import type { Topics } from '../services/shared/topics.ts';
import { LIST_LAYOUT_USERS, SINGLE_LAYOUT_USERS } from './seed.ts';

/** Writes the users as an account service would have stored them. */
export async function seedUsers(db: Db): Promise<void> {
  await db.collection('users').insertMany(
    SINGLE_LAYOUT_USERS.map((user) => {
      const [first] = user.addresses;
      return {
        _id: user.id as never,
        email: first?.address,
        emailVerified: first ? new Date(first.verifiedAt) : null,
      };
    }),
  );
  await db.collection('meteor_users').insertMany(
    LIST_LAYOUT_USERS.map((user) => ({
      _id: user.id as never,
      emails: user.addresses.map((a) => ({ address: a.address, verified: true })),
    })),
  );
}

/** The changes the account service would have published when those users signed up. */
export async function publishRegistrations(
  bus: KafkaBus,
  codec: SchemaCodec,
  topics: Topics,
): Promise<number> {
  const changes: UserChange[] = [...SINGLE_LAYOUT_USERS, ...LIST_LAYOUT_USERS].flatMap((user) =>
    user.addresses.map((a, index) => ({
      eventId: randomUUID(),
      userId: user.id,
      kind: index === 0 ? 'registered' : 'email_added',
      email: a.address,
      previousEmail: null,
      verified: true,
      verifiedAt: Date.parse(a.verifiedAt),
      occurredAt: Date.parse(a.verifiedAt),
    })),
  );
  const messages = await Promise.all(
    changes.map(async (c) => ({
      key: c.userId,
      value: await codec.encode(topics.usersChanges, c),
    })),
  );
  await bus.send(topics.usersChanges.name, messages);
  return changes.length;
}

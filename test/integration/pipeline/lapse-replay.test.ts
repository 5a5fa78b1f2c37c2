import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DomainLapsed, EmailUnverified } from '../../../services/shared/records.ts';
import { createPipeline, waitFor, type Pipeline } from '../../support/pipeline.ts';

let pipeline: Pipeline;
const verifiedAt = new Date('2024-01-15T10:00:00Z');
const observedAt = Date.parse('2026-11-30T08:00:00Z');

function lapse(lapseId: string, domain: string): DomainLapsed {
  return {
    lapseId,
    checkId: `check-${lapseId}`,
    domain,
    state: 'redemption',
    provider: 'rdap',
    observedAt,
    registeredAt: null,
    detail: 'redemption period',
  };
}

before(async () => {
  pipeline = await createPipeline('replay', {});
  await pipeline.db.collection('users').insertMany([
    { _id: 'u1' as never, email: 'one@lapsed.example', emailVerified: verifiedAt },
    { _id: 'u2' as never, email: 'two@mail.lapsed.example', emailVerified: verifiedAt },
    // Re-verified after the lapse was observed: the owner proved control again since.
    { _id: 'u3' as never, email: 'three@lapsed.example', emailVerified: new Date(observedAt + 1) },
  ]);
  await pipeline.start('enforcer');
});

after(() => pipeline.close());

test('a lapse delivered twice, then a second lapse, unverify each email once', async () => {
  await pipeline.publishLapse(lapse('L1', 'lapsed.example'));
  await pipeline.publishLapse(lapse('L1', 'lapsed.example'));
  await pipeline.publishLapse(lapse('L2', 'lapsed.example'));
  await waitFor(
    async () =>
      (await pipeline.bus.lag(
        `${pipeline.env.TOPIC_PREFIX}domain-guard-enforcer`,
        pipeline.topics.domainLapsed.name,
      )) === 0,
    60_000,
    'the enforcer to commit all three lapses',
  );

  const events = (await pipeline.readAll('emailUnverified', 2)) as EmailUnverified[];
  assert.deepEqual(events.map((e) => [e.userId, e.email, e.lapseId]).sort(), [
    ['u1', 'one@lapsed.example', 'L1'],
    ['u2', 'two@mail.lapsed.example', 'L1'],
  ]);
  assert.equal(new Set(events.map((e) => e.eventId)).size, 2);
  assert.equal(await pipeline.db.collection('unverifications').countDocuments({}), 2);
});

test('a stale lapse recorded before a user re-verified leaves that user verified', async () => {
  const u3 = await pipeline.db.collection('users').findOne({ _id: 'u3' as never });
  assert.deepEqual(u3?.emailVerified, new Date(observedAt + 1));
});

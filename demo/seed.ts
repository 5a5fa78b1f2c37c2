import type { LifecycleState } from '../services/shared/records.ts';

/**
 * The demo's users. Each address uses a domain from the recorded RDAP answers, and `expect`
 * is the state the fixtures' notes (shared/fixtures/rdap/NOTES.md) give for it, so the demo
 * can say whether the pipeline agreed.
 */
export interface SeedAddress {
  address: string;
  verifiedAt: string;
  expect: LifecycleState;
}

export interface SeedUser {
  id: string;
  addresses: SeedAddress[];
}

const LONG_AGO = '2019-05-01T09:00:00Z';
const RECENT = '2026-11-20T09:00:00Z';

function one(id: string, address: string, expect: LifecycleState, verifiedAt = RECENT): SeedUser {
  return { id, addresses: [{ address, verifiedAt, expect }] };
}

/** Auth.js layout: one address per user, `emailVerified` holding the verification date. */
export const SINGLE_LAYOUT_USERS: readonly SeedUser[] = [
  one('u-alice', 'alice@hhgames.com', 'registered'),
  one('u-bob', 'bob@mail.google.com', 'registered'),
  one('u-carol', 'carol@pharmaindustrie.com', 'pending_delete'),
  // Verified before the name was registered again in 2021: whoever holds it now is new.
  one('u-dave', 'dave@themarquetry.com', 'reregistered', LONG_AGO),
  one('u-erin', 'erin@sumanda.com', 'registered'),
  one('u-frank', 'frank@iana.org', 'registered'),
  one('u-gina', 'gina@airport.fr', 'registered'),
  one('u-hugo', 'hugo@lemonde.fr', 'registered'),
  one('u-ivan', 'ivan@example.cz', 'registered'),
  one('u-jana', 'jana@norway.no', 'registered'),
  one('u-kai', 'kai@google.com.ar', 'registered'),
  one('u-lena', 'lena@google.io', 'registered'),
  one('u-mia', 'mia@example.io', 'redemption'),
  one('u-noah', 'noah@google.to', 'registered'),
  one('u-olga', 'olga@bitcoin.top', 'registered'),
  one('u-pia', 'pia@microsoft.click', 'registered'),
  one('u-quinn', 'quinn@home.moscow', 'registered'),
  one('u-ray', 'ray@abc.xyz', 'registered'),
  one('u-sam', 'sam@redemption.lol', 'redemption'),
  one('u-tara', 'tara@autorenew.lol', 'expiring'),
  one('u-uma', 'uma@addgraceperiod.lol', 'registered'),
  one('u-vic', 'vic@not-registered.design', 'available'),
  one('u-walt', 'walt@not-registered-example.com', 'available'),
  one('u-xena', 'xena@example.de', 'unknown'),
  // Verisign answers 404 for this name here (the fixture server knows no gmail.com), so it
  // looks available: the protected list is what keeps a large mailbox provider safe.
  one('u-yuri', 'yuri@gmail.com', 'available'),
];

/** Meteor layout: a list of addresses per user, each with a `verified` flag and no date. */
export const LIST_LAYOUT_USERS: readonly SeedUser[] = [
  {
    id: 'm-zoe',
    addresses: [
      { address: 'zoe@redemption.lol', verifiedAt: RECENT, expect: 'redemption' },
      { address: 'zoe@hhgames.com', verifiedAt: RECENT, expect: 'registered' },
    ],
  },
  {
    id: 'm-max',
    addresses: [
      { address: 'max@pharmaindustrie.com', verifiedAt: RECENT, expect: 'pending_delete' },
      { address: 'max@lemonde.fr', verifiedAt: RECENT, expect: 'registered' },
    ],
  },
];

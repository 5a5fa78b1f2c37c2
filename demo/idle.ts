import type { Db } from 'mongodb';
import type { KafkaBus } from '../services/shared/kafka.ts';
import type { Topics } from '../services/shared/topics.ts';
import { LIST_LAYOUT_USERS, SINGLE_LAYOUT_USERS } from './seed.ts';
import { registrableDomain } from '../services/shared/email-domain.ts';

interface IdleOptions {
  bus: KafkaBus;
  db: Db;
  topics: Topics;
  prefix: string;
  progress(text: string): void;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The pipeline is idle when every seeded domain has a state and no consumer group has
 * anything left to read, twice in a row (a check in flight shows up as lag downstream).
 */
export async function waitUntilIdle(options: IdleOptions): Promise<void> {
  const expected = new Set(
    [...SINGLE_LAYOUT_USERS, ...LIST_LAYOUT_USERS]
      .flatMap((u) => u.addresses.map((a) => registrableDomain(a.address)))
      .flatMap((m) => (m.ok ? [m.domain] : [])),
  );
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  let quietRounds = 0;
  while (quietRounds < 2) {
    if (Date.now() > deadline) throw new Error('the pipeline did not become idle in time');
    options.signal?.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const checked = await options.db
      .collection('domains')
      .countDocuments({ lastState: { $ne: null } });
    const lag = await totalLag(options);
    quietRounds = checked >= expected.size && lag === 0 ? quietRounds + 1 : 0;
    options.progress(`${checked}/${expected.size} domains checked, ${lag} records in flight`);
  }
}

async function totalLag({ bus, topics, prefix }: IdleOptions): Promise<number> {
  const groups: [string, string][] = [
    [`${prefix}domain-guard-watcher-changes`, topics.usersChanges.name],
    [`${prefix}domain-guard-checker`, topics.domainChecks.name],
    [`${prefix}domain-guard-watcher-status`, topics.domainStatus.name],
    [`${prefix}domain-guard-enforcer`, topics.domainLapsed.name],
    [`${prefix}domain-guard-enforcer-list`, topics.domainLapsed.name],
  ];
  const lags = await Promise.all(groups.map(([group, topic]) => bus.lag(group, topic)));
  return lags.reduce((a, b) => a + b, 0);
}

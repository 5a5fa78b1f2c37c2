import type { Db } from 'mongodb';
import { registrableDomain } from '../services/shared/email-domain.ts';
import type { KafkaBus } from '../services/shared/kafka.ts';
import { maskEmail } from '../services/shared/logger.ts';
import { TOPIC_KEYS, type Topics } from '../services/shared/topics.ts';
import { LIST_LAYOUT_USERS, SINGLE_LAYOUT_USERS } from './seed.ts';

export interface DomainLine {
  domain: string;
  state: string | null;
  expected: string;
  asExpected: boolean;
  statuses: string[];
  detail: string | null;
}

export interface UnverifiedLine {
  collection: string;
  userId: string;
  email: string;
  domain: string;
  state: string;
}

export interface Report {
  database: string;
  databaseKept: boolean;
  live: boolean;
  domains: DomainLine[];
  unverified: UnverifiedLine[];
  /** Addresses still verified, per collection, after the run. */
  stillVerified: Record<string, number>;
  events: Record<string, number>;
  summary: { domains: number; asExpected: number; allAsExpected: boolean; unverified: number };
}

interface ReportInput {
  keep: boolean;
  db: Db;
  bus: KafkaBus;
  topics: Topics;
  database: string;
  live: boolean;
}

export async function buildReport(input: ReportInput): Promise<Report> {
  const domains = await domainLines(input.db);
  const unverified = [
    ...(await unverifiedLines(input.db, 'users', 'unverifications')),
    ...(await unverifiedLines(input.db, 'meteor_users', 'meteor_unverifications')),
  ];
  const events: Record<string, number> = {};
  for (const key of TOPIC_KEYS) {
    events[input.topics[key].name] = await input.bus.size(input.topics[key].name);
  }
  const asExpected = domains.filter((d) => d.asExpected).length;
  return {
    database: input.database,
    databaseKept: input.keep,
    live: input.live,
    domains,
    unverified,
    stillVerified: {
      users: await input.db.collection('users').countDocuments({ emailVerified: { $ne: null } }),
      meteor_users: await countVerifiedInLists(input.db),
    },
    events,
    summary: {
      domains: domains.length,
      asExpected,
      allAsExpected: asExpected === domains.length,
      unverified: unverified.length,
    },
  };
}

function expectedStates(): Map<string, string> {
  const expected = new Map<string, string>();
  for (const user of [...SINGLE_LAYOUT_USERS, ...LIST_LAYOUT_USERS]) {
    for (const a of user.addresses) {
      const mapped = registrableDomain(a.address);
      if (mapped.ok) expected.set(mapped.domain, a.expect);
    }
  }
  return expected;
}

async function domainLines(db: Db): Promise<DomainLine[]> {
  const docs = await db.collection('domains').find({}).sort({ _id: 1 }).toArray();
  const expected = expectedStates();
  return docs.map((doc) => {
    const state = (doc.lastState as string | null) ?? null;
    const evidence = (doc.lastEvidence ?? {}) as { statuses?: string[]; detail?: string | null };
    const want = expected.get(String(doc._id)) ?? 'not seeded';
    return {
      domain: String(doc._id),
      state,
      expected: want,
      asExpected: state === want,
      statuses: evidence.statuses ?? [],
      detail: evidence.detail ?? null,
    };
  });
}

async function unverifiedLines(
  db: Db,
  collection: string,
  auditCollection: string,
): Promise<UnverifiedLine[]> {
  const audit = await db
    .collection(auditCollection)
    .find({ status: 'unverified', dryRun: false })
    .sort({ domain: 1, userId: 1 })
    .toArray();
  return audit.map((a) => ({
    collection,
    userId: String(a.userId),
    email: maskEmail(String(a.email)),
    domain: String(a.domain),
    state: String(a.state),
  }));
}

async function countVerifiedInLists(db: Db): Promise<number> {
  const users = await db.collection('meteor_users').find({}).toArray();
  return users.reduce(
    (n, u) => n + ((u.emails ?? []) as { verified: boolean }[]).filter((e) => e.verified).length,
    0,
  );
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

const DROPPED = ' (dropped at exit; --keep keeps it)';

export function printReport(report: Report, json: boolean): string {
  if (json) return `${JSON.stringify(report, null, 2)}\n`;
  const lines = [
    `domain-guard demo (${report.live ? 'live RDAP' : 'recorded RDAP answers'}), ` +
      `database ${report.database}${report.databaseKept ? '' : DROPPED}`,
    '',
    'domains',
    ...report.domains.map(
      (d) =>
        `  ${d.asExpected ? 'ok ' : 'BAD'} ${d.domain.padEnd(28)} ${String(d.state).padEnd(15)}` +
        `${d.asExpected ? '' : ` expected ${d.expected}`}  ${clip(d.statuses.join(', '), 44)}`,
    ),
    '',
    'emails unverified',
    ...report.unverified.map(
      (u) => `  ${u.collection.padEnd(13)} ${u.userId.padEnd(8)} ${u.email.padEnd(30)} ${u.state}`,
    ),
    '',
    'still verified',
    ...Object.entries(report.stillVerified).map(([c, n]) => `  ${c.padEnd(13)} ${n}`),
    '',
    'events published',
    ...Object.entries(report.events).map(([topic, n]) => `  ${topic.padEnd(44)} ${n}`),
    '',
    `${report.summary.asExpected}/${report.summary.domains} domains in the state the fixtures' ` +
      `notes give; ${report.summary.unverified} emails unverified`,
    '',
  ];
  return lines.join('\n');
}

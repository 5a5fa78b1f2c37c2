/**
 * `npm run demo`: the whole pipeline on the real stack, fed with recorded real RDAP answers.
 * Seeds users in both supported layouts, publishes their registrations on `users.changes`,
 * waits until every service is idle, then reports what happened. With `--live` the checker
 * asks the real RDAP servers found through IANA's bootstrap instead of the local stand-in.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MongoClient, type Db } from 'mongodb';
import { pino } from 'pino';
import { checkerService } from '../services/checker/service.ts';
import { enforcerService } from '../services/enforcer/service.ts';
import { createKafkaBus, silenceKafkaTimerWarning } from '../services/shared/kafka.ts';
import { createLogger } from '../services/shared/logger.ts';
import { createSchemaCodec } from '../services/shared/schema-codec.ts';
import { startService, type StartedService } from '../services/shared/service.ts';
import { TOPIC_KEYS, topicsFor } from '../services/shared/topics.ts';
import { watcherService } from '../services/watcher/service.ts';
import { startRdapServer, type RdapTestServer } from '../test/support/rdap-server.ts';
import { publishRegistrations, seedUsers } from './seeding.ts';
import { buildReport, printReport } from './report.ts';
import { waitUntilIdle } from './idle.ts';

const USAGE = `usage: npm run demo -- [--json] [--live] [--keep]

  --json   print the report as one JSON document
  --live   ask the real RDAP servers (needs internet) instead of the recorded answers
  --keep   keep the run's database for inspection (it is dropped by default)
`;

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    live: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const logDir = join(repoRoot, '.stack', 'logs');
mkdirSync(logDir, { recursive: true });
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const runId = `${stamp}-${randomUUID().slice(0, 4)}`;
const database = `domain_guard_demo_${runId.replace(/-/g, '_')}`;
const stack = {
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  MONGODB_URI: process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/domain-guard',
};
const mongoUri = new URL(stack.MONGODB_URI);
mongoUri.pathname = `/${database}`;

const progress = (text: string): void => void process.stderr.write(`demo: ${text}\n`);
silenceKafkaTimerWarning();
// Ctrl-C stops the wait and runs the clean-up below instead of leaving topics behind.
const interrupted = new AbortController();
process.once('SIGINT', () => {
  progress('interrupted, cleaning up');
  interrupted.abort();
});
let rdap: RdapTestServer | undefined;
const services: StartedService[] = [];
const client = await MongoClient.connect(mongoUri.toString());

try {
  rdap = values.live ? undefined : await startRdapServer();
  const env: Record<string, string> = {
    ...stack,
    MONGODB_URI: mongoUri.toString(),
    TOPIC_PREFIX: `demo-${runId}.`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    ...(rdap
      ? {
          RDAP_BOOTSTRAP_URL: rdap.bootstrapUrl,
          RDAP_SERVER_OVERRIDES: Object.entries(rdap.overrides)
            .map(([suffix, url]) => `${suffix}=${url}`)
            .join(','),
        }
      : {}),
  };
  const db: Db = client.db();
  await seedUsers(db);
  progress(`seeded users in database ${database}; services log to ${logDir}/demo-*.log`);

  const log = (name: string) => ({ LOG_FILE: join(logDir, `demo-${name}.log`) });
  services.push(await startService(watcherService, { ...env, ...log('watcher') }));
  services.push(await startService(checkerService, { ...env, ...log('checker') }));
  services.push(await startService(enforcerService, { ...env, ...log('enforcer-single') }));
  services.push(
    await startService(enforcerService, {
      ...env,
      ...log('enforcer-list'),
      USER_LAYOUT: 'list',
      USERS_COLLECTION: 'meteor_users',
      AUDIT_COLLECTION: 'meteor_unverifications',
      HOLDS_COLLECTION: 'meteor_enforcement_holds',
      ENFORCER_GROUP_ID: `${env.TOPIC_PREFIX}domain-guard-enforcer-list`,
    }),
  );

  const topics = topicsFor(env.TOPIC_PREFIX ?? '');
  // Standard output carries only the report, so `--json` output can be piped.
  const logger = createLogger({ service: 'demo', level: 'warn' }, pino.destination(2));
  const bus = createKafkaBus({ brokers: stack.KAFKA_BROKERS.split(','), clientId: 'demo', logger });
  try {
    const codec = await createSchemaCodec(stack.SCHEMA_REGISTRY_URL, topics, TOPIC_KEYS);
    const published = await publishRegistrations(bus, codec, topics);
    progress(`published ${published} registrations on ${topics.usersChanges.name}`);
    const prefix = env.TOPIC_PREFIX ?? '';
    await waitUntilIdle({ bus, db, topics, prefix, progress, signal: interrupted.signal });
    const report = await buildReport({
      db,
      bus,
      topics,
      database,
      live: values.live,
      keep: values.keep,
    });
    process.stdout.write(printReport(report, values.json));
    process.exitCode = report.summary.allAsExpected || values.live ? 0 : 1;
  } finally {
    // The report is printed; the run's topics would only slow later Kafka starts. The
    // database goes too, unless --keep asks to look at the documents.
    for (const service of services.splice(0).reverse()) await service.close();
    await bus.deleteTopics(TOPIC_KEYS.flatMap((k) => [topics[k].name, topics[k].deadLetter]));
    await bus.close();
  }
} catch (err) {
  if (!interrupted.signal.aborted) throw err;
  process.exitCode = 130;
} finally {
  for (const service of services.reverse()) await service.close();
  await rdap?.close();
  if (!values.keep) await client.db().dropDatabase();
  await client.close();
}

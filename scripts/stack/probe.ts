// One readiness check of one stack server, used by up.sh and status.sh in a retry loop.
// An open port is not enough: Kafka accepts connections before its broker is registered with
// the controller, and Quarkus opens its HTTP port before the storage layer is ready. So each check
// talks the server's own protocol with the client library the services use.
// Usage: node scripts/stack/probe.ts kafka|registry|mongo <address>
// Exits 0 when the server answered, 1 otherwise (the reason on stderr).
// The client libraries are imported only by the check that needs them: this runs once a second
// while servers start, on a machine busy starting JVMs, so its own startup should stay small.

async function probeKafka(broker: string): Promise<void> {
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  const kafka = new Kafka({
    clientId: 'domain-guard-stack-probe',
    brokers: [broker],
    connectionTimeout: 2000,
    requestTimeout: 3000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    // A Metadata request that lists this broker means the broker finished registering.
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('no broker in metadata yet');
    await admin.listTopics();
    // Finding a group coordinator makes the broker create __consumer_offsets on a first start;
    // waiting for it here spares the first test a burst of "coordinator not available" retries.
    await admin.describeGroups(['domain-guard-stack-probe']);
  } finally {
    await admin.disconnect();
  }
}

async function probeRegistry(baseUrl: string): Promise<void> {
  const res = await fetch(`${baseUrl}/subjects`, { signal: AbortSignal.timeout(3000) });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${baseUrl}/subjects answered ${res.status}`);
}

async function probeMongo(uri: string): Promise<void> {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 2000,
    connectTimeoutMS: 2000,
    directConnection: true,
  });
  try {
    await client.connect();
    const reply = await client.db('admin').command({ ping: 1 });
    if (reply['ok'] !== 1) throw new Error(`ping answered ${JSON.stringify(reply)}`);
  } finally {
    await client.close();
  }
}

const probes: Record<string, (address: string) => Promise<void>> = {
  kafka: probeKafka,
  registry: probeRegistry,
  mongo: probeMongo,
};

const [kind, address] = process.argv.slice(2);
const probe = kind === undefined ? undefined : probes[kind];
if (probe === undefined || address === undefined) {
  console.error('usage: node scripts/stack/probe.ts kafka|registry|mongo <address>');
  process.exit(2);
}
try {
  await probe(address);
} catch (err) {
  console.error(`${kind} at ${address}: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}

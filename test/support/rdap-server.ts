/**
 * A local server that speaks RDAP with the recorded answers in the shared fixtures folder, so
 * the real client code runs in tests and in the offline demo. It serves:
 *
 * - `/bootstrap/dns.json`: the recorded IANA bootstrap with every base URL rewritten to
 *   `<url>/registry/<original host and path>`;
 * - `/registry/<host>/<path>/domain/<name>`: the fixture whose `ldhName` is `<name>`, at the
 *   registry its TLD belongs to; an unknown name gets 404 with an empty body (Verisign);
 * - `/redirector/domain/<name>`: rdap.org's behaviour, a 302 to the registry, or a 404 with
 *   rdap.org's error body when the TLD is not in the bootstrap.
 *
 * Run standalone: `node test/support/rdap-server.ts --port 0` prints one JSON line with
 * `url`, `bootstrapUrl` and `redirectorUrl`, and serves until SIGINT or SIGTERM.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** A programmable misbehaviour for one domain (or, with a key starting with `/`, one path). */
export type Fault =
  | { kind: 'status'; status: number; times?: number }
  | { kind: 'delay'; ms: number; times?: number }
  | {
      kind: 'rate-limit';
      retryAfter: 'seconds' | 'http-date' | 'none';
      seconds?: number;
      times?: number;
    };

export interface RdapServerOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default env DG_RDAP_FIXTURES, else ../shared/fixtures/rdap from the repository root */
  fixturesDir?: string;
  /**
   * Registries served although the bootstrap lacks them, as suffix -> original base URL.
   * @default { io: 'https://rdap.identitydigital.services/rdap/' }
   */
  extraServers?: Readonly<Record<string, string>>;
}

export interface RdapTestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  bootstrapUrl: string;
  /** Base URL of the rdap.org-style redirector. */
  redirectorUrl: string;
  /** The extra servers, rewritten: pass as the RDAP provider's `serverOverrides`. */
  overrides: Readonly<Record<string, string>>;
  /** Fixture domain name -> fixture file name. */
  domains: ReadonlyMap<string, string>;
  /** Requests received per path. */
  requests: Map<string, number>;
  /** Sets (or with null clears) the fault for a domain name or a path. */
  setFault(target: string, fault: Fault | null): void;
  /** The rewritten form of an original base URL. */
  registryUrl(originalBaseUrl: string): string;
  close(): Promise<void>;
}

const RDAP_JSON = 'application/rdap+json';
const IO_REGISTRY = 'https://rdap.identitydigital.services/rdap/';

interface Fixtures {
  bootstrap: { services: [string[], string[]][] } & Record<string, unknown>;
  domains: Map<string, { file: string; body: string; recordedAt: string }>;
  redirectorNotFound: Record<string, unknown>;
  notFoundBodies: Map<string, string>;
}

interface ArmedFault {
  fault: Fault;
  remaining: number;
}

interface State {
  base: string;
  fixtures: Fixtures;
  /** TLD or suffix -> rewritten base URL path, e.g. `/registry/rdap.verisign.com/com/v1/`. */
  registries: Map<string, string>;
  bootstrapSuffixes: Set<string>;
  faults: Map<string, ArmedFault>;
  requests: Map<string, number>;
  /** Aborted on close, so injected delays do not keep the process alive. */
  closing: AbortController;
}

export async function startRdapServer(options: RdapServerOptions = {}): Promise<RdapTestServer> {
  const fixtures = loadFixtures(options.fixturesDir ?? fixturesDir());
  const state: State = {
    base: '',
    fixtures,
    registries: new Map(),
    bootstrapSuffixes: new Set(),
    faults: new Map(),
    requests: new Map(),
    closing: new AbortController(),
  };
  const server = createServer((req, res) => {
    handle(state, req, res).catch((err: unknown) => {
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  });
  await new Promise<void>((done) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', done),
  );
  const { address, port } = server.address() as AddressInfo;
  state.base = `http://${address}:${port}`;
  indexRegistries(state, options.extraServers ?? { io: IO_REGISTRY });

  return {
    url: state.base,
    bootstrapUrl: `${state.base}/bootstrap/dns.json`,
    redirectorUrl: `${state.base}/redirector/`,
    overrides: rewrittenExtras(state, options.extraServers ?? { io: IO_REGISTRY }),
    domains: new Map([...fixtures.domains].map(([name, entry]) => [name, entry.file])),
    requests: state.requests,
    setFault(target, fault) {
      if (fault === null) state.faults.delete(target.toLowerCase());
      else state.faults.set(target.toLowerCase(), { fault, remaining: fault.times ?? Infinity });
    },
    registryUrl: (original) => state.base + registryPath(original),
    close() {
      state.closing.abort();
      return closeServer(server);
    },
  };
}

/** The recorded RDAP answers: env DG_RDAP_FIXTURES, else ../shared/fixtures/rdap from the repo. */
export function fixturesDir(): string {
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  return process.env.DG_RDAP_FIXTURES ?? resolve(repoRoot, '../shared/fixtures/rdap');
}

/**
 * When each answer was recorded, from SOURCES.md, for the answers that carry no `last update
 * of RDAP database` event. The server replays an answer with the HTTP Date it had then, so an
 * expiry that was still ahead at recording time is judged as it was, not against today.
 */
const CAPTURE_DATES: Readonly<Record<string, string>> = {
  'afnic-fr-inactive-no-nameservers-airport.fr-2022.json': '2022-12-29T00:00:00Z',
  'afnic-fr-server-prohibited-lemonde.fr-2024.json': '2024-06-17T00:00:00Z',
  // SOURCES.md says "≤2017"; the start of that year is the latest date it vouches for.
  'cznic-cz-active-example.cz-2017.json': '2017-01-01T00:00:00Z',
  'nicar-com.ar-active-google.com.ar-abridged.json': '2026-01-01T00:00:00Z',
  'norid-no-without-status-norway.no-2021.json': '2021-06-10T00:00:00Z',
  'verisign-com-pending-delete-client-hold-pharmaindustrie.com-abridged.json':
    '2026-10-01T00:00:00Z',
  'handmade-io-pending-delete-redemption-server-hold.json': '2026-10-06T00:00:00Z',
};

function recordedAt(file: string, json: { events?: unknown }): string {
  const events = Array.isArray(json.events) ? (json.events as Record<string, unknown>[]) : [];
  const update = events.find((e) => e.eventAction === 'last update of RDAP database');
  const date = typeof update?.eventDate === 'string' ? Date.parse(update.eventDate) : NaN;
  if (!Number.isNaN(date)) return new Date(date).toUTCString();
  const captured = CAPTURE_DATES[file];
  return captured === undefined ? new Date().toUTCString() : new Date(captured).toUTCString();
}

function loadFixtures(dir: string): Fixtures {
  const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
  const domains: Fixtures['domains'] = new Map();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) {
    const body = read(file);
    const json = JSON.parse(body) as {
      ldhName?: unknown;
      objectClassName?: unknown;
      events?: unknown;
    };
    if (json.objectClassName !== 'domain' || typeof json.ldhName !== 'string') continue;
    const name = json.ldhName.toLowerCase().replace(/\.$/, '');
    domains.set(name, { file, body, recordedAt: recordedAt(file, json) });
  }
  return {
    bootstrap: JSON.parse(read('iana-dns-bootstrap.json')) as Fixtures['bootstrap'],
    domains,
    redirectorNotFound: JSON.parse(read('error-404-rdap.org-tld-not-in-bootstrap-2021.json')),
    // CentralNic answers an unknown .design name with a proper RDAP error body.
    notFoundBodies: new Map([['design', read('error-404-centralnic-design-not-found-2021.json')]]),
  };
}

/** `https://rdap.verisign.com/com/v1/` -> `/registry/rdap.verisign.com/com/v1/` */
function registryPath(original: string): string {
  const url = new URL(original);
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return `/registry/${url.host}${path}`;
}

function indexRegistries(state: State, extras: Readonly<Record<string, string>>): void {
  for (const [suffixes, urls] of state.fixtures.bootstrap.services) {
    const original = urls.find((url) => url.startsWith('https:')) ?? urls[0];
    if (original === undefined) continue;
    for (const suffix of suffixes) {
      state.registries.set(suffix.toLowerCase(), registryPath(original));
      state.bootstrapSuffixes.add(suffix.toLowerCase());
    }
  }
  for (const [suffix, original] of Object.entries(extras)) {
    state.registries.set(suffix.toLowerCase(), registryPath(original));
  }
}

function rewrittenExtras(
  state: State,
  extras: Readonly<Record<string, string>>,
): Record<string, string> {
  const entries = Object.entries(extras).map(([suffix, url]) => [
    suffix,
    state.base + registryPath(url),
  ]);
  return Object.fromEntries(entries);
}

async function handle(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', state.base).pathname;
  state.requests.set(path, (state.requests.get(path) ?? 0) + 1);
  if (path === '/bootstrap/dns.json') {
    if (await applyFault(state, path, res)) return;
    return send(res, 200, 'application/json', JSON.stringify(rewrittenBootstrap(state)));
  }
  const query = parseDomainPath(path);
  if (query === null) return send(res, 404, 'text/plain', 'not found');
  if (query.prefix === '/redirector/') return redirect(state, query.name, res);
  if (await applyFault(state, query.name, res)) return;
  return answer(state, query.prefix, query.name, res);
}

function rewrittenBootstrap(state: State): Record<string, unknown> {
  const services = state.fixtures.bootstrap.services.map(([suffixes, urls]) => [
    suffixes,
    urls.map((url) => state.base + registryPath(url)),
  ]);
  return { ...state.fixtures.bootstrap, services };
}

/** Splits `/registry/host/path/domain/name` into its base path and the name. */
function parseDomainPath(path: string): { prefix: string; name: string } | null {
  const at = path.lastIndexOf('/domain/');
  if (at < 0) return null;
  const name = decodeURIComponent(path.slice(at + '/domain/'.length)).toLowerCase();
  if (name === '' || name.includes('/')) return null;
  return { prefix: path.slice(0, at + 1), name: name.replace(/\.$/, '') };
}

function registryFor(state: State, name: string, only?: Set<string>): string | null {
  const labels = name.split('.');
  for (let index = 0; index < labels.length; index++) {
    const suffix = labels.slice(index).join('.');
    const path = state.registries.get(suffix);
    if (path !== undefined && (only === undefined || only.has(suffix))) return path;
  }
  return null;
}

function answer(state: State, prefix: string, name: string, res: ServerResponse): void {
  const fixture = state.fixtures.domains.get(name);
  if (fixture !== undefined && registryFor(state, name) === prefix) {
    return send(res, 200, RDAP_JSON, fixture.body, { date: fixture.recordedAt });
  }
  const tld = name.slice(name.lastIndexOf('.') + 1);
  // Verisign answers an unregistered name with 404 and an empty body (http-exchange fixture).
  return send(res, 404, RDAP_JSON, state.fixtures.notFoundBodies.get(tld) ?? '');
}

/** rdap.org: 302 to the registry for a TLD in the bootstrap, else its own 404 error body. */
function redirect(state: State, name: string, res: ServerResponse): void {
  const registry = registryFor(state, name, state.bootstrapSuffixes);
  if (registry === null) {
    const title = `domain ${name} not found in IANA boostrap file`;
    const body = JSON.stringify({ ...state.fixtures.redirectorNotFound, title });
    return send(res, 404, RDAP_JSON, body);
  }
  res.writeHead(302, {
    location: `${state.base}${registry}domain/${name}`,
    'content-type': 'text/html; charset=UTF-8',
  });
  res.end();
}

/** Applies the armed fault for a key, if any; true when the response was handled. */
async function applyFault(state: State, key: string, res: ServerResponse): Promise<boolean> {
  const armed = state.faults.get(key);
  if (armed === undefined || armed.remaining <= 0) return false;
  armed.remaining -= 1;
  const { fault } = armed;
  if (fault.kind === 'delay') {
    // Resolves false after the delay (answer normally), true when the server closed first.
    return sleep(fault.ms, false, { signal: state.closing.signal }).catch(() => true);
  }
  if (fault.kind === 'status') {
    const body = JSON.stringify({ errorCode: fault.status, title: 'injected failure' });
    send(res, fault.status, RDAP_JSON, body);
    return true;
  }
  rateLimited(res, fault.retryAfter, fault.seconds ?? 1);
  return true;
}

/** The three 429 shapes RFC 7480 §5.5 allows; no real RDAP 429 was ever recorded. */
function rateLimited(
  res: ServerResponse,
  form: 'seconds' | 'http-date' | 'none',
  seconds: number,
): void {
  if (form === 'seconds') {
    res.setHeader('retry-after', String(seconds));
    return send(
      res,
      429,
      RDAP_JSON,
      JSON.stringify({ errorCode: 429, title: 'Too Many Requests' }),
    );
  }
  if (form === 'http-date') {
    // HTTP-dates have whole seconds: round up so the wait is never shorter than asked.
    const at = Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000;
    res.setHeader('retry-after', new Date(at).toUTCString());
    return send(res, 429, RDAP_JSON, '');
  }
  send(res, 429, 'text/html', '<html><body><h1>429 Too Many Requests</h1></body></html>');
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  res.writeHead(status, {
    ...headers,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  server.closeAllConnections();
  return new Promise((done, fail) => server.close((err) => (err ? fail(err) : done())));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  const server = await startRdapServer({ port: Number(values.port), host: values.host });
  const { url, bootstrapUrl, redirectorUrl, overrides } = server;
  // RDAP_SERVER_OVERRIDES's format, ready for the environment of a service or the CLI.
  const overridesEnv = Object.entries(overrides)
    .map(([suffix, base]) => `${suffix}=${base}`)
    .join(',');
  const line = { url, bootstrapUrl, redirectorUrl, overrides, overridesEnv };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.main) await main();

import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import type { Verdict } from '../../../services/checker/provider.ts';
import {
  createRdapProvider,
  toOutcome,
  type RdapProviderOptions,
} from '../../../services/checker/rdap/rdap-provider.ts';
import { createLogger, type Logger } from '../../../services/shared/logger.ts';
import { startRdapServer, type RdapTestServer } from '../../support/rdap-server.ts';

let server: RdapTestServer;
before(async () => {
  server = await startRdapServer();
});
after(() => server.close());

const silent = createLogger({ service: 'test', level: 'silent' });

function provider(t: TestContext, options: Partial<RdapProviderOptions> = {}) {
  const rdap = createRdapProvider({
    logger: silent,
    bootstrapUrl: server.bootstrapUrl,
    serverOverrides: server.overrides,
    ...options,
    http: {
      requestTimeoutMs: 1000,
      retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 40, defaultRetryAfterMs: 300 },
      ...options.http,
    },
  });
  t.after(() => rdap.close());
  return rdap;
}

const registry = (path: string) => `${server.url}/registry/${path}`;
const verisign = (name: string) => registry(`rdap.verisign.com/com/v1/domain/${name}`);

function summary(verdict: Verdict) {
  const { state, provider: name, domain, evidence } = verdict;
  return {
    domain,
    provider: name,
    state,
    server: evidence.server,
    httpStatus: evidence.httpStatus,
    detail: evidence.detail,
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

const check = (
  rdap: ReturnType<typeof provider>,
  domain: string,
  oldestVerifiedAt: number | null = null,
) => rdap.check(domain, { oldestVerifiedAt });

test('a domain in redemption is found through the bootstrap', async (t) => {
  const verdict = await check(provider(t), 'Redemption.LOL');
  assert.deepEqual(summary(verdict), {
    domain: 'redemption.lol',
    provider: 'rdap',
    state: 'redemption',
    server: registry('rdap.centralnic.com/lol/domain/redemption.lol'),
    httpStatus: 200,
    detail:
      'status "redemption period": deleted, restorable; ' +
      'expiration "294247-01-10T04:00:54.775Z" is not a valid date',
  });
});

test('a .io name is found through a server override (.io is not in the bootstrap)', async (t) => {
  const verdict = await check(provider(t), 'example.io');
  assert.deepEqual(
    [verdict.state, verdict.evidence.server],
    ['redemption', registry('rdap.identitydigital.services/rdap/domain/example.io')],
  );
});

test('pending delete without redemption', async (t) => {
  const verdict = await check(provider(t), 'pharmaindustrie.com');
  assert.deepEqual(summary(verdict), {
    domain: 'pharmaindustrie.com',
    provider: 'rdap',
    state: 'pending_delete',
    server: verisign('pharmaindustrie.com'),
    httpStatus: 200,
    detail:
      'status "pending delete" without redemption; ' +
      'status "client hold": out of DNS by the registrar',
  });
});

test('a 404 with an empty body from the registry means available', async (t) => {
  const verdict = await check(provider(t), 'jsiqpmcurt.com');
  assert.deepEqual(summary(verdict), {
    domain: 'jsiqpmcurt.com',
    provider: 'rdap',
    state: 'available',
    server: verisign('jsiqpmcurt.com'),
    httpStatus: 404,
    detail: 'not found at the authoritative registry server',
  });
});

test('x.com.br is asked at the .br registry', async (t) => {
  const verdict = await check(provider(t), 'x.com.br');
  assert.deepEqual(
    [verdict.state, verdict.evidence.server],
    ['available', registry('rdap.registro.br/domain/x.com.br')],
  );
});

test('a TLD without RDAP is unknown and nothing is asked', async (t) => {
  const before = [...server.requests.keys()].filter((path) => path.includes('example.de')).length;
  const verdict = await check(provider(t), 'example.de');
  assert.deepEqual(summary(verdict), {
    domain: 'example.de',
    provider: 'rdap',
    state: 'unknown',
    server: null,
    httpStatus: null,
    detail: 'no RDAP server for TLD "de"',
  });
  assert.equal(
    [...server.requests.keys()].filter((path) => path.includes('example.de')).length,
    before,
  );
});

test("a redirector's own 404 is unknown", async (t) => {
  const verdict = await check(
    provider(t, { fallbackRedirectorUrl: server.redirectorUrl }),
    'example.de',
  );
  assert.deepEqual(summary(verdict), {
    domain: 'example.de',
    provider: 'rdap',
    state: 'unknown',
    server: `${server.redirectorUrl}domain/example.de`,
    httpStatus: 404,
    detail: 'not found at a redirector, which is no verdict on the name',
  });
});

test("a redirector's 302 is followed and the registry's answer decides", async (t) => {
  const rdap = provider(t, {
    serverOverrides: { com: server.redirectorUrl },
    redirectorUrls: [server.redirectorUrl],
  });
  const verdicts = [await check(rdap, 'google.com'), await check(rdap, 'jsiqpmcurt.com')];
  assert.deepEqual(
    verdicts.map((verdict) => [
      verdict.state,
      verdict.evidence.server,
      verdict.evidence.httpStatus,
    ]),
    [
      ['registered', verisign('google.com'), 200],
      ['available', verisign('jsiqpmcurt.com'), 404],
    ],
  );
});

test('500s are retried, then unknown with the last cause', async (t) => {
  server.setFault('hhgames.com', { kind: 'status', status: 500 });
  t.after(() => server.setFault('hhgames.com', null));
  const path = new URL(verisign('hhgames.com')).pathname;
  const before = server.requests.get(path) ?? 0;
  const verdict = await check(provider(t), 'hhgames.com');
  assert.deepEqual(summary(verdict), {
    domain: 'hhgames.com',
    provider: 'rdap',
    state: 'unknown',
    server: verisign('hhgames.com'),
    httpStatus: 500,
    detail: 'HTTP 500 (DG_PROVIDER_FAILED, 3 attempts)',
  });
  assert.equal((server.requests.get(path) ?? 0) - before, 3);
});

test('a server slower than the timeout is unknown', async (t) => {
  server.setFault('sumanda.com', { kind: 'delay', ms: 3000 });
  t.after(() => server.setFault('sumanda.com', null));
  const rdap = provider(t, {
    http: { requestTimeoutMs: 200, retry: { maxAttempts: 2, baseDelayMs: 10 } },
  });
  const { value: verdict, ms } = await timed(() => check(rdap, 'sumanda.com'));
  assert.deepEqual(summary(verdict), {
    domain: 'sumanda.com',
    provider: 'rdap',
    state: 'unknown',
    server: verisign('sumanda.com'),
    httpStatus: null,
    detail: 'no answer within 200 ms (DG_PROVIDER_TIMEOUT, 2 attempts)',
  });
  assert.ok(ms >= 400 && ms < 2000, `took ${ms} ms`);
});

function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = { write: (line: string) => void lines.push(JSON.parse(line)) };
  return { logger: createLogger({ service: 'test', level: 'warn' }, stream), lines };
}

test('429 with Retry-After in seconds waits that long, then succeeds', async (t) => {
  server.setFault('google.com', {
    kind: 'rate-limit',
    retryAfter: 'seconds',
    seconds: 1,
    times: 1,
  });
  t.after(() => server.setFault('google.com', null));
  const { logger, lines } = capture();
  const rdap = provider(t, { logger });
  const { value: verdict, ms } = await timed(() => check(rdap, 'google.com'));
  assert.equal(verdict.state, 'registered');
  assert.ok(ms >= 1000, `waited only ${ms} ms`);
  const line = { ...lines[0] };
  delete line.time;
  assert.deepEqual(line, {
    level: 'warn',
    service: 'test',
    provider: 'rdap',
    component: 'rdap-client',
    host: new URL(server.url).host,
    path: new URL(verisign('google.com')).pathname,
    attempt: 1,
    status: 429,
    delayMs: 1000,
    code: 'DG_PROVIDER_RATE_LIMITED',
    msg: 'http request retrying',
  });
});

test('429 with Retry-After as an HTTP-date waits until then, then succeeds', async (t) => {
  server.setFault('google.com', {
    kind: 'rate-limit',
    retryAfter: 'http-date',
    seconds: 1,
    times: 1,
  });
  t.after(() => server.setFault('google.com', null));
  const { value: verdict, ms } = await timed(() => check(provider(t), 'google.com'));
  assert.equal(verdict.state, 'registered');
  // The date has whole seconds; the server rounds up, so at least one second passes.
  assert.ok(ms >= 950, `waited only ${ms} ms`);
});

test('429 without Retry-After, with an HTML body, waits the default, then succeeds', async (t) => {
  server.setFault('google.com', { kind: 'rate-limit', retryAfter: 'none', times: 1 });
  t.after(() => server.setFault('google.com', null));
  const { value: verdict, ms } = await timed(() => check(provider(t), 'google.com'));
  assert.equal(verdict.state, 'registered');
  assert.ok(ms >= 300, `waited only ${ms} ms`);
});

test('a Retry-After beyond the retry budget gives up at once', async (t) => {
  server.setFault('google.com', {
    kind: 'rate-limit',
    retryAfter: 'seconds',
    seconds: 30,
    times: 1,
  });
  t.after(() => server.setFault('google.com', null));
  const rdap = provider(t, { http: { retry: { budgetMs: 2000 } } });
  const { value: verdict, ms } = await timed(() => check(rdap, 'google.com'));
  assert.deepEqual(
    [verdict.state, verdict.evidence.httpStatus, verdict.evidence.detail],
    ['unknown', 429, 'HTTP 429 (DG_PROVIDER_RATE_LIMITED, 1 attempt)'],
  );
  assert.ok(ms < 1000, `took ${ms} ms`);
});

test('an answer without a status member is registered', async (t) => {
  const verdict = await check(provider(t), 'norway.no');
  assert.deepEqual(summary(verdict), {
    domain: 'norway.no',
    provider: 'rdap',
    state: 'registered',
    server: registry('rdap.norid.no/domain/norway.no'),
    httpStatus: 200,
    detail:
      'registered: no lapse or expiry signal; the answer has no status member; no expiration event',
  });
  assert.equal(verdict.evidence.expiresAt, null);
});

test('a registration after the oldest verification is reregistered', async (t) => {
  const verdict = await check(provider(t), 'themarquetry.com', Date.parse('2021-01-01T00:00:00Z'));
  assert.deepEqual(
    [verdict.state, verdict.evidence.registeredAt],
    ['reregistered', Date.parse('2021-03-16T17:07:37Z')],
  );
});

test('the bootstrap is fetched once per provider, not per check', async (t) => {
  const before = server.requests.get('/bootstrap/dns.json') ?? 0;
  const rdap = provider(t);
  await Promise.all(
    ['google.com', 'lemonde.fr', 'example.cz', 'bitcoin.top'].map((d) => check(rdap, d)),
  );
  assert.equal((server.requests.get('/bootstrap/dns.json') ?? 0) - before, 1);
});

test('an unreachable bootstrap is unknown, not an error', async (t) => {
  server.setFault('/bootstrap/dns.json', { kind: 'status', status: 503 });
  t.after(() => server.setFault('/bootstrap/dns.json', null));
  const verdict = await check(provider(t, { http: { retry: { maxAttempts: 1 } } }), 'google.com');
  assert.deepEqual(
    [verdict.state, verdict.evidence.detail],
    ['unknown', 'RDAP bootstrap unavailable: HTTP 503'],
  );
});

test('one request at a time per host when perHostConcurrency is 1', async (t) => {
  for (const name of ['google.com', 'hhgames.com']) {
    server.setFault(name, { kind: 'delay', ms: 200 });
    t.after(() => server.setFault(name, null));
  }
  const rdap = provider(t, { http: { perHostConcurrency: 1 } });
  await check(rdap, 'example.cz'); // loads the bootstrap first
  const { value, ms } = await timed(() =>
    Promise.all([check(rdap, 'google.com'), check(rdap, 'hhgames.com')]),
  );
  assert.deepEqual(
    value.map((verdict) => verdict.state),
    ['registered', 'registered'],
  );
  assert.ok(ms >= 400, `took ${ms} ms`);
});

test('an aborted check rejects instead of producing a verdict', async (t) => {
  server.setFault('google.com', { kind: 'delay', ms: 500 });
  t.after(() => server.setFault('google.com', null));
  const rdap = provider(t);
  await check(rdap, 'example.cz');
  const controller = new AbortController();
  const pending = rdap.check('google.com', { oldestVerifiedAt: null, signal: controller.signal });
  setTimeout(() => controller.abort(new Error('shutting down')), 50);
  await assert.rejects(pending, { message: 'shutting down' });
});

test('a 404 is a verdict only from a registry, whatever redirects led there', () => {
  const answer = (url: string, redirected: boolean) =>
    toOutcome({ ok: true, url, status: 404, headers: {}, body: '', redirected, attempts: 1 }, [
      'https://rdap.org/',
      'https://fallback.example/rdap/',
    ]);
  assert.deepEqual(
    [
      answer('https://rdap.verisign.com/com/v1/domain/gone.com', true),
      answer('https://rdap.org/domain/gone.de', true),
      answer('https://fallback.example/rdap/domain/gone.de', false),
    ].map((o) => o.kind === 'not_found' && o.authoritative),
    [true, false, false],
  );
});

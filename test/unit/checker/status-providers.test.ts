import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test, type TestContext } from 'node:test';
import type { StatusProvider } from '../../../services/checker/provider.ts';
import {
  createDomainrProvider,
  readDomainrEntry,
} from '../../../services/checker/providers/domainr.ts';
import {
  createFastlyProvider,
  readFastlyEntry,
} from '../../../services/checker/providers/fastly.ts';
import { classifyStatusWords } from '../../../services/checker/providers/status-vocabulary.ts';
import type { LifecycleState } from '../../../services/shared/records.ts';
import { createLogger } from '../../../services/shared/logger.ts';

const KEY = 'domainr-secret-key';
const TOKEN = 'fastly-secret-token';

// Status words per domain, as Domainr and Fastly send them (most significant last).
const STATUSES: Record<string, string> = {
  'active.com': 'active',
  'expiring.com': 'active expiring',
  'deleting.com': 'deleting',
  'free.com': 'undelegated inactive',
  'upstream-slow.com': 'undelegated',
  'unknown.com': 'unknown',
  'parked.com': 'parked',
  'marketed.com': 'marketed',
  'priced.com': 'priced',
};

const EXPECTED: Record<string, LifecycleState> = {
  'active.com': 'registered',
  'expiring.com': 'redemption',
  'deleting.com': 'pending_delete',
  'free.com': 'available',
  'upstream-slow.com': 'unknown',
  'unknown.com': 'unknown',
  'parked.com': 'registered',
  'marketed.com': 'registered',
  'priced.com': 'registered',
};

let base = '';
const rateLimitedOnce = new Set<string>();
const server = createServer((req, res) => route(req, res));

before(async () => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

function route(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://local');
  const domain = url.searchParams.get('domain') ?? '';
  const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  if (domain === 'limited.com' && !rateLimitedOnce.has(url.pathname)) {
    rateLimitedOnce.add(url.pathname);
    return reply(429, { message: 'slow down' }, { 'retry-after': '1' });
  }
  const status = STATUSES[domain] ?? (domain === 'limited.com' ? 'active' : 'undelegated inactive');
  const zone = domain.slice(domain.lastIndexOf('.') + 1);
  if (url.pathname === '/v2/status') {
    if (url.searchParams.get('client_id') !== KEY) {
      return reply(401, { message: 'unauthorized: invalid client ID: ...' });
    }
    const summary = status.split(' ').at(-1);
    return reply(200, { status: [{ domain, zone, status, summary }] });
  }
  if (url.pathname === '/domain-management/v1/tools/status') {
    if (req.headers['fastly-key'] !== TOKEN)
      return reply(401, { msg: 'Provided credentials are missing or invalid' });
    return reply(200, { domain, zone, status, tags: '', scope: '', offers: [] });
  }
  reply(404, { message: 'not found' });
}

const logger = createLogger({ service: 'test', level: 'silent' });
const http = { retry: { maxAttempts: 2, baseDelayMs: 10 } };

function domainr(t: TestContext, apiKey = KEY): StatusProvider {
  const provider = createDomainrProvider({ logger, apiKey, baseUrl: base, http });
  t.after(() => provider.close());
  return provider;
}

function fastly(t: TestContext, apiToken = TOKEN): StatusProvider {
  const provider = createFastlyProvider({ logger, apiToken, baseUrl: `${base}/`, http });
  t.after(() => provider.close());
  return provider;
}

async function states(provider: StatusProvider): Promise<Record<string, LifecycleState>> {
  const entries = await Promise.all(
    Object.keys(EXPECTED).map(async (domain) => {
      const verdict = await provider.check(domain, { oldestVerifiedAt: null });
      return [domain, verdict.state] as const;
    }),
  );
  return Object.fromEntries(entries);
}

test('status words map to lifecycle states, the right-most meaningful word deciding', () => {
  const cases: [string, LifecycleState, string | null][] = [
    ['active', 'registered', 'active'],
    ['expiring', 'redemption', 'expiring'],
    ['active expiring', 'redemption', 'expiring'],
    ['deleting', 'pending_delete', 'deleting'],
    ['undelegated inactive', 'available', 'inactive'],
    ['inactive premium', 'available', 'inactive'],
    ['undelegated', 'unknown', null],
    ['unknown', 'unknown', null],
    ['marketed', 'registered', 'marketed'],
    ['priced', 'registered', 'priced'],
    ['parked', 'registered', 'parked'],
    ['active zone tld', 'registered', 'active'],
    ['', 'unknown', null],
  ];
  assert.deepEqual(
    cases.map(([status]) => {
      const verdict = classifyStatusWords(status);
      return [status, verdict.state, verdict.decidedBy];
    }),
    cases,
  );
});

test('Domainr answers map to the expected states', async (t) => {
  assert.deepEqual(await states(domainr(t)), EXPECTED);
});

test('Fastly answers map to the expected states', async (t) => {
  assert.deepEqual(await states(fastly(t)), EXPECTED);
});

test('Domainr evidence names the server without the key', async (t) => {
  const verdict = await domainr(t).check('Free.com', { oldestVerifiedAt: null });
  assert.deepEqual(
    { ...verdict, observedAt: typeof verdict.observedAt },
    {
      domain: 'free.com',
      state: 'available',
      provider: 'domainr',
      observedAt: 'number',
      evidence: {
        server: `${base}/v2/status?domain=free.com`,
        httpStatus: 200,
        statuses: ['undelegated', 'inactive'],
        events: [],
        registeredAt: null,
        expiresAt: null,
        handle: null,
        detail: 'status "undelegated inactive": "inactive" decides',
      },
    },
  );
});

test('a refused key is unknown, never a lapse', async (t) => {
  const verdicts = await Promise.all([
    domainr(t, 'wrong').check('free.com', { oldestVerifiedAt: null }),
    fastly(t, 'wrong').check('free.com', { oldestVerifiedAt: null }),
  ]);
  assert.deepEqual(
    verdicts.map((verdict) => [verdict.provider, verdict.state, verdict.evidence.detail]),
    [
      ['domainr', 'unknown', 'refused with HTTP 401: check the API key'],
      ['fastly', 'unknown', 'refused with HTTP 401: check the API key'],
    ],
  );
});

test('a 429 with Retry-After is waited out, for both providers', async (t) => {
  const started = performance.now();
  const verdicts = await Promise.all([
    domainr(t).check('limited.com', { oldestVerifiedAt: null }),
    fastly(t).check('limited.com', { oldestVerifiedAt: null }),
  ]);
  const ms = performance.now() - started;
  assert.deepEqual(
    verdicts.map((verdict) => verdict.state),
    ['registered', 'registered'],
  );
  assert.ok(ms >= 1000, `waited only ${ms} ms`);
});

test('a wrong base URL (404) is unknown', async (t) => {
  const provider = createDomainrProvider({
    logger,
    apiKey: KEY,
    baseUrl: `${base}/elsewhere`,
    http,
  });
  t.after(() => provider.close());
  const verdict = await provider.check('active.com', { oldestVerifiedAt: null });
  assert.deepEqual([verdict.state, verdict.evidence.httpStatus], ['unknown', 404]);
});

test('malformed or mismatched documents are refused with a reason', () => {
  assert.deepEqual(
    [
      readDomainrEntry({ status: [{ domain: 'other.com', status: 'active' }] }, 'active.com'),
      readDomainrEntry({ errors: [{ code: 400, message: 'invalid domain' }] }, 'x.com'),
      readDomainrEntry({ status: 'active' }, 'x.com'),
      readFastlyEntry({ domain: 'other.com', status: 'active' }, 'x.com'),
      readFastlyEntry({ domain: 'X.com', zone: 'com', status: 'active' }, 'x.com'),
      readFastlyEntry({ msg: 'oops' }, 'x.com'),
    ],
    [
      { ok: false, reason: 'no status for "active.com"' },
      { ok: false, reason: 'Domainr error: invalid domain' },
      { ok: false, reason: 'not a Domainr status document' },
      { ok: false, reason: 'the answer is for "other.com", not for "x.com"' },
      { ok: true, status: 'active', zone: 'com' },
      { ok: false, reason: 'not a Fastly domain status document' },
    ],
  );
});

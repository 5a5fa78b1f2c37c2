import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test, type TestContext } from 'node:test';
import {
  createRdapClient,
  DEFAULT_USER_AGENT,
  RDAP_ACCEPT,
  redirectTarget,
  type FetchResult,
} from '../../../services/checker/rdap/rdap-client.ts';
import { DomainGuardError } from '../../../services/shared/errors.ts';
import { createLogger } from '../../../services/shared/logger.ts';

let base = '';
const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
const server = createServer((req, res) => {
  const path = req.url ?? '/';
  seen.push({ path, headers: req.headers });
  if (path === '/loop') {
    res.writeHead(302, { location: '/loop' });
    return res.end();
  }
  if (path === '/reset') return req.socket.destroy();
  if (path === '/big') {
    res.writeHead(200, { 'content-type': 'application/rdap+json' });
    return res.end('x'.repeat(4096));
  }
  if (path === '/forbidden') {
    res.writeHead(403);
    return res.end();
  }
  res.writeHead(200, { 'content-type': 'application/rdap+json' });
  res.end('{}');
});

before(async () => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const logger = createLogger({ service: 'test', level: 'silent' });

function client(t: TestContext) {
  const rdap = createRdapClient({
    logger,
    maxRedirects: 2,
    maxBodyBytes: 1024,
    retry: { maxAttempts: 2, baseDelayMs: 10 },
  });
  t.after(() => rdap.close());
  return rdap;
}

function failure(result: FetchResult) {
  if (result.ok) return { ok: true, status: result.status };
  const { ok, status, attempts, redirected, error } = result;
  return { ok, status, attempts, redirected, code: error.code, message: error.message };
}

test('RDAP media types and a user agent are sent (RFC 7480 §4.2)', async (t) => {
  seen.length = 0;
  const result = await client(t).get(`${base}/domain/x.com`);
  assert.deepEqual(
    [result.ok, seen[0]?.headers.accept, seen[0]?.headers['user-agent']],
    [true, RDAP_ACCEPT, DEFAULT_USER_AGENT],
  );
});

test('a redirect loop stops at the limit', async (t) => {
  assert.deepEqual(failure(await client(t).get(`${base}/loop`)), {
    ok: false,
    status: null,
    attempts: 3,
    redirected: true,
    code: 'DG_PROVIDER_FAILED',
    message: 'too many redirects',
  });
});

test('a dropped connection is retried, then reported with its cause', async (t) => {
  const result = failure(await client(t).get(`${base}/reset`));
  // Which code a reset socket surfaces as depends on timing; both are network errors.
  const message = result.message?.replace('ECONNRESET', 'UND_ERR_SOCKET');
  assert.deepEqual(
    { ...result, message },
    {
      ok: false,
      status: null,
      attempts: 2,
      redirected: false,
      code: 'DG_PROVIDER_FAILED',
      message: 'request failed: UND_ERR_SOCKET',
    },
  );
});

test('an oversized body is refused without retrying', async (t) => {
  assert.deepEqual(failure(await client(t).get(`${base}/big`)), {
    ok: false,
    status: null,
    attempts: 1,
    redirected: false,
    code: 'DG_PROVIDER_FAILED',
    message: 'answer larger than 1024 bytes',
  });
});

test('a 403 is a final answer, not retried', async (t) => {
  seen.length = 0;
  const result = await client(t).get(`${base}/forbidden`);
  assert.deepEqual([failure(result), seen.length], [{ ok: true, status: 403 }, 1]);
});

test('redirect targets: relative, absolute, never from https down to http', () => {
  const describe = (value: string | DomainGuardError) =>
    value instanceof DomainGuardError ? value.message : value;
  assert.deepEqual(
    [
      redirectTarget(
        'https://rdap.org/domain/x.com',
        'https://rdap.verisign.com/com/v1/domain/x.com',
      ),
      redirectTarget('http://127.0.0.1:1/redirector/domain/x.com', '/registry/domain/x.com'),
      redirectTarget('https://rdap.org/domain/x.com', 'http://rdap.example/domain/x.com'),
      redirectTarget('https://rdap.org/domain/x.com', undefined),
      redirectTarget('https://rdap.org/domain/x.com', ['https://a.example/domain/x.com']),
    ].map(describe),
    [
      'https://rdap.verisign.com/com/v1/domain/x.com',
      'http://127.0.0.1:1/registry/domain/x.com',
      'refused redirect to http://rdap.example',
      'redirect without a Location header',
      'https://a.example/domain/x.com',
    ],
  );
});

test('invalid settings fail at construction', () => {
  assert.throws(() => createRdapClient({ logger, requestTimeoutMs: -1 }), {
    code: 'DG_CONFIG_INVALID',
  });
  assert.throws(() => createRdapClient({ logger, retry: { maxAttempts: 0 } }), {
    code: 'DG_CONFIG_INVALID',
  });
});

test('a URL that is not http(s) is an outcome, not a throw', async (t) => {
  assert.deepEqual(failure(await client(t).get('ftp://rdap.example/domain/x.com')), {
    ok: false,
    status: null,
    attempts: 0,
    redirected: false,
    code: 'DG_PROVIDER_FAILED',
    message: 'not an http(s) URL: ftp://rdap.example/domain/x.com',
  });
});

test('work still queued when the client closes ends as a failure', async () => {
  const rdap = createRdapClient({ logger, perHostConcurrency: 1, perHostIntervalCap: 1 });
  const first = rdap.get(`${base}/domain/a.com`);
  const queued = rdap.get(`${base}/domain/b.com`);
  const closing = rdap.close();
  const results = await Promise.all([first, queued]);
  await closing;
  assert.deepEqual(results.map(failure), [
    { ok: true, status: 200 },
    {
      ok: false,
      status: null,
      attempts: 1,
      redirected: false,
      code: 'DG_PROVIDER_FAILED',
      message: 'the client was closed',
    },
  ]);
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  createBootstrap,
  domainQueryUrl,
  findServer,
  labelSuffixes,
  parseBootstrap,
  preferredUrl,
} from '../../../services/checker/rdap/bootstrap.ts';
import type { FetchResult } from '../../../services/checker/rdap/rdap-client.ts';
import { DomainGuardError } from '../../../services/shared/errors.ts';
import { createLogger } from '../../../services/shared/logger.ts';
import { fixturesDir } from '../../support/rdap-server.ts';

const logger = createLogger({ service: 'test', level: 'silent' });
const ianaText = readFileSync(join(fixturesDir(), 'iana-dns-bootstrap.json'), 'utf8');
const iana = parseBootstrap(JSON.parse(ianaText));

test('the recorded IANA file is indexed by suffix with its publication date', () => {
  assert.deepEqual(
    { publication: iana.publication, suffixes: iana.bySuffix.size, com: iana.bySuffix.get('com') },
    {
      publication: '2026-06-26T18:00:02Z',
      suffixes: 1199,
      com: ['https://rdap.verisign.com/com/v1/'],
    },
  );
});

test('a name under a second-level suffix is found by its TLD: x.com.br uses br', () => {
  assert.deepEqual(findServer(iana, 'x.com.br'), {
    suffix: 'br',
    baseUrl: 'https://rdap.registro.br/',
    source: 'bootstrap',
  });
});

test('TLDs missing from the bootstrap have no server', () => {
  assert.deepEqual(
    ['example.de', 'google.io', 'example.invalid'].map((name) => findServer(iana, name)),
    [null, null, null],
  );
});

test('the longest label suffix wins', () => {
  const index = parseBootstrap({
    services: [
      [['uk'], ['https://uk.example/']],
      [['co.uk'], ['https://co-uk.example/rdap/']],
    ],
  });
  assert.deepEqual(
    [findServer(index, 'shop.co.uk')?.suffix, findServer(index, 'shop.org.uk')?.suffix],
    ['co.uk', 'uk'],
  );
  assert.deepEqual(labelSuffixes('A.Co.UK.'), ['a.co.uk', 'co.uk', 'uk']);
});

test('https base URLs are preferred; http-only services still work', () => {
  assert.deepEqual(
    [
      preferredUrl(['http://a.example/', 'https://b.example/']),
      preferredUrl(['http://rdap.cctld.kg/']),
      preferredUrl([]),
      findServer(iana, 'example.kg')?.baseUrl,
    ],
    ['https://b.example/', 'http://rdap.cctld.kg/', null, 'http://rdap.cctld.kg/'],
  );
});

test('query URLs join base and name without doubling or losing a slash', () => {
  assert.deepEqual(
    [
      domainQueryUrl('https://rdap.verisign.com/com/v1/', 'Example.COM'),
      domainQueryUrl('https://rdap.verisign.com/com/v1', 'example.com'),
      domainQueryUrl('https://rdap.nic.fr/', 'lemonde.fr'),
      domainQueryUrl('https://rdap.example/rdap//', 'bitcoin.top.'),
      domainQueryUrl('https://rdap.nic.sn/whois43/', 'x.sn'),
      domainQueryUrl('https://rdap.example/XN--45Q11C/', 'xn--p1ai.xn--45q11c'),
    ],
    [
      'https://rdap.verisign.com/com/v1/domain/example.com',
      'https://rdap.verisign.com/com/v1/domain/example.com',
      'https://rdap.nic.fr/domain/lemonde.fr',
      'https://rdap.example/rdap/domain/bitcoin.top',
      'https://rdap.nic.sn/whois43/domain/x.sn',
      'https://rdap.example/XN--45Q11C/domain/xn--p1ai.xn--45q11c',
    ],
  );
});

test('a malformed bootstrap document is refused with a stable code', () => {
  assert.throws(
    () => parseBootstrap({ services: [['com', 'https://x/']] }),
    (err: unknown) => err instanceof DomainGuardError && err.code === 'DG_PROVIDER_FAILED',
  );
});

function fakeFetch(answers: (FetchResult | 'fail')[]) {
  const calls: string[] = [];
  const fetch = async (url: string): Promise<FetchResult> => {
    calls.push(url);
    const answer = answers[Math.min(calls.length, answers.length) - 1];
    if (answer === undefined || answer === 'fail') {
      const error = new DomainGuardError('DG_PROVIDER_FAILED', 'HTTP 503', { retriable: true });
      return { ok: false, url, status: 503, redirected: false, attempts: 1, error };
    }
    return answer;
  };
  return { fetch, calls };
}

function okBody(body: string): FetchResult {
  return { ok: true, url: 'u', status: 200, headers: {}, body, redirected: false, attempts: 1 };
}

const tiny = (base: string) => JSON.stringify({ services: [[['com'], [base]]] });

test('the file is cached, shared by concurrent callers and refreshed after refreshMs', async () => {
  let clock = 0;
  const { fetch, calls } = fakeFetch([okBody(tiny('https://one/')), okBody(tiny('https://two/'))]);
  const bootstrap = createBootstrap({
    fetch,
    logger,
    url: 'https://boot.example/dns.json',
    refreshMs: 1000,
    now: () => clock,
  });
  const first = await Promise.all([bootstrap.lookup('a.com'), bootstrap.lookup('b.com')]);
  clock = 999;
  const cached = await bootstrap.lookup('c.com');
  clock = 1000;
  const refreshed = await bootstrap.lookup('d.com');
  assert.deepEqual(
    {
      bases: [...first, cached, refreshed].map((match) => match?.baseUrl),
      calls,
    },
    {
      bases: ['https://one/', 'https://one/', 'https://one/', 'https://two/'],
      calls: ['https://boot.example/dns.json', 'https://boot.example/dns.json'],
    },
  );
});

test('a failed refresh keeps the stale copy and waits before fetching again', async () => {
  let clock = 0;
  const { fetch, calls } = fakeFetch([
    okBody(tiny('https://one/')),
    'fail',
    okBody(tiny('https://three/')),
  ]);
  const bootstrap = createBootstrap({
    fetch,
    logger,
    refreshMs: 10,
    retryAfterFailureMs: 100,
    now: () => clock,
  });
  const bases: (string | undefined)[] = [];
  for (const at of [0, 20, 50, 120]) {
    clock = at;
    bases.push((await bootstrap.lookup('x.com'))?.baseUrl);
  }
  assert.deepEqual(
    { bases, fetches: calls.length },
    { bases: ['https://one/', 'https://one/', 'https://one/', 'https://three/'], fetches: 3 },
  );
});

test('with no copy at all a lookup rejects, except for an override', async () => {
  const { fetch } = fakeFetch(['fail']);
  const bootstrap = createBootstrap({
    fetch,
    logger,
    overrides: { io: 'https://rdap.identitydigital.example/rdap/' },
  });
  await assert.rejects(bootstrap.lookup('x.com'), {
    name: 'DomainGuardError',
    code: 'DG_PROVIDER_FAILED',
    message: 'RDAP bootstrap unavailable: HTTP 503',
  });
  assert.deepEqual(await bootstrap.lookup('google.io'), {
    suffix: 'io',
    baseUrl: 'https://rdap.identitydigital.example/rdap/',
    source: 'override',
  });
});

test('a bundled copy answers while the live file cannot be fetched', async () => {
  const { fetch } = fakeFetch(['fail']);
  const bootstrap = createBootstrap({ fetch, logger, fallbackData: JSON.parse(ianaText) });
  assert.equal((await bootstrap.lookup('x.com.br'))?.baseUrl, 'https://rdap.registro.br/');
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { classify, type ClassifyContext } from '../../../services/checker/classify.ts';
import type { LifecycleState } from '../../../services/shared/records.ts';
import { fixturesDir } from '../../support/rdap-server.ts';

const SERVER = 'https://registry.example/domain/x';

function fixture(file: string): { domain: string; body: Record<string, unknown> } {
  const body = JSON.parse(readFileSync(join(fixturesDir(), file), 'utf8')) as Record<
    string,
    unknown
  >;
  const domain = String(body.ldhName).toLowerCase().replace(/\.$/, '');
  return { domain, body };
}

function judge(file: string, now: string, oldestVerifiedAt: string | null = null) {
  const { domain, body } = fixture(file);
  const context: ClassifyContext = {
    domain,
    now: Date.parse(now),
    oldestVerifiedAt: oldestVerifiedAt === null ? null : Date.parse(oldestVerifiedAt),
  };
  return classify({ kind: 'answer', server: SERVER, httpStatus: 200, body }, context);
}

interface Expected {
  file: string;
  /** When the answer was captured (SOURCES.md), used as the clock. */
  capturedAt: string;
  state: LifecycleState;
  detail: string;
  registeredAt: string | null;
  expiresAt: string | null;
  handle: string | null;
}

const REGISTERED = 'registered: no lapse or expiry signal';

// Expected states from the table at the end of NOTES.md, judged at capture time.
const EXPECTED: Expected[] = [
  {
    file: 'afnic-fr-inactive-no-nameservers-airport.fr-2022.json',
    capturedAt: '2022-12-29T00:00:00Z',
    state: 'registered',
    detail: `${REGISTERED}; status "inactive": not delegated, still registered`,
    registeredAt: '2016-01-27T00:33:10Z',
    expiresAt: '2023-01-27T00:33:10Z',
    handle: 'DOM000000001670-FRNIC',
  },
  {
    file: 'afnic-fr-server-prohibited-lemonde.fr-2024.json',
    capturedAt: '2024-06-17T00:00:00Z',
    state: 'registered',
    detail: `${REGISTERED}; non-standard status kept: "server recover prohibited"`,
    registeredAt: '2005-08-02T14:16:36Z',
    expiresAt: '2025-06-09T22:08:09Z',
    handle: 'DOM000000024309-FRNIC',
  },
  {
    file: 'cznic-cz-active-example.cz-2017.json',
    capturedAt: '2017-06-01T00:00:00Z',
    state: 'registered',
    detail: REGISTERED,
    registeredAt: '2004-08-30T22:55:00Z',
    expiresAt: '2019-08-30T12:00:00Z',
    handle: 'example.cz',
  },
  {
    file: 'flexireg-moscow-active-home.moscow-2024.json',
    capturedAt: '2024-06-18T00:00:00Z',
    state: 'registered',
    detail: REGISTERED,
    registeredAt: '2021-10-19T19:28:12Z',
    expiresAt: '2024-10-19T19:28:12Z',
    handle: '20211019192813345912_c936bef81d9614db04ffc278b29daf5a_domain-FIR',
  },
  {
    file: 'handmade-io-pending-delete-redemption-server-hold.json',
    capturedAt: '2026-10-01T12:00:00Z',
    state: 'redemption',
    detail:
      'status "redemption period": deleted, restorable; ' +
      'status "server hold": out of DNS by the registry',
    registeredAt: '2016-08-28T12:00:00Z',
    expiresAt: '2026-08-28T12:00:00Z',
    handle: null,
  },
  {
    file: 'identitydigital-io-active-google.io-abridged.json',
    capturedAt: '2026-10-06T00:00:00Z',
    state: 'registered',
    detail: REGISTERED,
    registeredAt: '2002-10-01T01:00:00Z',
    expiresAt: '2027-09-30T01:00:00Z',
    handle: null,
  },
  {
    file: 'nicar-com.ar-active-google.com.ar-abridged.json',
    capturedAt: '2026-10-06T00:00:00Z',
    state: 'registered',
    detail: REGISTERED,
    registeredAt: '1999-06-08T00:00:00Z',
    expiresAt: '2027-07-08T09:00:00Z',
    handle: 'google.com.ar',
  },
  {
    file: 'nomulus-golden-add-period-new-registration.json',
    capturedAt: '2000-01-01T00:00:00Z',
    state: 'registered',
    detail: `${REGISTERED}; status "add period": newly created`,
    registeredAt: '2000-01-01T00:00:00Z',
    expiresAt: '2001-01-01T00:00:00Z',
    handle: '28-LOL',
  },
  {
    file: 'nomulus-golden-auto-renew-period.json',
    capturedAt: '2000-01-01T00:00:00Z',
    state: 'expiring',
    detail: 'status "auto renew period": expired, auto-renewed',
    registeredAt: '1998-12-31T00:00:00Z',
    expiresAt: '2000-12-31T00:00:00Z',
    handle: '28-LOL',
  },
  {
    file: 'nomulus-golden-pending-delete-redemption-period.json',
    capturedAt: '2000-01-01T00:00:00Z',
    state: 'redemption',
    detail:
      'status "redemption period": deleted, restorable; ' +
      'expiration "294247-01-10T04:00:54.775Z" is not a valid date',
    registeredAt: '1999-01-01T00:00:00Z',
    expiresAt: null,
    handle: '28-LOL',
  },
  {
    file: 'norid-no-without-status-norway.no-2021.json',
    capturedAt: '2021-06-10T00:00:00Z',
    state: 'registered',
    detail: `${REGISTERED}; the answer has no status member; no expiration event`,
    registeredAt: '2017-01-24T12:09:23Z',
    expiresAt: null,
    handle: 'NOR34044D-NORID',
  },
  {
    file: 'pir-org-active-redacted-handle-iana.org-2026.json',
    capturedAt: '2026-08-01T00:00:00Z',
    state: 'registered',
    detail: REGISTERED,
    registeredAt: '1995-06-05T04:00:00.772Z',
    expiresAt: '2027-12-08T17:00:53Z',
    handle: null,
  },
  {
    file: 'registrar-markmonitor-xyz-abc.xyz-2021.json',
    capturedAt: '2021-05-07T00:00:00Z',
    state: 'registered',
    detail: REGISTERED,
    registeredAt: '2014-03-20T12:59:17Z',
    expiresAt: '2025-03-20T07:00:00Z',
    handle: 'D2192285-CNIC',
  },
  {
    file: 'tonic-to-active-google.to-abridged.json',
    capturedAt: '2026-10-06T00:00:00Z',
    state: 'registered',
    detail: REGISTERED,
    registeredAt: '2018-11-30T07:38:29Z',
    expiresAt: '2026-11-30T07:38:29Z',
    handle: 'D0000000-TO',
  },
  {
    file: 'uniregistry-click-active-microsoft.click-2024.json',
    capturedAt: '2024-06-18T00:00:00Z',
    state: 'registered',
    detail: REGISTERED,
    registeredAt: '2014-11-12T19:15:55.283Z',
    expiresAt: '2024-11-12T19:15:55.283Z',
    handle: 'DO_a7aec7e93f5797ee898b23cefe340fe3-UR',
  },
  {
    file: 'verisign-com-active-google.com-2021.json',
    capturedAt: '2021-12-17T00:00:00Z',
    state: 'registered',
    detail: REGISTERED,
    registeredAt: '1997-09-15T04:00:00Z',
    expiresAt: '2028-09-14T04:00:00Z',
    handle: '2138514_DOMAIN_COM-VRSN',
  },
  {
    file: 'verisign-com-active-hhgames.com-2025.json',
    capturedAt: '2025-08-05T00:00:00Z',
    state: 'registered',
    detail: REGISTERED,
    registeredAt: '2002-07-04T19:15:32Z',
    expiresAt: '2026-07-04T19:21:02Z',
    handle: '88133367_DOMAIN_COM-VRSN',
  },
  {
    file: 'verisign-com-pending-delete-client-hold-pharmaindustrie.com-abridged.json',
    capturedAt: '2026-10-01T00:00:00Z',
    state: 'pending_delete',
    detail:
      'status "pending delete" without redemption; ' +
      'status "client hold": out of DNS by the registrar',
    registeredAt: '1998-07-29T04:00:00Z',
    expiresAt: '2026-07-28T04:00:00Z',
    handle: null,
  },
  {
    file: 'verisign-com-recent-registration-themarquetry.com-2022.json',
    capturedAt: '2022-01-20T00:00:00Z',
    state: 'registered',
    detail: REGISTERED,
    registeredAt: '2021-03-16T17:07:37Z',
    expiresAt: '2022-03-16T17:07:37Z',
    handle: '2598322308_DOMAIN_COM-VRSN',
  },
  {
    file: 'verisign-com-recovery-nameservers-sumanda.com-abridged.json',
    capturedAt: '2026-10-06T00:00:00Z',
    state: 'registered',
    detail: REGISTERED,
    registeredAt: '2015-11-12T19:56:14Z',
    expiresAt: '2026-11-12T19:56:14Z',
    handle: '1979113675_DOMAIN_COM-VRSN',
  },
  {
    file: 'zdns-top-active-bitcoin.top-2021.json',
    capturedAt: '2021-04-17T00:00:00Z',
    state: 'registered',
    detail: REGISTERED,
    registeredAt: '2014-11-17T16:00:29Z',
    expiresAt: '2021-11-17T16:00:29Z',
    handle: 'D20141118G10001G_19970343-top',
  },
];

const epoch = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

for (const expected of EXPECTED) {
  test(`fixture ${expected.file} is ${expected.state}`, () => {
    const { body } = fixture(expected.file);
    const { state, evidence } = judge(expected.file, expected.capturedAt);
    assert.deepEqual(
      { state, ...evidence, events: evidence.events.length },
      {
        state: expected.state,
        server: SERVER,
        httpStatus: 200,
        statuses: body.status ?? [],
        events: (body.events as unknown[]).length,
        registeredAt: epoch(expected.registeredAt),
        expiresAt: epoch(expected.expiresAt),
        handle: expected.handle,
        detail: expected.detail,
      },
    );
  });
}

test('pending delete keeps the evidence whole: statuses as spelled, events, dates', () => {
  const file = 'verisign-com-pending-delete-client-hold-pharmaindustrie.com-abridged.json';
  assert.deepEqual(judge(file, '2026-10-01T00:00:00Z'), {
    state: 'pending_delete',
    evidence: {
      server: SERVER,
      httpStatus: 200,
      statuses: ['client hold', 'pending delete'],
      events: [
        { action: 'registration', date: '1998-07-29T04:00:00Z' },
        { action: 'expiration', date: '2026-07-28T04:00:00Z' },
        { action: 'last changed', date: '2026-09-27T09:15:09Z' },
      ],
      registeredAt: Date.parse('1998-07-29T04:00:00Z'),
      expiresAt: Date.parse('2026-07-28T04:00:00Z'),
      handle: null,
      detail:
        'status "pending delete" without redemption; ' +
        'status "client hold": out of DNS by the registrar',
    },
  });
});

test('a Nomulus add-period name is reregistered for an address verified before it', () => {
  const file = 'nomulus-golden-add-period-new-registration.json';
  const { state, evidence } = judge(file, '2000-01-01T00:00:00Z', '1999-06-01T00:00:00Z');
  assert.deepEqual(
    { state, registeredAt: evidence.registeredAt, detail: evidence.detail },
    {
      state: 'reregistered',
      registeredAt: Date.parse('2000-01-01T00:00:00Z'),
      detail:
        'registered at 2000-01-01T00:00:00.000Z, after verification at ' +
        '1999-06-01T00:00:00.000Z; status "add period": newly created',
    },
  );
});

test('themarquetry.com is reregistered only for an address verified before 2021-03-16', () => {
  const file = 'verisign-com-recent-registration-themarquetry.com-2022.json';
  const states = [
    judge(file, '2022-01-20T00:00:00Z', '2021-01-01T00:00:00Z').state,
    judge(file, '2022-01-20T00:00:00Z', '2021-06-01T00:00:00Z').state,
    judge(file, '2022-01-20T00:00:00Z', '2021-03-16T17:07:37Z').state,
    judge(file, '2022-01-20T00:00:00Z', null).state,
  ];
  assert.deepEqual(states, ['reregistered', 'registered', 'registered', 'registered']);
});

test('old captures judged by today are at most expiring, never lapsed', () => {
  // cz.nic's 2017 answer has no database date; its 2019 expiry has long passed.
  const { state, evidence } = judge('cznic-cz-active-example.cz-2017.json', '2026-12-03T00:00:00Z');
  assert.deepEqual(
    { state, detail: evidence.detail },
    { state: 'expiring', detail: 'expiration 2019-08-30T12:00:00.000Z passed' },
  );
});

test('an answer with a database date is judged at that date, not by the clock', () => {
  const file = 'zdns-top-active-bitcoin.top-2021.json';
  assert.equal(judge(file, '2030-01-01T00:00:00Z').state, 'registered');
});

function domainBody(status: string[] | undefined, events: [string, string][]): unknown {
  return {
    objectClassName: 'domain',
    ldhName: 'example.com',
    ...(status === undefined ? {} : { status }),
    events: events.map(([eventAction, eventDate]) => ({ eventAction, eventDate })),
  };
}

function judgeBody(body: unknown, oldestVerifiedAt: number | null = null) {
  const context = {
    domain: 'example.com',
    now: Date.parse('2026-12-03T00:00:00Z'),
    oldestVerifiedAt,
  };
  return classify({ kind: 'answer', server: SERVER, httpStatus: 200, body }, context);
}

const FUTURE = '2027-06-01T00:00:00Z';
const PAST = '2026-11-01T00:00:00Z';

test('status rules beyond the fixtures', () => {
  const cases: [string[] | undefined, [string, string][], LifecycleState][] = [
    [['pending delete', 'pending restore'], [['expiration', FUTURE]], 'redemption'],
    [['clientHold'], [['expiration', PAST]], 'expiring'],
    [['client hold'], [['expiration', FUTURE]], 'registered'],
    [['active'], [['expiration', PAST]], 'expiring'],
    [undefined, [['expiration', PAST]], 'expiring'],
    [['inactive'], [['expiration', FUTURE]], 'registered'],
    [['Redemption Period', 'pendingDelete'], [], 'redemption'],
    [['active'], [], 'registered'],
  ];
  assert.deepEqual(
    cases.map(([status, events]) => judgeBody(domainBody(status, events)).state),
    cases.map(([, , state]) => state),
  );
});

test('event actions are read under their aliases', () => {
  const body = domainBody(
    ['active'],
    [
      ['Creation', '2020-01-01T00:00:00Z'],
      ['expiry', PAST],
    ],
  );
  const { state, evidence } = judgeBody(body, Date.parse('2019-01-01T00:00:00Z'));
  assert.deepEqual(
    { state, registeredAt: evidence.registeredAt, expiresAt: evidence.expiresAt },
    {
      state: 'reregistered',
      registeredAt: Date.parse('2020-01-01T00:00:00Z'),
      expiresAt: Date.parse(PAST),
    },
  );
});

test('redemption outranks a newer registration date; both lapse', () => {
  const body = domainBody(['redemption period', 'pending delete'], [['registration', PAST]]);
  assert.equal(judgeBody(body, Date.parse('2020-01-01T00:00:00Z')).state, 'redemption');
});

test('an answer with neither status nor events is registered without a crash', () => {
  const { state, evidence } = judgeBody({ objectClassName: 'domain', ldhName: 'EXAMPLE.COM.' });
  assert.deepEqual(
    { state, detail: evidence.detail },
    {
      state: 'registered',
      detail: `${REGISTERED}; the answer has no status member; no expiration event`,
    },
  );
});

function unknownEvidence(server: string | null, httpStatus: number | null, detail: string) {
  const evidence = { server, httpStatus, statuses: [], events: [], detail };
  return { ...evidence, registeredAt: null, expiresAt: null, handle: null };
}

test('malformed answers are unknown, with the reason', () => {
  const details = [
    'not json at all',
    [1, 2],
    { objectClassName: 'entity', ldhName: 'example.com' },
    { objectClassName: 'domain', ldhName: 'example.com', status: 'active' },
    { objectClassName: 'domain', ldhName: 'other.com' },
    fixture('error-404-centralnic-design-not-found-2021.json').body,
  ].map((body) => judgeBody(body));
  assert.deepEqual(details, [
    {
      state: 'unknown',
      evidence: unknownEvidence(SERVER, 200, 'malformed answer: the answer is not a JSON object'),
    },
    {
      state: 'unknown',
      evidence: unknownEvidence(SERVER, 200, 'malformed answer: the answer is not a JSON object'),
    },
    {
      state: 'unknown',
      evidence: unknownEvidence(
        SERVER,
        200,
        'malformed answer: the answer is a "entity" object, not a domain',
      ),
    },
    {
      state: 'unknown',
      evidence: unknownEvidence(
        SERVER,
        200,
        'malformed answer: member "status" is invalid: ' +
          'Invalid input: expected array, received string',
      ),
    },
    {
      state: 'unknown',
      evidence: unknownEvidence(
        SERVER,
        200,
        'the answer is for "other.com", not for "example.com"',
      ),
    },
    {
      state: 'unknown',
      evidence: unknownEvidence(
        SERVER,
        200,
        'malformed answer: the answer is an RDAP error object (errorCode 404)',
      ),
    },
  ]);
});

test('HTTP outcomes: only the registry 404 is a verdict', () => {
  const context = { domain: 'example.com', now: 0, oldestVerifiedAt: null };
  const registry = 'https://rdap.verisign.com/com/v1/domain/example.com';
  const redirector = 'https://rdap.org/domain/example.fr';
  assert.deepEqual(
    [
      classify({ kind: 'not_found', server: registry, authoritative: true }, context),
      classify({ kind: 'not_found', server: redirector, authoritative: false }, context),
      classify({ kind: 'no_server', tld: 'de' }, context),
      classify({ kind: 'failed', server: registry, httpStatus: 503, reason: 'HTTP 503' }, context),
    ],
    [
      {
        state: 'available',
        evidence: unknownEvidence(registry, 404, 'not found at the authoritative registry server'),
      },
      {
        state: 'unknown',
        evidence: unknownEvidence(
          redirector,
          404,
          'not found at a redirector, which is no verdict on the name',
        ),
      },
      { state: 'unknown', evidence: unknownEvidence(null, null, 'no RDAP server for TLD "de"') },
      { state: 'unknown', evidence: unknownEvidence(registry, 503, 'HTTP 503') },
    ],
  );
});

test('an answer without a database date is judged at the HTTP Date it was sent with', () => {
  const { domain, body } = fixture('afnic-fr-inactive-no-nameservers-airport.fr-2022.json');
  const context: ClassifyContext = {
    domain,
    now: Date.parse('2026-12-03T00:00:00Z'),
    oldestVerifiedAt: null,
  };
  const sentThen = { kind: 'answer' as const, server: SERVER, httpStatus: 200, body };
  const states = [
    classify({ ...sentThen, answeredAt: Date.parse('2022-12-29T00:00:00Z') }, context).state,
    classify(sentThen, context).state,
  ];
  // The same answer is expiring when nothing says it is older than our own clock.
  assert.deepEqual(states, ['registered', 'expiring']);
});

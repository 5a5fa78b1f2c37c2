import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCheck } from '../../../services/cli/check.ts';
import { startRdapServer, type RdapTestServer } from '../../support/rdap-server.ts';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

let server: RdapTestServer;
before(async () => {
  server = await startRdapServer();
});
after(() => server.close());

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as a child process with only the settings given here. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<Exit> {
  const fullEnv = {
    PATH: process.env.PATH ?? '',
    RDAP_BOOTSTRAP_URL: server.bootstrapUrl,
    LOG_LEVEL: 'silent',
    ...env,
  };
  try {
    const { stdout, stderr } = await run(process.execPath, ['services/cli/main.ts', ...args], {
      cwd: repoRoot,
      env: fullEnv,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test('check --json prints one document for the registrable domain of an address', async () => {
  const result = await cli(['check', 'alice@mail.pharmaindustrie.com', '--json']);
  const document = JSON.parse(result.stdout) as Record<string, unknown>;
  assert.deepEqual(
    { code: result.code, stderr: result.stderr, document: { ...document, observedAt: 0 } },
    {
      code: 0,
      stderr: '',
      document: {
        domain: 'pharmaindustrie.com',
        state: 'pending_delete',
        provider: 'rdap',
        observedAt: 0,
        tld: 'com',
        publicSuffix: 'com',
        lapsed: true,
        evidence: {
          server: `${server.url}/registry/rdap.verisign.com/com/v1/domain/pharmaindustrie.com`,
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
      },
    },
  );
});

test('check prints aligned lines by default', async () => {
  const result = await cli(['check', 'norway.no']);
  assert.deepEqual(result, {
    code: 0,
    stderr: '',
    stdout: [
      'domain      norway.no',
      'state       registered',
      'provider    rdap',
      `server      ${server.url}/registry/rdap.norid.no/domain/norway.no`,
      'http status 200',
      'statuses    -',
      'registered  2017-01-24T12:09:23.000Z',
      'expires     -',
      'handle      NOR34044D-NORID',
      'detail      registered: no lapse or expiry signal; the answer has no status member; ' +
        'no expiration event',
      'event       registration 2017-01-24T12:09:23Z',
      'event       last changed 2021-01-14T05:16:59Z',
      '',
    ].join('\n'),
  });
});

test('--verified-at before the registration date reports a re-registration', async () => {
  const result = await cli(['check', 'themarquetry.com', '--json', '--verified-at', '2021-01-01']);
  const document = JSON.parse(result.stdout) as { state: string; lapsed: boolean };
  assert.deepEqual([result.code, document.state, document.lapsed], [0, 'reregistered', true]);
});

test('an unknown state still exits 0', async () => {
  const result = await cli(['check', 'example.de', '--json']);
  const document = JSON.parse(result.stdout) as { state: string; evidence: { detail: string } };
  assert.deepEqual(
    [result.code, document.state, document.evidence.detail],
    [0, 'unknown', 'no RDAP server for TLD "de"'],
  );
});

test('input that maps to no domain exits 2 with the reason, the address masked', async () => {
  const results = await Promise.all([cli(['check', 'alice@']), cli(['check', 'bob@co.uk'])]);
  assert.deepEqual(results, [
    {
      code: 2,
      stdout: '',
      stderr: 'cannot check "a***@": no_domain: the address has nothing after its last "@"\n',
    },
    {
      code: 2,
      stdout: '',
      stderr:
        'cannot check "b***@co.uk": public_suffix_only: ' +
        '"co.uk" is a public suffix, not a registrable domain\n',
    },
  ]);
});

test('bad arguments and bad settings exit 2; --help exits 0', async () => {
  const [none, two, flag, settings, help, top] = await Promise.all([
    cli(['check']),
    cli(['check', 'a.com', 'b.com']),
    cli(['check', 'a.com', '--jsn']),
    cli(['check', 'a.com'], { STATUS_PROVIDER: 'domainr' }),
    cli(['check', '--help']),
    cli(['--help']),
  ]);
  assert.deepEqual(
    [none, two, flag, settings, help, top].map((result) => [
      result.code,
      result.stderr.split('\n')[0]?.replace(/^(Unknown option '--jsn')\..*/, '$1'),
      result.stdout.split('\n')[0],
    ]),
    [
      [2, 'expected exactly one email address or domain', ''],
      [2, 'expected exactly one email address or domain', ''],
      [2, "Unknown option '--jsn'", ''],
      [2, 'invalid configuration, fix these settings:', ''],
      [0, '', 'usage: domain-guard check <email-or-domain> [--json] [--verified-at <iso>]'],
      [0, '', 'usage: domain-guard <command> [options]'],
    ],
  );
});

test('an unexpected failure exits 1', async () => {
  const output: string[] = [];
  const code = await runCheck(['example.com'], {
    stdout: (text) => output.push(text),
    stderr: (text) => output.push(text),
    env: {},
    makeProvider: () => ({
      name: 'broken',
      check: () => Promise.reject(new Error('provider bug')),
      close: () => Promise.resolve(),
    }),
  });
  assert.deepEqual({ code, output }, { code: 1, output: ['unexpected failure: provider bug\n'] });
});

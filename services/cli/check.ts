import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { StatusProvider, Verdict } from '../checker/provider.ts';
import {
  createProvider,
  providerSettingsFromEnv,
  providerSettingsSchema,
  type ProviderSettings,
} from '../checker/providers/create-provider.ts';
import { registrableDomain } from '../shared/email-domain.ts';
import { ConfigError } from '../shared/errors.ts';
import { createLogger, maskEmail, type Logger } from '../shared/logger.ts';
import { isLapsed } from '../shared/records.ts';

export const CHECK_USAGE = [
  'usage: domain-guard check <email-or-domain> [--json] [--verified-at <iso>]',
  '',
  'Asks the configured status provider (STATUS_PROVIDER, default rdap) about the registrable',
  'domain of an email address or host name, and prints its lifecycle state and evidence.',
  '',
  'options:',
  '  --json               print one JSON document instead of text',
  '  --verified-at <iso>  when the address was verified (ISO 8601), to detect re-registration',
  '  -h, --help           show this text',
  '',
  'exit status: 0 for any state (unknown included), 2 for bad input or settings, 1 otherwise.',
  '',
].join('\n');

/** Where the command writes, and what it reads; injected so tests can run it in-process. */
export interface CheckIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  makeProvider?: (settings: ProviderSettings, logger: Logger) => StatusProvider;
}

interface Request {
  input: string;
  json: boolean;
  oldestVerifiedAt: number | null;
}

class UsageError extends Error {}

/** Runs `check`; resolves to the process exit code. */
export async function runCheck(args: readonly string[], io: CheckIo): Promise<number> {
  try {
    const request = parseRequest(args);
    if (request === 'help') {
      io.stdout(CHECK_USAGE);
      return 0;
    }
    return await check(request, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.stderr(`${err.message}\n`);
      return 2;
    }
    io.stderr(`unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

function parseRequest(args: readonly string[]): Request | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        'verified-at': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${CHECK_USAGE}`);
  }
  if (parsed.values.help) return 'help';
  const [input, ...extra] = parsed.positionals;
  if (input === undefined || extra.length > 0) {
    throw new UsageError(`expected exactly one email address or domain\n\n${CHECK_USAGE}`);
  }
  return {
    input,
    json: parsed.values.json,
    oldestVerifiedAt: verifiedAt(parsed.values['verified-at']),
  };
}

function verifiedAt(value: string | undefined): number | null {
  if (value === undefined) return null;
  const epochMs = Date.parse(value);
  if (Number.isNaN(epochMs)) throw new UsageError(`--verified-at: "${value}" is not a date`);
  return epochMs;
}

async function check(request: Request, io: CheckIo): Promise<number> {
  const mapping = registrableDomain(request.input);
  if (!mapping.ok) {
    const shown = request.input.includes('@') ? maskEmail(request.input) : request.input;
    throw new UsageError(`cannot check "${shown}": ${mapping.reason}: ${mapping.detail}`);
  }
  const settings = readSettings(io.env);
  // Logs go to stderr, so stdout stays one clean document with --json.
  const logger = createLogger(
    { service: 'cli', level: io.env.LOG_LEVEL ?? 'warn' },
    pino.destination({ fd: 2, sync: true }),
  );
  const provider = (io.makeProvider ?? createProvider)(settings, logger);
  try {
    const verdict = await provider.check(mapping.domain, {
      oldestVerifiedAt: request.oldestVerifiedAt,
    });
    const document = {
      ...verdict,
      tld: mapping.tld,
      publicSuffix: mapping.publicSuffix,
      lapsed: isLapsed(verdict.state),
    };
    io.stdout(request.json ? `${JSON.stringify(document, null, 2)}\n` : formatVerdict(verdict));
    return 0;
  } finally {
    await provider.close();
  }
}

function readSettings(env: Readonly<Record<string, string | undefined>>): ProviderSettings {
  const parsed = providerSettingsSchema.safeParse(providerSettingsFromEnv(env));
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
  );
}

const iso = (epochMs: number | null): string =>
  epochMs === null ? '-' : new Date(epochMs).toISOString();

/** The verdict as aligned `label  value` lines. */
export function formatVerdict(verdict: Verdict): string {
  const { evidence } = verdict;
  const rows: [string, string][] = [
    ['domain', verdict.domain],
    ['state', isLapsed(verdict.state) ? `${verdict.state} (lapsed)` : verdict.state],
    ['provider', verdict.provider],
    ['server', evidence.server ?? '-'],
    ['http status', evidence.httpStatus === null ? '-' : String(evidence.httpStatus)],
    ['statuses', evidence.statuses.length === 0 ? '-' : evidence.statuses.join(', ')],
    ['registered', iso(evidence.registeredAt)],
    ['expires', iso(evidence.expiresAt)],
    ['handle', evidence.handle ?? '-'],
    ['detail', evidence.detail ?? '-'],
    ...evidence.events.map((event): [string, string] => ['event', `${event.action} ${event.date}`]),
  ];
  return rows.map(([label, value]) => `${label.padEnd(12)}${value}\n`).join('');
}

import { parseArgs } from 'node:util';
import type { HoldRecord } from '../enforcer/holds.ts';
import { enforcerFor, enforcerService } from '../enforcer/service.ts';
import { withRuntime } from '../shared/service.ts';
import { watcherFor, watcherService } from '../watcher/service.ts';

export const OPERATE_USAGE = `usage: domain-guard sweep
       domain-guard approve <lapse-id> --by <name> [--republish]
       domain-guard holds [--all] [--json]

sweep      request every check that is due now, as the watcher's daily sweep does
approve    release a lapse held by the blast-radius limits: marks the hold approved and
           publishes the lapse again on domain.lapsed, where the enforcer now acts on it.
           A hold approved before keeps its first approver and nothing is published,
           unless --republish is given (for when the first republish was lost)
holds      list the pending holds, oldest first; --all lists approved ones too, --json
           prints one JSON document

All three read the same environment as the services (KAFKA_BROKERS, SCHEMA_REGISTRY_URL,
MONGODB_URI, TOPIC_PREFIX, collection settings) and create no topics: they act on the
deployment the services made.
`;

interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

type EnforcerRuntime = Parameters<typeof enforcerFor>[0];

export async function runSweep(io: Io): Promise<number> {
  const report = await withRuntime(watcherService, io.env, (rt) => watcherFor(rt).sweep());
  io.stdout(`${JSON.stringify(report)}\n`);
  return 0;
}

interface ApproveRequest {
  lapseId: string;
  by: string;
  republish: boolean;
}

export async function runApprove(args: readonly string[], io: Io): Promise<number> {
  const request = approveRequest(args, io);
  if (request === null) return 2;
  return withRuntime(enforcerService, io.env, (rt) => approve(rt, request, io));
}

function approveRequest(args: readonly string[], io: Io): ApproveRequest | null {
  const parsed = parseOrUsage(io, () =>
    parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { by: { type: 'string' }, republish: { type: 'boolean', default: false } },
    }),
  );
  if (parsed === null) return null;
  const { positionals, values } = parsed;
  const [lapseId] = positionals;
  if (lapseId === undefined || positionals.length !== 1 || !values.by?.trim()) {
    return usage(io, 'approve needs one lapse id and --by <name>');
  }
  return { lapseId, by: values.by, republish: values.republish };
}

/**
 * The first approval is the one on record. Approving again publishes nothing, since the
 * enforcer already has the lapse, unless the operator knows the first republish was lost.
 */
async function approve(rt: EnforcerRuntime, request: ApproveRequest, io: Io): Promise<number> {
  const enforcer = enforcerFor(rt);
  const before = await enforcer.findHold(request.lapseId);
  const hold =
    before?.status === 'approved'
      ? before
      : await enforcer.approveHold(request.lapseId, request.by);
  if (hold === null) {
    io.stderr(`no held lapse with id "${request.lapseId}" in ${rt.settings.holdsCollection}\n`);
    return 2;
  }

  const alreadyApprovedBy = earlierApprover(before, hold, request.by);
  const republished = alreadyApprovedBy === null || request.republish;
  if (republished) await republish(rt, hold);
  const earlier = alreadyApprovedBy === null ? {} : { alreadyApprovedBy };
  const report = { approved: request.lapseId, domain: hold.domain, ...earlier, republished };
  io.stdout(`${JSON.stringify(report)}\n`);
  return 0;
}

// Another operator may approve between the read and the update; their approval stands.
function earlierApprover(before: HoldRecord | null, hold: HoldRecord, by: string): string | null {
  if (before?.status === 'approved' || hold.approvedBy !== by) return hold.approvedBy;
  return null;
}

async function republish(rt: EnforcerRuntime, hold: HoldRecord): Promise<void> {
  const value = await rt.codec.encode(rt.topics.domainLapsed, hold.lapsed);
  await rt.bus.send(rt.topics.domainLapsed.name, [{ key: hold.domain, value }]);
}

export async function runHolds(args: readonly string[], io: Io): Promise<number> {
  const parsed = parseOrUsage(io, () =>
    parseArgs({
      args: [...args],
      options: {
        all: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    }),
  );
  if (parsed === null) return 2;
  const { all, json } = parsed.values;

  const holds = await withRuntime(enforcerService, io.env, (rt) =>
    enforcerFor(rt).listHolds({ all }),
  );
  const summaries = holds.map(summarise);
  io.stdout(
    json ? `${JSON.stringify({ holds: summaries }, null, 2)}\n` : formatHolds(summaries, all),
  );
  return 0;
}

type HoldSummary = ReturnType<typeof summarise>;

function summarise(hold: HoldRecord) {
  return {
    lapseId: hold.lapseId,
    domain: hold.domain,
    state: hold.state,
    reason: hold.reason,
    candidates: hold.candidates,
    createdAt: hold.createdAt.toISOString(),
    status: hold.status,
    approvedBy: hold.approvedBy,
    approvedAt: hold.approvedAt?.toISOString() ?? null,
  };
}

const HOLD_COLUMNS = [
  'LAPSE ID',
  'DOMAIN',
  'STATE',
  'REASON',
  'CANDIDATES',
  'CREATED',
  'STATUS',
  'APPROVED BY',
];

/** One header line and one line per hold, columns padded to their widest cell. */
function formatHolds(holds: HoldSummary[], all: boolean): string {
  if (holds.length === 0) return all ? 'no holds\n' : 'no pending holds\n';
  const rows = [HOLD_COLUMNS, ...holds.map(holdCells)];
  const widths = HOLD_COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  const lines = rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}

function holdCells(hold: HoldSummary): string[] {
  return [
    hold.lapseId,
    hold.domain,
    hold.state,
    hold.reason,
    String(hold.candidates),
    hold.createdAt,
    hold.status,
    hold.approvedBy ?? '-',
  ];
}

/** A bad option is the operator's typo: the usage, exit 2, rather than a stack trace. */
function parseOrUsage<T>(io: Io, parse: () => T): T | null {
  try {
    return parse();
  } catch (err) {
    if (!isParseArgsError(err)) throw err;
    return usage(io, err.message);
  }
}

function isParseArgsError(err: unknown): err is Error {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

function usage(io: Io, problem: string): null {
  io.stderr(`${problem}\n\n${OPERATE_USAGE}`);
  return null;
}

import { parseArgs } from 'node:util';
import { enforcerFor, enforcerService } from '../enforcer/service.ts';
import { withRuntime } from '../shared/service.ts';
import { watcherFor, watcherService } from '../watcher/service.ts';

export const OPERATE_USAGE = `usage: domain-guard sweep
       domain-guard approve <lapse-id> --by <name>

sweep      request every check that is due now, as the watcher's daily sweep does
approve    release a lapse held by the blast-radius limits: marks the hold approved and
           publishes the lapse again on domain.lapsed, where the enforcer now acts on it

Both read the same environment as the services (KAFKA_BROKERS, SCHEMA_REGISTRY_URL,
MONGODB_URI, TOPIC_PREFIX, collection settings).
`;

interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

export async function runSweep(io: Io): Promise<number> {
  const report = await withRuntime(watcherService, io.env, (rt) => watcherFor(rt).sweep());
  io.stdout(`${JSON.stringify(report)}\n`);
  return 0;
}

export async function runApprove(args: readonly string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { by: { type: 'string' } },
  });
  const [lapseId] = positionals;
  if (lapseId === undefined || values.by === undefined || positionals.length !== 1) {
    io.stderr(`approve needs one lapse id and --by <name>\n\n${OPERATE_USAGE}`);
    return 2;
  }
  return withRuntime(enforcerService, io.env, async (rt) => {
    const hold = await enforcerFor(rt).approveHold(lapseId, values.by ?? '');
    if (hold === null) {
      io.stderr(`no held lapse with id "${lapseId}" in ${rt.settings.holdsCollection}\n`);
      return 2;
    }
    const value = await rt.codec.encode(rt.topics.domainLapsed, hold.lapsed);
    await rt.bus.send(rt.topics.domainLapsed.name, [{ key: hold.domain, value }]);
    io.stdout(`${JSON.stringify({ approved: lapseId, domain: hold.domain, republished: true })}\n`);
    return 0;
  });
}

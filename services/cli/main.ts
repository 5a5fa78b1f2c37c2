#!/usr/bin/env node
import { CHECK_USAGE, runCheck } from './check.ts';
import { OPERATE_USAGE, runApprove, runHolds, runSweep } from './operate.ts';
import { ConfigError } from '../shared/errors.ts';
import { silenceKafkaTimerWarning } from '../shared/kafka.ts';

const USAGE = `usage: domain-guard <command> [options]

commands:
  check <email-or-domain> [--json]   print the lifecycle state of an address's domain
  sweep                              request every check that is due now
  holds [--all] [--json]             list the lapses held by the blast-radius limits
  approve <lapse-id> --by <name>     release a lapse held by the blast-radius limits
  help                               show this text

${CHECK_USAGE}
${OPERATE_USAGE}`;

silenceKafkaTimerWarning();
const [command, ...args] = process.argv.slice(2);
const io = {
  stdout: (text: string) => void process.stdout.write(text),
  stderr: (text: string) => void process.stderr.write(text),
  env: process.env,
};

try {
  await run();
} catch (err) {
  // One line an operator can act on; the stack is noise for a command-line user.
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  io.stderr(`domain-guard: ${err instanceof Error ? err.message : String(err)}${cause}\n`);
  process.exitCode = err instanceof ConfigError ? 2 : 1;
}

async function run(): Promise<void> {
  switch (command) {
    case 'check':
      process.exitCode = await runCheck(args, io);
      break;
    case 'sweep':
      process.exitCode = await runSweep(io);
      break;
    case 'approve':
      process.exitCode = await runApprove(args, io);
      break;
    case 'holds':
      process.exitCode = await runHolds(args, io);
      break;
    case 'help':
    case '--help':
    case '-h':
      io.stdout(USAGE);
      break;
    default:
      io.stderr(command === undefined ? USAGE : `unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

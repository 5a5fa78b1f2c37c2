import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runApprove, runHolds } from '../../../services/cli/operate.ts';
import type { DomainLapsed } from '../../../services/shared/records.ts';
import { createPipeline, waitFor, type Pipeline } from '../../support/pipeline.ts';

/**
 * One enforcer whose blast radius is a single address, one lapse over it: the hold the
 * operator lists, approves, approves again, and re-publishes on purpose.
 */
let pipeline: Pipeline;
let createdAt: string;
const verifiedAt = new Date('2024-01-15T10:00:00Z');
const lapse: DomainLapsed = {
  lapseId: 'L-held',
  checkId: 'c-held',
  domain: 'held.example',
  state: 'redemption',
  provider: 'rdap',
  observedAt: Date.now(),
  registeredAt: null,
  detail: null,
};

before(async () => {
  pipeline = await createPipeline('holdscmd', {});
  await pipeline.db.collection('users').insertMany([
    { _id: 'u1' as never, email: 'a@held.example', emailVerified: verifiedAt },
    { _id: 'u2' as never, email: 'b@held.example', emailVerified: verifiedAt },
  ]);
  await pipeline.start('enforcer', { BLAST_MAX_EMAILS: '1' });
  await pipeline.publishLapse(lapse);
  const holds = pipeline.db.collection('enforcement_holds');
  await waitFor(
    async () => (await holds.countDocuments({ _id: 'L-held' as never })) === 1,
    60_000,
    'the hold',
  );
  const hold = await holds.findOne({ _id: 'L-held' as never });
  createdAt = (hold?.createdAt as Date).toISOString();
});

after(() => pipeline.close());

async function cli(run: typeof runHolds, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const env = { ...pipeline.env, LOG_LEVEL: 'silent' };
  const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), env };
  const code = await run(args, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const heldSummary = () => ({
  lapseId: 'L-held',
  domain: 'held.example',
  state: 'redemption',
  reason: 'too_many_emails',
  candidates: 2,
  createdAt,
  status: 'pending',
  approvedBy: null,
  approvedAt: null,
});

test('holds, approve, approve again, approve --republish', async (t) => {
  await t.test('`holds --json` lists the pending hold', async () => {
    const listed = await cli(runHolds, ['--json']);
    assert.deepEqual(
      { ...listed, stdout: JSON.parse(listed.stdout) as unknown },
      { code: 0, stdout: { holds: [heldSummary()] }, stderr: '' },
    );
  });

  await t.test('the first approval republishes and the lapse is enforced', async () => {
    assert.deepEqual(await cli(runApprove, ['L-held', '--by', 'ann']), {
      code: 0,
      stdout: '{"approved":"L-held","domain":"held.example","republished":true}\n',
      stderr: '',
    });
    const users = pipeline.db.collection('users');
    await waitFor(
      async () => (await users.countDocuments({ emailVerified: null })) === 2,
      60_000,
      'the approved lapse',
    );
  });

  await t.test('a second approval names the first approver and publishes nothing', async () => {
    assert.deepEqual(await cli(runApprove, ['L-held', '--by', 'bob']), {
      code: 0,
      stdout:
        '{"approved":"L-held","domain":"held.example",' +
        '"alreadyApprovedBy":"ann","republished":false}\n',
      stderr: '',
    });
    const lapses = (await pipeline.readAll('domainLapsed', 2)) as DomainLapsed[];
    assert.deepEqual(lapses, [lapse, lapse]);
  });

  await t.test('--republish publishes the lapse again and keeps the approval', async () => {
    assert.deepEqual(await cli(runApprove, ['L-held', '--by', 'bob', '--republish']), {
      code: 0,
      stdout:
        '{"approved":"L-held","domain":"held.example",' +
        '"alreadyApprovedBy":"ann","republished":true}\n',
      stderr: '',
    });
    const lapses = (await pipeline.readAll('domainLapsed', 3)) as DomainLapsed[];
    assert.deepEqual(lapses, [lapse, lapse, lapse]);
  });

  await t.test('`holds` lists no pending hold; `holds --all` shows the approval', async () => {
    const pending = await cli(runHolds, []);
    const all = await cli(runHolds, ['--all']);
    const hold = await pipeline.db
      .collection('enforcement_holds')
      .findOne({ _id: 'L-held' as never });

    assert.deepEqual([hold?.approvedBy, hold?.status], ['ann', 'approved']);
    assert.deepEqual(pending, { code: 0, stdout: 'no pending holds\n', stderr: '' });
    const header = 'LAPSE ID  DOMAIN        STATE       REASON           CANDIDATES  CREATED';
    const row = 'L-held    held.example  redemption  too_many_emails  2           ';
    assert.deepEqual(all, {
      code: 0,
      stdout:
        `${header}${' '.repeat(createdAt.length - 7)}  STATUS    APPROVED BY\n` +
        `${row}${createdAt}  approved  ann\n`,
      stderr: '',
    });
  });
});

test('approving an unknown lapse or mistyping an option exits 2', async () => {
  const [unknown, typo, noBy] = [
    await cli(runApprove, ['L-none', '--by', 'ann']),
    await cli(runHolds, ['--jsn']),
    await cli(runApprove, ['L-held']),
  ];

  assert.deepEqual(unknown, {
    code: 2,
    stdout: '',
    stderr: 'no held lapse with id "L-none" in enforcement_holds\n',
  });
  assert.deepEqual(
    [typo.code, typo.stdout, typo.stderr.split('\n')[0]?.replace(/\. .*/, '')],
    [2, '', "Unknown option '--jsn'"],
  );
  assert.deepEqual(
    [noBy.code, noBy.stdout, noBy.stderr.split('\n')[0]],
    [2, '', 'approve needs one lapse id and --by <name>'],
  );
});

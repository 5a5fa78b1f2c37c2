import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createSweepSchedule } from '../../../services/watcher/sweep-schedule.ts';
import type { SweepReport } from '../../../services/watcher/sweep.ts';
import { captureLogger } from '../../support/watcher-harness.ts';

const INTERVAL = 1_000;
const REPORT: SweepReport = { due: 1, requested: 1, skipped: 0 };

/** A sweep whose runs finish only when the test says so. */
function controlledSweep() {
  const runs: { finish: (error?: Error) => void }[] = [];
  const sweep = () =>
    new Promise<SweepReport>((resolve, reject) => {
      runs.push({ finish: (error) => (error ? reject(error) : resolve(REPORT)) });
    });
  return { sweep, runs };
}

/** Lets promise callbacks run; the mocked clock does not touch setImmediate. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup(t: TestContext, runAtStart: boolean) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { sweep, runs } = controlledSweep();
  const { logger, lines } = captureLogger();
  const schedule = createSweepSchedule({ sweep, intervalMs: INTERVAL, runAtStart, logger });
  t.after(async () => {
    const stopped = schedule.stop();
    for (const run of runs) run.finish();
    await stopped;
  });
  return { schedule, runs, lines };
}

test('sweeps at start, then one interval after each sweep ends', async (t) => {
  const { schedule, runs } = setup(t, true);

  schedule.start();
  t.mock.timers.tick(0);
  await settle();
  assert.equal(runs.length, 1);
  t.mock.timers.tick(5 * INTERVAL);
  await settle();
  assert.equal(runs.length, 1);

  runs[0]?.finish();
  await settle();
  t.mock.timers.tick(INTERVAL - 1);
  await settle();
  assert.equal(runs.length, 1);
  t.mock.timers.tick(1);
  await settle();
  assert.equal(runs.length, 2);
});

test('waits one interval before the first sweep when not sweeping at start', async (t) => {
  const { schedule, runs } = setup(t, false);

  schedule.start();
  t.mock.timers.tick(INTERVAL - 1);
  await settle();
  const before = runs.length;
  t.mock.timers.tick(1);
  await settle();

  assert.deepEqual([before, runs.length], [0, 1]);
});

test('an extra sweep while one runs is skipped', async (t) => {
  const { schedule, runs, lines } = setup(t, false);

  const first = schedule.runNow();
  const second = await schedule.runNow();
  runs[0]?.finish();

  assert.deepEqual([await first, second, runs.length], [REPORT, null, 1]);
  assert.deepEqual(lines, [
    {
      level: 'info',
      service: 'watcher',
      component: 'sweep-schedule',
      msg: 'sweep already running, skipped',
    },
  ]);
});

test('a failed sweep is logged and the schedule goes on', async (t) => {
  const { schedule, runs, lines } = setup(t, true);

  schedule.start();
  t.mock.timers.tick(0);
  await settle();
  runs[0]?.finish(new Error('database down'));
  await settle();
  t.mock.timers.tick(INTERVAL);
  await settle();

  assert.equal(runs.length, 2);
  assert.deepEqual(
    lines.map((line) => [line.level, line.msg, (line.err as { message?: string }).message]),
    [['error', 'sweep failed', 'database down']],
  );
});

test('stop waits for the running sweep and no sweep starts after it', async (t) => {
  const { schedule, runs } = setup(t, true);
  schedule.start();
  t.mock.timers.tick(0);
  await settle();

  let stopped = false;
  const stopping = schedule.stop().then(() => (stopped = true));
  await settle();
  const beforeFinish = stopped;
  runs[0]?.finish();
  await stopping;
  t.mock.timers.tick(10 * INTERVAL);
  await settle();

  assert.deepEqual([beforeFinish, stopped, runs.length], [false, true, 1]);
  assert.equal(await schedule.runNow(), null);
});

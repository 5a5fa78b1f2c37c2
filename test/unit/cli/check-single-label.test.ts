import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCheck } from '../../../services/cli/check.ts';

async function check(input: string) {
  const output: string[] = [];
  const io = { stdout: (t: string) => output.push(t), stderr: (t: string) => output.push(t) };
  const code = await runCheck([input], { ...io, env: {} });
  return { code, output };
}

test('check of a single label says it has one label, not that it is a public suffix', async () => {
  assert.deepEqual(await Promise.all([check('nodomain'), check('a@localhost'), check('com')]), [
    {
      code: 2,
      output: [
        'cannot check "nodomain": single_label: ' +
          '"nodomain" has one label; a registrable domain has at least two\n',
      ],
    },
    {
      code: 2,
      output: [
        'cannot check "a***@localhost": single_label: ' +
          '"localhost" has one label; a registrable domain has at least two\n',
      ],
    },
    {
      code: 2,
      output: [
        'cannot check "com": public_suffix_only: ' +
          '"com" is a public suffix, not a registrable domain\n',
      ],
    },
  ]);
});

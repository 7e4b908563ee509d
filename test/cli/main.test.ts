// `port22` itself, through the real entry (bin/port22.mjs): the version, the command list, bad usage.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { port22, REPO } from './port22.ts';

const { version } = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as { version: string };

describe('port22', () => {
  it('--version and -V print the version in package.json, exit 0', () => {
    assert.match(version, /^\d+\.\d+\.\d+/);
    for (const flag of ['--version', '-V']) {
      assert.deepEqual(port22(flag), { status: 0, stdout: `${version}\n`, stderr: '' }, flag);
    }
  });

  it('--help lists every command, exit 0', () => {
    const r = port22('--help');
    assert.equal(r.status, 0);
    assert.equal(r.stderr, '');
    const commands = [...r.stdout.matchAll(/^ {2}(\w+)/gm)].map((m) => m[1]);
    assert.deepEqual(commands, ['probe', 'analyze', 'check', 'doctor', 'lab', 'help']);
  });

  it("a command's own help shows its options; `help <command>` the same", () => {
    const direct = port22('analyze', '--help');
    assert.equal(direct.status, 0);
    assert.match(direct.stdout, /^Usage: port22 analyze \[options\]$/m);
    assert.match(direct.stdout, /--inventory <dir>/);
    assert.deepEqual(port22('help', 'analyze'), direct);
  });

  it('an unknown command or option: one line on stderr, exit 2', () => {
    assert.deepEqual(port22('nope'), { status: 2, stdout: '', stderr: "port22: unknown command 'nope'\n" });
    assert.deepEqual(port22('--nope'), {
      status: 2,
      stdout: '',
      stderr: "port22: unknown option '--nope'\n",
    });
    assert.deepEqual(port22('probe', '--nope', 'x'), {
      status: 2,
      stdout: '',
      stderr: "port22: unknown option '--nope'\n",
    });
  });
});

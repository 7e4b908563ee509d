import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeDirectory } from '../../../../lambda/adapters/local/make-directory.ts';

describe('makeDirectory', () => {
  const root = mkdtempSync(join(tmpdir(), 'port22-mkdir-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  it('creates every missing ancestor and tolerates an existing directory', async () => {
    const deep = join(root, 'a', 'b', 'c');
    await makeDirectory(deep);
    await makeDirectory(deep);
    assert.ok(statSync(deep).isDirectory());
  });
  it('fails with the file system error when a file stands in the way', async () => {
    writeFileSync(join(root, 'file'), 'x');
    await assert.rejects(makeDirectory(join(root, 'file', 'sub')), { code: 'ENOTDIR' });
  });
  it('fails instead of spinning under /proc, where new entries answer ENOENT', async (t) => {
    if (process.platform !== 'linux') return t.skip('/proc is Linux only');
    const started = Date.now();
    await assert.rejects(makeDirectory('/proc/port22-nope/x'), { code: 'ENOENT' });
    assert.ok(Date.now() - started < 1000);
  });
});

// The guard on scripts/patch-ssh2.mjs: the patch was written against one ssh2 version's source text.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HYBRID_KEX_METHODS, hybridKexMethods } from '../../lambda/adapters/net/ssh2-hybrid-kex.ts';
import { PATCH_MARKER, PATCHED_VERSION, patchSsh2 } from '../../scripts/patch-ssh2.mjs';

const require = createRequire(import.meta.url);
const ssh2Dir = join(require.resolve('ssh2/package.json'), '..');
const installed = JSON.parse(readFileSync(join(ssh2Dir, 'package.json'), 'utf8')) as { version: string };

describe('the ssh2 patch (scripts/patch-ssh2.mjs)', () => {
  it(`installed ssh2 is ${PATCHED_VERSION}, the version the patch was written for`, () => {
    assert.equal(
      installed.version,
      PATCHED_VERSION,
      'ssh2 changed: re-read lib/protocol/kex.js, update the patch',
    );
    assert.equal(PATCHED_VERSION, '1.17.0');
  });

  it('is applied to the installed ssh2, so the prober offers the post-quantum hybrids', () => {
    assert.ok(
      readFileSync(join(ssh2Dir, 'lib/protocol/kex.js'), 'utf8').includes(PATCH_MARKER),
      'run npm install',
    );
    assert.deepEqual(hybridKexMethods(), [
      'mlkem768x25519-sha256',
      'sntrup761x25519-sha512',
      'sntrup761x25519-sha512@openssh.com',
    ]);
    assert.deepEqual(hybridKexMethods(), HYBRID_KEX_METHODS);
  });

  it('leaves a patched copy alone and refuses another ssh2 version with one line', () => {
    const copy = mkdtempSync(join(tmpdir(), 'port22-ssh2-'));
    try {
      cpSync(join(ssh2Dir, 'package.json'), join(copy, 'package.json'));
      cpSync(join(ssh2Dir, 'lib/protocol/kex.js'), join(copy, 'lib/protocol/kex.js'));
      assert.equal(patchSsh2(copy), 'already patched');
      writeFileSync(join(copy, 'package.json'), JSON.stringify({ ...installed, version: '1.18.0' }));
      assert.throws(
        () => patchSsh2(copy),
        /^Error: ssh2 1\.18\.0 installed, the patch was written for 1\.17\.0/,
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('patches the unpatched text and finds every anchor exactly once', () => {
    const copy = mkdtempSync(join(tmpdir(), 'port22-ssh2-'));
    try {
      cpSync(join(ssh2Dir, 'package.json'), join(copy, 'package.json'));
      // The unpatched file: the installed one without the patch's lines and tail comments.
      const patched = readFileSync(join(ssh2Dir, 'lib/protocol/kex.js'), 'utf8');
      const original = patched
        .split('\n')
        .filter((line) => !/KEX_EXTENSIONS|extension !== undefined|port22 patch \(scripts/.test(line))
        .join('\n');
      cpSync(join(ssh2Dir, 'lib/protocol/kex.js'), join(copy, 'lib/protocol/kex.js'));
      writeFileSync(join(copy, 'lib/protocol/kex.js'), original);
      assert.equal(patchSsh2(copy), 'patched');
      assert.equal(readFileSync(join(copy, 'lib/protocol/kex.js'), 'utf8'), patched);
      writeFileSync(join(copy, 'lib/protocol/kex.js'), original.replace('let MESSAGE_HANDLERS;\n', ''));
      assert.throws(() => patchSsh2(copy), /expected one "let MESSAGE_HANDLERS;", found 0/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

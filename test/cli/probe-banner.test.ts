import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderBanners, renderTable } from '../../cli/probe.ts';
import type { ProbeResult } from '../../lambda/core/probe/types.ts';

const ok = (extra: Partial<ProbeResult>): ProbeResult => ({
  target: { host: '10.0.0.7', port: 22 },
  outcome: 'ok',
  phases: { totalMs: 9 },
  ...extra,
});

describe('renderBanners', () => {
  it('each banner under its target, every line marked; none without a banner', () => {
    const out = renderBanners([ok({ banner: 'Authorised use only.\r\nLogged.\r\n' }), ok({})]);
    assert.equal(out, '\nbanner from 10.0.0.7:22:\n  | Authorised use only.\n  | Logged.\n');
  });

  it('a banner cannot drive the terminal: its escapes are shown, its lines stay lines', () => {
    const out = renderBanners([ok({ banner: 'a\u001b[2Jb\r\n\u001b]0;owned\u0007\n' })]);
    assert.equal(out, '\nbanner from 10.0.0.7:22:\n  | a\\x1b[2Jb\n  | \\x1b]0;owned\\x07\n');
  });
});

describe('the FINGERPRINT column', () => {
  it('names the key as ssh-keygen -l does, the signature algorithm beside it', () => {
    const table = renderTable([
      ok({
        hostKey: {
          algorithm: 'rsa-sha2-512',
          keyType: 'ssh-rsa',
          type: 'RSA',
          bits: 3072,
          sha256: 'SHA256:abc',
        },
      }),
    ]);
    assert.match(table, /\sRSA SHA256:abc \(rsa-sha2-512\)\s/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderBanners, renderTable, terminalSafe } from '../../cli/probe.ts';
import type { ProbeResult } from '../../lambda/core/probe/types.ts';

const ok = (extra: Partial<ProbeResult>): ProbeResult => ({
  target: { host: '10.0.0.7', port: 22 },
  outcome: 'ok',
  phases: { totalMs: 9 },
  ...extra,
});

describe('terminalSafe: a server banner cannot drive the terminal', () => {
  const cases: [string, string, string][] = [
    ['CSI clear screen', 'a\u001b[2Jb', 'a\\x1b[2Jb'],
    ['OSC window title', '\u001b]0;owned\u0007', '\\x1b]0;owned\\x07'],
    ['C1 CSI', 'x\u009b31m', 'x\\x9b31m'],
    ['DEL and NUL', '\u007f\u0000', '\\x7f\\x00'],
    ['bidi override (CVE-2021-42574)', 'abc\u202edef', 'abc\\u{202e}def'],
    ['CR LF becomes LF; tabs stay', 'one\r\ntwo\tthree\r', 'one\ntwo\tthree\\x0d'],
    ['non-ASCII text stays', 'Zugriff nur für Befugte — 許可', 'Zugriff nur für Befugte — 許可'],
  ];
  for (const [name, input, expected] of cases) it(name, () => assert.equal(terminalSafe(input), expected));
});

describe('renderBanners', () => {
  it('each banner under its target, every line marked; none without a banner', () => {
    const out = renderBanners([ok({ banner: 'Authorised use only.\r\nLogged.\r\n' }), ok({})]);
    assert.equal(out, '\nbanner from 10.0.0.7:22:\n  | Authorised use only.\n  | Logged.\n');
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

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createIdentReader,
  type IdentReadStep,
  parseIdentLine,
  quoteSample,
  speaksSsh2,
} from '../../../../lambda/core/probe/ident.ts';

describe('parseIdentLine', () => {
  const cases: [
    string,
    { protoVersion: string; software: string; comments?: string; ssh2: boolean } | RegExp,
  ][] = [
    [
      'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13',
      { protoVersion: '2.0', software: 'OpenSSH_9.6p1', comments: 'Ubuntu-3ubuntu13', ssh2: true },
    ],
    ['SSH-2.0-dropbear_2022.83', { protoVersion: '2.0', software: 'dropbear_2022.83', ssh2: true }],
    ['SSH-1.99-Cisco-1.25', { protoVersion: '1.99', software: 'Cisco-1.25', ssh2: true }],
    ['SSH-1.5-OpenSSH_1.2.3', { protoVersion: '1.5', software: 'OpenSSH_1.2.3', ssh2: false }],
    ['SSH-2.0-', /malformed/],
    ['SSH-2.0', /malformed/],
    ['SSH-two-x', /malformed/],
  ];
  for (const [line, expected] of cases) {
    it(line, () => {
      const r = parseIdentLine(line);
      if (expected instanceof RegExp) {
        assert.equal(r.ok, false);
        assert.match(!r.ok ? r.reason : '', expected);
        return;
      }
      assert.ok(r.ok);
      assert.equal(r.ident.line, line);
      assert.equal(r.ident.protoVersion, expected.protoVersion);
      assert.equal(r.ident.software, expected.software);
      assert.equal(r.ident.comments, expected.comments);
      assert.equal(speaksSsh2(r.ident), expected.ssh2);
    });
  }
});

function feedAll(chunks: (string | Uint8Array)[]): IdentReadStep {
  const reader = createIdentReader();
  let step: IdentReadStep = { kind: 'need-more' };
  for (const c of chunks) step = reader.feed(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
  return step;
}

const IDENT = 'SSH-2.0-OpenSSH_9.6p1';

describe('createIdentReader', () => {
  const cases: [
    string,
    (string | Uint8Array)[],
    { kind: IdentReadStep['kind']; match?: RegExp; preamble?: number },
  ][] = [
    ['ident with CR LF', [`${IDENT}\r\n`], { kind: 'ident', preamble: 0 }],
    ['ident with bare LF (accepted, as OpenSSH does)', [`${IDENT}\n`], { kind: 'ident' }],
    ['ident one byte at a time', [...`${IDENT}\r\n`], { kind: 'ident' }],
    [
      'lines before the ident (RFC 4253 §4.2)',
      ['Welcome\r\n', 'Authorized use only\r\n', `${IDENT}\r\n`],
      { kind: 'ident', preamble: 2 },
    ],
    ['ident not yet finished', ['SSH-2.0-Open'], { kind: 'need-more' }],
    ['ident exactly 255 bytes with CR LF', [`SSH-2.0-${'a'.repeat(245)}\r\n`], { kind: 'ident' }],
    [
      'ident 256 bytes with CR LF',
      [`SSH-2.0-${'a'.repeat(246)}\r\n`],
      { kind: 'not-ssh', match: /longer than 255/ },
    ],
    ['ident that never ends', [`SSH-2.0-${'a'.repeat(300)}`], { kind: 'not-ssh', match: /longer than 255/ }],
    [
      '1024 pre-ident lines (OpenSSH accepts them)',
      [...Array.from({ length: 1024 }, (_, i) => `line ${i}\r\n`), `${IDENT}\r\n`],
      { kind: 'ident' },
    ],
    [
      '1025 pre-ident lines',
      [...Array.from({ length: 1025 }, (_, i) => `line ${i}\r\n`), `${IDENT}\r\n`],
      { kind: 'not-ssh', match: /more than 1024 lines/ },
    ],
    [
      'pre-ident lines of 8 KiB each, then the ident',
      [...Array.from({ length: 9 }, () => `${'x'.repeat(8190)}\r\n`), `${IDENT}\r\n`],
      { kind: 'ident' },
    ],
    ['a line over 8 KiB', ['x'.repeat(8193)], { kind: 'not-ssh', match: /longer than 8192/ }],
    ['NUL byte', ['SSH-2.0-Open\0SSH\r\n'], { kind: 'not-ssh', match: /NUL byte/ }],
    ['CR not followed by LF', ['SSH-2.0-Open\rSSH\r\n'], { kind: 'not-ssh', match: /CR not followed by LF/ }],
    // RFC 4253 §4.2 allows any text line before the ident: the reader waits; the prober names the
    // service from its sample (service-identification.ts).
    ['an HTTP status line is just a pre-ident line', ['HTTP/1.1 400 Bad Request\r\n'], { kind: 'need-more' }],
    [
      'a TLS record is binary from its first byte',
      [new Uint8Array([0x16, 0x03, 0x03, 0x00, 0x31, 0x02])],
      { kind: 'not-ssh', match: /^binary data 16 03 03 00 31 02$/ },
    ],
    [
      'binary first byte',
      [new Uint8Array([0x01, 0xff, 0x00])],
      { kind: 'not-ssh', match: /binary data 01 ff 00/ },
    ],
    ['malformed ident', ['SSH-2.0-\r\n'], { kind: 'not-ssh', match: /malformed/ }],
  ];
  for (const [name, chunks, expected] of cases) {
    it(name, () => {
      const step = feedAll(chunks);
      assert.equal(step.kind, expected.kind, JSON.stringify(step));
      if (expected.match) assert.match(step.kind === 'not-ssh' ? step.reason : '', expected.match);
      if (expected.preamble !== undefined)
        assert.equal(step.kind === 'ident' && step.preambleLines, expected.preamble);
    });
  }

  it('returns the raw ident line and the bytes that followed it in the same read', () => {
    const step = feedAll([Buffer.concat([Buffer.from(`${IDENT}\r\n`), Buffer.from([0, 0, 4, 0xbc, 7])])]);
    assert.equal(step.kind, 'ident');
    if (step.kind !== 'ident') return;
    assert.equal(Buffer.from(step.identLine).toString('latin1'), `${IDENT}\r\n`);
    assert.deepEqual([...step.rest], [0, 0, 4, 0xbc, 7]);
    assert.equal(step.ident.software, 'OpenSSH_9.6p1');
  });

  it('stops reading after a verdict: later bytes change nothing', () => {
    const reader = createIdentReader();
    const first = reader.feed(Buffer.from('SSH-2.0-Open\0SSH\r\n'));
    const again = reader.feed(Buffer.from(`${IDENT}\r\n`));
    assert.equal(first.kind, 'not-ssh');
    assert.deepEqual(again, first);
  });

  it('never throws and settles within the limits, whatever the peer sends (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 512 }), { maxLength: 40 }), (chunks) => {
        const reader = createIdentReader();
        let verdict: IdentReadStep | undefined;
        for (const c of chunks) {
          const step = reader.feed(c);
          if (verdict !== undefined) assert.deepEqual(step, verdict);
          else if (step.kind !== 'need-more') verdict = step;
        }
        // More than 8 KiB + one 1 KiB line without a verdict is impossible.
        if (verdict === undefined) assert.ok(reader.bytesSeen <= 8192 + 1024 + 2);
      }),
      { numRuns: 300 },
    );
  });
});

describe('IdentReader.atEnd', () => {
  const cases: [string, string[], string, RegExp?][] = [
    ['nothing at all', [], 'nothing'],
    ['a partial ident', ['SSH-2.0-Op'], 'partial', /partial identification "SSH-2.0-Op"/],
    ['a partial "SS"', ['SS'], 'partial'],
    ['text that cannot be an ident', ['hello'], 'not-ssh', /no identification, got "hello"/],
    [
      'text lines but no ident (OpenSSH 9 says "Exceeded MaxStartups" before closing)',
      ['Exceeded MaxStartups\r\n'],
      'partial',
      /1 line\(s\) before any identification, first "Exceeded MaxStartups"/,
    ],
    ['text lines then junk', ['Welcome\r\n', 'hello'], 'not-ssh', /no identification, got "hello"/],
  ];
  for (const [name, chunks, kind, detail] of cases) {
    it(name, () => {
      const reader = createIdentReader();
      for (const c of chunks) reader.feed(Buffer.from(c));
      const end = reader.atEnd();
      assert.equal(end.kind, kind);
      if (detail)
        assert.match(end.kind === 'partial' ? end.detail : end.kind === 'not-ssh' ? end.reason : '', detail);
    });
  }
});

describe('quoteSample', () => {
  it('escapes control bytes and cuts long text', () => {
    assert.equal(quoteSample('a\x1b[31mb'), '"a\\x1b[31mb"');
    assert.equal(quoteSample('x'.repeat(60), 4), '"xxxx…"');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  couldBeAnswerToOurIdent,
  judgeSecondLook,
  type SecondLook,
  silenceMs,
  tlsClientHello,
} from '../../../../lambda/core/probe/second-look.ts';

const latin1 = (s: string) => Buffer.from(s, 'latin1');
const none = new Uint8Array(0);

describe('judgeSecondLook: sshd refusing, or a service that closed on our identification', () => {
  const cases: [string, SecondLook, string, RegExp, Record<string, unknown>?][] = [
    [
      'closed again, nothing sent: refusing at accept',
      { kind: 'closed-unprompted', bytes: none, afterMs: 0.4 },
      'closed-before-ident',
      /sending nothing, was closed too after 0 ms/,
    ],
    [
      'closed again with OpenSSH 9.8’s refusal',
      { kind: 'closed-unprompted', bytes: latin1('Not allowed at this time\r\n'), afterMs: 1 },
      'closed-before-ident',
      /"Not allowed at this time"/,
      { refusal: 'not-allowed-at-this-time' },
    ],
    [
      'closed again with OpenSSH 8.2’s refusal',
      { kind: 'closed-unprompted', bytes: latin1('Exceeded MaxStartups\r\n'), afterMs: 1 },
      'closed-before-ident',
      /"Exceeded MaxStartups"/,
      { refusal: 'exceeded-maxstartups' },
    ],
    [
      'closed again after a line no protocol claims: still a refusal',
      { kind: 'closed-unprompted', bytes: latin1('421 Too many connections\r\n'), afterMs: 1 },
      'closed-before-ident',
      /"421 Too many connections"/,
    ],
    [
      'closed again after an FTP greeting',
      { kind: 'closed-unprompted', bytes: latin1('220 ProFTPD Server\r\n'), afterMs: 1 },
      'not-ssh',
      /^FTP: /,
      { service: { name: 'FTP', detail: 'greeting "220 ProFTPD Server"' } },
    ],
    [
      'an SSH identification this time: intermittent refusal',
      { kind: 'spoke-first', bytes: latin1('SSH-2.0-OpenSSH_9.9\r\n') },
      'closed-before-ident',
      /identification "SSH-2\.0-OpenSSH_9\.9".*MaxStartups/,
    ],
    [
      'a refusal line spoken first',
      { kind: 'spoke-first', bytes: latin1('Exceeded MaxStartups\r\n') },
      'closed-before-ident',
      /Exceeded MaxStartups/,
      { refusal: 'exceeded-maxstartups' },
    ],
    [
      'a greeting spoken first',
      { kind: 'spoke-first', bytes: latin1('+OK POP3 ready\r\n') },
      'not-ssh',
      /^POP3: /,
    ],
    [
      'unknown text spoken first',
      { kind: 'spoke-first', bytes: latin1('hello\r\n') },
      'not-ssh',
      /got "hello" instead of an SSH identification/,
    ],
    [
      'TLS answers the ClientHello',
      { kind: 'answered-client-hello', bytes: Uint8Array.from([0x15, 0x03, 0x03, 0, 2, 2, 40]) },
      'not-ssh',
      /^TLS: fatal alert handshake_failure .*ClientHello/,
    ],
    [
      'closes on the ClientHello too',
      { kind: 'answered-client-hello', bytes: none },
      'not-ssh',
      /waits for the client .* closes on both/,
    ],
    [
      'answers the ClientHello with text',
      { kind: 'answered-client-hello', bytes: latin1('what?\r\n') },
      'not-ssh',
      /answered a TLS ClientHello with "what\?"/,
    ],
    [
      'a late SSH identification',
      { kind: 'answered-client-hello', bytes: latin1('SSH-2.0-OpenSSH_9.2p1\r\n') },
      'closed-before-ident',
      /SSH identification, late/,
    ],
    ['silent throughout', { kind: 'silent' }, 'not-ssh', /waits for the client/],
    [
      'second connection failed',
      { kind: 'failed', reason: 'ECONNREFUSED' },
      'closed-before-ident',
      /failed too \(ECONNREFUSED\)/,
    ],
  ];
  for (const [name, look, outcome, detail, extra] of cases) {
    it(name, () => {
      const v = judgeSecondLook('closed', look);
      assert.equal(v.outcome, outcome);
      assert.match(v.detail, detail);
      assert.match(v.detail, outcome === 'closed-before-ident' ? /^closed before any identification/ : /./);
      for (const [k, value] of Object.entries(extra ?? {})) assert.deepEqual(v[k as keyof typeof v], value);
    });
  }

  it('says the first connection was reset when it was', () => {
    assert.equal(judgeSecondLook('reset', { kind: 'silent' }).outcome, 'not-ssh');
    assert.match(
      judgeSecondLook('reset', { kind: 'failed', reason: 'x' }).detail,
      /^reset before any identification/,
    );
  });
});

describe('silenceMs: three round trips, between 200 ms and 1 s', () => {
  for (const [connectMs, expected] of [
    [0, 200],
    [66.6, 200],
    [66.7, 201],
    [100, 300],
    [333.3, 1000],
    [333.4, 1000],
    [5000, 1000],
  ] as const) {
    it(`${connectMs} ms → ${expected} ms`, () => assert.equal(silenceMs(connectMs), expected));
  }
});

describe('couldBeAnswerToOurIdent: a close within the silence window may be a reaction to our bytes', () => {
  for (const [afterMs, connectMs, expected] of [
    [200, 0.5, true],
    [200.1, 0.5, false],
    [300, 100, true],
    [300.1, 100, false],
    [5031, 0.5, false], // TCP wrappers refusing after a 5 s reverse DNS lookup
  ] as const) {
    it(`${afterMs} ms after, connect ${connectMs} ms → ${expected}`, () =>
      assert.equal(couldBeAnswerToOurIdent(afterMs, connectMs), expected));
  }
});

describe('tlsClientHello', () => {
  const hello = tlsClientHello();
  const u16 = (at: number) => (hello[at]! << 8) | hello[at + 1]!;
  it('is one handshake record whose lengths add up (RFC 5246 §6.2.1, §7.4)', () => {
    assert.deepEqual([...hello.subarray(0, 3)], [0x16, 0x03, 0x01]);
    assert.equal(u16(3), hello.length - 5);
    assert.equal(hello[5], 1, 'ClientHello');
    assert.equal((hello[6]! << 16) | u16(7), hello.length - 9);
    assert.deepEqual([...hello.subarray(9, 11)], [0x03, 0x03], 'client_version TLS 1.2');
  });
  it('offers ECDHE-ECDSA and ECDHE-RSA AES-GCM (what s_server with a P-256 or RSA cert picks)', () => {
    const suitesAt = 9 + 2 + 32 + 1;
    const suites = new Set<number>();
    for (let i = 0; i < u16(suitesAt); i += 2) suites.add(u16(suitesAt + 2 + i));
    assert.ok(suites.has(0xc02b) && suites.has(0xc02f));
  });
});

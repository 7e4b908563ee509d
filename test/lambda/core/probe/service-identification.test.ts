import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  identifyService,
  SERVICE_SAMPLE_BYTES,
  sshdRefusal,
  sshdRefusalText,
} from '../../../../lambda/core/probe/service-identification.ts';

const latin1 = (s: string) => Buffer.from(s, 'latin1');

// What real servers send first, or send back to `SSH-2.0-port22\r\n` (captured, or from the protocol's RFC).
const CASES: [string, Uint8Array, { name: string; detail: RegExp } | undefined][] = [
  [
    'nginx 400',
    latin1('HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n\r\n<html>'),
    { name: 'HTTP', detail: /^"HTTP\/1\.1 400 Bad Request", Server: "nginx\/1\.22\.1"$/ },
  ],
  [
    'HTTP/1.0 without Server',
    latin1('HTTP/1.0 400 Bad request\r\n\r\n'),
    { name: 'HTTP', detail: /^"HTTP\/1\.0 400 Bad request"$/ },
  ],
  [
    "Python http.server's HTTP/0.9 reply",
    latin1(
      '<!DOCTYPE HTML>\n<html lang="en">\n<head><title>Error response</title></head>\n<p>Error code: 400</p>',
    ),
    { name: 'HTTP', detail: /without a status line.*title "Error response", error code 400/ },
  ],
  // RFC 8446 §5.1 record header, §6 alert: level 2 (fatal), description 70 (protocol_version).
  [
    'TLS fatal alert',
    Uint8Array.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]),
    { name: 'TLS', detail: /^fatal alert protocol_version \(record version 3\.3\)$/ },
  ],
  [
    'TLS unknown alert',
    Uint8Array.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x01, 0xfe]),
    { name: 'TLS', detail: /^warning alert description 254/ },
  ],
  [
    'TLS ServerHello',
    Uint8Array.from([0x16, 0x03, 0x03, 0x00, 0x5a, 0x02, 0x00, 0x00, 0x56]),
    { name: 'TLS', detail: /^ServerHello/ },
  ],
  ['TLS record version 3.5 is not TLS', Uint8Array.from([0x16, 0x03, 0x05, 0x00, 0x01]), undefined],
  [
    'SMTP',
    latin1('220 mx.example.com ESMTP Postfix (Debian/GNU)\r\n'),
    { name: 'SMTP', detail: /^greeting "220 mx/ },
  ],
  ['FTP', latin1('220 (vsFTPd 3.0.3)\r\n'), { name: 'FTP', detail: /^greeting "220 \(vsFTPd 3\.0\.3\)"$/ }],
  ['220 of neither name', latin1('220 Welcome\r\n'), { name: 'FTP or SMTP', detail: /Welcome/ }],
  ['POP3', latin1('+OK Dovecot ready.\r\n'), { name: 'POP3', detail: /Dovecot/ }],
  ['IMAP', latin1('* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n'), { name: 'IMAP', detail: /Dovecot/ }],
  [
    'Redis',
    latin1("-ERR unknown command 'SSH-2.0-port22', with args beginning with: \r\n"),
    { name: 'Redis', detail: /unknown command/ },
  ],
  ['memcached', latin1('ERROR\r\n'), { name: 'memcached', detail: /"ERROR"/ }],
  ['VNC', latin1('RFB 003.008\n'), { name: 'VNC', detail: /RFB 003\.008/ }],
  // MySQL HandshakeV10: length 0x4a, sequence 0, protocol 10, "8.0.33\0".
  [
    'MySQL greeting',
    Uint8Array.from([0x4a, 0, 0, 0, 0x0a, ...latin1('8.0.33'), 0, 1, 2, 3]),
    { name: 'MySQL', detail: /^server version 8\.0\.33$/ },
  ],
  [
    'MySQL host refusal',
    Uint8Array.from([0x45, 0, 0, 0, 0xff, 0x6a, 0x04, ...latin1("Host '10.0.0.9' is not allowed")]),
    { name: 'MySQL', detail: /is not allowed/ },
  ],
  [
    'PostgreSQL ErrorResponse',
    Uint8Array.from([0x45, 0, 0, 0, 0x60, ...latin1('SFATAL\0')]),
    { name: 'PostgreSQL', detail: /ErrorResponse/ },
  ],
  [
    'Telnet negotiation',
    Uint8Array.from([0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20]),
    { name: 'Telnet', detail: /IAC/ },
  ],
  ['unrecognised text', latin1('hello there\r\n'), undefined],
  ['nothing', new Uint8Array(0), undefined],
  ['an SSH refusal is not a service', latin1('Not allowed at this time\r\n'), undefined],
];

describe('identifyService', () => {
  for (const [name, bytes, expected] of CASES) {
    it(name, () => {
      const got = identifyService(bytes);
      if (expected === undefined) {
        assert.equal(got, undefined);
        return;
      }
      assert.equal(got?.name, expected.name);
      assert.match(got?.detail ?? '', expected.detail);
    });
  }

  it('quotes peer text instead of echoing control bytes', () => {
    const got = identifyService(latin1('HTTP/1.1 200 OK\r\nServer: evil\x1b[2J\r\n\r\n'));
    assert.ok(!(got?.detail ?? '').includes('\x1b'), got?.detail);
    assert.match(got?.detail ?? '', /\\x1b/);
  });

  it('keeps a 2 KiB sample', () => assert.equal(SERVICE_SAMPLE_BYTES, 2048));
});

describe('sshdRefusal: what sshd.c drop_connection() writes', () => {
  it('OpenSSH 8.2-9.7', () => assert.equal(sshdRefusal('Exceeded MaxStartups'), 'exceeded-maxstartups'));
  it('OpenSSH 9.8+', () => assert.equal(sshdRefusal('Not allowed at this time'), 'not-allowed-at-this-time'));
  it('anything else', () => assert.equal(sshdRefusal('Exceeded MaxStartups '), undefined));
  it('round-trips to the text', () =>
    assert.equal(sshdRefusalText('not-allowed-at-this-time'), 'Not allowed at this time'));
});

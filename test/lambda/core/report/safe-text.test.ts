import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  escapeHtml,
  HEADER_MAX_CHARS,
  headerSafe,
  logSafe,
  MAIL_BODY_MAX_CHARS,
  mailBodySafe,
  TERMINAL_MAX_CHARS,
  terminalSafe,
} from '../../../../lambda/core/report/safe-text.ts';

describe('terminalSafe: text from a tag or a peer cannot drive the terminal', () => {
  const cases: [string, string, string][] = [
    ['CSI clear screen', 'a\u001b[2Jb', 'a\\x1b[2Jb'],
    ['OSC window title', '\u001b]0;owned\u0007', '\\x1b]0;owned\\x07'],
    ['C1 CSI', 'x\u009b31m', 'x\\x9b31m'],
    ['DEL and NUL', '\u007f\u0000', '\\x7f\\x00'],
    ['bidi override (CVE-2021-42574)', 'abc\u202edef', 'abc\\u{202e}def'],
    ['bidi isolate and mark', '\u2066x\u2069\u200f', '\\u{2066}x\\u{2069}\\u{200f}'],
    ['a lone high surrogate', 'a\ud800b', 'a\\u{d800}b'],
    ['a lone low surrogate', 'a\udc00b', 'a\\u{dc00}b'],
    ['a surrogate pair is a character and stays', 'key 🔑', 'key 🔑'],
    ['one line: CR, LF and tab escaped', 'one\r\ntwo\tthree', 'one\\x0d\\x0atwo\\x09three'],
    ['non-ASCII text stays', 'Zugriff nur für Befugte — 許可', 'Zugriff nur für Befugte — 許可'],
  ];
  for (const [name, input, expected] of cases) it(name, () => assert.equal(terminalSafe(input), expected));

  it('keepLines: CR LF becomes LF, LF and tabs stay, a lone CR is escaped', () =>
    assert.equal(terminalSafe('one\r\ntwo\tthree\r', { keepLines: true }), 'one\ntwo\tthree\\x0d'));

  it('bounded: at the cap unchanged, one over cut and marked', () => {
    const at = 'a'.repeat(TERMINAL_MAX_CHARS);
    assert.equal(terminalSafe(at), at);
    const over = terminalSafe(`${at}b`);
    assert.equal(over.length, TERMINAL_MAX_CHARS);
    assert.ok(over.endsWith('…'));
    assert.equal(terminalSafe('abcdef', { maxChars: 4 }), 'abc…');
  });
});

describe('headerSafe: no header value ever holds CR or LF', () => {
  const cases: [string, string, string][] = [
    ['CR LF Bcc injection', 'i-0abc\r\nBcc: evil@example.com', 'i-0abc??Bcc: evil@example.com'],
    ['a bare LF', 'a\nb', 'a?b'],
    ['NUL and ESC', '\u0000\u001b[2J', '??[2J'],
    ['non-ASCII (SNS and 7-bit headers)', 'web-café', 'web-caf?'],
    ['a surrogate pair counts two units', '🔑', '??'],
    ['plain ASCII stays', '[port22] DOWN i-0abc: CODE', '[port22] DOWN i-0abc: CODE'],
  ];
  for (const [name, input, expected] of cases) it(name, () => assert.equal(headerSafe(input), expected));

  it('bounded to one header line: at the cap unchanged, over it cut with three dots', () => {
    const at = 'a'.repeat(HEADER_MAX_CHARS);
    assert.equal(headerSafe(at), at);
    assert.equal(headerSafe(`${at}b`), `${'a'.repeat(HEADER_MAX_CHARS - 3)}...`);
    assert.equal(headerSafe('abcdef', 5), 'ab...');
    // RFC 5322 §2.1.1: 998 characters a line, the header's name included.
    assert.ok(`X-Port22-Diagnosis: ${headerSafe('x'.repeat(5000))}`.length <= 998);
  });
});

describe('mailBodySafe and logSafe share the terminal escaping', () => {
  it('a body keeps its lines and loses its escapes', () =>
    assert.equal(mailBodySafe('DOWN: web\u001b[2J\r\nline 2\n'), 'DOWN: web\\x1b[2J\nline 2\n'));
  it('a log field is one line', () => assert.equal(logSafe('a\nb\u009b'), 'a\\x0ab\\x9b'));
  it('a body of controls stays under the SNS cap of 256 KiB once escaped', () => {
    const body = mailBodySafe('\u0000'.repeat(MAIL_BODY_MAX_CHARS));
    assert.equal(body.length, MAIL_BODY_MAX_CHARS);
    assert.ok(Buffer.byteLength(body) < 256 * 1024);
  });
});

describe('escapeHtml: controls and bidi overrides are shown, not acted on', () => {
  it('markup and controls together', () =>
    assert.equal(escapeHtml('<b>\u202e\u001b</b>'), '&lt;b&gt;\\u{202e}\\x1b&lt;/b&gt;'));
});

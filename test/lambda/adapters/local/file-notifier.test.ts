import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileNotifier, rfc5322Date, toEml } from '../../../../lambda/adapters/local/file-notifier.ts';
import type { RenderedAlert } from '../../../../lambda/core/state/instance-state.ts';

const alert: RenderedAlert = {
  id: '0123456789abcdef01234567',
  kind: 'alert',
  code: 'SSHD_NOT_LISTENING',
  severity: 'critical',
  at: '2025-03-04T10:05:00.000Z',
  subject: '[port22] DOWN i-0abc (web-1): SSHD_NOT_LISTENING',
  body: 'DOWN: i-0abc (web-1)\nÉvidence ✓\n',
  attributes: { severity: 'critical', diagnosis: 'SSHD_NOT_LISTENING', kind: 'alert' },
};

describe('FileNotifier (.eml files for the lab)', () => {
  it('renders an RFC 5322 message with CRLF line ends and a UTF-8 body', () => {
    assert.equal(
      toEml(alert),
      [
        'From: port22 <port22@localhost>',
        'To: operators@localhost',
        'Subject: [port22] DOWN i-0abc (web-1): SSHD_NOT_LISTENING',
        'Date: Tue, 04 Mar 2025 10:05:00 +0000',
        'Message-ID: <0123456789abcdef01234567@port22.localhost>',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        'X-Port22-Severity: critical',
        'X-Port22-Diagnosis: SSHD_NOT_LISTENING',
        'X-Port22-Kind: alert',
        '',
        'DOWN: i-0abc (web-1)',
        'Évidence ✓',
        '',
      ].join('\r\n'),
    );
  });

  it('formats dates as RFC 5322 §3.3 in UTC', () => {
    assert.equal(rfc5322Date(new Date('2024-12-31T23:59:59.900Z')), 'Tue, 31 Dec 2024 23:59:59 +0000');
  });

  it('writes one file per alert into the directory and prints one line', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'port22-eml-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const lines: string[] = [];
    const notifier = new FileNotifier({ directory: join(dir, 'mail'), print: (l) => lines.push(l) });
    const { messageId } = await notifier.publish(alert);
    await notifier.publish({ ...alert, id: 'ffffffffffffffffffffffff', kind: 'recovery' });
    const files = (await readdir(join(dir, 'mail'))).sort();
    assert.deepEqual(files, [
      '2025-03-04T10-05-00-000Z-alert-0123456789abcdef01234567.eml',
      '2025-03-04T10-05-00-000Z-recovery-ffffffffffffffffffffffff.eml',
    ]);
    assert.equal(await readFile(join(dir, 'mail', files[0]!), 'utf8'), toEml(alert));
    assert.equal(messageId, '<0123456789abcdef01234567@port22.localhost>');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^\[port22\] DOWN i-0abc \(web-1\): SSHD_NOT_LISTENING {2}→ .*\.eml\n$/);
  });
});

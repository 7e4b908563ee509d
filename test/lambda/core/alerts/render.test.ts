import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  consoleHost,
  MAX_SUBJECT_CHARS,
  renderAlert,
  renderSubject,
} from '../../../../lambda/core/alerts/render.ts';
import type { Alert } from '../../../../lambda/core/alerts/types.ts';
import { downAlert, t } from './fixtures.ts';

describe('alert rendering', () => {
  it('renders the whole down alert exactly', () => {
    const r = renderAlert(downAlert, { dashboardUrl: 'https://example.invalid/dashboard' });
    assert.equal(r.subject, '[port22] DOWN i-0abc1234def567890 (web-1): SSHD_NOT_LISTENING');
    assert.deepEqual(r.attributes, { severity: 'critical', diagnosis: 'SSHD_NOT_LISTENING', kind: 'alert' });
    assert.equal(
      r.body,
      [
        'DOWN: i-0abc1234def567890 (web-1)',
        'Diagnosis: SSHD_NOT_LISTENING (severity critical)',
        'Address: 10.0.1.12:22',
        'Failing since: 2025-03-04T10:00:00.000Z (5m, 2 failed checks in a row)',
        'Checked at: 2025-03-04T10:05:00.000Z',
        '',
        'The instance answers TCP but nothing listens on port 22: sshd is stopped or crashed.',
        '',
        'Evidence',
        '  - probe refused: TCP connect to 10.0.1.12:22 answered with RST after 1 ms',
        '  - static REACHABLE: sg-0a1b2c3d allows tcp/22 from the prober',
        '',
        'What changed',
        '  - sg-0a1b2c3d: inbound rule tcp/22 from 10.0.0.0/16 removed since the last healthy check',
        '',
        'Remediation',
        '  1. sudo systemctl status sshd',
        '  2. sudo ss -ltnp | grep :22',
        '  3. sudo journalctl -u ssh -n 50',
        '',
        'Links',
        '  Instance:                   https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#InstanceDetails:instanceId=i-0abc1234def567890',
        '  Security group sg-0a1b2c3d: https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#SecurityGroup:groupId=sg-0a1b2c3d',
        '  Network ACL acl-0f1e2d3c:   https://eu-west-1.console.aws.amazon.com/vpcconsole/home?region=eu-west-1#NetworkAclDetails:networkAclId=acl-0f1e2d3c',
        '  Dashboard:                  https://example.invalid/dashboard',
        '',
        '-- ',
        `port22 alert ${r.id} (kind alert).`,
        'Filter subscriptions on the message attributes severity, diagnosis and kind.',
        '',
      ].join('\n'),
    );
  });

  it('omits empty sections (no changes, no remediation, no links)', () => {
    const r = renderAlert({ ...downAlert, changes: [], remediation: [], resources: undefined });
    assert.doesNotMatch(r.body, /What changed|Remediation|Links/);
  });

  it('gives the same id to the same decision and another to another time', () => {
    assert.equal(renderAlert(downAlert).id, renderAlert({ ...downAlert }).id);
    assert.notEqual(renderAlert(downAlert).id, renderAlert({ ...downAlert, at: t(2).toISOString() }).id);
  });

  const subjects: { name: string; alert: Partial<Alert>; expected: string }[] = [
    {
      name: 'recovery names what it recovered from',
      alert: { kind: 'recovery', code: 'HEALTHY', previousCode: 'SSHD_NOT_LISTENING' },
      expected: '[port22] RECOVERED i-0abc1234def567890 (web-1): HEALTHY (was SSHD_NOT_LISTENING)',
    },
    {
      name: 'update',
      alert: { kind: 'update', code: 'HOST_FIREWALL_DROP', previousCode: 'SSHD_NOT_LISTENING' },
      expected: '[port22] CHANGED i-0abc1234def567890 (web-1): HOST_FIREWALL_DROP (was SSHD_NOT_LISTENING)',
    },
    {
      name: 'reminder',
      alert: { kind: 'reminder' },
      expected: '[port22] STILL DOWN i-0abc1234def567890 (web-1): SSHD_NOT_LISTENING',
    },
    {
      name: 'security',
      alert: { kind: 'security', code: 'HOST_KEY_CHANGED' },
      expected: '[port22] SECURITY i-0abc1234def567890 (web-1): HOST_KEY_CHANGED',
    },
    {
      name: 'no Name tag',
      alert: { name: undefined },
      expected: '[port22] DOWN i-0abc1234def567890: SSHD_NOT_LISTENING',
    },
    {
      name: 'non-ASCII Name tag is made ASCII (SNS rewrites such subjects)',
      alert: { name: 'web-café\n1' },
      expected: '[port22] DOWN i-0abc1234def567890 (web-caf??1): SSHD_NOT_LISTENING',
    },
    {
      name: 'a long Name tag is shortened to keep the subject under 100 characters',
      alert: {
        kind: 'update',
        code: 'SSHD_REFUSING_CONNECTIONS',
        previousCode: 'RESOURCE_EXHAUSTION',
        name: 'x'.repeat(80),
      },
      expected: `[port22] CHANGED i-0abc1234def567890 (${'x'.repeat(4)}...): SSHD_REFUSING_CONNECTIONS (was RESOURCE_EXHAUSTION)`,
    },
    {
      name: 'group',
      alert: {
        instanceId: undefined,
        name: undefined,
        code: 'GROUP_BELOW_MINIMUM',
        group: { group: 'web', healthy: 1, members: 3, minimum: 2, unhealthyMembers: [] },
      },
      expected: '[port22] GROUP DOWN web: 1/3 healthy (min 2)',
    },
  ];
  for (const c of subjects) {
    it(`subject: ${c.name}`, () => {
      const s = renderSubject({ ...downAlert, ...c.alert });
      assert.equal(s, c.expected);
      assert.ok(s.length <= MAX_SUBJECT_CHARS, `${s.length} chars`);
    });
  }

  it('keeps every subject under 100 characters whatever the name', () => {
    for (let n = 0; n < 200; n += 7) {
      const s = renderSubject({
        ...downAlert,
        kind: 'update',
        previousCode: 'BLOCKED_BY_SECURITY_GROUP',
        name: 'n'.repeat(n),
      });
      assert.ok(s.length < 100, `${s.length}: ${s}`);
      assert.match(s, /i-0abc1234def567890/);
    }
  });

  const partitions = [
    ['us-east-1', 'https://us-east-1.console.aws.amazon.com'],
    ['cn-north-1', 'https://cn-north-1.console.amazonaws.cn'],
    ['us-gov-west-1', 'https://console.amazonaws-us-gov.com'],
  ];
  for (const [region, host] of partitions) {
    it(`console links in the partition of ${region}`, () => assert.equal(consoleHost(region!), host));
  }

  it('lists group members in the body', () => {
    const r = renderAlert({
      ...downAlert,
      instanceId: undefined,
      code: 'GROUP_BELOW_MINIMUM',
      group: {
        group: 'web',
        healthy: 1,
        members: 3,
        minimum: 2,
        unhealthyMembers: ['i-1 (web-1): SSHD_NOT_LISTENING'],
      },
    });
    assert.match(r.body, /^Group\n {2}1 of 3 healthy, minimum 2\n {2}- i-1 \(web-1\): SSHD_NOT_LISTENING$/m);
  });
});

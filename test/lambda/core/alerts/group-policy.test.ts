import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectGroups, decideGroup } from '../../../../lambda/core/alerts/group-policy.ts';
import { decideInstance } from '../../../../lambda/core/alerts/instance-policy.ts';
import { DEFAULT_ALERT_POLICY } from '../../../../lambda/core/alerts/types.ts';
import type { DiagnosisCode } from '../../../../lambda/core/diagnose/types.ts';
import type { GroupState, InstanceState } from '../../../../lambda/core/state/instance-state.ts';
import { observation, t } from './fixtures.ts';

const IDS = ['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c'];

/** Runs checks of a 3-member group; each step gives the members' diagnoses. */
function run(steps: DiagnosisCode[][], minTag?: string, config = DEFAULT_ALERT_POLICY) {
  const members = new Map<string, InstanceState>();
  let group: GroupState | undefined;
  const perCheck: string[][] = [];
  steps.forEach((codes, i) => {
    const decided = codes.map((code, m) => {
      const tags: Record<string, string> = { 'port22:group': 'web' };
      if (minTag && m === 0) tags['port22:group-min'] = minTag;
      const obs = observation(code, { tags, name: `web-${m + 1}` }, IDS[m]);
      const { next } = decideInstance(members.get(obs.instanceId), obs, t(i), config);
      members.set(obs.instanceId, next);
      return { observation: obs, state: next };
    });
    const [membership] = collectGroups(decided, config);
    const { next, alerts } = decideGroup(group, membership!, t(i), config);
    group = next;
    perCheck.push(alerts.map((a) => `${a.kind}:${a.code}:${a.group?.healthy}/${a.group?.members}`));
  });
  return { perCheck, group: group! };
}

const H = 'HEALTHY' as const;
const D = 'SSHD_NOT_LISTENING' as const;

describe('HA group alert policy', () => {
  const cases: { name: string; steps: DiagnosisCode[][]; min?: string; expected: string[][] }[] = [
    { name: '1 all healthy: nothing', steps: [[H, H, H]], expected: [[]] },
    {
      name: '2 default minimum 1: two members down is still above it',
      steps: [
        [D, D, H],
        [D, D, H],
      ],
      expected: [[], []],
    },
    {
      name: '3 default minimum 1: all down alerts once (after N checks), then recovers once',
      steps: [
        [D, D, D],
        [D, D, D],
        [D, D, D],
        [H, D, D],
        [H, D, D],
      ],
      expected: [[], ['alert:GROUP_BELOW_MINIMUM:0/3'], [], ['recovery:GROUP_HEALTHY:1/3'], []],
    },
    {
      name: '4 group-min tag 2: one member down is fine, two is an alert',
      steps: [
        [H, D, H],
        [H, D, H],
        [H, D, D],
        [H, D, D],
      ],
      min: '2',
      expected: [[], [], [], ['alert:GROUP_BELOW_MINIMUM:1/3']],
    },
    {
      name: '5 a member failing once does not count (debounced like instances)',
      steps: [
        [D, D, D],
        [H, H, H],
      ],
      expected: [[], []],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(run(c.steps, c.min).perCheck, c.expected));
  }

  it('names the unhealthy members and keeps the group record', () => {
    const { group } = run(
      [
        [D, D, H],
        [D, D, H],
      ],
      '2',
    );
    assert.deepEqual(
      {
        belowMinimum: group.belowMinimum,
        healthy: group.healthy,
        members: group.members,
        minimum: group.minimum,
      },
      { belowMinimum: true, healthy: 1, members: 3, minimum: 2 },
    );
    const members = [0, 1, 2].map((m) => ({
      observation: observation(
        m < 2 ? D : H,
        { tags: { 'port22:group': 'web', 'port22:group-min': '2' }, name: `web-${m + 1}` },
        IDS[m],
      ),
      state: { consecutiveFailures: m < 2 ? 2 : 0, diagnosis: m < 2 ? D : H } as InstanceState,
    }));
    const [membership] = collectGroups(members, DEFAULT_ALERT_POLICY);
    const { alerts } = decideGroup(undefined, membership!, t(0), DEFAULT_ALERT_POLICY);
    assert.deepEqual(alerts[0]?.group?.unhealthyMembers, [
      'i-0000000000000000a (web-1): SSHD_NOT_LISTENING',
      'i-0000000000000000b (web-2): SSHD_NOT_LISTENING',
    ]);
  });

  it('takes the largest group-min tag among members, else the configured default', () => {
    const obs = (id: string, tags: Record<string, string>) => ({
      observation: observation(H, { tags }, id),
      state: {} as InstanceState,
    });
    const groups = collectGroups(
      [
        obs('i-1', { 'port22:group': 'db', 'port22:group-min': '2' }),
        obs('i-2', { 'port22:group': 'db', 'port22:group-min': '3' }),
        obs('i-3', { 'port22:group': 'api' }),
        obs('i-4', {}),
      ],
      { ...DEFAULT_ALERT_POLICY, groupMinimumHealthy: 1 },
    );
    assert.deepEqual(
      groups.map((g) => [g.group, g.minimum, g.members.length]),
      [
        ['api', 1, 1],
        ['db', 3, 2],
      ],
    );
  });
});

describe('HA groups without tags (SSH target groups)', () => {
  const decided = (codes: DiagnosisCode[], tags: Record<string, string> = {}) =>
    codes.map((code, m) => {
      const obs = observation(code, { tags, name: `sftp-${m + 1}` }, IDS[m]);
      return { observation: obs, state: decideInstance(undefined, obs, t(0), DEFAULT_ALERT_POLICY).next };
    });

  it('the registered members in the run form the group; the default minimum applies without a tag', () => {
    const groups = collectGroups(decided([H, D, H]), DEFAULT_ALERT_POLICY, [
      { group: 'ssh-pool', instanceIds: [IDS[0]!, IDS[1]!, 'i-0000000000000000f'] },
    ]);
    assert.deepEqual(
      groups.map((g) => [g.group, g.minimum, g.members.map((m) => m.observation.instanceId)]),
      [['ssh-pool', 1, [IDS[0], IDS[1]]]],
    );
  });

  it("the target group's minimum is kept; a group with no member in the run is left out", () => {
    const groups = collectGroups(decided([H, H]), DEFAULT_ALERT_POLICY, [
      { group: 'ssh-pool', instanceIds: [IDS[0]!], minimum: 2 },
      { group: 'elsewhere', instanceIds: ['i-0000000000000000f'] },
    ]);
    assert.deepEqual(
      groups.map((g) => [g.group, g.minimum, g.members.length]),
      [['ssh-pool', 2, 1]],
    );
  });

  it('a port22:group tag naming the same group does not count a member twice', () => {
    const groups = collectGroups(decided([H, D], { 'port22:group': 'ssh-pool' }), DEFAULT_ALERT_POLICY, [
      { group: 'ssh-pool', instanceIds: [IDS[0]!, IDS[1]!] },
    ]);
    assert.deepEqual(
      groups.map((g) => [g.group, g.members.length]),
      [['ssh-pool', 2]],
    );
  });
});

/**
 * BLOCKED_BY_NETWORK_FIREWALL from a real analysis: an east-west firewall between two subnets with a
 * Suricata rule on tcp/22. What the probe saw must agree with the action (Network Firewall API reference,
 * `StatefulRule.Action`: DROP blocks silently, REJECT "sends a TCP reset packet back to sender").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnoseWithRule } from '../../../../../lambda/core/diagnose/diagnose.ts';
import type { ProbeOutcome, ProbeResult } from '../../../../../lambda/core/probe/types.ts';
import {
  eastWestThroughFirewall,
  inspectionPolicy,
  SSH_RULE_GROUP_ARN,
  sshRuleGroup,
} from '../../reachability/inventory-builder.ts';
import { verdictFor } from '../../reachability/verdict-for.ts';

function proberVerdict(suricata: string, policyDefaults: string[] = []) {
  const inv = eastWestThroughFirewall(
    {
      networkFirewallPolicies: [inspectionPolicy(true, policyDefaults)],
      networkFirewallRuleGroups: [sshRuleGroup(suricata)],
    },
    'i-0prober',
  );
  return verdictFor(inv, 'i-0server', 'i-0prober');
}

function probe(outcome: ProbeOutcome): ProbeResult {
  return { target: { host: '10.0.1.10', port: 22 }, outcome, phases: { connectMs: 1, totalMs: 1 } };
}

function diagnoseWith(suricata: string, outcome: ProbeOutcome | undefined, defaults: string[] = []) {
  return diagnoseWithRule({
    instanceId: 'i-0server',
    expect: 'open',
    ...(outcome ? { probe: probe(outcome) } : {}),
    proberVerdict: proberVerdict(suricata, defaults),
    sourceVerdicts: [],
    signals: { instanceId: 'i-0server', state: 'running', systemStatus: 'ok', instanceStatus: 'ok' },
  });
}

const REJECT = 'reject tcp any any -> 10.0.0.0/16 22 (msg:"no ssh"; sid:2;)';
const DROP = 'drop tcp any any -> 10.0.0.0/16 22 (sid:3;)';

describe('BLOCKED_BY_NETWORK_FIREWALL', () => {
  const cases: [string, string, ProbeOutcome | undefined, string[], string][] = [
    ['REJECT and a refused probe agree', REJECT, 'refused', [], 'PROBE_AGREES'],
    ['REJECT and a reset before the ident agree', REJECT, 'reset-before-ident', [], 'PROBE_AGREES'],
    ['DROP and a timeout agree', DROP, 'timeout', [], 'PROBE_AGREES'],
    ['DROP and a refused probe disagree (said in the evidence)', DROP, 'refused', [], 'PROBE_DISAGREES'],
    ['REJECT and a timeout disagree', REJECT, 'timeout', [], 'PROBE_DISAGREES'],
    [
      'aws:drop_established and an ident timeout agree',
      'alert tcp any any -> any 80 (sid:9;)',
      'ident-timeout',
      ['aws:drop_established'],
      'PROBE_AGREES',
    ],
  ];
  for (const [name, rules, outcome, defaults, agreement] of cases) {
    it(name, () => {
      const { diagnosis, rule } = diagnoseWith(rules, outcome, defaults);
      assert.equal(rule, 'blocked-by-network-firewall');
      assert.equal(diagnosis.code, 'BLOCKED_BY_NETWORK_FIREWALL');
      assert.deepEqual(
        diagnosis.evidence.map((e) => e.code).at(-1),
        agreement,
        diagnosis.evidence.map((e) => e.detail).join('\n'),
      );
    });
  }

  it('names the rule group and rule in the summary, and the remediation commands take its ARN', () => {
    const { diagnosis } = diagnoseWith(REJECT, 'refused');
    assert.equal(
      diagnosis.summary,
      'Network Firewall inspection rejects SSH from i-0prober to i-0server: ssh-rules sid 2',
    );
    assert.ok(
      diagnosis.remediation.some((s) =>
        s.includes(`aws network-firewall describe-rule-group --rule-group-arn ${SSH_RULE_GROUP_ARN}`),
      ),
      diagnosis.remediation.join('\n'),
    );
    assert.ok(diagnosis.remediation.some((s) => s.includes('aws network-firewall update-rule-group')));
    assert.ok(!diagnosis.remediation.some((s) => s.includes('update-firewall-policy')));
  });

  it("a policy default action points at the policy's commands", () => {
    const { diagnosis } = diagnoseWith('alert tcp any any -> any 80 (sid:9;)', 'timeout', [
      'aws:drop_strict',
    ]);
    assert.match(
      diagnosis.summary,
      /drops SSH .*: aws:drop_strict \(stateful default action\) of policy inspection-policy/,
    );
    assert.ok(
      diagnosis.remediation.some((s) =>
        s.includes('aws network-firewall update-firewall-policy --firewall-policy-arn'),
      ),
    );
  });

  it('an SSH answer through the firewall means the verdict is stale: not this diagnosis', () => {
    const { diagnosis } = diagnoseWithRule({
      instanceId: 'i-0server',
      expect: 'open',
      probe: {
        target: { host: '10.0.1.10', port: 22 },
        outcome: 'ok',
        phases: { connectMs: 1, identMs: 5, kexMs: 10, totalMs: 20 },
      },
      proberVerdict: proberVerdict(DROP),
      sourceVerdicts: [],
    });
    assert.notEqual(diagnosis.code, 'BLOCKED_BY_NETWORK_FIREWALL');
  });
});

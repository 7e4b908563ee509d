/**
 * AWS Network Firewall policies against one SSH connection. Each case cites the Network Firewall
 * Developer Guide / API reference page whose rule it checks:
 * - "Stateless rules" / `RuleDefinition.Actions`: first match by priority; aws:pass, aws:drop,
 *   aws:forward_to_sfe; custom actions only publish metrics.
 * - "Stateless default actions in your firewall policy": unmatched packets take StatelessDefaultActions;
 *   fragment defaults concern UDP fragments only.
 * - "Evaluation order for stateful rule groups": default action order (pass, drop, reject, alert) vs
 *   strict order (group priority, then rule order) with StatefulDefaultActions (aws:drop_strict,
 *   aws:drop_established, aws:alert_*). "Managing evaluation order for Suricata compatible rules": under
 *   action order "Actions are processed in the following order: pass, drop, reject, alert", and "If a
 *   packet within a flow matches a rule containing pass action, then Suricata doesn't scan the other
 *   packets in that flow and it passes the unscanned packets."
 * - `StatefulRule.Action`: DROP blocks silently, REJECT "sends a TCP reset packet back to sender".
 * - "Stateful domain list rule groups": HTTP Host / TLS SNI only, so never SSH.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  NetworkFirewallDescription,
  NetworkFirewallPolicyDescription,
  NetworkFirewallRuleGroupDescription,
  NetworkFirewallStatefulRule,
} from '../../../../lambda/core/inventory/model.ts';
import { AddressSet, parseAddress, parseCidr } from '../../../../lambda/core/net/cidr.ts';
import {
  evaluateNetworkFirewall,
  type FirewallFlow,
  parseSuricataRule,
} from '../../../../lambda/core/reachability/network-firewall-evaluator.ts';

const ARN = 'arn:aws:network-firewall:us-east-1:123456789012';

const FIREWALL: NetworkFirewallDescription = {
  Firewall: {
    FirewallName: 'inspection',
    FirewallId: 'fw-1',
    FirewallPolicyArn: `${ARN}:firewall-policy/p`,
    VpcId: 'vpc-0a1',
    SubnetMappings: [{ SubnetId: 'subnet-0fw' }],
  },
};

type Stateless = NonNullable<
  NonNullable<
    NetworkFirewallRuleGroupDescription['RuleGroup']
  >['RulesSource']['StatelessRulesAndCustomActions']
>['StatelessRules'][number];

function statelessRule(
  priority: number,
  action: string,
  m: {
    src?: string;
    dst?: string;
    sport?: [number, number];
    dport?: [number, number];
    proto?: number[];
  } = {},
  extra: string[] = [],
): Stateless {
  return {
    Priority: priority,
    RuleDefinition: {
      Actions: [action, ...extra],
      MatchAttributes: {
        ...(m.src ? { Sources: [{ AddressDefinition: m.src }] } : {}),
        ...(m.dst ? { Destinations: [{ AddressDefinition: m.dst }] } : {}),
        ...(m.sport ? { SourcePorts: [{ FromPort: m.sport[0], ToPort: m.sport[1] }] } : {}),
        ...(m.dport ? { DestinationPorts: [{ FromPort: m.dport[0], ToPort: m.dport[1] }] } : {}),
        ...(m.proto ? { Protocols: m.proto } : {}),
      },
    },
  };
}

function statelessGroup(name: string, rules: Stateless[]): NetworkFirewallRuleGroupDescription {
  return {
    RuleGroupResponse: {
      RuleGroupArn: `${ARN}:stateless-rulegroup/${name}`,
      RuleGroupName: name,
      RuleGroupId: name,
    },
    RuleGroup: { RulesSource: { StatelessRulesAndCustomActions: { StatelessRules: rules } } },
  };
}

function header(
  action: string,
  src: string,
  dst: string,
  dport = '22',
  sid = '1',
  direction = 'FORWARD',
): NetworkFirewallStatefulRule {
  return {
    Action: action,
    Header: {
      Protocol: 'TCP',
      Source: src,
      SourcePort: 'ANY',
      Direction: direction,
      Destination: dst,
      DestinationPort: dport,
    },
    RuleOptions: [{ Keyword: 'sid', Settings: [sid] }],
  };
}

function statefulGroup(
  name: string,
  source: { rules?: NetworkFirewallStatefulRule[]; suricata?: string; domains?: string[] },
  vars: { ips?: Record<string, string[]>; ports?: Record<string, string[]> } = {},
): NetworkFirewallRuleGroupDescription {
  const set = (r: Record<string, string[]> = {}) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, { Definition: v }]));
  return {
    RuleGroupResponse: {
      RuleGroupArn: `${ARN}:stateful-rulegroup/${name}`,
      RuleGroupName: name,
      RuleGroupId: name,
    },
    RuleGroup: {
      RuleVariables: { IPSets: set(vars.ips), PortSets: set(vars.ports) },
      RulesSource: {
        ...(source.rules ? { StatefulRules: source.rules } : {}),
        ...(source.suricata !== undefined ? { RulesString: source.suricata } : {}),
        ...(source.domains
          ? {
              RulesSourceList: {
                Targets: source.domains,
                TargetTypes: ['TLS_SNI', 'HTTP_HOST'],
                GeneratedRulesType: 'DENYLIST',
              },
            }
          : {}),
      },
    },
  };
}

interface PolicyOpts {
  stateless?: NetworkFirewallRuleGroupDescription[];
  statelessDefault?: string;
  stateful?: { group: NetworkFirewallRuleGroupDescription; priority?: number; override?: string }[];
  strict?: boolean;
  statefulDefaults?: string[];
}

function config(o: PolicyOpts) {
  const policy: NetworkFirewallPolicyDescription = {
    FirewallPolicyResponse: {
      FirewallPolicyName: 'p',
      FirewallPolicyArn: `${ARN}:firewall-policy/p`,
      FirewallPolicyId: 'p',
    },
    FirewallPolicy: {
      StatelessRuleGroupReferences: (o.stateless ?? []).map((g, i) => ({
        ResourceArn: g.RuleGroupResponse.RuleGroupArn,
        Priority: 10 * (i + 1),
      })),
      StatelessDefaultActions: [o.statelessDefault ?? 'aws:forward_to_sfe'],
      StatelessFragmentDefaultActions: ['aws:drop'],
      StatefulRuleGroupReferences: (o.stateful ?? []).map((s) => ({
        ResourceArn: s.group.RuleGroupResponse.RuleGroupArn,
        ...(s.priority !== undefined ? { Priority: s.priority } : {}),
        ...(s.override ? { Override: { Action: s.override } } : {}),
      })),
      ...(o.statefulDefaults ? { StatefulDefaultActions: o.statefulDefaults } : {}),
      ...(o.strict ? { StatefulEngineOptions: { RuleOrder: 'STRICT_ORDER' } } : {}),
    },
  };
  const groups = [...(o.stateless ?? []), ...(o.stateful ?? []).map((s) => s.group)];
  return {
    firewall: FIREWALL,
    policy,
    ruleGroups: new Map(groups.map((g) => [g.RuleGroupResponse.RuleGroupArn, g])),
  };
}

function flow(source: string, to = '10.0.1.10', sourcePorts: [number, number] = [1024, 65535]): FirewallFlow {
  const c = parseCidr(source)!;
  return {
    family: c.family,
    sources: AddressSet.fromCidrs(c.family, [c]),
    sourcePorts,
    destination: parseAddress(to)!.value,
    port: 22,
  };
}

/** `drop sid 2 @ 203.0.113.0/24` per outcome, blocking first, then the assumptions' rules. */
function summary(o: PolicyOpts, f: FirewallFlow): string {
  const v = evaluateNetworkFirewall(config(o), f);
  const outcomes = v.outcomes.map((x) => {
    const by = x.decidedBy ? ` ${x.decidedBy.ruleGroup} ${x.decidedBy.rule}` : '';
    const ports = x.sourcePorts.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
    const portText = ports === `${f.sourcePorts[0]}-${f.sourcePorts[1]}` ? '' : ` ports ${ports}`;
    return `${x.action}${x.afterHandshake ? ' (after handshake)' : ''}${by} @ ${x.sources.describe()}${portText}`;
  });
  const assumed = v.assumptions.map((a) => `assumed ${a.rule.ruleGroup} ${a.rule.rule}`);
  return [...outcomes, ...assumed].join('; ');
}

interface Case {
  name: string;
  policy: PolicyOpts;
  from?: string;
  ports?: [number, number];
  want: string;
}

const sshRules = statefulGroup(
  'ssh',
  {
    rules: [
      header('PASS', '203.0.113.0/24', '$HOME_NET', '22', '1'),
      header('REJECT', 'ANY', '$HOME_NET', '22', '2'),
    ],
  },
  { ips: { HOME_NET: ['10.0.0.0/8'] } },
);

const cases: Case[] = [
  // Stateless engine.
  {
    name: 'stateless default aws:pass without rule groups lets everything through',
    policy: { statelessDefault: 'aws:pass' },
    want: 'pass p aws:pass (stateless default action) @ 198.51.100.0/24',
  },
  {
    name: 'stateless default aws:drop drops the SYN',
    policy: { statelessDefault: 'aws:drop' },
    want: 'drop p aws:drop (stateless default action) @ 198.51.100.0/24',
  },
  {
    name: 'stateless aws:drop on TCP 22 wins over the default pass; custom actions do not change it',
    policy: {
      statelessDefault: 'aws:pass',
      stateless: [
        statelessGroup('sl', [
          statelessRule(1, 'aws:drop', { dport: [22, 22], proto: [6] }, ['MetricsAction']),
        ]),
      ],
    },
    want: 'drop sl priority 1 @ 198.51.100.0/24',
  },
  {
    name: 'stateless rules by priority: priority 1 pass beats priority 2 drop',
    policy: {
      statelessDefault: 'aws:drop',
      stateless: [
        statelessGroup('sl', [
          statelessRule(2, 'aws:drop', { dport: [22, 22] }),
          statelessRule(1, 'aws:pass', { src: '198.51.100.0/25', dport: [22, 22] }),
          statelessRule(3, 'aws:pass', { sport: [22, 22] }),
        ]),
      ],
    },
    want: 'drop sl priority 2 @ 198.51.100.128/25; pass sl priority 1 @ 198.51.100.0/25',
  },
  {
    name: 'stateless pass of the SYN alone is not enough: the reply packet hits the default drop',
    policy: {
      statelessDefault: 'aws:drop',
      stateless: [statelessGroup('sl', [statelessRule(1, 'aws:pass', { dport: [22, 22] })])],
    },
    want: 'drop p aws:drop (stateless default action) @ 198.51.100.0/24',
  },
  {
    name: 'stateless rule for UDP does not match TCP',
    policy: {
      statelessDefault: 'aws:pass',
      stateless: [statelessGroup('sl', [statelessRule(1, 'aws:drop', { proto: [17] })])],
    },
    want: 'pass p aws:pass (stateless default action) @ 198.51.100.0/24',
  },
  {
    name: 'stateless drop of part of the client ports',
    policy: {
      statelessDefault: 'aws:pass',
      stateless: [
        statelessGroup('sl', [statelessRule(1, 'aws:drop', { sport: [1024, 32767], dport: [22, 22] })]),
      ],
    },
    want: 'drop sl priority 1 @ 198.51.100.0/24 ports 1024-32767; pass p aws:pass (stateless default action) @ 198.51.100.0/24 ports 32768-65535',
  },
  {
    name: 'stateless TCP flag match is assumed not to match',
    policy: {
      statelessDefault: 'aws:pass',
      stateless: [
        {
          RuleGroupResponse: {
            RuleGroupArn: `${ARN}:stateless-rulegroup/flags`,
            RuleGroupName: 'flags',
            RuleGroupId: 'f',
          },
          RuleGroup: {
            RulesSource: {
              StatelessRulesAndCustomActions: {
                StatelessRules: [
                  {
                    Priority: 1,
                    RuleDefinition: {
                      Actions: ['aws:drop'],
                      MatchAttributes: { TCPFlags: [{ Flags: ['SYN'], Masks: ['SYN', 'ACK'] }] },
                    },
                  },
                ],
              },
            },
          },
        },
      ],
    },
    want: 'pass p aws:pass (stateless default action) @ 198.51.100.0/24; assumed flags priority 1',
  },
  // Stateful engine, default action order.
  {
    name: 'forward to stateful, no stateful rule matches: default order passes',
    policy: { stateful: [{ group: sshRules }] },
    from: '10.9.0.0/16',
    want: 'reject ssh sid 2 @ 10.9.0.0/16',
  },
  {
    name: 'default order: pass before reject whatever the rule order (5-tuple with $HOME_NET)',
    policy: { stateful: [{ group: sshRules }] },
    from: '203.0.113.0/24',
    want: 'pass ssh sid 1 @ 203.0.113.0/24',
  },
  {
    name: 'default order: drop before reject, across groups',
    policy: {
      stateful: [
        { group: statefulGroup('a', { rules: [header('REJECT', 'ANY', 'ANY', '22', '10')] }) },
        { group: statefulGroup('b', { rules: [header('DROP', '198.51.100.0/25', 'ANY', '22', '20')] }) },
      ],
    },
    want: 'drop b sid 20 @ 198.51.100.0/25; reject a sid 10 @ 198.51.100.128/25',
  },
  {
    name: 'default order: no match passes (alert only logs)',
    policy: {
      stateful: [{ group: statefulGroup('a', { rules: [header('ALERT', 'ANY', 'ANY', '22', '5')] }) }],
    },
    want: 'pass @ 198.51.100.0/24',
  },
  {
    name: 'DROP_TO_ALERT override turns a drop into an alert',
    policy: {
      stateful: [
        {
          group: statefulGroup('a', { rules: [header('DROP', 'ANY', 'ANY', '22', '5')] }),
          override: 'DROP_TO_ALERT',
        },
      ],
    },
    want: 'pass @ 198.51.100.0/24',
  },
  // Stateful engine, strict order.
  {
    name: 'strict order: rule order decides (reject first beats a later pass)',
    policy: {
      strict: true,
      stateful: [
        {
          group: statefulGroup('a', {
            rules: [
              header('REJECT', 'ANY', 'ANY', '22', '1'),
              header('PASS', '198.51.100.0/24', 'ANY', '22', '2'),
            ],
          }),
          priority: 1,
        },
      ],
    },
    want: 'reject a sid 1 @ 198.51.100.0/24',
  },
  {
    name: 'strict order: group priority, lower first',
    policy: {
      strict: true,
      stateful: [
        { group: statefulGroup('late', { rules: [header('DROP', 'ANY', 'ANY', '22', '1')] }), priority: 20 },
        { group: statefulGroup('early', { rules: [header('PASS', 'ANY', 'ANY', '22', '9')] }), priority: 10 },
      ],
    },
    want: 'pass early sid 9 @ 198.51.100.0/24',
  },
  {
    name: 'strict order: aws:drop_strict drops what no rule passes',
    policy: { strict: true, statefulDefaults: ['aws:drop_strict', 'aws:alert_strict'], stateful: [] },
    want: 'drop p aws:drop_strict (stateful default action) @ 198.51.100.0/24',
  },
  {
    name: 'strict order: aws:drop_established lets the handshake through, then drops',
    policy: { strict: true, statefulDefaults: ['aws:drop_established'], stateful: [] },
    want: 'drop (after handshake) p aws:drop_established (stateful default action) @ 198.51.100.0/24',
  },
  {
    name: 'strict order: aws:alert_strict only logs',
    policy: { strict: true, statefulDefaults: ['aws:alert_strict'], stateful: [] },
    want: 'pass @ 198.51.100.0/24',
  },
  {
    name: 'stateful default actions are ignored in default order',
    policy: { statefulDefaults: ['aws:drop_strict'], stateful: [] },
    want: 'pass @ 198.51.100.0/24',
  },
  {
    name: 'stateful rules are not reached when stateless rules pass the packets',
    policy: { statelessDefault: 'aws:pass', strict: true, statefulDefaults: ['aws:drop_strict'] },
    want: 'pass p aws:pass (stateless default action) @ 198.51.100.0/24',
  },
  {
    name: 'a domain list never matches SSH',
    policy: {
      strict: true,
      stateful: [{ group: statefulGroup('domains', { domains: ['.example.com'] }), priority: 1 }],
    },
    want: 'pass @ 198.51.100.0/24',
  },
  {
    name: 'Direction ANY matches the reverse 5-tuple',
    policy: {
      stateful: [
        {
          group: statefulGroup('a', {
            rules: [header('DROP', '10.0.1.10', '198.51.100.0/24', 'ANY', '3', 'ANY')],
          }),
        },
      ],
    },
    want: 'drop a sid 3 @ 198.51.100.0/24',
  },
  {
    name: 'a rule on another port does not match',
    policy: {
      stateful: [{ group: statefulGroup('a', { rules: [header('DROP', 'ANY', 'ANY', '443', '3')] }) }],
    },
    want: 'pass @ 198.51.100.0/24',
  },
  // Suricata rule strings.
  {
    name: 'Suricata: simple drop with CIDR list and negation',
    policy: {
      stateful: [
        {
          group: statefulGroup('s', {
            suricata:
              '# office only\ndrop tcp [198.51.100.0/24,!198.51.100.0/26] any -> any 22 (msg:"no ssh"; sid:100; rev:1;)',
          }),
        },
      ],
    },
    want: 'drop s sid 100 @ 198.51.100.64/26, 198.51.100.128/25; pass @ 198.51.100.0/26',
  },
  {
    name: 'Suricata: variables from RuleVariables ($HOME_NET, $SSH_PORTS), reject',
    policy: {
      strict: true,
      stateful: [
        {
          group: statefulGroup(
            's',
            { suricata: 'reject tcp $EXTERNAL any -> $HOME_NET $SSH_PORTS (flow:to_server; sid:7;)' },
            {
              ips: { HOME_NET: ['10.0.0.0/16'], EXTERNAL: ['198.51.100.0/24'] },
              ports: { SSH_PORTS: ['22', '2222'] },
            },
          ),
          priority: 1,
        },
      ],
    },
    want: 'reject s sid 7 @ 198.51.100.0/24',
  },
  {
    name: 'Suricata: port ranges and negated ports',
    policy: {
      stateful: [{ group: statefulGroup('s', { suricata: 'drop tcp any 1024:2047 -> any !80 (sid:8;)' }) }],
    },
    want: 'drop s sid 8 @ 198.51.100.0/24 ports 1024-2047; pass @ 198.51.100.0/24 ports 2048-65535',
  },
  {
    name: 'Suricata: ip protocol matches TCP, udp does not',
    policy: {
      stateful: [
        {
          group: statefulGroup('s', {
            suricata: 'drop udp any any -> any any (sid:1;)\nreject ip any any -> any any (sid:2;)',
          }),
        },
      ],
    },
    want: 'reject s sid 2 @ 198.51.100.0/24',
  },
  {
    name: 'Suricata: content match is assumed not to match, and named',
    policy: {
      strict: true,
      statefulDefaults: ['aws:drop_strict'],
      stateful: [
        {
          group: statefulGroup('s', {
            suricata:
              'drop tcp any any -> any 22 (content:"SSH-2.0-libssh"; sid:11;)\npass tcp any any -> any 22 (sid:12;)',
          }),
          priority: 1,
        },
      ],
    },
    want: 'pass s sid 12 @ 198.51.100.0/24; assumed s sid 11',
  },
  {
    name: 'Suricata: an undefined variable and an app-layer protocol are assumptions',
    policy: {
      stateful: [
        {
          group: statefulGroup('s', {
            suricata:
              'drop tcp $NOPE any -> any 22 (sid:21;)\ndrop ssh any any -> any any (sid:22;)\nflowbits nonsense',
          }),
        },
      ],
    },
    want: 'pass @ 198.51.100.0/24; assumed s line 3; assumed s sid 21; assumed s sid 22',
  },
  {
    name: 'Suricata: flow:established spares the SYN, so it is not exact',
    policy: {
      stateful: [
        {
          group: statefulGroup('s', {
            suricata: 'drop tcp any any -> any 22 (flow:established,to_server; sid:31;)',
          }),
        },
      ],
    },
    want: 'pass @ 198.51.100.0/24; assumed s sid 31',
  },
  {
    name: 'IPv6 flow against IPv4-only rules',
    policy: {
      stateful: [
        { group: statefulGroup('s', { suricata: 'drop tcp 198.51.100.0/24 any -> any 22 (sid:1;)' }) },
      ],
    },
    from: '2001:db8::/64',
    want: 'pass @ 2001:db8::/64',
  },
];

describe('evaluateNetworkFirewall', () => {
  for (const c of cases) {
    it(c.name, () => {
      const f =
        c.from?.includes(':') === true
          ? { ...flow(c.from, '10.0.1.10', c.ports), destination: parseAddress('2600:1f18:1::10')!.value }
          : flow(c.from ?? '198.51.100.0/24', '10.0.1.10', c.ports);
      assert.equal(summary(c.policy, f), c.want);
    });
  }

  it('names the missing policy or rule group instead of guessing', () => {
    const c = config({ stateful: [{ group: sshRules }] });
    const v = evaluateNetworkFirewall({ ...c, ruleGroups: new Map() }, flow('198.51.100.0/24'));
    assert.equal(v.missing, `rule group ${ARN}:stateful-rulegroup/ssh`);
    assert.deepEqual(v.outcomes, []);
    const w = evaluateNetworkFirewall({ ...c, policy: undefined }, flow('198.51.100.0/24'));
    assert.equal(w.missing, `firewall policy ${ARN}:firewall-policy/p`);
  });

  it('an assumption names the firewall and the rule', () => {
    const v = evaluateNetworkFirewall(
      config({
        stateful: [
          {
            group: statefulGroup('s', {
              suricata: 'drop tcp any any -> any 22 (threshold: type limit; sid:5;)',
            }),
          },
        ],
      }),
      flow('198.51.100.0/24'),
    );
    assert.equal(
      v.assumptions[0]?.detail,
      'firewall inspection: rule group s sid 5 is assumed not to match TCP 22: it uses the option "threshold"',
    );
  });
});

describe('parseSuricataRule', () => {
  it('reads header and options', () => {
    const r = parseSuricataRule(
      'pass tcp [10.0.0.0/8, 192.168.0.0/16] any <> $HOME_NET [22,2222] (msg:"a"; sid:3;)',
    );
    assert.ok(r && r !== 'unparsed');
    assert.equal(r.src, '[10.0.0.0/8, 192.168.0.0/16]');
    assert.equal(r.direction, '<>');
    assert.deepEqual(
      r.options.map((o) => o.keyword),
      ['msg', 'sid'],
    );
  });
  it('skips comments and blank lines, flags what it cannot read', () => {
    assert.equal(parseSuricataRule('  # drop tcp any any -> any 22 (sid:1;)'), undefined);
    assert.equal(parseSuricataRule(''), undefined);
    assert.equal(parseSuricataRule('drop tcp any any'), 'unparsed');
  });
});

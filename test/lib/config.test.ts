import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig, parseRate } from '../../lib/config.ts';

const vpc = {
  vpcId: 'vpc-0123456789abcdef0',
  cidrs: ['10.0.0.0/16'],
  subnetIds: ['subnet-0123456789abcdef0'],
};
const good = { vpcs: [vpc], alertEmails: ['ops@example.com'] };

function problems(raw: unknown): readonly string[] {
  try {
    parseConfig(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.problems;
  }
  assert.fail('expected the configuration to be rejected');
}

describe('parseConfig', () => {
  it('fills every default of a minimal configuration', () => {
    const config = parseConfig(good);
    assert.deepEqual(config, {
      vpcs: [{ ...vpc, expectedInstances: 100, shards: 1 }],
      schedule: 'rate(5 minutes)',
      alertEmails: ['ops@example.com'],
      targets: { monitorByDefault: true, tagFilters: [] },
      sources: [],
      port: 22,
      taggedPorts: [],
      thresholds: {
        cpuPercent: 90,
        creditBalance: 0,
        memPercent: 95,
        slowIdentMs: 2000,
        failuresBeforeAlert: 2,
        reminderHours: 24,
      },
      perInstanceMetrics: false,
      // Interface endpoints cost money: created only when asked for.
      createEndpoints: false,
      // Console output and CloudTrail need no agent and cost nothing per call; SSM runs a command on the host.
      evidence: {
        console: true,
        cloudTrail: true,
        flowLogs: true,
        ssm: false,
        maxInstances: 20,
        budgetSeconds: 20,
      },
      prober: { logRetentionDays: 30 },
    });
  });

  it('accepts a full configuration, IPv6 CIDRs and every source kind', () => {
    const config = parseConfig({
      ...good,
      vpcs: [
        {
          ...vpc,
          cidrs: ['10.0.0.0/16', '2001:db8:1234::/56'],
          subnetIds: ['subnet-0123456789abcdef0', 'subnet-01234567'],
          availabilityZones: ['eu-west-1a', 'eu-west-1b'],
          routeTableIds: ['rtb-0123456789abcdef0', 'rtb-01234567'],
          expectedInstances: 2500,
        },
      ],
      schedule: 'rate(1 minute)',
      targets: { monitorByDefault: false, tagFilters: [{ key: 'Environment', values: ['prod'] }] },
      sources: ['203.0.113.7/32', '2001:db8::/64', 'internet', 'i-0123456789abcdef0', 'eni-01234567'],
      port: 2200,
      taggedPorts: [22, 2222],
      thresholds: { failuresBeforeAlert: 3 },
      perInstanceMetrics: true,
      prober: { memoryMb: 1024, timeoutSeconds: 60, logRetentionDays: 90 },
    });
    assert.equal(config.thresholds.failuresBeforeAlert, 3);
    assert.equal(config.thresholds.cpuPercent, 90);
    assert.equal(config.port, 2200);
    assert.deepEqual(config.taggedPorts, [22, 2222]);
  });

  // expectedInstances → shards when none are configured: one per 500 instances, 1 to 100.
  const shardDefaults: Array<[number | undefined, number | undefined, number]> = [
    [undefined, undefined, 1],
    [500, undefined, 1],
    [501, undefined, 2],
    [3000, undefined, 6],
    [60_000, undefined, 100],
    [3000, 1, 1],
    [10, 100, 100],
  ];
  for (const [expectedInstances, shards, want] of shardDefaults) {
    it(`expectedInstances ${expectedInstances ?? 'unset'}, shards ${shards ?? 'unset'} → ${want} shards`, () => {
      const config = parseConfig({ vpcs: [{ ...vpc, expectedInstances, shards }] });
      assert.equal(config.vpcs[0]!.shards, want);
    });
  }

  it('reads a JSON string, as `cdk synth -c port22=…` passes it', () => {
    assert.equal(parseConfig(JSON.stringify(good)).vpcs[0]!.vpcId, vpc.vpcId);
    assert.deepEqual(problems('{not json'), [
      'port22: not JSON (a string given with -c must be a JSON object)',
    ]);
  });

  // One row per kind of mistake: the configuration and exactly the lines `cdk synth` prints for it.
  const bad: Array<[string, unknown, string[]]> = [
    ['no configuration', undefined, ['port22: required (set it in cdk.json "context" or pass it as props)']],
    ['missing VPC list', { alertEmails: [] }, ['port22.vpcs: required']],
    ['empty VPC list', { vpcs: [] }, ['port22.vpcs: at least one VPC to monitor is required']],
    [
      'missing VPC id',
      { vpcs: [{ cidrs: vpc.cidrs, subnetIds: vpc.subnetIds }] },
      ['port22.vpcs[0].vpcId: required'],
    ],
    ['bad VPC id', { vpcs: [{ ...vpc, vpcId: 'vpc-xyz' }] }, ['port22.vpcs[0].vpcId: not a VPC id (vpc-…)']],
    [
      'bad CIDR',
      { vpcs: [{ ...vpc, cidrs: ['10.0.0.0/16', '10.0.0.0/33'] }] },
      ['port22.vpcs[0].cidrs[1]: not a CIDR block (like 10.0.0.0/16 or 2001:db8::/56)'],
    ],
    [
      'CIDR that is an address',
      { vpcs: [{ ...vpc, cidrs: ['10.0.0.1'] }] },
      ['port22.vpcs[0].cidrs[0]: not a CIDR block (like 10.0.0.0/16 or 2001:db8::/56)'],
    ],
    [
      'empty subnets',
      { vpcs: [{ ...vpc, subnetIds: [] }] },
      ['port22.vpcs[0].subnetIds: at least one private subnet id is required'],
    ],
    [
      'AZs that do not pair with the subnets',
      { vpcs: [{ ...vpc, availabilityZones: ['eu-west-1a', 'eu-west-1b'] }] },
      ['port22.vpcs[0].availabilityZones: needs one entry per subnet id (1), got 2'],
    ],
    [
      'zero shards',
      { vpcs: [{ ...vpc, shards: 0 }] },
      ['port22.vpcs[0].shards: not a whole number of shards (1-100)'],
    ],
    [
      'more than 100 shards',
      { vpcs: [{ ...vpc, shards: 101 }] },
      ['port22.vpcs[0].shards: not a whole number of shards (1-100)'],
    ],
    [
      'fractional shards',
      { vpcs: [{ ...vpc, shards: 2.5 }] },
      ['port22.vpcs[0].shards: not a whole number of shards (1-100)'],
    ],
    [
      'shards as a string',
      { vpcs: [{ ...vpc, shards: '4' }] },
      ['port22.vpcs[0].shards: not a whole number of shards (1-100)'],
    ],
    ['duplicate VPC', { vpcs: [vpc, vpc] }, ['port22.vpcs[1].vpcId: duplicate of port22.vpcs[0].vpcId']],
    [
      'bad e-mail',
      { ...good, alertEmails: ['ops@example.com', 'ops at example.com'] },
      ['port22.alertEmails[1]: not an e-mail address'],
    ],
    [
      'bad rate',
      { ...good, schedule: 'every 5 minutes' },
      ['port22.schedule: not a rate expression like rate(5 minutes)'],
    ],
    ['plural rate of 1', { ...good, schedule: 'rate(1 minutes)' }, ['port22.schedule: write rate(1 minute)']],
    ['zero rate', { ...good, schedule: 'rate(0 minutes)' }, ['port22.schedule: the rate must be at least 1']],
    [
      'rate longer than an alarm can watch',
      { ...good, schedule: 'rate(1 day)' },
      [
        'port22.schedule: at most 12 hours (the prober-not-running alarm looks back two intervals, an alarm at most a day)',
      ],
    ],
    [
      'unknown top-level key',
      { ...good, alertEmail: 'ops@example.com' },
      ['port22.alertEmail: unknown key (did you mean alertEmails?)'],
    ],
    [
      'unknown nested key',
      { vpcs: [{ ...vpc, subnets: [] }] },
      ['port22.vpcs[0].subnets: unknown key (did you mean subnetIds?)'],
    ],
    ['bad port', { ...good, port: 70000 }, ['port22.port: not a TCP port (1-65535)']],
    ['port zero', { ...good, port: 0 }, ['port22.port: not a TCP port (1-65535)']],
    ['port as a string', { ...good, port: '22' }, ['port22.port: not a TCP port (1-65535)']],
    [
      'bad tagged port',
      { ...good, taggedPorts: [2222, 65536] },
      ['port22.taggedPorts[1]: not a TCP port (1-65535)'],
    ],
    [
      'duplicate tagged port',
      { ...good, taggedPorts: [2222, 2222] },
      ['port22.taggedPorts[1]: duplicate port 2222'],
    ],
    [
      'tagged port that is the port',
      { ...good, port: 2222, taggedPorts: [22, 2222] },
      ['port22.taggedPorts[1]: port 2222 is already "port"'],
    ],
    // Earlier versions read a `ports` list, of which the handler used only the first: say what to write now.
    [
      'the retired ports list',
      { ...good, ports: [22, 2222] },
      [
        'port22.ports: no longer read: write "port": 22 (the SSH port of instances without a port22:port tag) ' +
          'and list the other ports your port22:port tags name in "taggedPorts", e.g. [2222]',
      ],
    ],
    [
      'the retired ports list beside an unknown key',
      { ...good, ports: [22], colour: 'blue' },
      [
        'port22.ports: no longer read: write "port": 22 (the SSH port of instances without a port22:port tag) ' +
          'and list the other ports your port22:port tags name in "taggedPorts", e.g. [2222]',
        'port22.colour: unknown key',
      ],
    ],
    // A zone index is part of an address on one host's link, not of a network block: the core's parser
    // rejects it, so synth must too (it used to pass synth, and every run then failed on the source).
    [
      'a CIDR with an IPv6 zone index',
      { vpcs: [{ ...vpc, cidrs: ['fe80::1%eth0/64'] }] },
      ['port22.vpcs[0].cidrs[0]: not a CIDR block (like 10.0.0.0/16 or 2001:db8::/56)'],
    ],
    [
      'a source with an IPv6 zone index',
      { ...good, sources: ['fe80::1%eth0/64'] },
      ['port22.sources[0]: not a source spec (a CIDR, internet, i-…, eni-…)'],
    ],
    [
      'bad source spec',
      { ...good, sources: ['internet', 'office'] },
      ['port22.sources[1]: not a source spec (a CIDR, internet, i-…, eni-…)'],
    ],
    [
      'negative threshold',
      { ...good, thresholds: { slowIdentMs: -5 } },
      ['port22.thresholds.slowIdentMs: must not be negative (milliseconds)'],
    ],
    [
      'percent over 100',
      { ...good, thresholds: { cpuPercent: 120 } },
      ['port22.thresholds.cpuPercent: at most 100 (percent)'],
    ],
    [
      'zero failures before alert',
      { ...good, thresholds: { failuresBeforeAlert: 0 } },
      ['port22.thresholds.failuresBeforeAlert: must be at least 1'],
    ],
    [
      'boolean as a string',
      { ...good, perInstanceMetrics: 'yes' },
      ['port22.perInstanceMetrics: true or false'],
    ],
    [
      'retention CloudWatch does not offer',
      { ...good, prober: { logRetentionDays: 31 } },
      [
        'port22.prober.logRetentionDays: not a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)',
      ],
    ],
  ];
  for (const [name, raw, expected] of bad) {
    it(`rejects ${name} with one line naming the key`, () => {
      assert.deepEqual(problems(raw), expected);
    });
  }

  it('lists every problem of a configuration at once, one per line', () => {
    const lines = problems({
      vpcs: [{ ...vpc, cidrs: ['nope'], subnetIds: [] }],
      alertEmails: ['x'],
      schedule: 'rate(5 minute)',
      colour: 'blue',
    });
    assert.deepEqual([...lines].sort(), [
      'port22.alertEmails[0]: not an e-mail address',
      'port22.colour: unknown key',
      'port22.schedule: write rate(5 minutes)',
      'port22.vpcs[0].cidrs[0]: not a CIDR block (like 10.0.0.0/16 or 2001:db8::/56)',
      'port22.vpcs[0].subnetIds: at least one private subnet id is required',
    ]);
    for (const line of lines) assert.doesNotMatch(line, /\n|at .*\.ts:\d+/);
  });
});

describe('parseRate', () => {
  const cases: Array<[string, number | string]> = [
    ['rate(1 minute)', 60],
    ['rate(5 minutes)', 300],
    ['rate(2 hours)', 7200],
    ['rate(12 hours)', 43200],
    [
      'rate(13 hours)',
      'at most 12 hours (the prober-not-running alarm looks back two intervals, an alarm at most a day)',
    ],
    ['rate(1 hours)', 'write rate(1 hour)'],
    ['cron(0/5 * * * ? *)', 'not a rate expression like rate(5 minutes)'],
    ['rate(5 seconds)', 'not a rate expression like rate(5 minutes)'],
  ];
  for (const [expression, expected] of cases) {
    it(`${expression} → ${expected}`, () => assert.equal(parseRate(expression), expected));
  }
});

// The prefix length a family allows, at its edges: the same parser decides for synth and for every run.
describe('CIDR prefixes in vpcs[].cidrs and sources', () => {
  const prefixes: Array<[string, boolean]> = [
    ['0.0.0.0/0', true],
    ['203.0.113.7/32', true],
    ['203.0.113.7/33', false],
    ['::/0', true],
    ['2001:db8::/33', true],
    ['2001:db8::1/128', true],
    ['2001:db8::1/129', false],
    ['10.0.0.0/', false],
    ['10.0.0.0/-1', false],
    ['10.0.0.256/24', false],
    ['10.0.0.0/8/8', false],
  ];
  for (const [block, accepted] of prefixes) {
    it(`${block} is ${accepted ? 'accepted' : 'rejected'} in both places`, () => {
      const raw = { vpcs: [{ ...vpc, cidrs: [block] }], sources: [block] };
      if (accepted) {
        const config = parseConfig(raw);
        assert.deepEqual(config.vpcs[0]!.cidrs, [block]);
        assert.deepEqual(config.sources, [block]);
      } else {
        assert.deepEqual(problems(raw), [
          'port22.vpcs[0].cidrs[0]: not a CIDR block (like 10.0.0.0/16 or 2001:db8::/56)',
          'port22.sources[0]: not a source spec (a CIDR, internet, i-…, eni-…)',
        ]);
      }
    });
  }

  const sources: Array<[string, boolean]> = [
    ['internet', true],
    ['i-0123456789abcdef0', true],
    ['eni-01234567', true],
    // A bare address is a source of one address (/32), as `--source` reads it; a VPC block needs a prefix.
    ['203.0.113.7', true],
    ['Internet', false],
    ['i-', false],
    ['sg-0123456789abcdef0', false],
  ];
  for (const [spec, accepted] of sources) {
    it(`source ${spec} is ${accepted ? 'accepted' : 'rejected'}`, () => {
      const raw = { ...good, sources: [spec] };
      if (accepted) assert.deepEqual(parseConfig(raw).sources, [spec]);
      else
        assert.deepEqual(problems(raw), [
          'port22.sources[0]: not a source spec (a CIDR, internet, i-…, eni-…)',
        ]);
    });
  }
});

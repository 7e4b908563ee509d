import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { loadInventoryDir } from '../../../lambda/adapters/local/inventory-dir.ts';
import { parseHandlerConfig, parseScheduledCheckEvent } from '../../../lambda/contract.ts';
import { checkInputFor, createHandler, DEADLINE_MARGIN_MS } from '../../../lambda/handlers/check.ts';
import { lambdaEniLocator } from '../../../lambda/wiring.ts';

const root = new URL('../../../', import.meta.url).pathname;
const VPC = 'vpc-0b22c0ffee000000a';
const context = (remaining: number) => ({
  awsRequestId: 'req-1',
  functionName: 'port22-prober-vpc-0b22c0ffee0000001',
  getRemainingTimeInMillis: () => remaining,
});

describe('prober handler', () => {
  it('the deadline is now + remaining time − margin; config and env become the pipeline input', async () => {
    const config = parseHandlerConfig(
      JSON.stringify({
        vpcId: 'vpc-0b22c0ffee000000a',
        port: 2222,
        sources: ['10.8.0.0/16'],
        targets: { monitorByDefault: false, tagFilters: [] },
        thresholds: { cpuPercent: 85, slowIdentMs: 1500, failuresBeforeAlert: 3, reminderHours: 12 },
        perInstanceMetrics: true,
      }),
    );
    const input = checkInputFor(
      config,
      {
        PORT22_DASHBOARD_URL: 'https://console.aws.amazon.com/cloudwatch/home#dashboards',
        AWS_REGION: 'eu-west-1',
      },
      context(60_000),
      1_000_000,
    );
    assert.equal(input.deadlineAt, 1_000_000 + 60_000 - DEADLINE_MARGIN_MS);
    assert.equal(input.runId, 'req-1');
    assert.equal(input.port, 2222);
    assert.deepEqual(input.sources, ['10.8.0.0/16']);
    // What the configuration leaves out is the engine's default, filled in by the schema.
    assert.deepEqual(input.thresholds, {
      cpuPercent: 85,
      creditBalance: 0,
      memPercent: 95,
      slowIdentMs: 1500,
    });
    assert.deepEqual(input.alertPolicy, { failuresBeforeAlert: 3, reminderIntervalMs: 12 * 3600_000 });
    assert.equal(input.render?.region, 'eu-west-1');
    assert.equal(input.vpcId, 'vpc-0b22c0ffee000000a');
    assert.equal(input.perInstanceMetrics, true);
    assert.equal(input.targets?.monitorByDefault, false);
    // The prober's own path: its Lambda ENI, found in the discovered inventory.
    const inventory = await loadInventoryDir(`${root}test/fixtures/inventories/pipeline-lab`);
    assert.equal(typeof input.proberSource, 'function');
    assert.equal((input.proberSource as (i: typeof inventory) => string)(inventory), 'eni-0b22000000000f0a0');
    // Its paths to the APIs the run calls: no table or topic in this environment, so neither DynamoDB nor SNS;
    // the evidence defaults (console output, flow logs, CloudTrail).
    assert.deepEqual(input.proberApis, {
      region: 'eu-west-1',
      services: [
        'ec2',
        'network-firewall',
        'elasticloadbalancing',
        'cloudwatch',
        'cloudwatch-logs',
        'cloudtrail',
      ],
    });
    const stacked = checkInputFor(
      config,
      {
        AWS_REGION: 'eu-west-1',
        PORT22_TABLE: 'port22-state',
        PORT22_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:port22',
      },
      context(60_000),
      1_000_000,
    );
    assert.deepEqual(stacked.proberApis?.services, [
      'ec2',
      'network-firewall',
      'elasticloadbalancing',
      'cloudwatch',
      'dynamodb',
      'sns',
      'cloudwatch-logs',
      'cloudtrail',
    ]);
  });

  it('the Lambda ENI is matched by function name, not by any Lambda ENI', async () => {
    const inventory = await loadInventoryDir(`${root}test/fixtures/inventories/pipeline-lab`);
    assert.equal(lambdaEniLocator('port22-prober-vpc-0b22c0ffee0000001')(inventory), 'eni-0b22000000000f0a0');
    assert.equal(
      lambdaEniLocator('port22-prober')(inventory),
      undefined,
      'a prefix of another name is not it',
    );
    assert.equal(lambdaEniLocator(undefined)(inventory), undefined);
  });

  // The shard fields of the scheduled event: both or neither; anything else fails the invocation.
  const shardEvents: Array<
    [string, { shard?: unknown; shards?: unknown }, { shard: number; shards: number } | RegExp]
  > = [
    ['no shard fields: the whole VPC (events from before sharding)', {}, { shard: 0, shards: 1 }],
    ['shard 2 of 3', { shard: 2, shards: 3 }, { shard: 2, shards: 3 }],
    ['shard without shards', { shard: 1 }, /shards must be a whole number from 1 to 100, got undefined/],
    ['shards without shard', { shards: 4 }, /shard must be a whole number from 0 to 3, got undefined/],
    ['shard past the count', { shard: 3, shards: 3 }, /shard must be a whole number from 0 to 2, got 3/],
    ['shards as a string', { shard: 0, shards: '2' }, /shards must be a whole number from 1 to 100, got "2"/],
    ['zero shards', { shard: 0, shards: 0 }, /shards must be a whole number/],
  ];
  for (const [name, fields, expected] of shardEvents) {
    it(`scheduled event: ${name}`, () => {
      const event = { kind: 'port22.scheduled-check', vpcId: VPC, ...fields };
      if (expected instanceof RegExp) assert.throws(() => parseScheduledCheckEvent(event, VPC), expected);
      else assert.deepEqual(parseScheduledCheckEvent(event, VPC), expected);
    });
  }

  // The configuration names the prober's VPC; an event may repeat it, never name another.
  const otherEvents: Array<[string, unknown, object | string]> = [
    [
      'as the schedule sends it',
      {
        kind: 'port22.scheduled-check',
        vpcId: VPC,
        scheduledTime: '2026-12-01T15:00:00Z',
        shard: 0,
        shards: 1,
      },
      { shard: 0, shards: 1, scheduledTime: '2026-12-01T15:00:00Z' },
    ],
    ['hand-made, empty', {}, { shard: 0, shards: 1 }],
    ['hand-made, no event at all', undefined, { shard: 0, shards: 1 }],
    [
      'another VPC',
      { kind: 'port22.scheduled-check', vpcId: 'vpc-0b22c0ffee000000b' },
      `bad scheduled event: vpcId vpc-0b22c0ffee000000b is not this prober's VPC (${VPC})`,
    ],
    ['not a VPC id', { vpcId: 'vpc-1' }, 'bad scheduled event: vpcId: not a VPC id (vpc-…)'],
    ['another kind', { kind: 'aws.events' }, 'bad scheduled event: kind: not "port22.scheduled-check"'],
    ['not an object', 'check', 'bad scheduled event: not a JSON object'],
  ];
  for (const [name, event, expected] of otherEvents) {
    it(`scheduled event: ${name}`, () => {
      if (typeof expected === 'string')
        assert.throws(
          () => parseScheduledCheckEvent(event, VPC),
          (e: Error) => e.message === expected,
        );
      else assert.deepEqual(parseScheduledCheckEvent(event, VPC), expected);
    });
  }

  /** Runs `invoke`, keeping back (and returning) the JSON log lines whose message is one of `messages`. */
  async function capture(t: TestContext, messages: string[], invoke: () => Promise<unknown>) {
    // Powertools writes ERROR lines to stderr (its own Console over process.stdout/stderr).
    const lines: string[] = [];
    const wanted = (chunk: string) => messages.some((m) => chunk.includes(`"message":"${m}"`));
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      t.mock.method(stream, 'write', (chunk: string | Uint8Array, ...rest: never[]) => {
        if (typeof chunk === 'string' && wanted(chunk)) {
          lines.push(chunk.trim());
          return true;
        }
        return write(chunk, ...rest);
      });
    }
    let error: unknown;
    try {
      await invoke();
    } catch (e) {
      error = e;
    }
    t.mock.restoreAll();
    return { lines: lines.map((l) => JSON.parse(l) as Record<string, unknown>), error: error as Error };
  }

  const goodEnv = { PORT22_CONFIG: JSON.stringify({ vpcId: VPC }) };

  it('a bad shard is logged as an error and fails the invocation before any AWS call', async (t) => {
    const handler = createHandler(goodEnv);
    const { lines, error } = await capture(t, ['check rejected'], () =>
      handler({ kind: 'port22.scheduled-check', shard: 5, shards: 2 }, context(60_000)),
    );
    assert.match(error.message, /^bad scheduled event: shard must be a whole number from 0 to 1, got 5$/);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, 'ERROR');
    assert.equal(lines[0]!.error, error.message);
  });

  it('an event for another VPC is rejected with one line, before any AWS call', async (t) => {
    const handler = createHandler(goodEnv);
    const { lines, error } = await capture(t, ['check rejected'], () =>
      handler({ kind: 'port22.scheduled-check', vpcId: 'vpc-0b22c0ffee000000b' }, context(60_000)),
    );
    const expected = `bad scheduled event: vpcId vpc-0b22c0ffee000000b is not this prober's VPC (${VPC})`;
    assert.equal(error.message, expected);
    assert.deepEqual(
      lines.map((l) => [l.level, l.error]),
      [['ERROR', expected]],
    );
  });

  // PORT22_CONFIG is read once, at cold start; a bad one fails every invocation with the same one line, and
  // the error the runtime logs carries that line, not a stack of frames.
  const badConfigs: Array<[string, string | undefined, string]> = [
    ['missing', undefined, 'PORT22_CONFIG: required (the stack sets it; deploy with cdk deploy)'],
    ['not JSON', '{vpcId:', 'PORT22_CONFIG: not JSON'],
    ['an array', '[1]', 'PORT22_CONFIG: not a JSON object'],
    ['without its VPC', '{"port":22}', 'PORT22_CONFIG: vpcId: required'],
    [
      'a port out of range and an unknown key',
      JSON.stringify({ vpcId: VPC, port: 0, intervalSeconds: 300 }),
      'PORT22_CONFIG: port: not a TCP port (1-65535); intervalSeconds: unknown key',
    ],
    [
      'a threshold out of range',
      JSON.stringify({ vpcId: VPC, thresholds: { cpuPercent: 101 } }),
      'PORT22_CONFIG: thresholds.cpuPercent: at most 100 (percent)',
    ],
    [
      'a source the analysis cannot read',
      JSON.stringify({ vpcId: VPC, sources: ['fe80::1%eth0/64'] }),
      'PORT22_CONFIG: sources[0]: not a source spec (a CIDR, internet, i-…, eni-…)',
    ],
  ];
  for (const [name, text, expected] of badConfigs) {
    it(`PORT22_CONFIG ${name}: every invocation fails with one line`, async (t) => {
      const handler = createHandler(text === undefined ? {} : { PORT22_CONFIG: text });
      for (let run = 0; run < 2; run++) {
        const { lines, error } = await capture(t, ['bad configuration'], () =>
          handler({ kind: 'port22.scheduled-check', vpcId: VPC }, context(60_000)),
        );
        assert.equal(error.message, expected);
        assert.equal(error.stack, `ContractError: ${expected}`, 'no frames under the line');
        assert.deepEqual(
          lines.map((l) => [l.level, l.error]),
          [['ERROR', expected]],
        );
      }
    });
  }
});

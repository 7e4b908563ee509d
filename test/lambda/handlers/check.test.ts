import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadInventoryDir } from '../../../lambda/adapters/local/inventory-dir.ts';
import {
  checkInputFor,
  DEADLINE_MARGIN_MS,
  eventShard,
  handler,
  parseHandlerConfig,
} from '../../../lambda/handlers/check.ts';
import { lambdaEniLocator } from '../../../lambda/wiring.ts';

const root = new URL('../../../', import.meta.url).pathname;
const context = (remaining: number) => ({
  awsRequestId: 'req-1',
  functionName: 'port22-prober-vpc-0b22c0ffee0000001',
  getRemainingTimeInMillis: () => remaining,
});

describe('prober handler', () => {
  it('the deadline is now + remaining time − margin; config and env become the pipeline input', async () => {
    const config = parseHandlerConfig(
      JSON.stringify({
        vpcId: 'vpc-0b22c0ffee0000001',
        ports: [2222, 22],
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
    assert.deepEqual(input.thresholds, { cpuPercent: 85, slowIdentMs: 1500 });
    assert.deepEqual(input.alertPolicy, { failuresBeforeAlert: 3, reminderIntervalMs: 12 * 3600_000 });
    assert.equal(input.render?.region, 'eu-west-1');
    assert.equal(input.vpcId, 'vpc-0b22c0ffee0000001');
    assert.equal(input.perInstanceMetrics, true);
    assert.equal(input.targets?.monitorByDefault, false);
    // The prober's own path: its Lambda ENI, found in the discovered inventory.
    const inventory = await loadInventoryDir(`${root}test/fixtures/inventories/pipeline-lab`);
    assert.equal(typeof input.proberSource, 'function');
    assert.equal((input.proberSource as (i: typeof inventory) => string)(inventory), 'eni-0b22000000000f0a0');
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

  it('PORT22_CONFIG: empty means defaults, anything but a JSON object is an error', () => {
    assert.deepEqual(parseHandlerConfig(undefined), {});
    assert.throws(() => parseHandlerConfig('[1]'), /not a JSON object/);
    assert.throws(() => parseHandlerConfig('{'), SyntaxError);
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
      const event = { kind: 'port22.scheduled-check', vpcId: 'vpc-0b22c0ffee0000001', ...fields };
      if (expected instanceof RegExp) assert.throws(() => eventShard(event), expected);
      else assert.deepEqual(eventShard(event), expected);
    });
  }

  it('a bad shard is logged as an error and fails the invocation before any AWS call', async (t) => {
    // Powertools writes ERROR lines to stderr (its own Console over process.stdout/stderr).
    const lines: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      t.mock.method(stream, 'write', (chunk: string | Uint8Array, ...rest: never[]) => {
        lines.push(String(chunk));
        return String(chunk).includes('"check rejected"') ? true : write(chunk, ...rest);
      });
    }
    await assert.rejects(
      handler({ kind: 'port22.scheduled-check', shard: 5, shards: 2 }, context(60_000)),
      /bad scheduled event: shard must be a whole number from 0 to 1, got 5/,
    );
    const logged = lines.map((l) => l.trim()).filter((l) => l.includes('"check rejected"'));
    assert.equal(logged.length, 1, lines.join(''));
    const entry = JSON.parse(logged[0]!);
    assert.equal(entry.level, 'ERROR');
    assert.match(entry.error, /shard must be a whole number from 0 to 1, got 5/);
  });
});

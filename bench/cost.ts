/**
 * `node --import tsx bench/cost.ts [--no-measure] [--paths-per-instance 1] [--schedule-minutes 5]`
 *
 * What port22 costs a month for fleets of 10, 100 and 1,000 instances checked every 5 minutes, line by line,
 * side by side with running AWS VPC Reachability Analyzer over the same paths on the same schedule.
 * us-east-1 list prices, each with the page it was taken from (PRICES); every assumption is named in
 * ASSUMPTIONS and printed. The one figure measured here is the prober's CPU time per healthy probe: real
 * ssh2 key exchanges against loopback endpoints served from a child process (bench/fanout-endpoints.ts), so
 * the server's half of the crypto is not counted. Free tiers are ignored (an account's free tier is usually
 * spent elsewhere), which makes every port22 figure an upper bound.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LOOKUP_INTERVAL_MS } from '../lambda/adapters/aws/cloudtrail-history.ts';
import { CONSOLE_CONCURRENCY } from '../lambda/adapters/aws/console-output.ts';
import { plannedQueries } from '../lambda/adapters/aws/host-signals.ts';
import { probe } from '../lambda/adapters/net/prober.ts';
import { DEFAULT_FLOW_LOG_WINDOW_MINUTES } from '../lambda/core/evidence/flow-log.ts';
import { DEFAULT_EVIDENCE_MAX_INSTANCES } from '../lambda/core/evidence/observations.ts';
import { DEFAULT_CONCURRENCY } from '../lambda/core/probe/fan-out.ts';
import { DEFAULT_TIMEOUTS } from '../lambda/core/probe/types.ts';
import { proberServices } from '../lambda/prober-services.ts';
import { defaultShards } from '../lib/config.ts';
import { sizeProber } from '../lib/prober-function.ts';
import { startEndpoints, stopEndpoints } from './fanout-endpoints.ts';
import { emitBenchResult } from './result.ts';

const { values: args } = parseArgs({
  options: {
    'no-measure': { type: 'boolean', default: false },
    'paths-per-instance': { type: 'string', default: '1' },
    'schedule-minutes': { type: 'string', default: '5' },
  },
});

const FLEETS = [10, 100, 1000] as const;
const scheduleMinutes = Number(args['schedule-minutes']);
/** A 30-day month. */
const RUNS_PER_MONTH = (30 * 24 * 60) / scheduleMinutes;

interface Price {
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
}

/**
 * us-east-1 list prices. The AWS pricing pages render their tables with scripts, so where the stored copy of
 * the AWS page did not carry the number, the page that quoted it (for us-east-1) is named after it.
 */
export const PRICES = {
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'per GB-second, Arm, first 7.5 billion GB-s/month',
    source:
      'https://aws.amazon.com/lambda/pricing/ (quoted for US East by https://cloudchipr.com/blog/aws-lambda-pricing)',
  },
  lambdaRequest: {
    usd: 0.2 / 1e6,
    unit: 'per request ($0.20 per million)',
    source:
      'https://aws.amazon.com/lambda/pricing/ (quoted by git.mcrn.ar/mariano/lambda_local_runner docs/lambdas-md/lambda-13-cost.md)',
  },
  dynamoWriteUnit: {
    usd: 0.625 / 1e6,
    unit: 'per on-demand write request unit ($0.625 per million)',
    source:
      'https://aws.amazon.com/dynamodb/pricing/on-demand/ (after the Nov 2024 cut; quoted for US East by https://airbyte.com/data-engineering-resources/dynamodb-pricing)',
  },
  dynamoReadUnit: {
    usd: 0.125 / 1e6,
    unit: 'per on-demand read request unit ($0.125 per million)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ (same)',
  },
  customMetric: {
    usd: 0.3,
    unit: 'per custom metric-month, first 10,000 metrics',
    source:
      'https://aws.amazon.com/cloudwatch/pricing/ (quoted by https://signoz.io/guides/cloudwatch-pricing)',
  },
  customMetricOver10k: {
    usd: 0.1,
    unit: 'per custom metric-month, next 240,000 metrics',
    source:
      'https://aws.amazon.com/cloudwatch/pricing/ (quoted by https://cal53.calculator.city/cloudwatch-custom-metrics-calculator/)',
  },
  getMetricData: {
    usd: 0.01 / 1000,
    unit: 'per metric requested with GetMetricData ($0.01 per 1,000)',
    source:
      'https://aws.amazon.com/cloudwatch/pricing/ (quoted by https://support.site24x7.com/portal/en/kb/articles/aws-cloudwatch-metrics-cost-calculation)',
  },
  dashboard: {
    usd: 3,
    unit: 'per dashboard-month',
    source:
      'https://aws.amazon.com/cloudwatch/pricing/ (quoted by https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/)',
  },
  alarmMetric: {
    usd: 0.1,
    unit: 'per standard-resolution alarm metric-month',
    source:
      'https://aws.amazon.com/cloudwatch/pricing/ (quoted by https://c3x.dev/resources/aws/aws_cloudwatch_metric_alarm)',
  },
  logsIngestionGb: {
    usd: 0.5,
    unit: 'per GB ingested, Standard log class',
    source:
      'https://aws.amazon.com/cloudwatch/pricing/ (quoted for us-east-1 by https://c3x.dev/blog/cloudwatch-logs-cost-optimization)',
  },
  logsStorageGb: {
    usd: 0.03,
    unit: 'per GB-month stored',
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (same)',
  },
  snsPublish: {
    usd: 0.5 / 1e6,
    unit: 'per publish ($0.50 per million)',
    source:
      'https://aws.amazon.com/sns/pricing/ (quoted by https://www.factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/)',
  },
  snsEmail: {
    usd: 2 / 100_000,
    unit: 'per e-mail notification ($2.00 per 100,000)',
    source: 'https://aws.amazon.com/sns/pricing/ (same)',
  },
  kmsKey: {
    usd: 1,
    unit: 'per customer managed key-month',
    source: 'https://aws.amazon.com/kms/pricing/',
  },
  logsInsightsGbScanned: {
    usd: 0.005,
    unit: 'per GB of log data scanned by a Logs Insights query',
    source:
      'https://aws.amazon.com/cloudwatch/pricing/ ("Logs", Analyze (Logs Insights queries): $0.005 per GB of data scanned)',
  },
  cloudTrailLookup: {
    usd: 0,
    unit: 'per LookupEvents call (Event history: 90 days of management events, no charge)',
    source: 'https://aws.amazon.com/cloudtrail/pricing/ (Event history is free)',
  },
  reachabilityAnalysis: {
    usd: 0.1,
    unit: 'per Reachability Analyzer analysis',
    source:
      'https://aws.amazon.com/vpc/pricing/ ("Network Analysis"; quoted as "$0.10 per analysis" in https://github.com/cloud-custodian/cloud-custodian/issues/6347)',
  },
  getConsoleOutput: {
    usd: 0,
    unit: 'per GetConsoleOutput call: EC2 API calls carry no charge of their own',
    source:
      'https://aws.amazon.com/ec2/pricing/on-demand/ (bills instances, storage, data transfer and addresses; no line for API requests)',
  },
  runCommand: {
    usd: 0,
    unit: 'per Run Command invocation on an EC2 instance (GetCommandInvocation and DescribeInstanceInformation are free API calls too)',
    source:
      'https://aws.amazon.com/systems-manager/pricing/ (Run Command: no additional charge; only advanced-tier hybrid nodes are billed, per node-hour)',
  },
  interfaceEndpointHour: {
    usd: 0.01,
    unit: 'per interface VPC endpoint per Availability Zone and hour (each partial hour billed as a full one)',
    source:
      'https://aws.amazon.com/privatelink/pricing/ (billed "for each hour that your VPC endpoint remains provisioned in each Availability Zone"; $0.01 for US East quoted by https://awsnegotiations.com/privatelink-cost-analysis.html)',
  },
  interfaceEndpointGb: {
    usd: 0.01,
    unit: 'per GB processed by interface endpoints (first 1 PB a month in the Region)',
    source: 'https://aws.amazon.com/privatelink/pricing/ ("Interface Endpoint pricing": First 1 PB $0.01)',
  },
  gatewayEndpoint: {
    usd: 0,
    unit: 'per gateway endpoint (DynamoDB, S3): no hourly or data processing charge',
    source: 'https://aws.amazon.com/vpc/pricing/ (gateway endpoints: "no additional charge")',
  },
} as const satisfies Record<string, Price>;

/** Every figure that is not a price or a measurement. */
export const ASSUMPTIONS = {
  /** One VPC: one prober function, invoked once per shard and run (the stack's default shard count). */
  vpcs: 1,
  /** Cold start, EC2 describe-* calls, one BatchGetItem page per 100 instances, EMF flush. */
  fixedRunSeconds: 3,
  /** Per instance: its share of paginated API calls and of the state PutItem calls, run 8 at a time. */
  perInstanceApiSeconds: 0.005,
  /** Instances whose probe times out at the connect deadline in an average run. */
  failingFraction: 0.05,
  connectDeadlineSeconds: DEFAULT_TIMEOUTS.connectMs / 1000,
  /** Lambda allocates CPU in proportion to memory; 1,769 MB is one vCPU (AWS Lambda Developer Guide, "memory"). */
  mbPerVcpu: 1769,
  /** Without --measure: client CPU per healthy probe, and its latency inside a VPC. */
  assumedProbeCpuMs: 15,
  assumedProbeWallMs: 80,
  /** Per instance and run: one strongly consistent read (≤ 4 KB → 1 RRU) and one conditional write of ≤ 2 KB (2 WRU). */
  readUnitsPerInstance: 1,
  writeUnitsPerInstance: 2,
  /**
   * CloudWatch metrics requested per instance that needs them, from the signals adapter's own query plan for a
   * burstable instance with a known AMI (the most queries one instance costs): CPUUtilization,
   * CPUCreditBalance, both StatusCheckFailed metrics and mem_used_percent under two dimension sets. The
   * pipeline requests them only for instances whose probe failed, was slower than slowIdentMs or did not run
   * (lambda/pipeline.ts), taken here as failingFraction; state and status checks for every instance come from
   * DescribeInstanceStatus, which is free.
   */
  metricsRequestedPerCheckedInstance: plannedQueries([
    { instanceId: 'i-0example', instanceType: 't3.micro', imageId: 'ami-0example' },
  ]).length,
  /**
   * GetConsoleOutput per failing instance and run: one, two when an instance type refuses `Latest` (taken as
   * every time: the upper bound), for at most DEFAULT_EVIDENCE_MAX_INSTANCES instances; each call about
   * 0.3 s, CONSOLE_CONCURRENCY in flight.
   */
  consoleCallsPerFailingInstance: 2,
  consoleCallSeconds: 0.3,
  /** Fleet series: 9 fleet/latency metrics + DiagnosisCount for ~4 codes present (docs/alerts.md). */
  fleetMetricSeries: 13,
  /** With perInstanceMetrics: Healthy and ProbeTotalMs per instance (docs/stack.md). */
  perInstanceMetricSeries: 2,
  /** Dashboards and alarm metrics per VPC: InstanceFailing (1), ProberErrors (2), ProberNotRunning (1). */
  dashboards: 1,
  alarmMetrics: 4,
  /** The SNS topic's customer managed key (each yearly rotation adds $1/month; not counted). */
  kmsKeys: 1,
  /** Logs per invocation: START/END/REPORT and EMF documents, plus per-instance lines (as docs/stack.md). */
  logBytesPerRun: 4096,
  /** With 30-day retention about one month of logs is stored at any time (billed compressed; raw size taken). */
  logBytesPerInstance: 1536,
  /** Each instance has one incident a month: an alert and a recovery, each one publish and one e-mail. */
  alertsPerInstance: 2,
  emailSubscribers: 1,
  /**
   * Flow logs (evidence.flowLogs): the run's one Logs Insights query scans every record the VPC's flow-log
   * group received in the window, whatever the query filters. Records per instance and minute on a busy
   * server (each flow of each aggregation interval is one record), and a default-format record's size as
   * CloudWatch Logs stores it (AWS's example record is 107 bytes, plus the event's timestamp and framing).
   * Publishing the flow logs themselves is the VPC owner's cost, not port22's.
   */
  flowLogRecordsPerInstanceMinute: 50,
  flowLogRecordBytes: 130,
  flowLogWindowMinutes: DEFAULT_FLOW_LOG_WINDOW_MINUTES,
  /** Seconds the prober waits on one Logs Insights query (polled every second until Complete). */
  flowLogQuerySeconds: 5,
  /**
   * CloudTrail (evidence.cloudTrail): LookupEvents per incident — the changed group, ACL or route table of
   * one changed path — each paced to two a second (the API's limit), so the prober waits for them.
   */
  changeLookupsPerIncident: 2,
  lookupSeconds: LOOKUP_INTERVAL_MS / 1000,
  /**
   * With evidence.ssm: seconds a run with a failing, opted-in instance waits for its in-host check — delivery
   * and the agent's start (about a second each), the script (well under one), and GetCommandInvocation polled
   * every second (lambda/adapters/aws/ssm-host-check.ts). The evidence budget (20 s) bounds it in any case.
   */
  hostCheckWaitSeconds: 3,
  /**
   * With createEndpoints: the interface endpoints the stack creates (every API of the default config's
   * lambda/prober-services.ts list but DynamoDB, whose endpoint is a free gateway one, and Network Firewall,
   * which it leaves out), each in the prober's Availability Zones (the example config's two subnets).
   */
  interfaceEndpoints: proberServices({
    state: true,
    alerts: true,
    evidence: { console: true, flowLogs: true, ssm: false, cloudTrail: true },
  }).filter((s) => s !== 'dynamodb' && s !== 'network-firewall').length,
  endpointZones: 2,
  /** API traffic through the endpoints per instance and run: its share of describe-* pages, metrics, state. */
  apiKbPerInstanceRun: 20,
};

interface ProbeCost {
  cpuMs: number;
  wallMs: number;
  measured: boolean;
  note: string;
}

/** Client CPU and wall time of one healthy probe: the median over a few real key exchanges on loopback. */
async function measureProbe(): Promise<ProbeCost> {
  const { child, ready } = await startEndpoints(40, 2322);
  try {
    const healthy = ready.endpoints.filter((e) => e.kind === 'healthy');
    const cpu: number[] = [];
    const wall: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      for (const e of healthy) {
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        const result = await probe({ host: e.host, port: ready.port });
        if (result.outcome !== 'ok') throw new Error(`probe of ${e.host}: ${result.outcome}`);
        wall.push(performance.now() - started);
        const used = process.cpuUsage(cpuBefore);
        cpu.push((used.user + used.system) / 1000);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    return {
      cpuMs: median(cpu),
      wallMs: Math.max(median(wall), ASSUMPTIONS.assumedProbeWallMs),
      measured: true,
      note: `measured: median of ${cpu.length} healthy loopback probes (client CPU ${median(cpu).toFixed(1)} ms, wall ${median(wall).toFixed(1)} ms; wall taken as at least ${ASSUMPTIONS.assumedProbeWallMs} ms for a VPC)`,
    };
  } finally {
    await stopEndpoints(child);
  }
}

export interface LineItem {
  readonly item: string;
  readonly usd: number;
  /** Counted in the default total (per-instance metrics are off by default). */
  readonly inTotal: boolean;
}

export interface FleetCost {
  instances: number;
  shards: number;
  memoryMb: number;
  runSeconds: number;
  items: LineItem[];
  port22: number;
  port22WithPerInstanceMetrics: number;
  reachabilityAnalyzer: number;
}

function metricMonths(series: number): number {
  const first = Math.min(series, 10_000);
  return first * PRICES.customMetric.usd + Math.max(0, series - 10_000) * PRICES.customMetricOver10k.usd;
}

/**
 * One fleet's month: the stack's default shards (one invocation each per run, sized like the stack sizes
 * them for one shard's share), a shard's run time from the probe cost, then every billed line.
 */
export function fleetCost(instances: number, probeCost: ProbeCost, pathsPerInstance: number): FleetCost {
  const a = ASSUMPTIONS;
  const runs = RUNS_PER_MONTH * a.vpcs;
  const shards = defaultShards(instances);
  const perShard = Math.ceil(instances / shards);
  const invocations = runs * shards;
  const { memoryMb } = sizeProber(perShard, scheduleMinutes * 60);
  const vcpu = Math.min(1, memoryMb / a.mbPerVcpu);
  // A shard's run is bound by the CPU of its key exchanges or by waves of DEFAULT_CONCURRENCY probes,
  // whichever is longer; the timeouts of failing probes overlap within a wave.
  const cpuBound = (perShard * probeCost.cpuMs) / 1000 / vcpu;
  const latencyBound = (Math.ceil(perShard / DEFAULT_CONCURRENCY) * probeCost.wallMs) / 1000;
  const failing = Math.ceil(perShard * a.failingFraction);
  const timeouts = Math.ceil(failing / DEFAULT_CONCURRENCY) * a.connectDeadlineSeconds;
  const consoleRead = Math.min(failing, DEFAULT_EVIDENCE_MAX_INSTANCES);
  const consoleSeconds =
    Math.ceil((consoleRead * a.consoleCallsPerFailingInstance) / CONSOLE_CONCURRENCY) * a.consoleCallSeconds;
  const runSeconds =
    a.fixedRunSeconds +
    perShard * a.perInstanceApiSeconds +
    Math.max(cpuBound, latencyBound) +
    timeouts +
    consoleSeconds;

  // Evidence runs only in runs with a failing instance: the chance that a shard's run has at least one.
  const runsWithFailure = invocations * (1 - (1 - a.failingFraction) ** perShard);
  // The query reads the whole VPC's flow-log group over the window, not only the failing instances' records.
  const scannedGb =
    (instances * a.flowLogRecordsPerInstanceMinute * a.flowLogWindowMinutes * a.flowLogRecordBytes) / 1e9;
  const incidents = instances * (a.alertsPerInstance / 2);
  const evidenceSeconds =
    runsWithFailure * a.flowLogQuerySeconds + incidents * a.changeLookupsPerIncident * a.lookupSeconds;
  const logGb = (invocations * a.logBytesPerRun + runs * instances * a.logBytesPerInstance) / 1e9;
  const alerts = instances * a.alertsPerInstance;
  const perInstanceMetrics: LineItem = {
    item: `optional per-instance metrics (+${a.perInstanceMetricSeries} series per instance)`,
    usd:
      metricMonths((a.fleetMetricSeries + a.perInstanceMetricSeries * instances) * a.vpcs) -
      metricMonths(a.fleetMetricSeries * a.vpcs),
    inTotal: false,
  };
  const items: LineItem[] = [
    {
      item: `Lambda arm64 duration (${memoryMb} MB × ${runSeconds.toFixed(1)} s × ${invocations} invocations)`,
      usd: invocations * runSeconds * (memoryMb / 1024) * PRICES.lambdaArmGbSecond.usd,
      inTotal: true,
    },
    {
      item: `Lambda requests (one per shard and run)`,
      usd: invocations * PRICES.lambdaRequest.usd,
      inTotal: true,
    },
    {
      item: `DynamoDB on demand (${a.readUnitsPerInstance} RRU + ${a.writeUnitsPerInstance} WRU per instance-run)`,
      usd:
        instances *
        runs *
        (a.readUnitsPerInstance * PRICES.dynamoReadUnit.usd +
          a.writeUnitsPerInstance * PRICES.dynamoWriteUnit.usd),
      inTotal: true,
    },
    {
      item: `GetMetricData host signals (${a.metricsRequestedPerCheckedInstance} metrics × the ${a.failingFraction * 100} % failing or slow)`,
      usd:
        instances *
        a.failingFraction *
        runs *
        a.metricsRequestedPerCheckedInstance *
        PRICES.getMetricData.usd,
      inTotal: true,
    },
    {
      item: `GetConsoleOutput evidence (≤ ${a.consoleCallsPerFailingInstance} calls per failing instance, ≤ ${DEFAULT_EVIDENCE_MAX_INSTANCES} instances per shard-run; no charge, its time is in the Lambda line)`,
      usd: invocations * consoleRead * a.consoleCallsPerFailingInstance * PRICES.getConsoleOutput.usd,
      inTotal: true,
    },
    {
      item: `custom metrics, fleet (${a.fleetMetricSeries} series per VPC)`,
      usd: metricMonths(a.fleetMetricSeries * a.vpcs),
      inTotal: true,
    },
    {
      item: `dashboard (${a.dashboards}) + alarm metrics (${a.alarmMetrics})`,
      usd: a.vpcs * (a.dashboards * PRICES.dashboard.usd + a.alarmMetrics * PRICES.alarmMetric.usd),
      inTotal: true,
    },
    {
      item: `logs (${logGb.toFixed(2)} GB ingested + stored)`,
      usd: logGb * (PRICES.logsIngestionGb.usd + PRICES.logsStorageGb.usd),
      inTotal: true,
    },
    {
      item: `SNS e-mail (${a.alertsPerInstance} alerts per instance × ${a.emailSubscribers} subscriber)`,
      usd: alerts * (PRICES.snsPublish.usd + a.emailSubscribers * PRICES.snsEmail.usd),
      inTotal: true,
    },
    { item: `KMS key (${a.kmsKeys})`, usd: a.kmsKeys * PRICES.kmsKey.usd, inTotal: true },
    {
      item: `flow logs: one Logs Insights query per run with a failure (the VPC's ${a.flowLogWindowMinutes} min scanned)`,
      usd: runsWithFailure * scannedGb * PRICES.logsInsightsGbScanned.usd,
      inTotal: true,
    },
    {
      item: `CloudTrail LookupEvents (${a.changeLookupsPerIncident} per incident, free)`,
      usd: incidents * a.changeLookupsPerIncident * PRICES.cloudTrailLookup.usd,
      inTotal: true,
    },
    {
      item: `Lambda time waiting on the query and the paced lookups`,
      usd: evidenceSeconds * (memoryMb / 1024) * PRICES.lambdaArmGbSecond.usd,
      inTotal: true,
    },
    {
      // Off by default (evidence.ssm). The commands are free; the Lambda pays for waiting on them, once per
      // run that has a failing instance (commands go out together and are polled together).
      item: `optional in-host check through SSM (Run Command $${PRICES.runCommand.usd}; ${a.hostCheckWaitSeconds} s more Lambda in runs with a failing instance)`,
      usd:
        runs *
        Math.min(1, instances * a.failingFraction) *
        a.hostCheckWaitSeconds *
        (memoryMb / 1024) *
        PRICES.lambdaArmGbSecond.usd,
      inTotal: false,
    },
    {
      // Off by default (createEndpoints); a VPC with a NAT gateway or its own endpoints needs none of it.
      item: `optional createEndpoints (${a.interfaceEndpoints} interface endpoints × ${a.endpointZones} zones, per hour and GB)`,
      usd:
        a.interfaceEndpoints * a.endpointZones * 720 * PRICES.interfaceEndpointHour.usd +
        ((instances * runs * a.apiKbPerInstanceRun) / 1024 / 1024) * PRICES.interfaceEndpointGb.usd +
        PRICES.gatewayEndpoint.usd,
      inTotal: false,
    },
    perInstanceMetrics,
  ];
  const port22 = items.filter((i) => i.inTotal).reduce((sum, i) => sum + i.usd, 0);
  return {
    instances,
    shards,
    memoryMb,
    runSeconds,
    items,
    port22,
    port22WithPerInstanceMetrics: port22 + perInstanceMetrics.usd,
    reachabilityAnalyzer: instances * pathsPerInstance * runs * PRICES.reachabilityAnalysis.usd,
  };
}

function usd(n: number): string {
  if (n >= 1000) return `$${Math.round(n).toLocaleString('en-US')}`;
  if (n >= 0.01) return `$${n.toFixed(2)}`;
  return n === 0 ? '$0' : '<$0.01';
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    )
    .join('\n');
}

async function main(): Promise<void> {
  const pathsPerInstance = Number(args['paths-per-instance']);
  let probeCost: ProbeCost = {
    cpuMs: ASSUMPTIONS.assumedProbeCpuMs,
    wallMs: ASSUMPTIONS.assumedProbeWallMs,
    measured: false,
    note: `assumed: ${ASSUMPTIONS.assumedProbeCpuMs} ms client CPU, ${ASSUMPTIONS.assumedProbeWallMs} ms wall per healthy probe`,
  };
  if (!args['no-measure']) {
    try {
      probeCost = await measureProbe();
    } catch (error) {
      probeCost.note += ` (measurement failed: ${(error as Error).message})`;
    }
  }
  const fleets = FLEETS.map((n) => fleetCost(n, probeCost, pathsPerInstance));

  console.log(
    `port22 vs VPC Reachability Analyzer, monthly, us-east-1 list prices, one VPC, a check every ${scheduleMinutes} minutes (${RUNS_PER_MONTH} runs in 30 days)`,
  );
  console.log(`probe cost ${probeCost.note}\n`);
  const header = ['', ...fleets.map((f) => `${f.instances.toLocaleString('en-US')} instances`)];
  const itemRows = fleets[0]!.items.map((_, i) => [
    fleets[0]!.items[i]!.item.replace(/\(\d+ MB × [\d.]+ s × \d+ /, '(memory × run time × ').replace(
      /\([\d.]+ GB ingested/,
      '(ingested',
    ),
    ...fleets.map((f) => usd(f.items[i]!.usd)),
  ]);
  const rows = [
    header,
    [
      'shards × prober memory / run time',
      ...fleets.map((f) => `${f.shards} × ${f.memoryMb} MB / ${f.runSeconds.toFixed(1)} s`),
    ],
    ...itemRows,
    ['port22 total (default)', ...fleets.map((f) => usd(f.port22))],
    ['port22 total with per-instance metrics', ...fleets.map((f) => usd(f.port22WithPerInstanceMetrics))],
    [
      `Reachability Analyzer (${pathsPerInstance} path/instance × ${RUNS_PER_MONTH} runs × $0.10)`,
      ...fleets.map((f) => usd(f.reachabilityAnalyzer)),
    ],
    [
      'ratio Reachability Analyzer / port22',
      ...fleets.map((f) => `${Math.round(f.reachabilityAnalyzer / f.port22).toLocaleString('en-US')}×`),
    ],
  ];
  console.log(table(rows));
  console.log(
    '\nReachability Analyzer proves the configuration only; port22 adds the live probe and host signals for that price.',
  );
  console.log('\nPrices (us-east-1, free tiers ignored):');
  for (const [name, p] of Object.entries(PRICES))
    console.log(
      `  ${name}: $${p.usd.toLocaleString('en-US', { maximumFractionDigits: 10 })} ${p.unit} — ${p.source}`,
    );
  console.log('\nAssumptions:');
  for (const [name, value] of Object.entries(ASSUMPTIONS)) console.log(`  ${name}: ${value}`);
  emitBenchResult({
    bench: 'cost',
    rows: fleets.map((f) => ({
      metric: `monthly cost, ${f.instances.toLocaleString('en-US')} instances, every ${scheduleMinutes} min`,
      value: usd(f.port22),
      peer: `VPC Reachability Analyzer, ${pathsPerInstance} path/instance`,
      peerValue: usd(f.reachabilityAnalyzer),
      ratio: `${Math.round(f.reachabilityAnalyzer / f.port22).toLocaleString('en-US')}×`,
      goal: 'cheaper than the peer',
      met: f.port22 < f.reachabilityAnalyzer,
    })),
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();

/**
 * Flow logs from AWS (the backend of lambda/adapters/flow-log-evidence.ts): `DescribeFlowLogs` finds the flow logs on the failing instances' ENIs, subnets
 * and VPCs; one Logs Insights query per run reads the SSH port's records (lambda/core/evidence/flow-log.ts
 * plans it and reads its rows). Logs Insights is billed per GB scanned, so the query is bounded in time range
 * and records (bench/cost.ts models it), polled until it completes or the evidence deadline, and stopped when
 * port22 gives up on it so it scans no further.
 *
 * API limits honoured (Amazon CloudWatch Logs API Reference): StartQuery takes up to 50 log group names;
 * GetQueryResults answers `Scheduled` / `Running` until `Complete` (or `Failed`, `Cancelled`, `Timeout`);
 * StopQuery ends a running query. DescribeFlowLogs' `resource-id` filter takes the ENI, subnet and VPC ids.
 */
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DescribeFlowLogsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { FlowLogDescription, FlowLogQuery, ResultRow } from '../../core/evidence/flow-log.ts';
import type { FlowLogBackend } from '../flow-log-evidence.ts';
import { clientOptions } from './client-options.ts';

export interface AwsFlowLogBackendOptions {
  /** @default an EC2Client with the shared client options (client-options.ts) */
  readonly ec2?: EC2Client;
  /** @default a CloudWatchLogsClient with the shared client options (client-options.ts) */
  readonly logs?: CloudWatchLogsClient;
  /** Milliseconds between GetQueryResults polls. @default 1000 */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly clock?: () => number;
}

/** Margin before the deadline at which polling stops and the query is stopped (StopQuery's round trip). */
const STOP_MARGIN_MS = 500;

const DONE = new Set(['Complete', 'Failed', 'Cancelled', 'Timeout']);

export class AwsFlowLogBackend implements FlowLogBackend {
  private readonly ec2: EC2Client;
  private readonly logs: CloudWatchLogsClient;
  private readonly pollMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly clock: () => number;

  constructor(options: AwsFlowLogBackendOptions = {}) {
    this.ec2 = options.ec2 ?? new EC2Client(clientOptions('ec2'));
    this.logs = options.logs ?? new CloudWatchLogsClient(clientOptions('cloudwatch-logs'));
    this.pollMs = options.pollMs ?? 1000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.clock = options.clock ?? Date.now;
  }

  async describeFlowLogs(resourceIds: readonly string[]): Promise<FlowLogDescription[]> {
    if (resourceIds.length === 0) return [];
    const out: FlowLogDescription[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.ec2.send(
        new DescribeFlowLogsCommand({
          Filter: [{ Name: 'resource-id', Values: [...resourceIds] }],
          ...(NextToken ? { NextToken } : {}),
        }),
      );
      out.push(...(page.FlowLogs ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return out;
  }

  async runQuery(query: FlowLogQuery, deadlineAt: number): Promise<{ rows: ResultRow[]; complete: boolean }> {
    const started = await this.logs.send(
      new StartQueryCommand({
        logGroupNames: [...query.logGroupNames],
        startTime: query.startTime,
        endTime: query.endTime,
        queryString: query.queryString,
        limit: query.limit,
      }),
    );
    const queryId = started.queryId;
    if (!queryId) throw new Error('StartQuery returned no query id');
    let last: GetQueryResultsCommandOutput | undefined;
    for (;;) {
      last = await this.logs.send(new GetQueryResultsCommand({ queryId }));
      const status = last.status ?? 'Unknown';
      if (status === 'Complete') return { rows: last.results ?? [], complete: true };
      if (DONE.has(status)) throw new Error(`the query ended ${status}`);
      if (this.clock() + this.pollMs + STOP_MARGIN_MS >= deadlineAt) break;
      await this.sleep(this.pollMs);
    }
    // Given up: stop it so it scans (and bills) no further; what it returned so far is partial.
    await this.logs.send(new StopQueryCommand({ queryId })).catch(() => undefined);
    return { rows: last?.results ?? [], complete: false };
  }
}

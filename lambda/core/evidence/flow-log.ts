// biome-ignore-all lint/suspicious/noTemplateCurlyInString: a flow log format is a list of ${field}s, not a template
/**
 * VPC Flow Logs as evidence (DESIGN.md, "Evidence kinds": `flow-log`): the records of one run's query are
 * parsed in the flow log's own format and summarised per failing instance. What the data plane did with the
 * SSH packets decides between the causes the configuration and the probe cannot tell apart:
 *
 * - REJECT on the way in: a security group or network ACL dropped them (flow logs record the VPC's decision,
 *   not the host's);
 * - ACCEPT on the way in and no ACCEPT on the way back: the VPC delivered them and the instance never
 *   answered — the host (its firewall, a hung kernel) dropped them;
 * - REJECT on the way back: the reply was dropped (a network ACL is stateless; a security group is not);
 * - nothing at all: the packets never reached the interface, or their records have not arrived yet (records
 *   are aggregated over 1 or 10 minutes and delivered minutes later).
 *
 * Record fields and their meaning: Amazon VPC User Guide, "Flow log records" and "Flow log record examples".
 */
import type { Evidence } from '../diagnose/types.ts';

/** The default format (version 2): the fields and their order when a flow log names no custom format. */
export const DEFAULT_FLOW_LOG_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';

/** The fields a summary reads; a format without them cannot say what happened to the SSH port. */
const REQUIRED_FIELDS = ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'action'] as const;

const TCP = '6';

export type FlowAction = 'ACCEPT' | 'REJECT';

/** One flow: the fields a summary reads, from a record in any format. */
export interface FlowLogRecord {
  readonly interfaceId?: string;
  readonly srcaddr: string;
  readonly dstaddr: string;
  readonly srcport: number;
  readonly dstport: number;
  /** IANA protocol number; absent when the format does not carry it (then TCP is assumed). */
  readonly protocol?: string;
  /** Packets in the flow; a format without `packets` counts each record as one. */
  readonly packets: number;
  readonly action: FlowAction;
  /** Epoch seconds of the aggregation window's start, when the format carries it. */
  readonly start?: number;
}

/**
 * The field names of a flow log's format (`${version} ${srcaddr} …`), in record order. `undefined` when the
 * format is not a space-separated list of `${field}`s or lacks a field a summary reads.
 */
export function formatFields(logFormat: string | undefined): string[] | undefined {
  const format = (logFormat ?? '').trim() || DEFAULT_FLOW_LOG_FORMAT;
  const tokens = format.split(/\s+/);
  const fields: string[] = [];
  for (const token of tokens) {
    const m = /^\$\{([a-z0-9-]+)\}$/.exec(token);
    if (m === null) return undefined;
    fields.push(m[1] as string);
  }
  return REQUIRED_FIELDS.every((f) => fields.includes(f)) ? fields : undefined;
}

/**
 * One record, or `undefined` for a record that carries no flow: NODATA and SKIPDATA records have `-` in
 * every flow field, and a line with the wrong number of fields is not of this format.
 */
export function parseFlowLogRecord(line: string, fields: readonly string[]): FlowLogRecord | undefined {
  const values = line.trim().split(/\s+/);
  if (values.length !== fields.length) return undefined;
  const get = (name: string): string | undefined => {
    const i = fields.indexOf(name);
    const v = i < 0 ? undefined : values[i];
    return v === '-' ? undefined : v;
  };
  const action = get('action');
  const srcaddr = get('srcaddr');
  const dstaddr = get('dstaddr');
  const srcport = Number(get('srcport'));
  const dstport = Number(get('dstport'));
  if ((action !== 'ACCEPT' && action !== 'REJECT') || srcaddr === undefined || dstaddr === undefined)
    return undefined;
  if (!Number.isInteger(srcport) || !Number.isInteger(dstport)) return undefined;
  const packets = Number(get('packets') ?? '1');
  const start = Number(get('start'));
  const interfaceId = get('interface-id');
  const protocol = get('protocol');
  return {
    srcaddr,
    dstaddr,
    srcport,
    dstport,
    action,
    packets: Number.isFinite(packets) ? packets : 1,
    ...(interfaceId === undefined ? {} : { interfaceId }),
    ...(protocol === undefined ? {} : { protocol }),
    ...(Number.isFinite(start) && get('start') !== undefined ? { start } : {}),
  };
}

/** What a flow log could record: `ALL`, or only one action (then the other's absence proves nothing). */
export type FlowLogTrafficType = 'ALL' | 'ACCEPT' | 'REJECT';

/** The flow log an instance's records come from, and the window they were read over. */
export interface FlowLogWindow {
  /** ISO 8601. */
  readonly from: string;
  readonly to: string;
  /** Seconds over which records are aggregated (60 or 600). */
  readonly aggregationSeconds: number;
  readonly trafficType: FlowLogTrafficType;
  /** The flow log id (`fl-…`), for the report. */
  readonly flowLogId: string;
}

/**
 * What the data plane did with one instance's SSH packets:
 * `rejected` (a group or ACL dropped them on the way in), `return-rejected` (the reply was dropped),
 * `no-reply` (accepted in, nothing back: the host), `answered` (both ways accepted), `silent` (no record).
 */
export type FlowLogVerdict = 'rejected' | 'return-rejected' | 'no-reply' | 'answered' | 'silent';

export interface FlowLogReading {
  readonly verdict: FlowLogVerdict;
  /** Packets to the SSH port the VPC accepted / rejected, and replies from it accepted / rejected. */
  readonly inboundAccepted: number;
  readonly inboundRejected: number;
  readonly returnAccepted: number;
  readonly returnRejected: number;
  /** Who sent the rejected packets: address → packets, most first. */
  readonly rejectedFrom: readonly { readonly address: string; readonly packets: number }[];
  readonly window: FlowLogWindow;
}

export interface FlowLogTarget {
  readonly address: string;
  readonly port: number;
  /** Records of other interfaces (another ENI with the same address in a peered VPC) are not this one's. */
  readonly networkInterfaceId?: string;
}

/** Evidence codes, one per verdict. */
const CODES: Readonly<Record<FlowLogVerdict, string>> = {
  rejected: 'FLOW_LOG_REJECTED',
  'return-rejected': 'FLOW_LOG_RETURN_REJECTED',
  'no-reply': 'FLOW_LOG_NO_REPLY',
  answered: 'FLOW_LOG_ANSWERED',
  silent: 'FLOW_LOG_NO_RECORDS',
};

/** Rejected sources named in one evidence line; the rest are counted. */
const MAX_SOURCES_NAMED = 5;

/** One instance's records, summarised: the reading the rules read and the line the report shows. */
export function summariseFlowLogs(
  records: readonly FlowLogRecord[],
  target: FlowLogTarget,
  window: FlowLogWindow,
): { reading: FlowLogReading; evidence: Evidence } {
  const mine = records.filter(
    (r) =>
      (r.protocol === undefined || r.protocol === TCP) &&
      (target.networkInterfaceId === undefined ||
        r.interfaceId === undefined ||
        r.interfaceId === target.networkInterfaceId),
  );
  const inbound = mine.filter((r) => r.dstaddr === target.address && r.dstport === target.port);
  const back = mine.filter((r) => r.srcaddr === target.address && r.srcport === target.port);
  const sum = (rs: readonly FlowLogRecord[], action: FlowAction) =>
    rs.filter((r) => r.action === action).reduce((n, r) => n + r.packets, 0);
  const bySource = new Map<string, number>();
  for (const r of inbound)
    if (r.action === 'REJECT') bySource.set(r.srcaddr, (bySource.get(r.srcaddr) ?? 0) + r.packets);
  const rejectedFrom = [...bySource]
    .map(([address, packets]) => ({ address, packets }))
    .sort((a, b) => b.packets - a.packets || (a.address < b.address ? -1 : 1));
  const counts = {
    inboundAccepted: sum(inbound, 'ACCEPT'),
    inboundRejected: sum(inbound, 'REJECT'),
    returnAccepted: sum(back, 'ACCEPT'),
    returnRejected: sum(back, 'REJECT'),
  };
  const hadInbound = inbound.length > 0;
  const verdict: FlowLogVerdict =
    counts.inboundRejected > 0
      ? 'rejected'
      : counts.returnRejected > 0
        ? 'return-rejected'
        : hadInbound && counts.returnAccepted === 0
          ? 'no-reply'
          : hadInbound || back.length > 0
            ? 'answered'
            : 'silent';
  const reading: FlowLogReading = { verdict, ...counts, rejectedFrom, window };
  return {
    reading,
    evidence: {
      kind: 'flow-log',
      code: CODES[verdict],
      detail: `flow logs: ${describe(reading, target)} (${windowText(window)})`,
      resourceId: window.flowLogId,
      value: verdict === 'rejected' ? counts.inboundRejected : counts.inboundAccepted,
    },
  };
}

const packets = (n: number) => (n === 1 ? '1 packet' : `${n} packets`);
const replies = (n: number) => (n === 1 ? '1 reply' : `${n} replies`);

function describe(r: FlowLogReading, target: FlowLogTarget): string {
  const port = `port ${target.port}`;
  switch (r.verdict) {
    case 'rejected': {
      const named = r.rejectedFrom.slice(0, MAX_SOURCES_NAMED).map((s) => `${s.address} (${s.packets})`);
      const more = r.rejectedFrom.length - named.length;
      const accepted = r.inboundAccepted > 0 ? `; ${r.inboundAccepted} accepted` : '';
      return `${packets(r.inboundRejected)} to ${port} rejected by the VPC (a security group or network ACL) from ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}${accepted}`;
    }
    case 'return-rejected':
      return `${packets(r.inboundAccepted)} to ${port} accepted, ${replies(r.returnRejected)} from ${port} rejected by the VPC on the way back (a network ACL's outbound rules)`;
    case 'no-reply':
      // Without REJECT records, a reply a network ACL rejected on its way back leaves no trace at all.
      return r.window.trafficType === 'ACCEPT'
        ? `${packets(r.inboundAccepted)} to ${port} accepted by the VPC, no accepted reply recorded (this flow log records acceptances only: a reply rejected on its way back would not show)`
        : `${packets(r.inboundAccepted)} to ${port} accepted by the VPC, no TCP reply from the instance: its firewall (or a hung kernel) dropped or rejected them`;
    case 'answered':
      return `${packets(r.inboundAccepted)} to ${port} accepted and ${replies(r.returnAccepted)} accepted: the VPC passed both ways`;
    case 'silent':
      return r.window.trafficType === 'REJECT'
        ? `no rejected packet to ${port} recorded (this flow log records rejections only)`
        : `no record of ${port} on ${target.address}: the packets never reached the interface, or their records have not arrived yet`;
  }
}

function windowText(w: FlowLogWindow): string {
  const interval = w.aggregationSeconds >= 600 ? '10 min' : `${Math.round(w.aggregationSeconds / 60)} min`;
  const recorded = w.trafficType === 'ALL' ? '' : `, ${w.trafficType} only`;
  return `${w.flowLogId}, ${w.from} to ${w.to}, records aggregated over ${interval}${recorded}`;
}

/** Instances' addresses and SSH ports a query looks for, both directions. */
export interface FlowLogQueryTarget {
  readonly address: string;
  readonly port: number;
}

/**
 * The Logs Insights query for one run: the records to or from every target's SSH port, in the flow log's own
 * format (Logs Insights discovers fields only for the default format, so `parse` names them for any format),
 * newest first, at most `limit`. Addresses and ports come from the inventory and are checked here before they
 * are quoted, so no value can change the query.
 */
export function flowLogQuery(
  fields: readonly string[],
  targets: readonly FlowLogQueryTarget[],
  limit: number,
): string {
  const name = (field: string) => `f_${field.replace(/-/g, '_')}`;
  const byPort = new Map<number, string[]>();
  for (const t of targets) {
    if (!/^[0-9a-fA-F.:]+$/.test(t.address) || !Number.isInteger(t.port))
      throw new Error(`not an address and port: ${t.address}:${t.port}`);
    byPort.set(t.port, [...(byPort.get(t.port) ?? []), t.address]);
  }
  const clauses = [...byPort]
    .sort(([a], [b]) => a - b)
    .flatMap(([port, addresses]) => {
      const list = `[${[...new Set(addresses)].map((a) => `"${a}"`).join(', ')}]`;
      return [
        `(${name('dstport')} = "${port}" and ${name('dstaddr')} in ${list})`,
        `(${name('srcport')} = "${port}" and ${name('srcaddr')} in ${list})`,
      ];
    });
  return [
    `parse @message "${fields.map(() => '*').join(' ')}" as ${fields.map(name).join(', ')}`,
    `filter ${clauses.join(' or ')}`,
    'fields @message',
    'sort @timestamp desc',
    `limit ${limit}`,
  ].join('\n| ');
}

/** A flow log as `DescribeFlowLogs` (or `aws ec2 describe-flow-logs`) describes it: the fields read here. */
export interface FlowLogDescription {
  readonly FlowLogId?: string;
  readonly ResourceId?: string;
  readonly FlowLogStatus?: string;
  readonly LogDestinationType?: string;
  readonly LogDestination?: string;
  readonly LogGroupName?: string;
  readonly LogFormat?: string;
  readonly MaxAggregationInterval?: number;
  readonly TrafficType?: string;
}

/** One instance a flow-log query is planned for (the fields of an `EvidenceRequest` it reads). */
export interface FlowLogPlanRequest {
  readonly instanceId: string;
  readonly address?: string;
  readonly port: number;
  readonly networkInterfaceId?: string;
  readonly subnetId?: string;
  readonly vpcId?: string;
}

/** The run's one Logs Insights query: where, over when, and what it asks. */
export interface FlowLogQuery {
  readonly logGroupNames: readonly string[];
  readonly queryString: string;
  /** Epoch seconds, as StartQuery takes them. */
  readonly startTime: number;
  readonly endTime: number;
  readonly limit: number;
  readonly fields: readonly string[];
}

export interface FlowLogPlan {
  readonly query?: FlowLogQuery;
  /** Instances the query answers for: their target and the window their records are read over. */
  readonly covered: ReadonlyMap<string, { readonly target: FlowLogTarget; readonly window: FlowLogWindow }>;
  /** Why a flow log cannot answer for an instance. */
  readonly unavailable: ReadonlyMap<string, string>;
}

export interface FlowLogPlanOptions {
  readonly now: Date;
  /** Minutes of records read back. @default 20 (two 10-minute aggregation intervals) */
  readonly windowMinutes?: number;
  /** Records the query returns at most (the Logs Insights `limit`). @default 1000 */
  readonly limit?: number;
}

/** Two 10-minute aggregation intervals: a record of the last failed probes has had time to arrive. */
export const DEFAULT_FLOW_LOG_WINDOW_MINUTES = 20;
const DEFAULT_FLOW_LOG_QUERY_LIMIT = 1000;

/**
 * The resource ids whose flow logs may hold an instance's records: its ENI, subnet and VPC (a flow log
 * on any of them records the ENI's traffic; the most specific one is read).
 */
export function flowLogResourceIds(requests: readonly FlowLogPlanRequest[]): string[] {
  const ids = requests.flatMap((r) => [r.networkInterfaceId, r.subnetId, r.vpcId]);
  return [...new Set(ids.filter((id): id is string => id !== undefined))].sort();
}

/**
 * Which flow log answers for each instance, and the run's one query. An instance's flow log is the most
 * specific active one (ENI, then subnet, then VPC) that delivers to CloudWatch Logs; S3 and Firehose
 * destinations are named and not read. The query covers the instances whose flow logs share the most
 * common format (`parse` takes one format); the others are named, not queried: one query per run bounds
 * the cost.
 */
export function planFlowLogQuery(
  requests: readonly FlowLogPlanRequest[],
  flowLogs: readonly FlowLogDescription[],
  options: FlowLogPlanOptions,
): FlowLogPlan {
  const windowMinutes = options.windowMinutes ?? DEFAULT_FLOW_LOG_WINDOW_MINUTES;
  const limit = options.limit ?? DEFAULT_FLOW_LOG_QUERY_LIMIT;
  const endTime = Math.floor(options.now.getTime() / 1000);
  const startTime = endTime - windowMinutes * 60;
  const unavailable = new Map<string, string>();
  const chosen = new Map<
    string,
    { request: FlowLogPlanRequest; flowLog: FlowLogDescription; fields: string[] }
  >();
  for (const r of requests) {
    if (r.address === undefined) {
      unavailable.set(r.instanceId, 'the instance has no address in the VPC to look for');
      continue;
    }
    const scopes = [r.networkInterfaceId, r.subnetId, r.vpcId].filter((id) => id !== undefined);
    const active = flowLogs.filter(
      (f) =>
        f.ResourceId !== undefined &&
        scopes.includes(f.ResourceId) &&
        (f.FlowLogStatus ?? 'ACTIVE') === 'ACTIVE',
    );
    if (active.length === 0) {
      unavailable.set(
        r.instanceId,
        `no active flow log on ${scopes.join(', ') || 'its interface, subnet or VPC'}`,
      );
      continue;
    }
    const toLogs = active
      .filter((f) => (f.LogDestinationType ?? 'cloud-watch-logs') === 'cloud-watch-logs' && f.LogGroupName)
      .sort((a, b) => scopes.indexOf(a.ResourceId as string) - scopes.indexOf(b.ResourceId as string));
    const flowLog = toLogs[0];
    if (flowLog === undefined) {
      const elsewhere = active.map((f) => `${f.LogDestinationType} (${f.LogDestination ?? f.FlowLogId})`);
      unavailable.set(
        r.instanceId,
        `flow logs go to ${elsewhere.join(', ')}: not read (only CloudWatch Logs is queried)`,
      );
      continue;
    }
    const fields = formatFields(flowLog.LogFormat);
    if (fields === undefined) {
      unavailable.set(
        r.instanceId,
        `flow log ${flowLog.FlowLogId}'s format lacks ${REQUIRED_FIELDS.join(', ')}: ${flowLog.LogFormat}`,
      );
      continue;
    }
    chosen.set(r.instanceId, { request: r, flowLog, fields });
  }
  const byFormat = new Map<string, string[]>();
  for (const [id, c] of chosen)
    byFormat.set(c.fields.join(' '), [...(byFormat.get(c.fields.join(' ')) ?? []), id]);
  const [format] = [...byFormat].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
  const covered = new Map<string, { target: FlowLogTarget; window: FlowLogWindow }>();
  for (const [id, c] of chosen) {
    if (c.fields.join(' ') !== format) {
      unavailable.set(
        id,
        `flow log ${c.flowLog.FlowLogId} has another format than this run's one query reads`,
      );
      continue;
    }
    const trafficType = c.flowLog.TrafficType;
    covered.set(id, {
      target: {
        address: c.request.address as string,
        port: c.request.port,
        ...(c.request.networkInterfaceId === undefined
          ? {}
          : { networkInterfaceId: c.request.networkInterfaceId }),
      },
      window: {
        from: new Date(startTime * 1000).toISOString(),
        to: new Date(endTime * 1000).toISOString(),
        aggregationSeconds: c.flowLog.MaxAggregationInterval ?? 600,
        trafficType: trafficType === 'ACCEPT' || trafficType === 'REJECT' ? trafficType : 'ALL',
        flowLogId: c.flowLog.FlowLogId ?? c.flowLog.LogGroupName ?? '?',
      },
    });
  }
  if (format === undefined || covered.size === 0) return { covered, unavailable };
  const fields = format.split(' ');
  const queried = [...covered.keys()].map((id) => chosen.get(id)!);
  return {
    query: {
      logGroupNames: [...new Set(queried.map((c) => c.flowLog.LogGroupName as string))].sort(),
      queryString: flowLogQuery(
        fields,
        queried.map((c) => ({ address: c.request.address as string, port: c.request.port })),
        limit,
      ),
      startTime,
      endTime,
      limit,
      fields,
    },
    covered,
    unavailable,
  };
}

/** A Logs Insights result row, as GetQueryResults (or `aws logs get-query-results`) returns it. */
export type ResultRow = readonly { readonly field?: string; readonly value?: string }[];

/** Each covered instance's finding from the query's rows: one `flow-log` line and the reading. */
export function readFlowLogResults(
  plan: FlowLogPlan,
  rows: readonly ResultRow[],
  truncated: boolean,
): Map<string, { evidence: Evidence[]; observations: { flowLog: FlowLogReading } }> {
  const fields = plan.query?.fields ?? [];
  const records = rows.flatMap((row) => {
    const message = row.find((f) => f.field === '@message')?.value;
    const record = message === undefined ? undefined : parseFlowLogRecord(message, fields);
    return record === undefined ? [] : [record];
  });
  const found = new Map<string, { evidence: Evidence[]; observations: { flowLog: FlowLogReading } }>();
  for (const [id, { target, window }] of plan.covered) {
    const { reading, evidence } = summariseFlowLogs(records, target, window);
    const note = truncated
      ? `; the query's limit of ${plan.query?.limit} records was reached: older records were not read`
      : '';
    found.set(id, {
      evidence: [{ ...evidence, detail: evidence.detail + note }],
      observations: { flowLog: reading },
    });
  }
  return found;
}

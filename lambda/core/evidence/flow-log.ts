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

function describe(r: FlowLogReading, target: FlowLogTarget): string {
  const port = `port ${target.port}`;
  switch (r.verdict) {
    case 'rejected': {
      const named = r.rejectedFrom.slice(0, MAX_SOURCES_NAMED).map((s) => `${s.address} (${s.packets})`);
      const more = r.rejectedFrom.length - named.length;
      const accepted = r.inboundAccepted > 0 ? `; ${r.inboundAccepted} accepted` : '';
      return `${r.inboundRejected} packets to ${port} rejected by the VPC (a security group or network ACL) from ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}${accepted}`;
    }
    case 'return-rejected':
      return `${r.inboundAccepted} packets to ${port} accepted, ${r.returnRejected} replies from ${port} rejected by the VPC on the way back (a network ACL's outbound rules)`;
    case 'no-reply':
      return `${r.inboundAccepted} packets to ${port} accepted by the VPC, no reply from the instance: the host dropped them`;
    case 'answered':
      return `${r.inboundAccepted} packets to ${port} accepted and ${r.returnAccepted} replies accepted: the VPC passed both ways`;
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
  const names = fields.map((f) => `f_${f.replace(/-/g, '_')}`);
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
    `parse @message "${fields.map(() => '*').join(' ')}" as ${names.join(', ')}`,
    `filter ${clauses.join(' or ')}`,
    'fields @message',
    'sort @timestamp desc',
    `limit ${limit}`,
  ].join('\n| ');
}

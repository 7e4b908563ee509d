/**
 * What the VPC's flow logs add to a diagnosis's summary: the packet counts that confirm it, or the ones that
 * contradict it. A security group or network ACL that blocks the path leaves REJECT records; a host firewall
 * that drops leaves ACCEPT records with no reply (the VPC delivered, the instance never answered). Flow logs
 * record the VPC's decision, not the host's (Amazon VPC User Guide, "Flow log records": `action` "ACCEPT —
 * The traffic was accepted. REJECT — The traffic was rejected. For example, the traffic was not allowed by
 * the security groups or network ACLs"), which is what tells these causes apart. No records ("silent") proves
 * nothing: records are aggregated and delivered minutes later, so no clause is added.
 */
import type { FlowLogReading, FlowLogVerdict } from '../evidence/flow-log.ts';
import type { DiagnosisCode } from './types.ts';

/** `points`: the code names no cause, the records show where the packets were lost. */
type Reading = 'confirms' | 'contradicts' | 'points';

/**
 * Per diagnosis, what each flow-log verdict says of it. A verdict a code does not list adds nothing: an
 * `answered` flow next to a failing probe is another client's, and says nothing of the prober's packets.
 */
const MEANING: Partial<Record<DiagnosisCode, Partial<Record<FlowLogVerdict, Reading>>>> = {
  BLOCKED_BY_SECURITY_GROUP: { rejected: 'confirms', 'no-reply': 'contradicts' },
  BLOCKED_BY_NETWORK_ACL: { rejected: 'confirms', 'return-rejected': 'confirms', 'no-reply': 'contradicts' },
  HOST_FIREWALL_DROP: { 'no-reply': 'confirms', rejected: 'contradicts', 'return-rejected': 'contradicts' },
  // Without an analysed path a timeout is unexplained; the VPC's own records point to the side that failed.
  UNKNOWN: { rejected: 'points', 'return-rejected': 'points', 'no-reply': 'points' },
};

const packets = (n: number) => (n === 1 ? '1 packet' : `${n} packets`);

/** What the records show, in counts: the part of the clause both readings share. */
function counts(r: FlowLogReading, port: number): string {
  switch (r.verdict) {
    case 'rejected': {
      const top = r.rejectedFrom[0];
      const from = top ? ` (${r.rejectedFrom.length === 1 ? 'all' : 'most'} from ${top.address})` : '';
      return `${packets(r.inboundRejected)} to port ${port} rejected by the VPC${from}`;
    }
    case 'return-rejected':
      return `${packets(r.inboundAccepted)} to port ${port} accepted, ${packets(r.returnRejected)} back rejected by the VPC (a network ACL's outbound rules)`;
    case 'no-reply':
      return `${packets(r.inboundAccepted)} to port ${port} accepted by the VPC, none answered by the instance`;
    default:
      return '';
  }
}

/** Where a contradiction points: away from the cause the configuration suggested. */
function lookInstead(r: FlowLogReading): string {
  return r.verdict === 'no-reply'
    ? 'the VPC delivers them, so look at the host'
    : 'a security group or network ACL rejects them that the inventory does not show (it may be out of date)';
}

/**
 * The clause the summary ends with ("; the VPC's flow logs agree: …"), or '' when the flow logs were not
 * read, recorded nothing, or say nothing about this cause.
 */
export function flowLogClause(
  code: DiagnosisCode,
  reading: FlowLogReading | undefined,
  port: number,
): string {
  if (reading === undefined) return '';
  // A flow log of ACCEPTs only has no record of a reply rejected on its way back: no reply proves nothing.
  if (reading.verdict === 'no-reply' && reading.window.trafficType === 'ACCEPT') return '';
  const meaning = MEANING[code]?.[reading.verdict];
  if (meaning === undefined) return '';
  const seen = counts(reading, port);
  if (seen === '') return '';
  if (meaning === 'confirms') return `; the VPC's flow logs agree: ${seen}`;
  if (meaning === 'points') return `; the VPC's flow logs show ${seen}`;
  return `; yet the VPC's flow logs show ${seen}: ${lookInstead(reading)}`;
}

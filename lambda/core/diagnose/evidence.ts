/**
 * Evidence builders and the small judgements several rules share: which probe phase failed and when, which
 * static blockers sit on a path, which host signal crossed which threshold.
 */
import type { ProbeOutcome, ProbeResult } from '../probe/types.ts';
import type { Blocker, BlockerCode, MissingKind, Verdict } from '../reachability/types.ts';
import type { DiagnosisThresholds, Facts } from './input.ts';
import type { Evidence, HostSignals } from './types.ts';

export type ProbePhase = 'connect' | 'ident' | 'kex';

/** The phase an outcome ended in (DESIGN.md, "Probe outcomes"). */
function failedPhase(outcome: ProbeOutcome): ProbePhase | undefined {
  switch (outcome) {
    case 'ok':
      return undefined;
    case 'refused':
    case 'timeout':
    case 'unreachable':
      return 'connect';
    case 'reset-before-ident':
    case 'closed-before-ident':
    case 'ident-timeout':
    case 'not-ssh':
    case 'protocol-unsupported':
      return 'ident';
    case 'kex-failed':
    case 'kex-unsupported-by-prober':
    case 'closed-during-kex':
    case 'kex-timeout':
      return 'kex';
  }
}

/** Milliseconds into the probe at which the failing phase ended (its own duration when measured). */
export function failedAtMs(probe: ProbeResult): number {
  const phase = failedPhase(probe.outcome);
  if (phase === 'connect') return probe.phases.connectMs ?? probe.phases.totalMs;
  if (phase === 'ident') return probe.phases.identMs ?? probe.phases.totalMs;
  if (phase === 'kex') return probe.phases.kexMs ?? probe.phases.totalMs;
  return probe.phases.totalMs;
}

/** The TCP handshake completed: something on the host accepted the connection. */
export function answered(probe: ProbeResult | undefined): boolean {
  return probe !== undefined && !['refused', 'timeout', 'unreachable'].includes(probe.outcome);
}

export function probeEvidence(probe: ProbeResult): Evidence {
  const where = `${probe.target.host}:${probe.target.port}`;
  if (probe.outcome === 'ok') {
    const ident = probe.phases.identMs === undefined ? '' : `, ident after ${probe.phases.identMs} ms`;
    return {
      kind: 'probe',
      code: 'ok',
      detail: `probe of ${where} ok: ${probe.software ?? 'SSH'}${ident}, ${probe.phases.totalMs} ms in total`,
      value: probe.phases.totalMs,
    };
  }
  const ms = failedAtMs(probe);
  const detail = probe.detail === undefined ? '' : ` (${probe.detail})`;
  return {
    kind: 'probe',
    code: probe.outcome,
    detail: `probe of ${where}: ${probe.outcome} in the ${failedPhase(probe.outcome)} phase after ${ms} ms${detail}`,
    value: ms,
  };
}

export function blockerEvidence(verdict: Verdict, blocker: Blocker): Evidence {
  const rule = blocker.ruleNumber === undefined ? '' : ` rule ${blocker.ruleNumber}`;
  const dir = blocker.direction === undefined ? '' : ` ${blocker.direction}`;
  return {
    kind: 'static',
    code: blocker.code,
    resourceId: blocker.resourceId,
    ...(blocker.ruleNumber === undefined ? {} : { value: blocker.ruleNumber }),
    detail: `${blocker.resourceId}${dir}${rule} blocks ${verdict.source} → ${verdict.address} (${verdict.family}): ${blocker.detail}`,
  };
}

export function pathAllowedEvidence(verdict: Verdict): Evidence {
  return {
    kind: 'static',
    code: 'PATH_ALLOWED',
    detail: `configuration allows ${verdict.source} → ${verdict.address} (${verdict.family})`,
  };
}

export type BlockerCategory = 'security-group' | 'network-acl' | 'route' | 'network-firewall';

const CATEGORY: Partial<Record<BlockerCode, BlockerCategory>> = {
  SG_INGRESS_NO_MATCH: 'security-group',
  SG_EGRESS_NO_MATCH: 'security-group',
  NACL_INBOUND_DENY: 'network-acl',
  NACL_OUTBOUND_DENY: 'network-acl',
  SOURCE_NACL_OUTBOUND_DENY: 'network-acl',
  SOURCE_NACL_INBOUND_DENY: 'network-acl',
  NACL_EPHEMERAL_PARTIAL: 'network-acl',
  NO_ROUTE: 'route',
  BLACKHOLE_ROUTE: 'route',
  NO_PUBLIC_IP: 'route',
  NETWORK_FIREWALL_DROP: 'network-firewall',
  NETWORK_FIREWALL_REJECT: 'network-firewall',
  BLOCK_PUBLIC_ACCESS: 'route',
};

export function blockerCategory(code: BlockerCode): BlockerCategory | undefined {
  return CATEGORY[code];
}

/**
 * A path is broken when the verdict says unreachable, or reachable for only part of the ephemeral range.
 * An unknown path (data it needs is missing) is not broken: nothing known blocks it.
 */
export function pathBroken(verdict: Verdict | undefined): verdict is Verdict {
  return (
    verdict !== undefined && ((!verdict.reachable && verdict.unknown !== true) || verdict.partial === true)
  );
}

/** The AWS CLI call that collects each kind of missing data into its inventory file. */
const COLLECT: Record<MissingKind, string> = {
  'network-acl': 'aws ec2 describe-network-acls --output json > describe-network-acls.json',
  'route-table': 'aws ec2 describe-route-tables --output json > describe-route-tables.json',
  'security-group': 'aws ec2 describe-security-groups --output json > describe-security-groups.json',
  'instance-state': 'aws ec2 describe-instances --output json > describe-instances.json',
  'network-firewall':
    'aws network-firewall describe-firewall-policy --firewall-policy-arn <arn> --output json > network-firewall/policies/<name>.json (and describe-rule-group --rule-group-arn <arn> into network-firewall/rule-groups/<name>.json)',
  'vpc-peering-connection':
    'aws ec2 describe-vpc-peering-connections --output json > describe-vpc-peering-connections.json',
  'transit-gateway-attachment':
    'aws ec2 describe-transit-gateway-vpc-attachments --output json > describe-transit-gateway-vpc-attachments.json',
  'transit-gateway-route-table':
    'aws ec2 describe-transit-gateway-attachments --output json > describe-transit-gateway-attachments.json (and, per tgw-rtb-…, get-transit-gateway-route-table-propagations and search-transit-gateway-routes --filters Name=type,Values=static)',
};

/** The data an unknown path lacks, as evidence (one item each) and as facts for the catalogue. */
export function missingDataFindings(verdicts: readonly Verdict[]): { evidence: Evidence[]; facts: Facts } {
  const evidence: Evidence[] = [];
  const details: string[] = [];
  const kinds = new Set<MissingKind>();
  for (const v of verdicts) {
    for (const m of v.missing ?? []) {
      kinds.add(m.kind);
      if (!details.includes(m.detail)) details.push(m.detail);
      evidence.push({
        kind: 'static',
        code: 'DATA_MISSING',
        resourceId: m.resourceId,
        detail: `${v.source} → ${v.address || '(no address)'} (${v.family}) is unknown: ${m.detail}`,
      });
    }
  }
  return {
    evidence,
    facts: {
      cause: 'missing-data',
      missing: details.join('; '),
      collect: [...kinds].map((k) => `\`${COLLECT[k]}\``).join(', '),
    },
  };
}

/**
 * What the paths' verdicts rest on without evaluating it (a firewall rule not read exactly, a Gateway
 * Load Balancer appliance, Block Public Access assumed off): one evidence item per path and assumption,
 * whatever the diagnosis, so a verdict never looks more certain than it is.
 */
export function assumptionEvidence(verdicts: readonly (Verdict | undefined)[]): Evidence[] {
  const out: Evidence[] = [];
  for (const v of verdicts) {
    for (const a of v?.assumed ?? []) {
      out.push({
        kind: 'static',
        code: 'ASSUMED',
        resourceId: a.resourceId,
        detail: `assumed: ${a.detail} (${v!.source} → ${v!.address || '(no address)'}, ${v!.family})`,
      });
    }
  }
  return out;
}

/** The blockers of one category on a broken path, in the analyzer's order. */
export function blockersOf(verdict: Verdict, category: BlockerCategory): Blocker[] {
  return pathBroken(verdict) ? verdict.blockers.filter((b) => blockerCategory(b.code) === category) : [];
}

const NOT_RUNNING = new Set(['pending', 'stopping', 'stopped', 'shutting-down', 'terminated']);

export function notRunning(signals: HostSignals | undefined): boolean {
  return signals?.state !== undefined && NOT_RUNNING.has(signals.state);
}

/** Which EC2 status checks fail, from DescribeInstanceStatus or the StatusCheckFailed_* metrics. */
export function failedChecks(signals: HostSignals | undefined): { system: boolean; instance: boolean } {
  return {
    system: signals?.systemStatus === 'impaired' || (signals?.statusCheckFailedSystem ?? 0) >= 1,
    instance: signals?.instanceStatus === 'impaired' || (signals?.statusCheckFailedInstance ?? 0) >= 1,
  };
}

/** Every host signal that crossed its starvation threshold. Unknown signals never count. */
export function starvation(signals: HostSignals | undefined, t: DiagnosisThresholds): Evidence[] {
  const out: Evidence[] = [];
  if (signals?.cpuPercent !== undefined && signals.cpuPercent >= t.cpuPercent) {
    out.push({
      kind: 'signal',
      code: 'CPUUtilization',
      value: signals.cpuPercent,
      detail: `CPUUtilization ${signals.cpuPercent} % ≥ ${t.cpuPercent} %`,
    });
  }
  if (signals?.cpuCreditBalance !== undefined && signals.cpuCreditBalance <= t.creditBalance) {
    out.push({
      kind: 'signal',
      code: 'CPUCreditBalance',
      value: signals.cpuCreditBalance,
      detail: `CPUCreditBalance ${signals.cpuCreditBalance} ≤ ${t.creditBalance}: throttled to the baseline`,
    });
  }
  if (signals?.memUsedPercent !== undefined && signals.memUsedPercent >= t.memPercent) {
    out.push({
      kind: 'signal',
      code: 'mem_used_percent',
      value: signals.memUsedPercent,
      detail: `mem_used_percent ${signals.memUsedPercent} % ≥ ${t.memPercent} %`,
    });
  }
  return out;
}

/** The starvation signals that are unknown, for evidence when nothing crossed a threshold. */
export function unknownLoadSignals(signals: HostSignals | undefined): string[] {
  const missing: string[] = [];
  if (signals?.cpuPercent === undefined) missing.push('CPUUtilization');
  if (signals?.memUsedPercent === undefined) missing.push('mem_used_percent');
  return missing;
}

/** The source CIDR a rule should allow: the spec itself when it is a CIDR, `internet` as the any-address. */
export function sourceCidr(verdict: Verdict): string {
  if (verdict.source === 'internet') return verdict.family === 'ipv6' ? '::/0' : '0.0.0.0/0';
  if (verdict.source.includes('/')) return verdict.source;
  return `<${verdict.source} address>/${verdict.family === 'ipv6' ? 128 : 32}`;
}

/** The instance address as a single-host CIDR. */
export function hostCidr(verdict: Verdict): string {
  return `${verdict.address}/${verdict.family === 'ipv6' ? 128 : 32}`;
}

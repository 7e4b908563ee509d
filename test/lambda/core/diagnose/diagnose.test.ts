import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose, diagnoseWithRule } from '../../../../lambda/core/diagnose/diagnose.ts';
import { type DiagnosisInput, normaliseInput } from '../../../../lambda/core/diagnose/input.ts';
import { PRECEDENCE } from '../../../../lambda/core/diagnose/precedence.ts';
import {
  DIAGNOSIS_CODES,
  type DiagnosisCode,
  type HostSignals,
  type Severity,
} from '../../../../lambda/core/diagnose/types.ts';
import { parseConsoleOutput } from '../../../../lambda/core/evidence/console-output.ts';
import type { ProbeOutcome, ProbeResult } from '../../../../lambda/core/probe/types.ts';
import type { Blocker, MissingData, Verdict } from '../../../../lambda/core/reachability/types.ts';

const ID = 'i-0123456789abcdef0';

function probe(outcome: ProbeOutcome, extra: Partial<ProbeResult> = {}): ProbeResult {
  const phases: Record<ProbeOutcome, ProbeResult['phases']> = {
    ok: { connectMs: 2, identMs: 15, kexMs: 30, authMs: 8, totalMs: 55 },
    refused: { connectMs: 1, totalMs: 1 },
    timeout: { totalMs: 3001 },
    unreachable: { connectMs: 4, totalMs: 4 },
    'reset-before-ident': { connectMs: 2, identMs: 3, totalMs: 5 },
    'closed-before-ident': { connectMs: 2, identMs: 4, totalMs: 6 },
    'ident-timeout': { connectMs: 2, identMs: 5000, totalMs: 5002 },
    'not-ssh': { connectMs: 2, identMs: 10, totalMs: 12 },
    'protocol-unsupported': { connectMs: 2, identMs: 9, totalMs: 11 },
    'kex-failed': { connectMs: 2, identMs: 9, kexMs: 20, totalMs: 31 },
    'kex-unsupported-by-prober': { connectMs: 2, identMs: 9, kexMs: 4, totalMs: 15 },
    'closed-during-kex': { connectMs: 2, identMs: 9, kexMs: 12, totalMs: 23 },
    'kex-timeout': { connectMs: 2, identMs: 9, kexMs: 5000, totalMs: 5011 },
  };
  return { target: { host: '10.0.1.25', port: 22 }, outcome, phases: phases[outcome], ...extra };
}

const okProbe = probe('ok', { software: 'OpenSSH_9.6p1', ident: 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5' });

function verdict(source: string, blockers: Blocker[] = [], extra: Partial<Verdict> = {}): Verdict {
  return {
    instanceId: ID,
    address: source === 'internet' ? '203.0.113.10' : '10.0.1.25',
    source,
    family: 'ipv4',
    reachable: blockers.length === 0,
    blockers,
    ...extra,
  };
}

const SG_BLOCK: Blocker = {
  code: 'SG_INGRESS_NO_MATCH',
  resourceId: 'sg-0ab12cd34ef567890',
  direction: 'inbound',
  detail: 'no inbound rule allows tcp/22 from 10.0.9.0/24',
};
const NACL_BLOCK: Blocker = {
  code: 'NACL_INBOUND_DENY',
  resourceId: 'acl-0a1b2c3d',
  direction: 'inbound',
  ruleNumber: 90,
  detail: 'rule 90 denies tcp/22 from 0.0.0.0/0',
};
const NACL_RETURN: Blocker = {
  code: 'NACL_OUTBOUND_DENY',
  resourceId: 'acl-0a1b2c3d',
  direction: 'outbound',
  ruleNumber: 32767,
  detail: 'the default * rule denies return traffic to 1024-65535',
};
const PARTIAL: Blocker = {
  code: 'NACL_EPHEMERAL_PARTIAL',
  resourceId: 'acl-0a1b2c3d',
  direction: 'outbound',
  ruleNumber: 110,
  detail: 'outbound allows only 32768-65535 of 1024-65535',
};
const ROUTE_BLOCK: Blocker = { code: 'NO_ROUTE', resourceId: 'rtb-0f00', detail: 'no route to 10.0.9.0/24' };
const BLACKHOLE: Blocker = {
  code: 'BLACKHOLE_ROUTE',
  resourceId: 'rtb-0f00',
  detail: '0.0.0.0/0 → igw-0dead is a blackhole',
};
const FW_DROP: Blocker = {
  code: 'NETWORK_FIREWALL_DROP',
  resourceId: 'inspection',
  detail: 'Network Firewall inspection (endpoint vpce-0fw) rule group ssh-rules sid 2 drops it silently',
  firewallRule: {
    ruleGroup: 'ssh-rules',
    arn: 'arn:aws:network-firewall:us-east-1:123456789012:stateful-rulegroup/ssh-rules',
    rule: 'sid 2',
    engine: 'stateful',
  },
};
const FW_REJECT: Blocker = {
  ...FW_DROP,
  code: 'NETWORK_FIREWALL_REJECT',
  detail: 'rejects it with a TCP reset',
};
const NOT_RUNNING: Blocker = { code: 'INSTANCE_NOT_RUNNING', resourceId: ID, detail: 'instance is stopped' };

// "Network ACLs" (Amazon VPC User Guide): each subnet in a VPC must be associated with a network ACL;
// without describe-network-acls.json the ACL of the instance's subnet is unknown, not "not filtered".
const ACL_MISSING: MissingData = {
  kind: 'network-acl',
  resourceId: 'subnet-0a1',
  file: 'describe-network-acls.json',
  detail: 'the network ACL of subnet-0a1 is unknown: describe-network-acls.json is not in the inventory',
};
// "Security groups" (Amazon VPC User Guide): every network interface has at least one security group.
const SG_MISSING: MissingData = {
  kind: 'security-group',
  resourceId: 'sg-0gone',
  file: 'describe-security-groups.json',
  detail: 'security group sg-0gone is attached to eni-0a1 but not in describe-security-groups.json',
};
/** A verdict no known blocker decides, resting on missing data. */
function unknownVerdict(source: string, missing: MissingData[], blockers: Blocker[] = []): Verdict {
  return { ...verdict(source, blockers), reachable: false, unknown: true, missing };
}

const PROBER = '10.0.9.0/24';
/** mm/oom_kill.c's line for a kill of sshd (see test/lambda/core/evidence/console-output.test.ts). */
const SSHD_OOM = parseConsoleOutput(
  '[ 6187.051733] Out of memory: Killed process 612 (sshd) total-vm:15444kB, anon-rss:1208kB, file-rss:0kB',
);
const open = verdict(PROBER);
const healthySignals: HostSignals = {
  instanceId: ID,
  state: 'running',
  systemStatus: 'ok',
  instanceStatus: 'ok',
  cpuPercent: 12,
  statusCheckFailedSystem: 0,
  statusCheckFailedInstance: 0,
};

function input(over: Partial<DiagnosisInput>): DiagnosisInput {
  return {
    instanceId: ID,
    expect: 'open',
    proberVerdict: open,
    sourceVerdicts: [],
    signals: healthySignals,
    ...over,
  };
}

interface Case {
  name: string;
  input: DiagnosisInput;
  code: DiagnosisCode;
  /** Evidence codes that must be present, in order of appearance. */
  evidence?: string[];
  summary?: RegExp;
}

/**
 * Per rule, as cdk-nag tests its rules: inputs the rule decides (through the whole precedence, so an
 * earlier rule must not take them) and inputs it must leave to others (the rule asked on its own).
 */
interface RuleCases {
  answers: Case[];
  defers: [string, DiagnosisInput][];
}

const RULES: Record<string, RuleCases> = {
  'expected-closed': {
    answers: [
      {
        name: 'expect=closed + timeout → EXPECTED_CLOSED',
        input: input({ expect: 'closed', probe: probe('timeout') }),
        code: 'EXPECTED_CLOSED',
      },
      {
        name: 'expect=closed + stopped → EXPECTED_CLOSED (closed, as declared)',
        input: input({
          expect: 'closed',
          probe: probe('refused'),
          signals: { instanceId: ID, state: 'stopped' },
        }),
        code: 'EXPECTED_CLOSED',
      },
    ],
    defers: [
      ['expect=open + timeout: an outage, not the declared state', input({ probe: probe('timeout') })],
      ['expect=closed but SSH answered', input({ expect: 'closed', probe: okProbe })],
    ],
  },
  'instance-stopped': {
    answers: [
      {
        name: 'stopped + refused → INSTANCE_STOPPED, never "sshd not listening"',
        input: input({ probe: probe('refused'), signals: { instanceId: ID, state: 'stopped' } }),
        code: 'INSTANCE_STOPPED',
        evidence: ['InstanceState', 'refused'],
        summary: /is stopped: nothing can answer SSH/,
      },
      {
        name: 'stopped beats a blocking SG',
        input: input({
          probe: probe('timeout'),
          proberVerdict: verdict(PROBER, [SG_BLOCK]),
          signals: { instanceId: ID, state: 'stopped' },
        }),
        code: 'INSTANCE_STOPPED',
      },
      {
        name: 'INSTANCE_NOT_RUNNING blocker with unknown signals → INSTANCE_STOPPED',
        input: input({
          probe: probe('timeout'),
          proberVerdict: verdict(PROBER, [NOT_RUNNING]),
          signals: undefined,
        }),
        code: 'INSTANCE_STOPPED',
        evidence: ['INSTANCE_NOT_RUNNING', 'timeout'],
      },
      {
        name: 'no probe, stopped → INSTANCE_STOPPED',
        input: input({ probe: undefined, signals: { instanceId: ID, state: 'stopping' } }),
        code: 'INSTANCE_STOPPED',
      },
    ],
    defers: [
      ['running, refused', input({ probe: probe('refused') })],
      [
        'a successful probe outranks a stale stopped state',
        input({ probe: okProbe, signals: { instanceId: ID, state: 'stopped' } }),
      ],
      [
        'state unknown and no INSTANCE_NOT_RUNNING blocker',
        input({ probe: probe('timeout'), signals: undefined }),
      ],
    ],
  },
  'instance-impaired': {
    answers: [
      {
        name: 'impaired + timeout → INSTANCE_IMPAIRED',
        input: input({
          probe: probe('timeout'),
          signals: { ...healthySignals, instanceStatus: 'impaired', statusCheckFailedInstance: 1 },
        }),
        code: 'INSTANCE_IMPAIRED',
        evidence: ['InstanceStatus', 'timeout'],
        summary: /fails its EC2 instance status check/,
      },
      {
        name: 'system check failed via the metric alone → INSTANCE_IMPAIRED (system)',
        input: input({ probe: probe('timeout'), signals: { instanceId: ID, statusCheckFailedSystem: 1 } }),
        code: 'INSTANCE_IMPAIRED',
        summary: /EC2 system status check/,
      },
    ],
    defers: [
      ['status checks pass', input({ probe: probe('timeout') })],
      [
        'status checks unknown',
        input({ probe: probe('timeout'), signals: { instanceId: ID, state: 'running' } }),
      ],
      [
        'a successful probe outranks a failed check',
        input({ probe: okProbe, signals: { ...healthySignals, instanceStatus: 'impaired' } }),
      ],
    ],
  },
  'blocked-by-security-group': {
    answers: [
      {
        name: 'blocking SG + timeout → BLOCKED_BY_SECURITY_GROUP',
        input: input({ probe: probe('timeout'), proberVerdict: verdict(PROBER, [SG_BLOCK]) }),
        code: 'BLOCKED_BY_SECURITY_GROUP',
        evidence: ['timeout', 'SG_INGRESS_NO_MATCH'],
        summary:
          /sg-0ab12cd34ef567890 has no ingress rule letting 10\.0\.9\.0\/24 reach i-0123456789abcdef0 on tcp\/22/,
      },
      {
        name: 'SG named before NACL when both block',
        input: input({ probe: probe('timeout'), proberVerdict: verdict(PROBER, [NACL_BLOCK, SG_BLOCK]) }),
        code: 'BLOCKED_BY_SECURITY_GROUP',
      },
      {
        name: 'no probe, prober path blocked by an SG → BLOCKED_BY_SECURITY_GROUP',
        input: input({ probe: undefined, proberVerdict: verdict(PROBER, [SG_BLOCK]) }),
        code: 'BLOCKED_BY_SECURITY_GROUP',
      },
    ],
    defers: [
      ["the prober's path is allowed", input({ probe: probe('timeout') })],
      [
        'only a NACL blocks',
        input({ probe: probe('timeout'), proberVerdict: verdict(PROBER, [NACL_BLOCK]) }),
      ],
      [
        'refused: the connection got through, the SG verdict is stale',
        input({ probe: probe('refused'), proberVerdict: verdict(PROBER, [SG_BLOCK]) }),
      ],
      [
        "no verdict for the prober (a blocked source is source-blocked's)",
        input({
          probe: probe('timeout'),
          proberVerdict: undefined,
          sourceVerdicts: [verdict('internet', [SG_BLOCK])],
        }),
      ],
    ],
  },
  'blocked-by-network-acl': {
    answers: [
      {
        name: 'NACL inbound deny + timeout → BLOCKED_BY_NETWORK_ACL with the rule number',
        input: input({ probe: probe('timeout'), proberVerdict: verdict(PROBER, [NACL_BLOCK]) }),
        code: 'BLOCKED_BY_NETWORK_ACL',
        evidence: ['timeout', 'NACL_INBOUND_DENY'],
        summary: /acl-0a1b2c3d rule 90 blocks inbound tcp\/22 between 10\.0\.9\.0\/24/,
      },
      {
        name: 'partial ephemeral allow + timeout → BLOCKED_BY_NETWORK_ACL (intermittent)',
        input: input({
          probe: probe('timeout'),
          proberVerdict: verdict(PROBER, [PARTIAL], { reachable: true, partial: true }),
        }),
        code: 'BLOCKED_BY_NETWORK_ACL',
        evidence: ['timeout', 'NACL_EPHEMERAL_PARTIAL'],
      },
    ],
    defers: [
      ["the prober's path is allowed", input({ probe: probe('timeout') })],
      ['only an SG blocks', input({ probe: probe('timeout'), proberVerdict: verdict(PROBER, [SG_BLOCK]) })],
      [
        'SSH answered: the NACL verdict is stale',
        input({ probe: okProbe, proberVerdict: verdict(PROBER, [NACL_BLOCK]) }),
      ],
    ],
  },
  'no-route': {
    answers: [
      {
        name: 'no route + unreachable → NO_ROUTE (not a host REJECT)',
        input: input({ probe: probe('unreachable'), proberVerdict: verdict(PROBER, [ROUTE_BLOCK]) }),
        code: 'NO_ROUTE',
        summary: /No route from 10\.0\.9\.0\/24 to i-0123456789abcdef0: no route to 10\.0\.9\.0\/24/,
      },
    ],
    defers: [
      ["the prober's path is allowed", input({ probe: probe('unreachable') })],
      [
        'refused: something answered, so there is a route',
        input({ probe: probe('refused'), proberVerdict: verdict(PROBER, [ROUTE_BLOCK]) }),
      ],
    ],
  },
  'blocked-by-network-firewall': {
    answers: [
      {
        name: 'firewall DROP + timeout → BLOCKED_BY_NETWORK_FIREWALL, the probe agrees',
        input: input({ probe: probe('timeout'), proberVerdict: verdict(PROBER, [FW_DROP]) }),
        code: 'BLOCKED_BY_NETWORK_FIREWALL',
        evidence: ['timeout', 'NETWORK_FIREWALL_DROP', 'PROBE_AGREES'],
        summary:
          /Network Firewall inspection drops SSH from 10\.0\.9\.0\/24 to i-0123456789abcdef0: ssh-rules sid 2/,
      },
      {
        name: 'firewall REJECT + refused → BLOCKED_BY_NETWORK_FIREWALL (not SSHD_NOT_LISTENING)',
        input: input({ probe: probe('refused'), proberVerdict: verdict(PROBER, [FW_REJECT]) }),
        code: 'BLOCKED_BY_NETWORK_FIREWALL',
        evidence: ['refused', 'NETWORK_FIREWALL_REJECT', 'PROBE_AGREES'],
      },
      {
        name: 'firewall REJECT + timeout → still the firewall, and the evidence says the probe disagrees',
        input: input({ probe: probe('timeout'), proberVerdict: verdict(PROBER, [FW_REJECT]) }),
        code: 'BLOCKED_BY_NETWORK_FIREWALL',
        evidence: ['timeout', 'NETWORK_FIREWALL_REJECT', 'PROBE_DISAGREES'],
      },
      {
        name: 'no probe, firewall DROP on the path → BLOCKED_BY_NETWORK_FIREWALL from configuration',
        input: input({ probe: undefined, proberVerdict: verdict(PROBER, [FW_DROP]) }),
        code: 'BLOCKED_BY_NETWORK_FIREWALL',
        evidence: ['NETWORK_FIREWALL_DROP'],
      },
    ],
    defers: [
      [
        'ok: SSH answered through the firewall, the verdict is stale',
        input({ probe: okProbe, proberVerdict: verdict(PROBER, [FW_DROP]) }),
      ],
      ["the prober's path has no firewall blocker", input({ probe: probe('timeout') })],
    ],
  },
  'prober-path-unknown': {
    answers: [
      {
        name: 'no probe, prober path lacks its ACL → UNKNOWN naming the file (never HEALTHY)',
        input: input({ probe: undefined, proberVerdict: unknownVerdict(PROBER, [ACL_MISSING]) }),
        code: 'UNKNOWN',
        evidence: ['DATA_MISSING'],
        summary:
          /the inventory lacks data the prober's path needs.*describe-network-acls\.json is not in the inventory/,
      },
      {
        name: 'timeout, prober path lacks a group → UNKNOWN (not HOST_FIREWALL_DROP)',
        input: input({ probe: probe('timeout'), proberVerdict: unknownVerdict(PROBER, [SG_MISSING]) }),
        code: 'UNKNOWN',
        evidence: ['timeout', 'DATA_MISSING'],
      },
    ],
    defers: [
      ['the prober path is decided', input({ probe: probe('timeout') })],
      [
        'refused: the host answered, whatever the ACL says',
        input({ probe: probe('refused'), proberVerdict: unknownVerdict(PROBER, [ACL_MISSING]) }),
      ],
    ],
  },
  'sshd-oom-killed': {
    answers: [
      {
        name: 'refused + the console shows the OOM killer killing sshd → RESOURCE_EXHAUSTION',
        input: input({ probe: probe('refused'), observations: { console: SSHD_OOM } }),
        code: 'RESOURCE_EXHAUSTION',
        evidence: ['refused'],
        summary:
          /^The OOM killer killed sshd \(pid 612\) on i-0123456789abcdef0 at 6187\.1 s after boot; SSH fails: refused after 1 ms$/,
      },
    ],
    defers: [
      ['refused, no console reading', input({ probe: probe('refused') })],
      [
        'timeout: a SYN is answered even out of memory',
        input({ probe: probe('timeout'), observations: { console: SSHD_OOM } }),
      ],
      ['SSH answers', input({ probe: okProbe, observations: { console: SSHD_OOM } })],
    ],
  },
  'sshd-not-listening': {
    answers: [
      {
        name: 'a blocking SG does not explain a refused connection (stale config) → SSHD_NOT_LISTENING',
        input: input({ probe: probe('refused'), proberVerdict: verdict(PROBER, [SG_BLOCK]) }),
        code: 'SSHD_NOT_LISTENING',
      },
      {
        name: 'allowing config + refused → SSHD_NOT_LISTENING',
        input: input({ probe: probe('refused') }),
        code: 'SSHD_NOT_LISTENING',
        evidence: ['refused', 'PATH_ALLOWED', 'InstanceStatus'],
        summary: /Nothing listens on 10\.0\.1\.25:22/,
      },
      {
        name: 'a host failure outranks a blocked source',
        input: input({ probe: probe('refused'), sourceVerdicts: [verdict('203.0.113.0/24', [SG_BLOCK])] }),
        code: 'SSHD_NOT_LISTENING',
      },
    ],
    defers: [
      ['timeout (nothing answered at all)', input({ probe: probe('timeout') })],
      ['not probed', input({ probe: undefined })],
    ],
  },
  'host-firewall-reject': {
    answers: [
      {
        name: 'allowing config + ICMP unreachable → HOST_FIREWALL_REJECT',
        input: input({ probe: probe('unreachable', { detail: 'EHOSTUNREACH' }) }),
        code: 'HOST_FIREWALL_REJECT',
      },
    ],
    defers: [
      [
        "unreachable, the prober's path not analysed",
        input({ probe: probe('unreachable'), proberVerdict: undefined }),
      ],
      [
        'unreachable on a partially open path',
        input({
          probe: probe('unreachable'),
          proberVerdict: verdict(PROBER, [PARTIAL], { reachable: true, partial: true }),
        }),
      ],
      ['timeout (a drop, not a reject)', input({ probe: probe('timeout') })],
    ],
  },
  'host-firewall-drop': {
    answers: [
      {
        name: 'allowing config + timeout + checks passing → HOST_FIREWALL_DROP',
        input: input({ probe: probe('timeout') }),
        code: 'HOST_FIREWALL_DROP',
        evidence: ['timeout', 'PATH_ALLOWED', 'StatusChecks'],
        summary: /SYN went unanswered for 3001 ms/,
      },
      {
        name: 'timeout + allowing config + unknown status checks → HOST_FIREWALL_DROP, checks noted unknown',
        input: input({ probe: probe('timeout'), signals: undefined }),
        code: 'HOST_FIREWALL_DROP',
      },
    ],
    defers: [
      [
        'timeout on a path the configuration blocks',
        input({ probe: probe('timeout'), proberVerdict: verdict(PROBER, [SG_BLOCK]) }),
      ],
      [
        "timeout, the prober's path not analysed",
        input({ probe: probe('timeout'), proberVerdict: undefined }),
      ],
      [
        'timeout on a partially open path',
        input({
          probe: probe('timeout'),
          proberVerdict: verdict(PROBER, [PARTIAL], { reachable: true, partial: true }),
        }),
      ],
      ['refused', input({ probe: probe('refused') })],
    ],
  },
  'sshd-refusing-connections': {
    answers: [
      {
        name: 'closed before ident → SSHD_REFUSING_CONNECTIONS',
        input: input({ probe: probe('closed-before-ident') }),
        code: 'SSHD_REFUSING_CONNECTIONS',
        summary: /then closed it before its identification \(closed-before-ident after 4 ms\)/,
      },
      {
        name: 'reset before ident → SSHD_REFUSING_CONNECTIONS',
        input: input({ probe: probe('reset-before-ident') }),
        code: 'SSHD_REFUSING_CONNECTIONS',
        summary: /reset it/,
      },
    ],
    defers: [
      ['ident-timeout (accepted and silent, not closed)', input({ probe: probe('ident-timeout') })],
      ['closed during key exchange (after the ident)', input({ probe: probe('closed-during-kex') })],
    ],
  },
  'resource-exhaustion': {
    answers: [
      {
        name: 'ident-timeout + CPU 99 → RESOURCE_EXHAUSTION',
        input: input({ probe: probe('ident-timeout'), signals: { ...healthySignals, cpuPercent: 99 } }),
        code: 'RESOURCE_EXHAUSTION',
        evidence: ['ident-timeout', 'CPUUtilization'],
        summary: /starved \(CPUUtilization 99 % ≥ 90 %\).*ident-timeout after 5000 ms/,
      },
      {
        name: 'kex-timeout + credits at 0 → RESOURCE_EXHAUSTION',
        input: input({
          probe: probe('kex-timeout'),
          signals: { ...healthySignals, cpuPercent: 20, cpuCreditBalance: 0 },
        }),
        code: 'RESOURCE_EXHAUSTION',
        evidence: ['kex-timeout', 'CPUCreditBalance'],
      },
      {
        name: 'ok but slow + memory 97 % → RESOURCE_EXHAUSTION',
        input: input({
          probe: probe('ok', { phases: { connectMs: 2, identMs: 4200, kexMs: 40, totalMs: 4250 } }),
          signals: { ...healthySignals, memUsedPercent: 97 },
        }),
        code: 'RESOURCE_EXHAUSTION',
        summary: /identification after 4200 ms/,
      },
    ],
    defers: [
      [
        'ident-timeout with CPU and memory below their thresholds',
        input({ probe: probe('ident-timeout'), signals: { ...healthySignals, memUsedPercent: 50 } }),
      ],
      [
        'refused with CPU 99',
        input({ probe: probe('refused'), signals: { ...healthySignals, cpuPercent: 99 } }),
      ],
      ['not probed, CPU 99', input({ probe: undefined, signals: { ...healthySignals, cpuPercent: 99 } })],
      [
        'ident exactly at the slow threshold (2000 ms is not slow), memory 97',
        input({
          probe: probe('ok', { phases: { connectMs: 2, identMs: 2000, kexMs: 40, totalMs: 2050 } }),
          signals: { ...healthySignals, memUsedPercent: 97 },
        }),
      ],
    ],
  },
  'not-ssh-service': {
    answers: [
      {
        name: 'not SSH → NOT_SSH_SERVICE',
        input: input({ probe: probe('not-ssh', { detail: 'HTTP/1.1 400 Bad Request' }) }),
        code: 'NOT_SSH_SERVICE',
        summary: /not with SSH: HTTP\/1\.1 400 Bad Request/,
      },
    ],
    defers: [
      ['an SSH server that answered', input({ probe: okProbe })],
      ['an SSH server whose key exchange failed', input({ probe: probe('kex-failed') })],
    ],
  },
  'ssh-negotiation-failed': {
    answers: [
      {
        name: 'kex-failed → SSH_NEGOTIATION_FAILED',
        input: input({
          probe: probe('kex-failed', {
            software: 'OpenSSH_6.6.1',
            detail: 'no matching key exchange method',
          }),
        }),
        code: 'SSH_NEGOTIATION_FAILED',
        summary:
          /\(OpenSSH_6\.6\.1\) answered, but key exchange failed: kex-failed — no matching key exchange method/,
      },
      {
        name: 'protocol-unsupported → SSH_NEGOTIATION_FAILED',
        input: input({ probe: probe('protocol-unsupported') }),
        code: 'SSH_NEGOTIATION_FAILED',
      },
      {
        name: 'closed-during-kex → SSH_NEGOTIATION_FAILED',
        input: input({ probe: probe('closed-during-kex') }),
        code: 'SSH_NEGOTIATION_FAILED',
      },
    ],
    defers: [
      ['not SSH at all', input({ probe: probe('not-ssh') })],
      ['key exchange completed', input({ probe: okProbe })],
      ['only the prober lacks the algorithm', input({ probe: probe('kex-unsupported-by-prober') })],
    ],
  },
  'source-blocked': {
    answers: [
      {
        name: 'prober fine, office CIDR blocked by an SG → BLOCKED_BY_SECURITY_GROUP naming the source',
        input: input({
          probe: okProbe,
          sourceVerdicts: [
            verdict('203.0.113.0/24', [{ ...SG_BLOCK, detail: 'no rule for 203.0.113.0/24' }]),
          ],
        }),
        code: 'BLOCKED_BY_SECURITY_GROUP',
        evidence: ['SG_INGRESS_NO_MATCH', 'ok'],
        summary: /letting 203\.0\.113\.0\/24 reach/,
      },
      {
        name: 'internet source, NACL return traffic denied → BLOCKED_BY_NETWORK_ACL',
        input: input({
          probe: okProbe,
          sourceVerdicts: [verdict('203.0.113.0/24'), verdict('internet', [NACL_RETURN])],
        }),
        code: 'BLOCKED_BY_NETWORK_ACL',
      },
      {
        name: 'a blocked source outranks DEGRADED_SLOW',
        input: input({
          probe: probe('ok', { phases: { connectMs: 2, identMs: 2500, totalMs: 2550 } }),
          sourceVerdicts: [verdict('internet', [BLACKHOLE])],
        }),
        code: 'NO_ROUTE',
      },
      {
        name: 'no probe, only a source verdict, blocked by a NACL → BLOCKED_BY_NETWORK_ACL',
        input: input({
          probe: undefined,
          proberVerdict: undefined,
          sourceVerdicts: [verdict('203.0.113.0/24', [NACL_BLOCK])],
        }),
        code: 'BLOCKED_BY_NETWORK_ACL',
      },
    ],
    defers: [
      ['no configured source', input({ probe: okProbe })],
      [
        'every source open',
        input({ probe: okProbe, sourceVerdicts: [verdict('203.0.113.0/24'), verdict('internet')] }),
      ],
    ],
  },
  'source-path-unknown': {
    answers: [
      {
        name: 'probe ok, the internet source lacks its ACL → UNKNOWN (not HEALTHY)',
        input: input({ probe: okProbe, sourceVerdicts: [unknownVerdict('internet', [ACL_MISSING])] }),
        code: 'UNKNOWN',
        evidence: ['DATA_MISSING', 'ok'],
        summary: /whether internet can reach it is unknown/,
      },
      {
        name: 'an unknown source with a partial ACL is still UNKNOWN, not BLOCKED_BY_NETWORK_ACL',
        input: input({
          probe: undefined,
          proberVerdict: undefined,
          sourceVerdicts: [unknownVerdict('203.0.113.0/24', [SG_MISSING], [PARTIAL])],
        }),
        code: 'UNKNOWN',
      },
    ],
    defers: [
      ['every source decided and open', input({ probe: okProbe, sourceVerdicts: [verdict('internet')] })],
    ],
  },
  'ssh-answering-unverified': {
    answers: [
      {
        name: 'kex-unsupported-by-prober → SSH_ANSWERING_UNVERIFIED (info, not critical)',
        input: input({
          probe: probe('kex-unsupported-by-prober', {
            software: 'OpenSSH_10.0p2',
            detail: 'the prober lacks the MAC this server requires (umac-128-etm@openssh.com)',
          }),
        }),
        code: 'SSH_ANSWERING_UNVERIFIED',
        summary:
          /\(OpenSSH_10\.0p2\) answers SSH; the prober could not verify its host key and auth methods: the prober lacks the MAC/,
      },
    ],
    defers: [
      ['a server no OpenSSH client agrees with', input({ probe: probe('kex-failed') })],
      ['key exchange completed', input({ probe: okProbe })],
    ],
  },
  'degraded-slow': {
    answers: [
      {
        name: 'ok but slow, no starvation → DEGRADED_SLOW',
        input: input({
          probe: probe('ok', { phases: { connectMs: 2, identMs: 2500, kexMs: 40, totalMs: 2550 } }),
        }),
        code: 'DEGRADED_SLOW',
        summary: /identification after 2500 ms \(threshold 2000 ms\)/,
      },
    ],
    defers: [
      [
        'ident exactly at the threshold (2000 ms)',
        input({ probe: probe('ok', { phases: { connectMs: 2, identMs: 2000, kexMs: 40, totalMs: 2050 } }) }),
      ],
      ['a fast answer', input({ probe: okProbe })],
      ['a failed probe', input({ probe: probe('timeout') })],
    ],
  },
  healthy: {
    answers: [
      {
        name: 'slowIdentMs is configurable',
        input: input({
          probe: probe('ok', { phases: { connectMs: 2, identMs: 2500, kexMs: 40, totalMs: 2550 } }),
          thresholds: { slowIdentMs: 3000 },
        }),
        code: 'HEALTHY',
      },
      {
        name: 'expect=closed but answering → judged like any other (the UNEXPECTEDLY_OPEN finding flags it)',
        input: input({ expect: 'closed', probe: okProbe }),
        code: 'HEALTHY',
      },
      {
        name: 'ok → HEALTHY',
        input: input({ probe: okProbe }),
        code: 'HEALTHY',
        summary: /healthy: OpenSSH_9\.6p1 answered in 55 ms/,
      },
      {
        name: 'ok beats a stale "stopped" state',
        input: input({ probe: okProbe, signals: { instanceId: ID, state: 'stopped' } }),
        code: 'HEALTHY',
      },
      {
        name: 'a probe that was never started (neverStarted) counts as no probe',
        input: input({ probe: probe('timeout', { neverStarted: true }) }),
        code: 'HEALTHY',
        summary: /not probed/,
      },
      {
        name: 'no probe, all paths open → HEALTHY from configuration and signals',
        input: input({ probe: undefined, sourceVerdicts: [verdict('203.0.113.0/24')] }),
        code: 'HEALTHY',
        summary: /not probed; the configuration allows all 2 analysed paths/,
      },
    ],
    defers: [
      ['a failed probe', input({ probe: probe('timeout') })],
      [
        "not probed, the prober's path blocked",
        input({ probe: undefined, proberVerdict: verdict(PROBER, [SG_BLOCK]) }),
      ],
      [
        'not probed, a path only partially open',
        input({
          probe: undefined,
          proberVerdict: verdict(PROBER, [PARTIAL], { reachable: true, partial: true }),
        }),
      ],
      ['not probed, no path analysed', input({ probe: undefined, proberVerdict: undefined })],
    ],
  },
  unknown: {
    answers: [
      {
        name: 'ident-timeout + unknown CPU → UNKNOWN (overload unconfirmed), not RESOURCE_EXHAUSTION',
        input: input({ probe: probe('ident-timeout'), signals: { instanceId: ID, state: 'running' } }),
        code: 'UNKNOWN',
        evidence: ['ident-timeout', 'CPUUtilization', 'mem_used_percent'],
        summary: /overload is unconfirmed/,
      },
      {
        name: 'timeout without a static verdict for the prober → UNKNOWN (an SG cannot be excluded)',
        input: input({ probe: probe('timeout'), proberVerdict: undefined }),
        code: 'UNKNOWN',
        summary: /prober's path was not analysed/,
      },
      {
        name: 'cpuPercent is configurable (99 under a 100 % threshold is not starvation)',
        input: input({
          probe: probe('ident-timeout'),
          signals: { ...healthySignals, cpuPercent: 99, memUsedPercent: 50 },
          thresholds: { cpuPercent: 100 },
        }),
        code: 'UNKNOWN',
        summary: /below their thresholds/,
      },
      {
        name: 'no probe, no verdicts → UNKNOWN',
        input: input({ probe: undefined, proberVerdict: undefined }),
        code: 'UNKNOWN',
      },
    ],
    // The fallback: it answers whatever it is given, so nothing is left undiagnosed.
    defers: [],
  },
};

/** Each code's severity, written here rather than read from CATALOGUE, so a changed severity fails. */
const SEVERITY: Record<DiagnosisCode, Severity> = {
  HEALTHY: 'ok',
  DEGRADED_SLOW: 'warning',
  BLOCKED_BY_SECURITY_GROUP: 'critical',
  BLOCKED_BY_NETWORK_ACL: 'critical',
  BLOCKED_BY_NETWORK_FIREWALL: 'critical',
  NO_ROUTE: 'critical',
  INSTANCE_STOPPED: 'critical',
  INSTANCE_IMPAIRED: 'critical',
  SSHD_NOT_LISTENING: 'critical',
  HOST_FIREWALL_DROP: 'critical',
  HOST_FIREWALL_REJECT: 'critical',
  SSHD_REFUSING_CONNECTIONS: 'critical',
  RESOURCE_EXHAUSTION: 'critical',
  NOT_SSH_SERVICE: 'critical',
  SSH_NEGOTIATION_FAILED: 'critical',
  SSH_ANSWERING_UNVERIFIED: 'info',
  EXPECTED_CLOSED: 'ok',
  UNKNOWN: 'warning',
};

for (const { name: ruleName, rule } of PRECEDENCE) {
  describe(`rule ${ruleName}`, () => {
    const cases = RULES[ruleName];
    for (const c of cases?.answers ?? []) {
      it(`answers: ${c.name}`, () => {
        const { diagnosis, rule: decidedBy } = diagnoseWithRule(c.input);
        assert.equal(diagnosis.code, c.code, `${diagnosis.code} (${decidedBy}): ${diagnosis.summary}`);
        assert.equal(decidedBy, ruleName);
        assert.equal(diagnosis.severity, SEVERITY[c.code]);
        if (c.summary !== undefined) assert.match(diagnosis.summary, c.summary);
        if (c.evidence !== undefined) {
          const codes = diagnosis.evidence.map((e) => e.code);
          assert.deepEqual(
            codes.filter((x) => c.evidence!.includes(x)),
            c.evidence,
            `evidence ${codes.join(', ')}`,
          );
        }
        // No template blank left where the rule knew the fact.
        assert.doesNotMatch(diagnosis.summary, /<instanceId>|<port>/);
      });
    }
    for (const [name, i] of cases?.defers ?? []) {
      it(`defers: ${name}`, () => assert.equal(rule(normaliseInput(i)), undefined));
    }
  });
}

describe('diagnose', () => {
  it('has answering cases for every rule, and deferring ones for every rule but the fallback', () => {
    assert.deepEqual(
      Object.keys(RULES),
      PRECEDENCE.map((p) => p.name),
    );
    for (const [name, cases] of Object.entries(RULES)) {
      assert.ok(cases.answers.length > 0, `${name}: no case it answers`);
      if (name !== 'unknown') assert.ok(cases.defers.length > 0, `${name}: no case it defers`);
    }
  });

  it('the fallback answers anything', () => {
    const last = PRECEDENCE.at(-1)!;
    assert.equal(last.name, 'unknown');
    for (const i of [
      input({}),
      input({ probe: undefined, proberVerdict: undefined }),
      input({ probe: okProbe }),
    ])
      assert.equal(last.rule(normaliseInput(i))?.code, 'UNKNOWN');
  });

  it('reaches every diagnosis code from these inputs', () => {
    const reached = new Set(
      Object.values(RULES).flatMap((r) => r.answers.map((c) => diagnose(c.input).code)),
    );
    assert.deepEqual(
      DIAGNOSIS_CODES.filter((code) => !reached.has(code)),
      [],
    );
  });

  it('asks the rules in the documented order', () => {
    assert.deepEqual(
      PRECEDENCE.map((p) => p.name),
      [
        'expected-closed',
        'instance-stopped',
        'instance-impaired',
        'blocked-by-security-group',
        'blocked-by-network-acl',
        'no-route',
        'blocked-by-network-firewall',
        'prober-path-unknown',
        'sshd-oom-killed',
        'sshd-not-listening',
        'host-firewall-reject',
        'host-firewall-drop',
        'sshd-refusing-connections',
        'resource-exhaustion',
        'not-ssh-service',
        'ssh-negotiation-failed',
        'source-blocked',
        'source-path-unknown',
        'ssh-answering-unverified',
        'degraded-slow',
        'healthy',
        'unknown',
      ],
    );
  });
});

describe('evidence and remediation', () => {
  it('keeps which phase failed and when', () => {
    const d = diagnose(input({ probe: probe('closed-before-ident') }));
    assert.deepEqual(d.evidence[0], {
      kind: 'probe',
      code: 'closed-before-ident',
      detail: 'probe of 10.0.1.25:22: closed-before-ident in the ident phase after 4 ms',
      value: 4,
    });
  });

  it('keeps which rule blocked, with its number', () => {
    const d = diagnose(input({ probe: probe('timeout'), proberVerdict: verdict(PROBER, [NACL_BLOCK]) }));
    const e = d.evidence.find((x) => x.code === 'NACL_INBOUND_DENY')!;
    assert.equal(e.resourceId, 'acl-0a1b2c3d');
    assert.equal(e.value, 90);
    assert.match(e.detail, /acl-0a1b2c3d inbound rule 90 blocks 10\.0\.9\.0\/24 → 10\.0\.1\.25/);
  });

  it('keeps which metric crossed which threshold, with its value', () => {
    const d = diagnose(
      input({ probe: probe('ident-timeout'), signals: { ...healthySignals, memUsedPercent: 98.5 } }),
    );
    assert.deepEqual(d.evidence[1], {
      kind: 'signal',
      code: 'mem_used_percent',
      value: 98.5,
      detail: 'mem_used_percent 98.5 % ≥ 95 %',
    });
  });

  const REMEDIATION: Array<[string, DiagnosisInput, RegExp]> = [
    [
      'SG ingress: the exact rule to add',
      input({ probe: probe('timeout'), proberVerdict: verdict(PROBER, [SG_BLOCK]) }),
      /^Add the missing rule: `aws ec2 authorize-security-group-ingress --group-id sg-0ab12cd34ef567890 --protocol tcp --port 22 --cidr 10\.0\.9\.0\/24`$/,
    ],
    [
      'SG ingress for an IPv6 internet source',
      input({
        probe: undefined,
        proberVerdict: undefined,
        sourceVerdicts: [verdict('internet', [SG_BLOCK], { family: 'ipv6', address: '2001:db8::10' })],
      }),
      /--ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,Ipv6Ranges=\[\{CidrIpv6=::\/0\}\]'/,
    ],
    [
      'NACL inbound deny: an allow numbered below the deny',
      input({ probe: probe('timeout'), proberVerdict: verdict(PROBER, [NACL_BLOCK]) }),
      /`aws ec2 create-network-acl-entry --network-acl-id acl-0a1b2c3d --ingress --rule-number 89 --protocol tcp --port-range From=22,To=22 --cidr-block 10\.0\.9\.0\/24 --rule-action allow`/,
    ],
    [
      'NACL return traffic under the default deny: outbound ephemeral range, rule 100',
      input({ probe: probe('timeout'), proberVerdict: verdict(PROBER, [NACL_RETURN]) }),
      /--egress --rule-number 100 --protocol tcp --port-range From=1024,To=65535 --cidr-block 10\.0\.9\.0\/24/,
    ],
    [
      'failed system check: stop and start',
      input({ probe: probe('timeout'), signals: { instanceId: ID, systemStatus: 'impaired' } }),
      /aws ec2 stop-instances --instance-ids i-0123456789abcdef0 && aws ec2 wait instance-stopped/,
    ],
    ['sshd not listening: ss', input({ probe: probe('refused') }), /ss -ltnp \| grep :22/],
    [
      'host firewall drop: iptables / nft / ufw',
      input({ probe: probe('timeout') }),
      /`iptables -S`, `nft list ruleset`, `ufw status verbose`/,
    ],
    ['refusing: MaxStartups', input({ probe: probe('closed-before-ident') }), /MaxStartups 30:30:100/],
    ['refusing: fail2ban', input({ probe: probe('closed-before-ident') }), /fail2ban-client status sshd/],
    ['refusing: hosts.deny', input({ probe: probe('reset-before-ident') }), /\/etc\/hosts\.deny/],
    [
      'the way in: serial console / Session Manager',
      input({ probe: probe('refused') }),
      /aws ssm start-session --target i-0123456789abcdef0.*serial-console/,
    ],
    [
      'answering, unverified: ssh-keyscan against the probed address and port',
      input({ probe: probe('kex-unsupported-by-prober') }),
      /^Nothing to change on the server: .*`ssh-keyscan -p 22 10\.0\.1\.25 \| ssh-keygen -lf -`/,
    ],
    [
      'missing data: the call that collects it',
      input({ probe: undefined, proberVerdict: unknownVerdict(PROBER, [ACL_MISSING, SG_MISSING]) }),
      /^Collect what the inventory lacks, then analyse again: `aws ec2 describe-network-acls --output json > describe-network-acls\.json`, `aws ec2 describe-security-groups --output json > describe-security-groups\.json`$/,
    ],
    [
      // NO_PUBLIC_IP names the ENI without a public address: the command must take an ENI id.
      'no public IP: look at the ENI with describe-network-interfaces, not describe-route-tables',
      input({
        probe: undefined,
        proberVerdict: undefined,
        sourceVerdicts: [
          verdict('internet', [
            { code: 'NO_PUBLIC_IP', resourceId: 'eni-0b2c3d4e', detail: 'no public IPv4 address' },
          ]),
        ],
      }),
      /^Look at the addresses: `aws ec2 describe-network-interfaces --network-interface-ids eni-0b2c3d4e /,
    ],
    [
      'no public IP: associate an Elastic IP with the ENI',
      input({
        probe: undefined,
        proberVerdict: undefined,
        sourceVerdicts: [
          verdict('internet', [
            { code: 'NO_PUBLIC_IP', resourceId: 'eni-0b2c3d4e', detail: 'no public IPv4 address' },
          ]),
        ],
      }),
      /aws ec2 associate-address --network-interface-id eni-0b2c3d4e --allocation-id/,
    ],
    [
      'blackhole route: replace-route',
      input({ probe: okProbe, sourceVerdicts: [verdict('internet', [BLACKHOLE])] }),
      /aws ec2 replace-route --route-table-id rtb-0f00/,
    ],
  ];
  for (const [name, i, pattern] of REMEDIATION) {
    it(name, () => {
      const steps = diagnose(i).remediation;
      assert.ok(
        steps.some((s) => pattern.test(s)),
        steps.join('\n'),
      );
    });
  }

  it('renders only the steps that apply (IPv4 source: no IPv6 command; blackhole: no create-route)', () => {
    const sg = diagnose(
      input({ probe: probe('timeout'), proberVerdict: verdict(PROBER, [SG_BLOCK]) }),
    ).remediation;
    assert.ok(!sg.some((s) => s.includes('Ipv6Ranges')));
    const route = diagnose(
      input({ probe: okProbe, sourceVerdicts: [verdict('internet', [BLACKHOLE])] }),
    ).remediation;
    assert.ok(!route.some((s) => s.includes('create-route')));
  });

  it('missing data sends the operator to collect it, not into the host', () => {
    const steps = diagnose(
      input({ probe: undefined, proberVerdict: unknownVerdict(PROBER, [ACL_MISSING]) }),
    ).remediation;
    assert.equal(steps.length, 1);
  });

  it('no remediation command takes an id of another resource type', () => {
    const noPublicIp = diagnose(
      input({
        probe: undefined,
        proberVerdict: undefined,
        sourceVerdicts: [
          verdict('internet', [
            { code: 'NO_PUBLIC_IP', resourceId: 'eni-0b2c3d4e', detail: 'no public IPv4 address' },
          ]),
        ],
      }),
    ).remediation.join('\n');
    assert.doesNotMatch(noPublicIp, /--route-table-id[s]? eni-/);
    const route = diagnose(
      input({ probe: probe('timeout'), proberVerdict: verdict(PROBER, [ROUTE_BLOCK]) }),
    ).remediation.join('\n');
    assert.match(route, /describe-route-tables --route-table-ids rtb-0f00/);
    assert.doesNotMatch(route, /describe-network-interfaces/);
  });

  it('healthy and expected-closed carry no remediation', () => {
    assert.deepEqual(diagnose(input({ probe: okProbe })).remediation, []);
    assert.deepEqual(diagnose(input({ expect: 'closed', probe: probe('timeout') })).remediation, []);
  });
});

describe('assumptions the verdicts rest on', () => {
  const bpa = {
    kind: 'block-public-access' as const,
    resourceId: 'describe-vpc-block-public-access-options.json',
    detail:
      'Block Public Access state unknown (describe-vpc-block-public-access-options.json is not in the inventory): assumed off',
  };
  it('are evidence of the diagnosis, even a HEALTHY one, one item per path and assumption', () => {
    const d = diagnose(
      input({ probe: okProbe, sourceVerdicts: [verdict('internet', [], { assumed: [bpa] })] }),
    );
    assert.equal(d.code, 'HEALTHY');
    assert.deepEqual(
      d.evidence.filter((e) => e.code === 'ASSUMED'),
      [
        {
          kind: 'static',
          code: 'ASSUMED',
          resourceId: 'describe-vpc-block-public-access-options.json',
          detail: `assumed: ${bpa.detail} (internet → 203.0.113.10, ipv4)`,
        },
      ],
    );
  });
  it('the prober`s path too; none without assumptions', () => {
    const d = diagnose(input({ probe: okProbe, proberVerdict: { ...open, assumed: [bpa] } }));
    assert.equal(d.evidence.filter((e) => e.code === 'ASSUMED').length, 1);
    assert.equal(diagnose(input({ probe: okProbe })).evidence.filter((e) => e.code === 'ASSUMED').length, 0);
  });
});

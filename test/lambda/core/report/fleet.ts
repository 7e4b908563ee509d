/**
 * A small realistic fleet for the HTML report tests, each instance diagnosed by the real `diagnose()` from
 * probe results, static verdicts and host signals shaped like the pipeline's. Not a test file itself.
 */
import { diagnose } from '../../../../lambda/core/diagnose/diagnose.ts';
import type { DiagnosisInput } from '../../../../lambda/core/diagnose/input.ts';
import type { ProbeResult } from '../../../../lambda/core/probe/types.ts';
import type { ExposureFinding, Verdict } from '../../../../lambda/core/reachability/types.ts';
import type { HtmlReportInput, HtmlReportInstance } from '../../../../lambda/core/report/html.ts';

/** A hostile server's ident: it must reach the page as text, never as markup. */
export const HOSTILE_IDENT = 'SSH-2.0-<script>alert("pwned")</script><img src=x onerror=alert(1)>';

function allowed(instanceId: string, address: string): Verdict {
  return { instanceId, address, source: 'prober', family: 'ipv4', reachable: true, blockers: [] };
}

function probe(
  host: string,
  outcome: ProbeResult['outcome'],
  phases: ProbeResult['phases'],
  extra: Partial<ProbeResult> = {},
): ProbeResult {
  return { target: { host, port: 22 }, outcome, phases, ...extra };
}

interface FleetMember {
  name: string;
  input: DiagnosisInput;
}

const MEMBERS: FleetMember[] = [
  {
    name: 'web-1',
    input: {
      instanceId: 'i-0a1b2c3d4e5f60001',
      expect: 'open',
      probe: probe(
        '10.0.1.21',
        'ok',
        { connectMs: 1, identMs: 6, kexMs: 38, authMs: 4, totalMs: 49 },
        {
          ident: 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5',
          software: 'OpenSSH_9.6p1',
          authMethods: ['publickey'],
        },
      ),
      proberVerdict: allowed('i-0a1b2c3d4e5f60001', '10.0.1.21'),
      sourceVerdicts: [],
      signals: { instanceId: 'i-0a1b2c3d4e5f60001', state: 'running', cpuPercent: 12 },
    },
  },
  {
    name: 'bastion',
    input: {
      instanceId: 'i-0a1b2c3d4e5f60002',
      expect: 'open',
      probe: probe('10.0.0.10', 'timeout', { connectMs: 3000, totalMs: 3000 }),
      proberVerdict: {
        instanceId: 'i-0a1b2c3d4e5f60002',
        address: '10.0.0.10',
        source: 'prober',
        family: 'ipv4',
        reachable: false,
        blockers: [
          {
            code: 'SG_INGRESS_NO_MATCH',
            resourceId: 'sg-0bastion0000001',
            direction: 'inbound',
            detail: 'no inbound rule allows tcp/22 from 10.0.64.0/20',
          },
        ],
      },
      sourceVerdicts: [],
      signals: {
        instanceId: 'i-0a1b2c3d4e5f60002',
        state: 'running',
        systemStatus: 'ok',
        instanceStatus: 'ok',
      },
    },
  },
  {
    name: 'db-replica',
    input: {
      instanceId: 'i-0a1b2c3d4e5f60003',
      expect: 'open',
      probe: probe('10.0.2.31', 'refused', { connectMs: 1, totalMs: 1 }, { detail: 'connect ECONNREFUSED' }),
      proberVerdict: allowed('i-0a1b2c3d4e5f60003', '10.0.2.31'),
      sourceVerdicts: [],
      signals: {
        instanceId: 'i-0a1b2c3d4e5f60003',
        state: 'running',
        systemStatus: 'ok',
        instanceStatus: 'ok',
      },
    },
  },
  {
    name: 'batch-worker',
    input: {
      instanceId: 'i-0a1b2c3d4e5f60004',
      expect: 'open',
      probe: probe('10.0.2.44', 'ident-timeout', { connectMs: 2, identMs: 5000, totalMs: 5002 }),
      proberVerdict: allowed('i-0a1b2c3d4e5f60004', '10.0.2.44'),
      sourceVerdicts: [],
      signals: { instanceId: 'i-0a1b2c3d4e5f60004', state: 'running', cpuPercent: 99.6, cpuCreditBalance: 0 },
    },
  },
  {
    name: 'legacy-app',
    input: {
      instanceId: 'i-0a1b2c3d4e5f60005',
      expect: 'open',
      probe: probe(
        '10.0.3.5',
        'not-ssh',
        { connectMs: 2, identMs: 11, totalMs: 13 },
        { detail: `first line: ${HOSTILE_IDENT}` },
      ),
      proberVerdict: allowed('i-0a1b2c3d4e5f60005', '10.0.3.5'),
      sourceVerdicts: [],
    },
  },
  {
    name: 'jump-old',
    input: {
      instanceId: 'i-0a1b2c3d4e5f60006',
      expect: 'open',
      probe: probe('10.0.3.9', 'closed-before-ident', { connectMs: 1, identMs: 3, totalMs: 4 }),
      proberVerdict: allowed('i-0a1b2c3d4e5f60006', '10.0.3.9'),
      sourceVerdicts: [],
      signals: { instanceId: 'i-0a1b2c3d4e5f60006', state: 'running', cpuPercent: 20 },
    },
  },
  {
    name: 'reports',
    input: {
      instanceId: 'i-0a1b2c3d4e5f60007',
      expect: 'open',
      sourceVerdicts: [],
      signals: { instanceId: 'i-0a1b2c3d4e5f60007', state: 'stopped' },
    },
  },
];

const ADDRESSES: Record<string, string> = {
  'i-0a1b2c3d4e5f60007': '10.0.4.7',
};

const FINDINGS: ExposureFinding[] = [
  {
    code: 'SSH_OPEN_TO_INTERNET',
    resourceId: 'sg-0bastion0000002',
    detail: 'inbound tcp/22 from 0.0.0.0/0',
    instanceIds: ['i-0a1b2c3d4e5f60002'],
  },
];

/** The fleet as `check --json` would print it (with the probe the chart needs). */
export function realisticFleet(): HtmlReportInput {
  const instances: HtmlReportInstance[] = MEMBERS.map(({ name, input }) => {
    const d = diagnose(input);
    return {
      instanceId: input.instanceId,
      name,
      address: input.probe?.target.host ?? ADDRESSES[input.instanceId] ?? '',
      diagnosis: d.code,
      severity: d.severity,
      summary: d.summary,
      evidence: d.evidence,
      remediation: d.remediation,
      ...(input.probe === undefined ? {} : { probe: input.probe }),
    };
  });
  return { instances, findings: FINDINGS, unchecked: 2 };
}

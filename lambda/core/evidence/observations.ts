/**
 * The second half of troubleshooting (DESIGN.md, "The pipeline", the evidence step): what an operator looks
 * at once an instance fails — its console output, an in-host check, the VPC's flow logs. Each source reads
 * only failing instances, within a budget, and answers with evidence lines for the report plus the facts the
 * diagnosis rules read to turn an inference into a proven cause.
 */

import { isFailure } from '../alerts/instance-policy.ts';
import type { DiagnosisCode, Evidence, EvidenceKind } from '../diagnose/types.ts';
import type { Expectation } from '../inventory/tags.ts';
import type { ConsoleReading } from './console-reading.ts';
import type { FlowLogReading } from './flow-log.ts';
import type { HostReading } from './host-observation.ts';

/**
 * What the evidence sources learned about one instance that the rules read. Each source owns one optional
 * field; absent means "not gathered" (no opt-in, not failing, over budget, not available), never "fine".
 */
export interface Observations {
  /** The console output's events of the current boot (GetConsoleOutput). */
  readonly console?: ConsoleReading;
  /** What the VPC's flow logs recorded for the SSH port (lambda/core/evidence/flow-log.ts). */
  readonly flowLog?: FlowLogReading;
  /** The in-host check through Systems Manager (host-reading.ts). */
  readonly host?: HostReading;
}

/** Failing instances whose evidence is gathered per run, and the time the evidence step may take. */
export const DEFAULT_EVIDENCE_MAX_INSTANCES = 20;
export const DEFAULT_EVIDENCE_BUDGET_MS = 20_000;

/** The kinds of evidence a source gathers (DESIGN.md, "Evidence kinds"). */
export type ObservedKind = Extract<EvidenceKind, 'console' | 'host' | 'flow-log'>;

/** One failing instance a source is asked about. */
export interface EvidenceRequest {
  readonly instanceId: string;
  /** The address in the VPC the SSH port is checked on. */
  readonly address?: string;
  readonly port: number;
  readonly vpcId?: string;
  readonly subnetId?: string;
  /** The primary ENI (flow logs are per interface). */
  readonly networkInterfaceId?: string;
  /** The diagnosis before any evidence was gathered. */
  readonly diagnosis: DiagnosisCode;
  /** The prober's addresses and each configured source's CIDRs: whose packets the host should accept. */
  readonly peers: readonly EvidencePeer[];
  readonly tags: Readonly<Record<string, string>>;
}

/** The name `EvidenceRequest.peers` gives the prober itself. */
export const PROBER_PEER = 'prober';

export interface EvidencePeer {
  /** `prober`, or the source spec as configured (`203.0.113.0/24`, `internet`, `i-…`). */
  readonly name: string;
  readonly cidrs: readonly string[];
}

/** What one source found about one instance. */
export interface SourceFinding {
  readonly evidence: readonly Evidence[];
  readonly observations?: Observations;
}

/** What all sources found on one instance: lines for the report and facts for the rules. */
export interface InstanceEvidence {
  readonly evidence: readonly Evidence[];
  readonly observations: Observations;
}

/**
 * Whether an instance's evidence is worth gathering: it is failing or degraded and expected open. An
 * instance expected closed that answers needs no console or flow log to say so.
 */
export function needsEvidence(code: DiagnosisCode, expect: Expectation): boolean {
  return expect === 'open' && isFailure(code, expect);
}

/** The evidence line for a source that could not answer: the report says so, with the reason. */
export function notAvailable(kind: ObservedKind, reason: string): Evidence {
  return { kind, code: 'NOT_AVAILABLE', detail: `${KIND_NAMES[kind]} not available: ${reason}` };
}

const KIND_NAMES: Readonly<Record<ObservedKind, string>> = {
  console: 'console output',
  host: 'in-host check',
  'flow-log': 'flow logs',
};

/** Two sources' observations of one instance, side by side (each source owns distinct fields). */
export function mergeObservations(a: Observations | undefined, b: Observations | undefined): Observations {
  return { ...a, ...b };
}

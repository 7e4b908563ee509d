/**
 * What the diagnosis rules read, and what each rule answers. Rules are pure functions of `DiagnosisInput`;
 * the human text for each code lives in the catalogue, not in the rules (the cdk-nag split).
 */
import type { Observations } from '../evidence/observations.ts';
import { DEFAULT_SSH_PORT, type Expectation } from '../inventory/tags.ts';
import type { ProbeResult } from '../probe/types.ts';
import type { Verdict } from '../reachability/types.ts';
import type { DiagnosisCode, Evidence, HostSignals } from './types.ts';

export interface DiagnosisThresholds {
  /** CPUUtilization at or above this (percent) counts as starved. @default 90 */
  cpuPercent: number;
  /** CPUCreditBalance at or below this counts as starved (a burstable instance throttled to baseline). @default 0 */
  creditBalance: number;
  /** The CloudWatch agent's mem_used_percent at or above this counts as starved. @default 95 */
  memPercent: number;
  /** An ident slower than this (ms) makes a successful probe "slow". @default 2000 */
  slowIdentMs: number;
}

export const DEFAULT_THRESHOLDS: Readonly<DiagnosisThresholds> = Object.freeze({
  cpuPercent: 90,
  creditBalance: 0,
  memPercent: 95,
  slowIdentMs: 2000,
});

export interface DiagnosisInput {
  instanceId: string;
  /** From the `port22:expect` tag. */
  expect: Expectation;
  /** The monitored port (`port22:port`). @default the probe's target port, else 22 */
  port?: number;
  /** Undefined with --no-probe or when the target was not probed (a probe `neverStarted` counts as none). */
  probe?: ProbeResult;
  /** The static verdict for the prober's own path: what a probe failure should be explained by. */
  proberVerdict?: Verdict;
  /** Static verdicts for the configured sources (office CIDR, bastion, internet…). */
  sourceVerdicts: readonly Verdict[];
  signals?: HostSignals;
  /** What the evidence sources found on a failing instance (console, in-host check, flow logs). */
  observations?: Observations;
  /** Merged over DEFAULT_THRESHOLDS. */
  thresholds?: Partial<DiagnosisThresholds>;
}

/** Values a catalogue template may name as `{fact}`. */
export type Facts = Record<string, string | number>;

/** A rule's answer: the code, the evidence that decided it, and the facts its summary and steps need. */
export interface RuleVerdict {
  code: DiagnosisCode;
  evidence: Evidence[];
  facts?: Facts;
}

/** The input as rules see it: thresholds merged, the probe normalised, the port decided. */
export interface RuleInput extends DiagnosisInput {
  thresholds: DiagnosisThresholds;
  port: number;
}

export type Rule = (input: RuleInput) => RuleVerdict | undefined;

export function normaliseInput(input: DiagnosisInput): RuleInput {
  const probe = input.probe?.neverStarted ? undefined : input.probe;
  return {
    ...input,
    probe,
    port: input.port ?? probe?.target.port ?? DEFAULT_SSH_PORT,
    thresholds: { ...DEFAULT_THRESHOLDS, ...input.thresholds },
  };
}

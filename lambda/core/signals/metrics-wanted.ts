/**
 * Which targets are worth CloudWatch metrics. Metrics are billed per metric requested while
 * DescribeInstanceStatus is free, so a run asks only for the instances whose diagnosis could read them.
 */
import { answered } from '../diagnose/evidence.ts';
import type { Expectation } from '../inventory/tags.ts';
import type { ProbeResult } from '../probe/types.ts';

/**
 * Whether CloudWatch metrics (CPU, credits, memory, status-check metrics) could change this target's
 * diagnosis. They cannot when the probe succeeded fast — a successful probe overrides a failed status check
 * (instance-impaired) and starvation only explains a slow or silent sshd (resource-exhaustion) — nor when an
 * instance tagged `port22:expect=closed` did not answer (expected-closed ranks first). Everything else (a
 * failed or slow probe, or none) gets them.
 */
export function metricsCanMatter(
  expect: Expectation,
  probe: ProbeResult | undefined,
  slowIdentMs: number,
): boolean {
  if (expect === 'closed' && probe !== undefined && !answered(probe)) return false;
  if (probe?.outcome === 'ok' && (probe.phases.identMs ?? 0) <= slowIdentMs) return false;
  return true;
}

/**
 * Findings: the security findings each probe yields (outdated OpenSSH, weak algorithms, a changed host
 * key, an expect=closed port that answered), given what state remembers of the last probe.
 */
import { probeFindings } from '../core/findings/probe-findings.ts';
import type { ExposureFinding } from '../core/reachability/types.ts';
import type { InstanceState } from '../core/state/instance-state.ts';
import type { DiagnosedTarget } from './diagnose.ts';
import { errorMessage } from './error-message.ts';

export interface SecurityFindings {
  readonly findings: readonly ExposureFinding[];
  readonly errors: readonly string[];
}

export function securityFindings(
  targets: readonly Pick<DiagnosedTarget, 'target' | 'probe'>[],
  previous: ReadonlyMap<string, InstanceState>,
): SecurityFindings {
  const findings: ExposureFinding[] = [];
  const errors: string[] = [];
  for (const { target, probe } of targets) {
    const prev = previous.get(target.instanceId);
    try {
      findings.push(
        ...probeFindings({
          instanceId: target.instanceId,
          expect: target.expect,
          ...(probe ? { probe } : {}),
          ...(prev?.hostKey
            ? {
                previous: {
                  hostKey: { algorithm: prev.hostKeyAlgorithm ?? 'unknown', sha256: prev.hostKey },
                  ...(prev.authMethods ? { authMethods: prev.authMethods } : {}),
                },
              }
            : {}),
        }),
      );
    } catch (error) {
      errors.push(`findings: ${target.instanceId}: ${errorMessage(error)}`);
    }
  }
  return { findings, errors };
}

/**
 * The security findings one probe yields, given what was remembered from the last one.
 */
import { answered } from '../diagnose/evidence.ts';
import type { ProbeResult } from '../probe/types.ts';
import type { ExposureFinding } from '../reachability/types.ts';
import { outdatedOpenSsh } from './outdated-openssh.ts';
import { weakAlgorithmsOffered } from './weak-algorithms.ts';

/** What state remembers of an instance's last successful probe. */
export interface RememberedIdentity {
  hostKey?: { algorithm: string; sha256: string };
  authMethods?: string[];
}

export interface ProbeFindingsInput {
  instanceId: string;
  expect: 'open' | 'closed';
  probe?: ProbeResult;
  previous?: RememberedIdentity;
}

export function probeFindings(input: ProbeFindingsInput): ExposureFinding[] {
  const { instanceId, probe, previous } = input;
  const out: ExposureFinding[] = [];
  const at = { resourceId: instanceId, instanceIds: [instanceId] };
  if (probe === undefined || probe.neverStarted) return out;

  if (input.expect === 'closed' && answered(probe)) {
    out.push({
      code: 'UNEXPECTEDLY_OPEN',
      ...at,
      detail: `tagged port22:expect=closed but ${probe.target.host}:${probe.target.port} accepted a connection (${probe.outcome})`,
    });
  }
  const outdated = outdatedOpenSsh(instanceId, probe);
  if (outdated) out.push(outdated);
  const weak = weakAlgorithmsOffered(instanceId, probe);
  if (weak) out.push(weak);

  // A different host key for the same instance: a rebuild, a restored AMI, or someone in the middle.
  if (previous?.hostKey && probe.hostKey && previous.hostKey.sha256 !== probe.hostKey.sha256) {
    out.push({
      code: 'HOST_KEY_CHANGED',
      ...at,
      detail: `host key changed from ${previous.hostKey.algorithm} ${previous.hostKey.sha256} to ${probe.hostKey.algorithm} ${probe.hostKey.sha256}: a rebuild, or interception — verify on the console before trusting it`,
    });
  }
  return out;
}

/** "publickey,password" → "publickey" lines like "auth methods changed: password removed". */
export function authMethodChanges(
  previous: readonly string[] | undefined,
  current: readonly string[] | undefined,
): string[] {
  if (previous === undefined || current === undefined) return [];
  const added = current.filter((m) => !previous.includes(m));
  const removed = previous.filter((m) => !current.includes(m));
  return [...added.map((m) => `auth method ${m} added`), ...removed.map((m) => `auth method ${m} removed`)];
}

import { notRunning, probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';
import type { Evidence } from '../types.ts';

/**
 * A instance that is not running explains every failed probe: a refused or timed-out connection to a stopped
 * instance is never "sshd not listening". Only a successful probe overrides it (the state is then stale).
 */
export const instanceStopped: Rule = (input) => {
  if (input.probe?.outcome === 'ok') return undefined;
  const fromSignals = notRunning(input.signals);
  const verdicts = [input.proberVerdict, ...input.sourceVerdicts].filter((v) => v !== undefined);
  const blocker = verdicts.flatMap((v) => v.blockers).find((b) => b.code === 'INSTANCE_NOT_RUNNING');
  if (!fromSignals && blocker === undefined) return undefined;

  const evidence: Evidence[] = [];
  if (fromSignals) {
    evidence.push({
      kind: 'signal',
      code: 'InstanceState',
      value: input.signals!.state!,
      detail: `instance state is ${input.signals!.state}`,
    });
  }
  if (blocker !== undefined) {
    evidence.push({
      kind: 'static',
      code: blocker.code,
      resourceId: blocker.resourceId,
      detail: blocker.detail,
    });
  }
  if (input.probe !== undefined) evidence.push(probeEvidence(input.probe));
  return { code: 'INSTANCE_STOPPED', evidence, facts: { state: input.signals?.state ?? 'not running' } };
};

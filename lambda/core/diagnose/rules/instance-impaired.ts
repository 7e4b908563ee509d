import { consoleTime, describeConsoleEvent, kernelImpairment } from '../../evidence/console-output.ts';
import { failedChecks, probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';
import type { Evidence, HostSignals } from '../types.ts';

/** The two EC2 status checks, each seen two ways: DescribeInstanceStatus and its CloudWatch metric. */
const STATUS_CHECKS = [
  {
    check: 'system',
    code: 'SystemStatus',
    status: 'systemStatus',
    metric: 'statusCheckFailedSystem',
    metricName: 'StatusCheckFailed_System',
  },
  {
    check: 'instance',
    code: 'InstanceStatus',
    status: 'instanceStatus',
    metric: 'statusCheckFailedInstance',
    metricName: 'StatusCheckFailed_Instance',
  },
] as const;

function checkEvidence(c: (typeof STATUS_CHECKS)[number], s: HostSignals): Evidence {
  const status = s[c.status];
  const metric = s[c.metric];
  return {
    kind: 'signal',
    code: c.code,
    value: status ?? metric ?? 'failed',
    detail: `${c.check} status check failed (${c.code} ${status ?? 'unknown'}, ${c.metricName} ${metric ?? 'unknown'})`,
  };
}

/**
 * A failed EC2 status check explains a failed probe before any configuration does: with the host or its
 * hardware down, an open path proves nothing. So does a kernel panic, emergency mode or an fsck prompt on the
 * console of the current boot, which the checks report only minutes later (they fail after several missed
 * probes). A successful probe overrides both (the checks lag, and a console holds the past).
 */
export const instanceImpaired: Rule = (input) => {
  if (input.probe?.outcome === 'ok') return undefined;
  const failed = failedChecks(input.signals);
  const console = kernelImpairment(input.observations?.console);
  if (!failed.system && !failed.instance && console === undefined) return undefined;

  const evidence = STATUS_CHECKS.filter((c) => failed[c.check]).map((c) => checkEvidence(c, input.signals!));
  if (input.probe !== undefined) evidence.push(probeEvidence(input.probe));
  const failedCheck =
    failed.system && failed.instance ? 'system and instance' : failed.system ? 'system' : 'instance';
  return {
    code: 'INSTANCE_IMPAIRED',
    evidence,
    facts: {
      failedCheck,
      ...(console === undefined
        ? {}
        : {
            cause: 'console',
            consoleKind: console.kind,
            consoleEvent: describeConsoleEvent(console),
            consoleAt: consoleTime(console),
            consoleMessage: console.message,
          }),
    },
  };
};

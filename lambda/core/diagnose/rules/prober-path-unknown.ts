import { missingDataFindings, probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';

/**
 * The prober's path needs data the inventory lacks (a subnet's network ACL or route table, an ENI's
 * security group) and nothing known blocks it: a silent probe (or none) cannot be traced to the
 * configuration or cleared of it. UNKNOWN naming the data — never HEALTHY, never a confident block. A probe
 * that got any answer is explained by the host rules instead: packets got through.
 */
export const proberPathUnknown: Rule = (input) => {
  const { probe, proberVerdict } = input;
  if (proberVerdict?.unknown !== true) return undefined;
  if (probe !== undefined && probe.outcome !== 'timeout' && probe.outcome !== 'unreachable') return undefined;
  const { evidence, facts } = missingDataFindings([proberVerdict]);
  return {
    code: 'UNKNOWN',
    evidence: probe === undefined ? evidence : [probeEvidence(probe), ...evidence],
    facts: {
      ...facts,
      reason: `the inventory lacks data the prober's path needs, so AWS configuration can be neither blamed nor excluded (${facts.missing})`,
    },
  };
};

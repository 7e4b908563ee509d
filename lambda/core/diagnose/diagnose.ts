/**
 * One diagnosis per instance: the first rule in PRECEDENCE that answers decides the code; the catalogue
 * supplies severity, summary and remediation, filled with the rule's facts.
 */
import { CATALOGUE, renderRemediation, renderTemplate, summaryTemplate } from './catalogue.ts';
import { assumptionEvidence } from './evidence.ts';
import { flowLogClause } from './flow-log-proof.ts';
import { type DiagnosisInput, type Facts, normaliseInput } from './input.ts';
import { PRECEDENCE } from './precedence.ts';
import type { Diagnosis } from './types.ts';

/** The diagnosis and the name of the rule that decided it (for tests and debugging output). */
export function diagnoseWithRule(input: DiagnosisInput): { diagnosis: Diagnosis; rule: string } {
  const ruleInput = normaliseInput(input);
  for (const { name, rule } of PRECEDENCE) {
    const verdict = rule(ruleInput);
    if (verdict === undefined) continue;
    const facts: Facts = {
      instanceId: input.instanceId,
      port: ruleInput.port,
      ...(ruleInput.probe === undefined ? {} : { address: ruleInput.probe.target.host }),
      ...verdict.facts,
    };
    const entry = CATALOGUE[verdict.code];
    return {
      rule: name,
      diagnosis: {
        code: verdict.code,
        severity: entry.severity,
        summary:
          renderTemplate(summaryTemplate(verdict.code, facts), facts) +
          flowLogClause(verdict.code, ruleInput.observations?.flowLog, ruleInput.port),
        evidence: [
          ...verdict.evidence,
          ...assumptionEvidence([ruleInput.proberVerdict, ...ruleInput.sourceVerdicts]),
        ],
        remediation: renderRemediation(verdict.code, facts),
      },
    };
  }
  // Unreachable: the last rule always answers.
  throw new Error('diagnose: no rule answered');
}

export function diagnose(input: DiagnosisInput): Diagnosis {
  return diagnoseWithRule(input).diagnosis;
}

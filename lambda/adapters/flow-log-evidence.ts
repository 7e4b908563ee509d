/**
 * The `flow-log` evidence source over a backend that finds flow logs and runs one query: AWS
 * (lambda/adapters/aws/flow-logs.ts) or an inventory directory's files (lambda/adapters/local/evidence-files.ts).
 * It plans the run's one query and reads its rows with the pure core (lambda/core/evidence/flow-log.ts); it
 * loads no SDK, so a run from files stays free of it.
 */
import {
  type FlowLogDescription,
  type FlowLogPlanOptions,
  type FlowLogQuery,
  flowLogResourceIds,
  planFlowLogQuery,
  type ResultRow,
  readFlowLogResults,
} from '../core/evidence/flow-log.ts';
import type { EvidenceRequest } from '../core/evidence/observations.ts';
import type { EvidenceContext, EvidenceReport, EvidenceSource } from '../ports.ts';
import { errorMessage } from '../steps/error-message.ts';

/** What a flow-log backend answers: the flow logs, and one query's rows. */
export interface FlowLogBackend {
  describeFlowLogs(resourceIds: readonly string[]): Promise<FlowLogDescription[]>;
  /** The query's rows, and whether they were cut short (the limit reached, or the deadline). */
  runQuery(query: FlowLogQuery, deadlineAt: number): Promise<{ rows: ResultRow[]; complete: boolean }>;
}

export type FlowLogSourceOptions = Omit<FlowLogPlanOptions, 'now'>;

/** An evidence source of kind `flow-log` over a backend (AWS here, files in lambda/adapters/local). */
export class FlowLogEvidenceSource implements EvidenceSource {
  readonly kind = 'flow-log' as const;

  constructor(
    private readonly backend: FlowLogBackend,
    private readonly options: FlowLogSourceOptions = {},
  ) {}

  async gather(requests: readonly EvidenceRequest[], context: EvidenceContext): Promise<EvidenceReport> {
    const all = (reason: string) => new Map(requests.map((r) => [r.instanceId, reason]));
    let flowLogs: FlowLogDescription[];
    try {
      flowLogs = await this.backend.describeFlowLogs(flowLogResourceIds(requests));
    } catch (error) {
      const message = `DescribeFlowLogs: ${errorMessage(error)}`;
      return { found: new Map(), unavailable: all(message), errors: [message] };
    }
    const plan = planFlowLogQuery(requests, flowLogs, { ...this.options, now: context.now });
    if (plan.query === undefined) return { found: new Map(), unavailable: plan.unavailable, errors: [] };
    try {
      const { rows, complete } = await this.backend.runQuery(plan.query, context.deadlineAt);
      const truncated = rows.length >= plan.query.limit;
      if (!complete && rows.length === 0) {
        const unavailable = new Map(plan.unavailable);
        for (const id of plan.covered.keys())
          unavailable.set(id, 'the flow-log query did not finish within the evidence budget');
        return { found: new Map(), unavailable, errors: [] };
      }
      return {
        found: readFlowLogResults(plan, rows, truncated || !complete),
        unavailable: plan.unavailable,
        errors: [],
      };
    } catch (error) {
      const message = `Logs Insights query: ${errorMessage(error)}`;
      const unavailable = new Map(plan.unavailable);
      for (const id of plan.covered.keys()) unavailable.set(id, message);
      return { found: new Map(), unavailable, errors: [message] };
    }
  }
}

/**
 * Flow-log and CloudTrail evidence from files in an inventory directory, each exactly what the AWS CLI prints
 * with `--output json` (DESIGN.md, "Inventory directory"):
 *
 * - `describe-flow-logs.json`: `aws ec2 describe-flow-logs`;
 * - `flow-log-query-results.json`: `aws logs get-query-results --query-id <id>` for the query port22 runs
 *   (its rows' `@message` fields are the flow-log records; the file stands for whatever query was run);
 * - `cloudtrail-lookup-events/<resource-id>.json`: `aws cloudtrail lookup-events --lookup-attributes
 *   AttributeKey=ResourceName,AttributeValue=<resource-id>`.
 *
 * A missing file means that source is not wired (lambda/local-wiring.ts); a missing lookup file means no
 * event was recorded for that resource.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ChangeEvent, parseChangeEvents } from '../../core/changes/cloudtrail.ts';
import type { FlowLogDescription, FlowLogQuery, ResultRow } from '../../core/evidence/flow-log.ts';
import type { ChangeHistory } from '../../ports.ts';
import type { FlowLogBackend } from '../flow-log-evidence.ts';

export const FLOW_LOGS_FILE = 'describe-flow-logs.json';
const FLOW_LOG_RESULTS_FILE = 'flow-log-query-results.json';
export const CLOUDTRAIL_DIRECTORY = 'cloudtrail-lookup-events';

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/** The flow logs and the query's rows from `dir`'s files; the query reads the rows whatever it asks. */
export class FileFlowLogBackend implements FlowLogBackend {
  constructor(private readonly dir: string) {}

  async describeFlowLogs(resourceIds: readonly string[]): Promise<FlowLogDescription[]> {
    const doc = await readJson<{ FlowLogs?: FlowLogDescription[] }>(join(this.dir, FLOW_LOGS_FILE));
    return (doc?.FlowLogs ?? []).filter(
      (f) => f.ResourceId !== undefined && resourceIds.includes(f.ResourceId),
    );
  }

  async runQuery(_query: FlowLogQuery): Promise<{ rows: ResultRow[]; complete: boolean }> {
    const doc = await readJson<{ status?: string; results?: ResultRow[] }>(
      join(this.dir, FLOW_LOG_RESULTS_FILE),
    );
    if (doc === undefined) throw new Error(`${FLOW_LOG_RESULTS_FILE}: not in the inventory directory`);
    return { rows: doc.results ?? [], complete: (doc.status ?? 'Complete') === 'Complete' };
  }
}

/** CloudTrail events per resource from `<dir>/cloudtrail-lookup-events/<resource-id>.json`. */
export class FileChangeHistory implements ChangeHistory {
  constructor(private readonly dir: string) {}

  async lookup(resourceId: string, since: Date): Promise<ChangeEvent[]> {
    if (!/^[a-z]+-[0-9a-zA-Z]+$/.test(resourceId)) return [];
    const doc = await readJson<{ Events?: Parameters<typeof parseChangeEvents>[0] }>(
      join(this.dir, CLOUDTRAIL_DIRECTORY, `${resourceId}.json`),
    );
    return parseChangeEvents(doc?.Events ?? []).filter((e) => Date.parse(e.eventTime) >= since.getTime());
  }
}

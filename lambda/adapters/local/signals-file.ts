/**
 * Host signals from a JSON file, for the lab and offline runs. The file is the two AWS answers side by side,
 * so a capture from a real account works as is:
 *
 *   { "InstanceStatuses": [ …DescribeInstanceStatus --include-all-instances… ],
 *     "MetricDataResults": [ …GetMetricData, each Label "<instance-id> <MetricName>"… ] }
 *
 * Both keys are optional. Series are attributed by their Label (the label the live adapter gives every query),
 * because query ids are arbitrary. The file is a snapshot: its latest datapoints are taken as current whatever
 * their age, so a lab fixture does not go stale.
 */
import { readFile } from 'node:fs/promises';
import type { InstanceStatus } from '../../core/inventory/model.ts';
import { buildHostSignals, type MetricSeries, parseSeriesLabel } from '../../core/signals/host-signals.ts';
import type { SignalsReport, SignalsSource, SignalsTarget } from '../../ports.ts';

interface SignalsFile {
  InstanceStatuses?: InstanceStatus[];
  MetricDataResults?: Array<{ Id?: string; Label?: string; Timestamps?: string[]; Values?: number[] }>;
}

export class FileSignalsSource implements SignalsSource {
  constructor(private readonly path: string) {}

  async fetch(targets: readonly SignalsTarget[], _now: Date): Promise<SignalsReport> {
    const ids = [...new Set(targets.map((t) => t.instanceId))];
    let file: SignalsFile;
    try {
      file = JSON.parse(await readFile(this.path, 'utf8')) as SignalsFile;
    } catch (err) {
      return { signals: buildHostSignals(ids, [], []), errors: [`${this.path}: ${(err as Error).message}`] };
    }
    const errors: string[] = [];
    const series: MetricSeries[] = [];
    for (const r of file.MetricDataResults ?? []) {
      const owner = parseSeriesLabel(r.Label);
      if (owner === undefined) {
        errors.push(
          `${this.path}: series ${r.Id ?? '?'} has label ${JSON.stringify(r.Label)}, not "<instance-id> <MetricName>"`,
        );
        continue;
      }
      series.push({ ...owner, timestamps: r.Timestamps ?? [], values: r.Values ?? [] });
    }
    return { signals: buildHostSignals(ids, file.InstanceStatuses ?? [], series), errors };
  }
}

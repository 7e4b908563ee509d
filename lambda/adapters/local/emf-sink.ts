/**
 * MetricsSink that prints EMF documents one per line. In Lambda, stdout goes to CloudWatch Logs, which
 * extracts the metrics from any line that is an EMF document (no PutMetricData call, no extra IAM).
 */
import { appendFile } from 'node:fs/promises';
import type { EmfDocument } from '../../core/metrics/emf.ts';
import type { MetricsSink } from '../../ports.ts';

export class StdoutEmfSink implements MetricsSink {
  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(line)) {}

  async emit(documents: readonly EmfDocument[]): Promise<void> {
    for (const doc of documents) this.write(`${JSON.stringify(doc)}\n`);
  }
}

/** Appends EMF documents as JSON lines to a file (the local lab and the CLI's `--metrics-file`). */
export class FileEmfSink implements MetricsSink {
  constructor(private readonly path: string) {}

  async emit(documents: readonly EmfDocument[]): Promise<void> {
    if (documents.length === 0) return;
    await appendFile(this.path, documents.map((d) => `${JSON.stringify(d)}\n`).join(''), 'utf8');
  }
}

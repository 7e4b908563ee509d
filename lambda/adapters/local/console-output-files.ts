/**
 * Console output from an inventory directory, for offline runs and the lab: `get-console-output/<id>.json`,
 * exactly what `aws ec2 get-console-output --instance-id <id> --latest --output json` prints. The AWS CLI
 * decodes `Output` (botocore's `decode_console_output` handler; the API's answer is base64), so the file
 * holds the console text itself, with `InstanceId` and `Timestamp` beside it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  consoleFinding,
  consoleNotWanted,
  EMPTY_CONSOLE_REASON,
} from '../../core/evidence/console-output.ts';
import type { EvidenceRequest, SourceFinding } from '../../core/evidence/observations.ts';
import type { EvidenceContext, EvidenceReport, EvidenceSource } from '../../ports.ts';

/** The inventory directory's subdirectory of console outputs, one file per instance id. */
export const CONSOLE_OUTPUT_DIRECTORY = 'get-console-output';

/** An instance id as EC2 writes it: anything else is never turned into a path. */
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

export class FileConsoleOutputSource implements EvidenceSource {
  readonly kind = 'console' as const;

  /** @param directory the inventory directory (holding `get-console-output/`). */
  constructor(private readonly directory: string) {}

  async gather(requests: readonly EvidenceRequest[], _context: EvidenceContext): Promise<EvidenceReport> {
    const found = new Map<string, SourceFinding>();
    const unavailable = new Map<string, string>();
    const errors: string[] = [];
    for (const request of requests) {
      const id = request.instanceId;
      const skip = consoleNotWanted(request) ?? (INSTANCE_ID.test(id) ? undefined : 'not an instance id');
      if (skip !== undefined) {
        unavailable.set(id, skip);
        continue;
      }
      const file = `${CONSOLE_OUTPUT_DIRECTORY}/${id}.json`;
      let text: string;
      try {
        text = await readFile(join(this.directory, file), 'utf8');
      } catch (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        unavailable.set(id, missing ? `no ${file} in the inventory directory` : `${file}: cannot read it`);
        if (!missing) errors.push(`${file}: ${(err as Error).message}`);
        continue;
      }
      const parsed = parseConsoleFile(text);
      if (typeof parsed === 'string') {
        unavailable.set(id, `${file}: ${parsed}`);
        errors.push(`${file}: ${parsed}`);
        continue;
      }
      const finding = consoleFinding(parsed.output, parsed.timestamp);
      if (finding === undefined) unavailable.set(id, EMPTY_CONSOLE_REASON);
      else found.set(id, finding);
    }
    return { found, unavailable, errors };
  }
}

/** The console source of an inventory directory, when it holds `get-console-output/`; else none. */
export function consoleOutputFilesIn(directory: string): FileConsoleOutputSource | undefined {
  return existsSync(join(directory, CONSOLE_OUTPUT_DIRECTORY))
    ? new FileConsoleOutputSource(directory)
    : undefined;
}

/** The file's output and time, or why it is not what the AWS CLI prints. */
function parseConsoleFile(text: string): { output: string; timestamp?: Date } | string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'not JSON (expected what `aws ec2 get-console-output --output json` prints)';
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'not a JSON object';
  const { Output, Timestamp } = doc as { Output?: unknown; Timestamp?: unknown };
  // An instance without output yet prints no Output key at all.
  if (Output !== undefined && typeof Output !== 'string') return 'Output is not a string';
  const time = typeof Timestamp === 'string' ? new Date(Timestamp) : undefined;
  return {
    output: Output ?? '',
    ...(time === undefined || Number.isNaN(time.getTime()) ? {} : { timestamp: time }),
  };
}

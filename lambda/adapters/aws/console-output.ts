/**
 * Console output through EC2 GetConsoleOutput (DESIGN.md, evidence kind `console`): one call per failing
 * instance per run, a few in flight at once, none started after the evidence deadline. What it reads is
 * handed to the pure parser (lambda/core/evidence/console-output.ts).
 *
 * `Latest: true` asks for the serial console's latest 64 KB, which only instance types on the Nitro
 * hypervisor support (EC2 API Reference, GetConsoleOutput); elsewhere the call is refused and asked again
 * without it, which returns the buffer EC2 posted at the last start, stop or reboot. GetConsoleOutput has no
 * charge of its own (EC2 API calls are not billed; bench/cost.ts).
 */
import { type EC2Client, GetConsoleOutputCommand } from '@aws-sdk/client-ec2';
import {
  consoleFinding,
  consoleNotWanted,
  EMPTY_CONSOLE_REASON,
} from '../../core/evidence/console-output.ts';
import type { EvidenceRequest, SourceFinding } from '../../core/evidence/observations.ts';
import type { EvidenceContext, EvidenceReport, EvidenceSource } from '../../ports.ts';
import { errorMessage } from '../../steps/error-message.ts';
import { describeError } from './client-options.ts';

/** GetConsoleOutput calls in flight at once: EC2 throttles per account, and the evidence step is not urgent. */
export const CONSOLE_CONCURRENCY = 4;

export interface ConsoleOutputSourceOptions {
  readonly client: EC2Client;
  /** @default CONSOLE_CONCURRENCY */
  readonly concurrency?: number;
  /** Epoch-ms clock, for the deadline. @default Date.now */
  readonly clock?: () => number;
}

/** The instance is gone or its id is wrong: nothing to read, and nothing wrong with port22. */
const NO_SUCH_INSTANCE = new Set(['InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed']);
const NOT_ALLOWED = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException']);
/** The SDK's names for a call ended by its abort signal. */
const ABORTED = new Set(['AbortError', 'TimeoutError']);

type Answer = { readonly found: SourceFinding } | { readonly unavailable: string; readonly error?: string };

export class Ec2ConsoleOutputSource implements EvidenceSource {
  readonly kind = 'console' as const;
  private readonly client: EC2Client;
  private readonly concurrency: number;
  private readonly clock: () => number;

  constructor(options: ConsoleOutputSourceOptions) {
    this.client = options.client;
    this.concurrency = Math.max(1, options.concurrency ?? CONSOLE_CONCURRENCY);
    this.clock = options.clock ?? Date.now;
  }

  async gather(requests: readonly EvidenceRequest[], context: EvidenceContext): Promise<EvidenceReport> {
    const found = new Map<string, SourceFinding>();
    const unavailable = new Map<string, string>();
    const errors: string[] = [];
    const queue = [...new Map(requests.map((r) => [r.instanceId, r])).values()];
    const worker = async () => {
      for (let r = queue.shift(); r !== undefined; r = queue.shift()) {
        const answer = await this.read(r, context.deadlineAt);
        if ('found' in answer) found.set(r.instanceId, answer.found);
        else {
          unavailable.set(r.instanceId, answer.unavailable);
          if (answer.error !== undefined) errors.push(`${r.instanceId}: ${answer.error}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
    return { found, unavailable, errors };
  }

  private async read(request: EvidenceRequest, deadlineAt: number): Promise<Answer> {
    const skip = consoleNotWanted(request);
    if (skip !== undefined) return { unavailable: skip };
    try {
      return await this.call(request.instanceId, true, deadlineAt);
    } catch (err) {
      if (!latestUnsupported(err)) return failed(err);
      try {
        return await this.call(request.instanceId, false, deadlineAt);
      } catch (again) {
        return failed(again);
      }
    }
  }

  private async call(instanceId: string, latest: boolean, deadlineAt: number): Promise<Answer> {
    const left = deadlineAt - this.clock();
    if (left <= 0) return { unavailable: 'the evidence budget ran out before it was read' };
    const out = await this.client.send(
      new GetConsoleOutputCommand({ InstanceId: instanceId, ...(latest ? { Latest: true } : {}) }),
      { abortSignal: AbortSignal.timeout(left) },
    );
    // The API returns Output base64-encoded (the AWS CLI decodes it; the SDK does not).
    const text = out.Output === undefined ? '' : Buffer.from(out.Output, 'base64').toString('utf8');
    const finding = consoleFinding(text, out.Timestamp);
    return finding === undefined ? { unavailable: EMPTY_CONSOLE_REASON } : { found: finding };
  }
}

function nameOf(err: unknown): string {
  return (err as { name?: string } | undefined)?.name ?? 'Error';
}

/**
 * Whether a refusal is about `Latest` on an instance type without Nitro. AWS documents the limit, not the
 * error it answers with: UnsupportedOperation is EC2's code for a feature an instance type lacks, and a
 * parameter error naming "latest" is taken as the same refusal. Anything else is a real failure.
 */
export function latestUnsupported(err: unknown): boolean {
  const name = nameOf(err);
  if (name === 'UnsupportedOperation') return true;
  return /^InvalidParameter/.test(name) && /latest/i.test(errorMessage(err));
}

function failed(err: unknown): Answer {
  const name = nameOf(err);
  if (NO_SUCH_INSTANCE.has(name)) return { unavailable: `no such instance (${name})` };
  if (ABORTED.has(name)) return { unavailable: 'the evidence budget ran out while it was read' };
  const detail = `GetConsoleOutput failed: ${describeError(err)}`;
  if (NOT_ALLOWED.has(name))
    return {
      unavailable: `not allowed to read it (${name}: the role needs ec2:GetConsoleOutput)`,
      error: detail,
    };
  return { unavailable: detail, error: detail };
}

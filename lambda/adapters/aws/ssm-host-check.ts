/**
 * The in-host check through Systems Manager Run Command: an `EvidenceSource` of kind `host`.
 *
 * - Only instances whose tag opts in (`port22:host-check=true`) and that SSM reports managed and online
 *   (DescribeInstanceInformation, PingStatus `Online`); Windows nodes are left alone, the check is a shell
 *   script.
 * - One SendCommand of `AWS-RunShellScript` per SSH port (at most 50 instance ids per call, the API's limit),
 *   its `executionTimeout` the seconds left before the evidence deadline, so the agent stops the script when
 *   port22 stops waiting.
 * - GetCommandInvocation polled until each invocation ends or the deadline comes. Right after SendCommand it
 *   may answer `InvocationDoesNotExist` until the invocation is registered: that is "not yet", not a failure.
 *   Its `StandardOutputContent` holds the first 24,000 characters of the output, which the script stays under.
 */
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  type InstanceInformation,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { DEFAULT_HOST_CHECK_MAX_COMMANDS, planHostChecks } from '../../core/evidence/host-check-plan.ts';
import { hostCheckScript, RUN_SHELL_SCRIPT_DOCUMENT } from '../../core/evidence/host-check-script.ts';
import { readHostCheck } from '../../core/evidence/host-reading.ts';
import type { EvidenceRequest, SourceFinding } from '../../core/evidence/observations.ts';
import type { EvidenceContext, EvidenceReport, EvidenceSource } from '../../ports.ts';
import { describeError } from './client-options.ts';

/** SendCommand and DescribeInstanceInformation's InstanceIds filter take at most 50 ids. */
const MAX_IDS_PER_CALL = 50;
/** SendCommand's TimeoutSeconds (the delivery timeout) is at least 30. */
const MIN_DELIVERY_TIMEOUT_SECONDS = 30;
/** Invocation statuses after which nothing changes (GetCommandInvocation, `Status`). */
const ENDED = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut', 'Cancelling']);

export interface SsmHostCheckOptions {
  readonly client: SSMClient;
  /** Instances checked per run. @default 10 */
  readonly maxCommands?: number;
  /** Between two GetCommandInvocation rounds. @default 1000 */
  readonly pollIntervalMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export class SsmHostCheck implements EvidenceSource {
  readonly kind = 'host' as const;
  private readonly maxCommands: number;
  private readonly pollIntervalMs: number;
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: SsmHostCheckOptions) {
    this.maxCommands = options.maxCommands ?? DEFAULT_HOST_CHECK_MAX_COMMANDS;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.clock = options.clock ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async gather(requests: readonly EvidenceRequest[], context: EvidenceContext): Promise<EvidenceReport> {
    const errors: string[] = [];
    const found = new Map<string, SourceFinding>();
    const plan = planHostChecks(requests, this.maxCommands);
    const unavailable = new Map(plan.unavailable);
    if (plan.run.length === 0) return { found, unavailable, errors };

    const managed = await this.managedNodes(
      plan.run.map((r) => r.instanceId),
      errors,
    );
    if (managed === undefined) {
      for (const r of plan.run)
        unavailable.set(r.instanceId, 'Systems Manager could not be asked which nodes it manages');
      return { found, unavailable, errors };
    }
    const ready: EvidenceRequest[] = [];
    for (const r of plan.run) {
      const why = notReady(managed.get(r.instanceId));
      if (why) unavailable.set(r.instanceId, why);
      else ready.push(r);
    }

    const invocations = await this.send(ready, context, unavailable, errors);
    await this.poll(invocations, context, found, unavailable, errors);
    return { found, unavailable, errors };
  }

  private async managedNodes(ids: readonly string[], errors: string[]) {
    const out = new Map<string, InstanceInformation>();
    try {
      for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL) {
        let token: string | undefined;
        do {
          const page = await this.options.client.send(
            new DescribeInstanceInformationCommand({
              Filters: [{ Key: 'InstanceIds', Values: ids.slice(i, i + MAX_IDS_PER_CALL) }],
              ...(token ? { NextToken: token } : {}),
            }),
          );
          for (const info of page.InstanceInformationList ?? []) {
            if (info.InstanceId) out.set(info.InstanceId, info);
          }
          token = page.NextToken;
        } while (token);
      }
    } catch (error) {
      errors.push(`DescribeInstanceInformation: ${describeError(error)}`);
      return undefined;
    }
    return out;
  }

  /** One SendCommand per port (the script names the port), in batches of 50 ids. */
  private async send(
    ready: readonly EvidenceRequest[],
    context: EvidenceContext,
    unavailable: Map<string, string>,
    errors: string[],
  ): Promise<Invocation[]> {
    const byPort = new Map<number, EvidenceRequest[]>();
    for (const r of ready) byPort.set(r.port, [...(byPort.get(r.port) ?? []), r]);
    const seconds = Math.max(1, Math.floor((context.deadlineAt - this.clock()) / 1000));
    const out: Invocation[] = [];
    for (const [port, group] of byPort) {
      for (let i = 0; i < group.length; i += MAX_IDS_PER_CALL) {
        const batch = group.slice(i, i + MAX_IDS_PER_CALL);
        try {
          const sent = await this.options.client.send(
            new SendCommandCommand({
              DocumentName: RUN_SHELL_SCRIPT_DOCUMENT,
              InstanceIds: batch.map((r) => r.instanceId),
              Parameters: { commands: [hostCheckScript(port)], executionTimeout: [String(seconds)] },
              TimeoutSeconds: MIN_DELIVERY_TIMEOUT_SECONDS,
              Comment: `port22 in-host check (read-only) of tcp/${port}`,
            }),
          );
          const commandId = sent.Command?.CommandId;
          if (!commandId) throw new Error('SendCommand returned no CommandId');
          for (const r of batch) out.push({ request: r, commandId });
        } catch (error) {
          errors.push(`SendCommand: ${describeError(error)}`);
          for (const r of batch) unavailable.set(r.instanceId, `SendCommand failed: ${describeError(error)}`);
        }
      }
    }
    return out;
  }

  private async poll(
    invocations: readonly Invocation[],
    context: EvidenceContext,
    found: Map<string, SourceFinding>,
    unavailable: Map<string, string>,
    errors: string[],
  ): Promise<void> {
    let waiting = [...invocations];
    while (waiting.length > 0) {
      if (this.clock() + this.pollIntervalMs >= context.deadlineAt) break;
      await this.sleep(this.pollIntervalMs);
      const still: Invocation[] = [];
      for (const inv of waiting) {
        const answer = await this.invocation(inv, errors);
        if (answer === 'pending') still.push(inv);
        else if (typeof answer === 'string') unavailable.set(inv.request.instanceId, answer);
        else
          found.set(inv.request.instanceId, readHostCheck(answer.StandardOutputContent ?? '', inv.request));
      }
      waiting = still;
    }
    for (const inv of waiting) {
      unavailable.set(
        inv.request.instanceId,
        `the command ${inv.commandId} had not finished by the evidence deadline`,
      );
    }
  }

  /** The ended invocation, `pending`, or why it gave no output. */
  private async invocation(
    inv: Invocation,
    errors: string[],
  ): Promise<GetCommandInvocationCommandOutput | 'pending' | string> {
    let out: GetCommandInvocationCommandOutput;
    try {
      out = await this.options.client.send(
        new GetCommandInvocationCommand({ CommandId: inv.commandId, InstanceId: inv.request.instanceId }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'InvocationDoesNotExist') return 'pending';
      errors.push(`GetCommandInvocation ${inv.request.instanceId}: ${describeError(error)}`);
      return `GetCommandInvocation failed: ${describeError(error)}`;
    }
    const status = out.Status ?? 'Pending';
    if (!ENDED.has(status)) return 'pending';
    // The script ends with its last section's status: output is what counts, even from a Failed invocation.
    if (out.StandardOutputContent) return out;
    return `the command ended ${out.StatusDetails ?? status} without output${out.StandardErrorContent ? `: ${out.StandardErrorContent.split('\n')[0]}` : ''}`;
  }
}

interface Invocation {
  readonly request: EvidenceRequest;
  readonly commandId: string;
}

function notReady(info: InstanceInformation | undefined): string | undefined {
  if (info === undefined)
    return 'not a managed node in Systems Manager (no SSM agent, or no instance profile allowing it)';
  if (info.PingStatus !== 'Online') return `its SSM agent is ${info.PingStatus ?? 'not reporting'}`;
  if (info.PlatformType === 'Windows') return 'a Windows node: the in-host check is a shell script';
  return undefined;
}

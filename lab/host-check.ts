/**
 * The lab's run-command adapter: the in-host check (lambda/core/evidence/host-check-script.ts), the very
 * script Systems Manager sends, run inside the namespace host that plays an instance with `ip netns exec`.
 * It sees what that host really has — its nft ruleset, its listeners, its processes — and its output is cut where
 * GetCommandInvocation would cut it, so the lab reads exactly what AWS would hand the pipeline.
 */
import { DEFAULT_HOST_CHECK_MAX_COMMANDS, planHostChecks } from '../lambda/core/evidence/host-check-plan.ts';
import { hostCheckScript, SSM_INLINE_OUTPUT_LIMIT } from '../lambda/core/evidence/host-check-script.ts';
import { readHostCheck } from '../lambda/core/evidence/host-reading.ts';
import type { SourceFinding } from '../lambda/core/evidence/observations.ts';
import type { EvidenceContext, EvidenceReport, EvidenceSource } from '../lambda/ports.ts';
import { execInNamespace } from './netns.ts';

export class NamespaceHostCheck implements EvidenceSource {
  readonly kind = 'host' as const;

  /** `namespaces`: instance id → the namespace host that plays it. */
  constructor(
    private readonly namespaces: ReadonlyMap<string, string>,
    private readonly maxCommands = DEFAULT_HOST_CHECK_MAX_COMMANDS,
  ) {}

  async gather(
    requests: Parameters<EvidenceSource['gather']>[0],
    context: EvidenceContext,
  ): Promise<EvidenceReport> {
    const plan = planHostChecks(requests, this.maxCommands);
    const unavailable = new Map(plan.unavailable);
    const found = new Map<string, SourceFinding>();
    const errors: string[] = [];
    await Promise.all(
      plan.run.map(async (request) => {
        const ns = this.namespaces.get(request.instanceId);
        if (ns === undefined) {
          unavailable.set(
            request.instanceId,
            'no namespace host plays it in the lab, so no agent can run the check',
          );
          return;
        }
        // A namespace host shares this machine's processes; its own PID namespace (and /proc) keeps the
        // check from reporting every sshd the machine runs as the host's.
        const run = await execInNamespace(ns, ['unshare', '--pid', '--fork', '--mount-proc', 'sh', '-s'], {
          input: hostCheckScript(request.port),
          timeoutMs: context.deadlineAt - Date.now(),
          maxBytes: SSM_INLINE_OUTPUT_LIMIT,
        });
        if (run.stdout === '') {
          const why = run.timedOut
            ? 'the check did not finish by the evidence deadline'
            : `sh exited ${run.code} without output`;
          unavailable.set(request.instanceId, why);
          return;
        }
        found.set(request.instanceId, readHostCheck(run.stdout, request));
      }),
    );
    return { found, unavailable, errors };
  }
}

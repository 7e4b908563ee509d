/**
 * Evidence: for each failing instance, what an operator would look at next — the console output, an in-host
 * check, the VPC's flow logs (DESIGN.md, "The pipeline"). Every source is asked once, with every failing
 * instance up to the run's cap, concurrently, and is waited for until the evidence deadline at most. What a
 * source could not read becomes a "not available" line with its reason: a missing piece of evidence never
 * fails the run, and never makes an instance look healthier than its probe and configuration say.
 */
import type { Evidence } from '../core/diagnose/types.ts';
import {
  DEFAULT_EVIDENCE_BUDGET_MS,
  DEFAULT_EVIDENCE_MAX_INSTANCES,
  type EvidencePeer,
  type EvidenceRequest,
  type InstanceEvidence,
  mergeObservations,
  needsEvidence,
  notAvailable,
  type Observations,
  PROBER_PEER,
} from '../core/evidence/observations.ts';
import type { InventoryIndex } from '../core/inventory/model.ts';
import { formatCidr } from '../core/net/cidr.ts';
import { parseSourceSpec } from '../core/reachability/source-spec.ts';
import type { EvidenceReport, EvidenceSource } from '../ports.ts';
import type { DiagnosedTarget } from './diagnose.ts';
import { errorMessage } from './error-message.ts';

export interface EvidenceOptions {
  /** Failing instances whose evidence is gathered per run; the rest are named as over the cap. @default 20 */
  readonly evidenceMaxInstances?: number;
  /** Milliseconds the evidence step may take in all. @default 20000 */
  readonly evidenceBudgetMs?: number;
}

export interface GatheredEvidence {
  readonly byInstance: ReadonlyMap<string, InstanceEvidence>;
  readonly errors: readonly string[];
}

export interface EvidenceContextInput {
  readonly index: InventoryIndex;
  /** The prober's source spec and the configured sources: whose packets the host should accept. */
  readonly peerSpecs: readonly string[];
  /** Whether `peerSpecs[0]` is the prober's own spec. */
  readonly proberFirst: boolean;
  readonly now: Date;
  readonly clock: () => number;
  /** Epoch ms by which state must still be saved: the evidence step ends before it. @default none */
  readonly deadlineAt?: number;
}

export async function gatherEvidence(
  sources: readonly EvidenceSource[] | undefined,
  diagnosed: readonly DiagnosedTarget[],
  context: EvidenceContextInput,
  options: EvidenceOptions,
): Promise<GatheredEvidence> {
  const failing = diagnosed.filter((d) => needsEvidence(d.diagnosis.code, d.target.expect));
  if (sources === undefined || sources.length === 0 || failing.length === 0) {
    return { byInstance: new Map(), errors: [] };
  }
  const cap = options.evidenceMaxInstances ?? DEFAULT_EVIDENCE_MAX_INSTANCES;
  const asked = failing.slice(0, cap);
  // Whose packets the host should accept is the same for every instance: read the specs once per run.
  const peers = context.peerSpecs.flatMap((spec, i) =>
    peerOf(spec, i === 0 && context.proberFirst, context.index),
  );
  const requests = asked.map((d) => requestFor(d, context.index, peers));
  const budgetEnd = context.clock() + (options.evidenceBudgetMs ?? DEFAULT_EVIDENCE_BUDGET_MS);
  const deadlineAt = Math.min(budgetEnd, context.deadlineAt ?? Number.POSITIVE_INFINITY);

  const reports = await Promise.all(
    sources.map((source) => askSource(source, requests, { now: context.now, deadlineAt }, context.clock)),
  );

  const byInstance = new Map<string, { evidence: Evidence[]; observations: Observations }>();
  const errors: string[] = [];
  for (const [i, source] of sources.entries()) {
    const report = reports[i] as EvidenceReport;
    errors.push(...report.errors.map((e) => `evidence: ${source.kind}: ${e}`));
    for (const request of requests) {
      const entry = byInstance.get(request.instanceId) ?? { evidence: [], observations: {} };
      const found = report.found.get(request.instanceId);
      if (found) {
        entry.evidence.push(...found.evidence);
        entry.observations = mergeObservations(entry.observations, found.observations);
      } else {
        const reason = report.unavailable.get(request.instanceId) ?? 'the source gave no answer for it';
        entry.evidence.push(notAvailable(source.kind, reason));
      }
      byInstance.set(request.instanceId, entry);
    }
    for (const over of failing.slice(cap)) {
      const entry = byInstance.get(over.target.instanceId) ?? { evidence: [], observations: {} };
      entry.evidence.push(
        notAvailable(
          source.kind,
          `over this run's cap of ${cap} failing instances whose evidence is gathered`,
        ),
      );
      byInstance.set(over.target.instanceId, entry);
    }
  }
  return { byInstance, errors };
}

/** A source's answer by the deadline; a source that throws or overruns answers "not available" for all. */
async function askSource(
  source: EvidenceSource,
  requests: readonly EvidenceRequest[],
  context: { now: Date; deadlineAt: number },
  clock: () => number,
): Promise<EvidenceReport> {
  const gaveUp = (reason: string, error?: string): EvidenceReport => ({
    found: new Map(),
    unavailable: new Map(requests.map((r) => [r.instanceId, reason])),
    errors: error === undefined ? [] : [error],
  });
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<EvidenceReport>((resolve) => {
    timer = setTimeout(
      () => resolve(gaveUp('the evidence budget ran out', 'gave no answer within the evidence budget')),
      Math.max(0, context.deadlineAt - clock()),
    );
  });
  try {
    return await Promise.race([
      source.gather(requests, context).catch((error: unknown) => {
        const message = errorMessage(error);
        return gaveUp(`the source failed: ${message}`, message);
      }),
      overrun,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function requestFor(
  d: DiagnosedTarget,
  index: InventoryIndex,
  peers: readonly EvidencePeer[],
): EvidenceRequest {
  const t = d.target;
  const eni = index.primaryEniByInstance.get(t.instanceId);
  return {
    instanceId: t.instanceId,
    ...(t.address === undefined ? {} : { address: t.address }),
    port: t.port,
    ...(t.vpcId === undefined ? {} : { vpcId: t.vpcId }),
    ...(t.subnetId === undefined ? {} : { subnetId: t.subnetId }),
    ...(eni === undefined ? {} : { networkInterfaceId: eni.NetworkInterfaceId }),
    diagnosis: d.diagnosis.code,
    peers,
    tags: t.tags,
  };
}

/** The addresses a source spec stands for; a spec naming nothing in the inventory stands for none. */
function peerOf(spec: string, isProber: boolean, index: InventoryIndex): EvidencePeer[] {
  const parsed = parseSourceSpec(spec);
  const name = isProber ? PROBER_PEER : spec;
  if (parsed === undefined) return [];
  if (parsed.kind === 'internet') return [{ name, cidrs: ['0.0.0.0/0', '::/0'] }];
  if (parsed.kind === 'cidr') return [{ name, cidrs: [formatCidr(parsed.cidr)] }];
  const eni =
    parsed.kind === 'eni' ? index.enis.get(parsed.eniId) : index.primaryEniByInstance.get(parsed.instanceId);
  if (eni === undefined) return [];
  const v4 = eni.PrivateIpAddresses.flatMap((a) => (a.PrivateIpAddress ? [`${a.PrivateIpAddress}/32`] : []));
  const v6 = eni.Ipv6Addresses.map((a) => `${a}/128`);
  return [{ name, cidrs: [...v4, ...v6] }];
}

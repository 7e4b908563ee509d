/**
 * `runCheck(ports, input)`: one scheduled check of a fleet, end to end (DESIGN.md, "The pipeline"). It is
 * the list of steps below, in order; each step is one module in lambda/steps/, a function from the data it
 * reads to the data it produces. A step that fails costs only what it touches: its failures come back as
 * `errors` lines prefixed with the step's name, and the run goes on. Adding a step is one module in
 * lambda/steps/ and one line here (plus, when a later step reads its output, that step's argument).
 */

import type { TargetGroupReport } from './core/load-balancing/target-group-diagnosis.ts';
import type { EmfDocument } from './core/metrics/emf.ts';
import type { ExposureFinding } from './core/reachability/types.ts';
import { type InstanceReport, instanceReport } from './core/report/instance-report.ts';
import type {
  ChangeHistory,
  EvidenceSource,
  InventorySource,
  MetricsSink,
  Notifier,
  Prober,
  SignalsSource,
  StateStore,
  TargetResolver,
} from './ports.ts';
import { type AnalyseOptions, analyse } from './steps/analyse.ts';
import { type AttributeChangesOptions, attributeChanges } from './steps/attribute-changes.ts';
import { trackChanges } from './steps/changes.ts';
import { type DiagnoseOptions, diagnoseTargets, reviseWithEvidence } from './steps/diagnose.ts';
import { discover } from './steps/discover.ts';
import { type EvidenceOptions, gatherEvidence } from './steps/evidence.ts';
import { securityFindings } from './steps/findings.ts';
import { emitMetrics, type MetricsOptions } from './steps/metrics.ts';
import {
  DEFAULT_RESERVE_MS,
  type ProbeOptions,
  probeTargets,
  type UncheckedInstance,
} from './steps/probe.ts';
import { checkProberPaths, type ProberPathOptions } from './steps/prober-paths.ts';
import { recall } from './steps/recall.ts';
import { type AlertsReport, type RecordOptions, record } from './steps/record.ts';
import { type SelectOptions, select } from './steps/select.ts';
import { gatherSignals, type SignalsOptions } from './steps/signals.ts';
import { diagnoseTargetGroups, type TargetGroupsOptions } from './steps/target-groups.ts';

export interface CheckPorts {
  readonly inventory: InventorySource;
  /** The active probe: the network prober in AWS and the CLI (lambda/adapters/net/prober.ts). */
  readonly prober: Prober;
  /** Maps inventory addresses to where probes really go (DESIGN.md, "Addresses"). */
  readonly resolver: TargetResolver;
  /** @default none: state and status checks come from the inventory's describe-instance-status, if any */
  readonly signals?: SignalsSource;
  /** @default none: nothing remembered, no alerts */
  readonly state?: StateStore;
  /** Needed with `state` for alerts. */
  readonly notifier?: Notifier;
  /** @default none: metrics are rendered into the report only */
  readonly metrics?: MetricsSink;
  /** Console output, the in-host check, flow logs: read for failing instances only. @default none */
  readonly evidence?: readonly EvidenceSource[];
  /** Who made a detected change (CloudTrail). @default none: changes are named without who made them */
  readonly changeHistory?: ChangeHistory;
}

/** Every step's options, plus the run's identity and time. */
export interface CheckInput
  extends SelectOptions,
    AnalyseOptions,
    ProberPathOptions,
    ProbeOptions,
    SignalsOptions,
    DiagnoseOptions,
    EvidenceOptions,
    AttributeChangesOptions,
    TargetGroupsOptions,
    RecordOptions,
    MetricsOptions {
  /** Identifies the run in state claims and logs (the Lambda request id). */
  readonly runId: string;
  /** The run's time for state and alerts. @default new Date() */
  readonly now?: Date;
  /** Epoch-ms clock for the deadline. @default Date.now */
  readonly clock?: () => number;
}

/** The `check --json` shape (instances, findings, unchecked) plus what the CLI, the lab and logs need. */
export interface CheckReport {
  instances: InstanceReport[];
  findings: ExposureFinding[];
  /**
   * HA groups without tags: SSH target groups behind load balancers (docs/load-balancers.md).
   * @default none
   */
  groups?: TargetGroupReport[];
  unchecked: number;
  uncheckedInstances: UncheckedInstance[];
  alerts: AlertsReport;
  /** One line per failed piece, prefixed with its step (`signals: …`, `probe: …`). */
  errors: string[];
  proberErrors: number;
  /** The EMF documents of this run (also handed to the metrics sink). */
  metrics: EmfDocument[];
  runId: string;
  startedAt: string;
  durationMs: number;
}

export async function runCheck(ports: CheckPorts, input: CheckInput): Promise<CheckReport> {
  const clock = input.clock ?? Date.now;
  const started = clock();
  const now = input.now ?? new Date(started);
  // Each step's output, in the order the steps ran: their `errors` are the report's.
  const ran: StepOutput[] = [];
  const step = async <T extends StepOutput>(output: T | Promise<T>): Promise<T> => {
    const done = await output;
    ran.push(done);
    return done;
  };
  const finish = (parts: Partial<CheckReport>): CheckReport => ({
    ...emptyReport(input.runId, now),
    ...parts,
    errors: ran.flatMap((s) => s.errors),
    durationMs: clock() - started,
  });

  const discovered = await step(discover(ports.inventory));
  if (discovered.inventory === undefined) {
    // Nothing to check; still flush the metrics so the "prober is running" alarm sees this run.
    const metrics = await step(
      emitMetrics(ports.metrics, [], { unchecked: [], proberErrors: 0 }, input, now),
    );
    return finish({ metrics: metrics.documents });
  }
  const { inventory, index } = discovered;
  const selection = select(index, input);
  const paths = await step(analyse(inventory, index, selection, input));
  // Before the first AWS call after discovery: a missing path to an API is named here, not as a timeout.
  await step(checkProberPaths(index, paths.proberSpec, input));
  const probes = await step(probeTargets(ports, selection.targets, input, clock));
  const signals = await step(gatherSignals(ports.signals, inventory, probes.checked, input, now));
  const remembered = await step(recall(ports.state, probes.checked));
  const first = diagnoseTargets(probes.checked, paths.paths, signals.byInstance, input);
  const gathered = await step(
    gatherEvidence(
      ports.evidence,
      first.diagnosed,
      {
        index,
        peerSpecs: evidencePeers(paths.proberSpec, input.sources),
        proberFirst: paths.proberSpec !== undefined,
        now,
        clock,
        ...deadline(input),
      },
      input,
    ),
  );
  const diagnoses = await step(
    reviseWithEvidence(first, paths.paths, signals.byInstance, input, gathered.byInstance),
  );
  const findings = await step(securityFindings(diagnoses.diagnosed, remembered.previous));
  const tracked = await step(
    trackChanges(diagnoses.diagnosed, remembered.previous, {
      index,
      proberSpec: paths.proberSpec,
      snapshots: ports.state !== undefined,
    }),
  );
  const changes = await step(
    attributeChanges(ports.changeHistory, tracked.instances, { ...input, clock, ...deadline(input) }),
  );
  const recorded = await step(record(ports, changes.instances, index, input, now, selection.left, clock));
  const metrics = await step(emitMetrics(ports.metrics, changes.instances, probes, input, now));
  const instances = changes.instances.map(instanceReport);
  const targetGroups = await step(
    diagnoseTargetGroups(
      ports,
      index,
      instances,
      { ...input, ...(paths.proberSpec ? { proberSpec: paths.proberSpec } : {}) },
      clock,
    ),
  );

  return finish({
    instances,
    groups: targetGroups.groups,
    findings: [...paths.exposure, ...findings.findings],
    unchecked: probes.unchecked.length,
    uncheckedInstances: [...probes.unchecked],
    alerts: recorded.alerts,
    proberErrors: probes.proberErrors,
    metrics: metrics.documents,
  });
}

/** The prober and the configured sources: the peers whose packets an in-host check judges. */
function evidencePeers(proberSpec: string | undefined, sources: readonly string[] | undefined): string[] {
  return [...new Set([...(proberSpec ? [proberSpec] : []), ...(sources ?? [])])];
}

/** The evidence step ends where the probe step's reserve begins: state, alerts and metrics come after it. */
function deadline(input: CheckInput): { deadlineAt?: number } {
  if (input.deadlineAt === undefined) return {};
  return { deadlineAt: input.deadlineAt - (input.reserveMs ?? DEFAULT_RESERVE_MS) };
}

/** What every step returns besides its data: one line per failed piece, prefixed with the step's name. */
interface StepOutput {
  readonly errors: readonly string[];
}

function emptyReport(runId: string, now: Date): CheckReport {
  return {
    instances: [],
    findings: [],
    groups: [],
    unchecked: 0,
    uncheckedInstances: [],
    alerts: { sent: [], failed: [], dropped: [], conflicts: [] },
    errors: [],
    proberErrors: 0,
    metrics: [],
    runId,
    startedAt: now.toISOString(),
    durationMs: 0,
  };
}

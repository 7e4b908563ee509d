/**
 * `runCheck(ports, input)`: one scheduled check of a fleet, end to end (DESIGN.md, "The pipeline"):
 *
 *   discover → select targets → analyse → probe → signals → diagnose → findings → change awareness
 *            → state + alerts → metrics
 *
 * Every step but discovery is caught on its own: a failing API call, one VPC, one target or one adapter
 * costs what it touches and is listed in `errors`, never the run. A deadline (`deadlineAt`, the Lambda's
 * remaining time) stops new probes early enough to leave `reserveMs` for signals, state and metrics;
 * targets never started are reported as `unchecked` and their state is left as it was (a skipped check
 * neither counts as a failure nor resets one).
 */

import { probeMany } from './adapters/net/fanout.ts';
import { isFailure } from './core/alerts/instance-policy.ts';
import type { RenderOptions } from './core/alerts/render.ts';
import {
  type AlertPolicyConfig,
  DEFAULT_ALERT_POLICY,
  type InstanceObservation,
} from './core/alerts/types.ts';
import { diffConfig, digestPathConfig, type PathSnapshot } from './core/changes/path-config.ts';
import { asPathSnapshot, snapshotPath } from './core/changes/path-snapshot.ts';
import { diagnose } from './core/diagnose/diagnose.ts';
import { answered } from './core/diagnose/evidence.ts';
import { DEFAULT_THRESHOLDS, type DiagnosisThresholds } from './core/diagnose/input.ts';
import type { Diagnosis, DiagnosisCode, Evidence, HostSignals, Severity } from './core/diagnose/types.ts';
import { authMethodChanges, probeFindings } from './core/findings/probe-findings.ts';
import { type Inventory, indexInventory } from './core/inventory/model.ts';
import { type EmfDocument, renderRunMetrics } from './core/metrics/emf.ts';
import type { PortRange } from './core/net/port-range.ts';
import type { ProbeResult, ProbeTarget, ProbeTimeouts } from './core/probe/types.ts';
import { analyze } from './core/reachability/analyze.ts';
import type { ExposureFinding, Verdict } from './core/reachability/types.ts';
import { buildHostSignals } from './core/signals/host-signals.ts';
import type { InstanceState } from './core/state/instance-state.ts';
import { type SelectedTarget, selectTargets, type TagFilter } from './core/targets/select.ts';
import { selectShard, shardOfKey, WHOLE_FLEET } from './core/targets/shard.ts';
import type {
  InventorySource,
  MetricsSink,
  Notifier,
  Prober,
  SignalsSource,
  StateStore,
  TargetResolver,
} from './ports.ts';
import { recordAndAlert } from './record-and-alert.ts';

export interface CheckPorts {
  readonly inventory: InventorySource;
  /** @default the network prober (lambda/adapters/net/prober.ts) */
  readonly prober?: Prober;
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
}

/** The prober's own source spec, or a function finding it in the discovered inventory (e.g. its Lambda ENI). */
export type ProberSource = string | ((inventory: Inventory) => string | undefined);

export interface CheckInput {
  /** Identifies the run in state claims and logs (the Lambda request id). */
  readonly runId: string;
  /** The run's time for state and alerts. @default new Date() */
  readonly now?: Date;
  /** Epoch ms by which state must be saved and metrics flushed. @default no deadline */
  readonly deadlineAt?: number;
  /** Kept back from `deadlineAt` for signals, state, alerts and metrics. @default 3000 */
  readonly reserveMs?: number;
  /** Epoch-ms clock for the deadline. @default Date.now */
  readonly clock?: () => number;
  /**
   * Where the prober stands: its analysed path explains a failed probe (a blocking group, ACL or route).
   * @default none: failures on the prober's path cannot be told from a host firewall
   */
  readonly proberSource?: ProberSource;
  /** Further sources whose paths decide the diagnosis (office CIDR, bastion, `internet`). @default none */
  readonly sources?: readonly string[];
  /** The SSH port when no `port22:port` tag names one. @default 22 */
  readonly port?: number;
  /** The sources' client ports. @default 1024-65535 */
  readonly ephemeral?: PortRange;
  /** `false`: static analysis and host signals only. @default true */
  readonly probe?: boolean;
  readonly concurrency?: number;
  readonly timeouts?: Partial<ProbeTimeouts>;
  readonly targets?: { readonly monitorByDefault?: boolean; readonly tagFilters?: readonly TagFilter[] };
  readonly thresholds?: Partial<DiagnosisThresholds>;
  readonly alertPolicy?: Partial<AlertPolicyConfig>;
  readonly render?: RenderOptions;
  /** The `Vpc` metric dimension. @default the targets' VPC when there is one, else `all` */
  readonly vpcId?: string;
  /** For console links in alerts. */
  readonly region?: string;
  readonly perInstanceMetrics?: boolean;
  /**
   * This run's shard of the fleet (lambda/core/targets/shard.ts): it probes, diagnoses, records, alerts on
   * and counts in its metrics only the targets that hash to it; analysis still reads the whole inventory.
   * @default 0
   */
  readonly shard?: number;
  /** How many shards the fleet is split into. @default 1 */
  readonly shards?: number;
}

/** One instance in `check --json`. */
export interface InstanceReport {
  instanceId: string;
  name?: string;
  /** The address in the VPC (what the inventory says), whatever the resolver mapped it to. */
  address: string;
  port: number;
  diagnosis: DiagnosisCode;
  /**
   * Whether the instance is as it should be, given its `port22:expect` tag: HEALTHY or EXPECTED_CLOSED for
   * an instance expected open; not answering for one expected closed. The CLI, the handler's logs, the
   * dashboard and the metrics all read this one field.
   */
  healthy: boolean;
  severity: Severity;
  summary: string;
  evidence: Evidence[];
  remediation: string[];
  /** What the probe saw; absent when not probed. */
  probe?: Pick<ProbeResult, 'outcome' | 'phases' | 'software' | 'hostKey' | 'authMethods' | 'detail'>;
  /** Configuration and auth-method changes since the last healthy check. */
  changes?: string[];
}

export interface UncheckedInstance {
  instanceId: string;
  name?: string;
  reason: string;
}

export interface AlertReport {
  target: string;
  kind: string;
  code: string;
  subject: string;
  messageId?: string;
  error?: string;
}

/** The `check --json` shape (instances, findings, unchecked) plus what the CLI, the lab and logs need. */
export interface CheckReport {
  instances: InstanceReport[];
  findings: ExposureFinding[];
  unchecked: number;
  uncheckedInstances: UncheckedInstance[];
  alerts: { sent: AlertReport[]; failed: AlertReport[]; conflicts: string[] };
  /** One line per failed piece, prefixed with its step (`signals: …`, `probe: …`). */
  errors: string[];
  proberErrors: number;
  /** The EMF documents of this run (also handed to the metrics sink). */
  metrics: EmfDocument[];
  runId: string;
  startedAt: string;
  durationMs: number;
}

const DEFAULT_RESERVE_MS = 3000;

interface Checked {
  target: SelectedTarget;
  probe?: ProbeResult;
  /** Why there is no probe, when there is none (diagnosed on configuration and signals alone). */
  notProbed?: string;
  /** Why the target was not checked at all this run (deadline, prober error): not diagnosed, state untouched. */
  unchecked?: string;
  proberVerdict?: Verdict;
  sourceVerdicts: Verdict[];
  signals?: HostSignals;
  diagnosis?: Diagnosis;
  changes: string[];
  snapshot?: PathSnapshot;
}

export async function runCheck(ports: CheckPorts, input: CheckInput): Promise<CheckReport> {
  const clock = input.clock ?? Date.now;
  const started = clock();
  const now = input.now ?? new Date(started);
  const errors: string[] = [];
  const report: CheckReport = {
    instances: [],
    findings: [],
    unchecked: 0,
    uncheckedInstances: [],
    alerts: { sent: [], failed: [], conflicts: [] },
    errors,
    proberErrors: 0,
    metrics: [],
    runId: input.runId,
    startedAt: now.toISOString(),
    durationMs: 0,
  };

  // ── discover ────────────────────────────────────────────────────────────────────────────────────
  let inventory: Inventory;
  try {
    const loaded = await ports.inventory.load();
    inventory = loaded.inventory;
    errors.push(...loaded.errors.map((e) => `discover: ${e}`));
  } catch (error) {
    // Nothing to check; still flush the metrics so the "prober is running" alarm sees this run.
    errors.push(`discover: ${message(error)}`);
    await emitMetrics(ports, input, report, [], now);
    report.durationMs = clock() - started;
    return report;
  }
  const index = indexInventory(inventory);

  // ── select targets ──────────────────────────────────────────────────────────────────────────────
  const port = input.port ?? 22;
  const shard = { shard: input.shard ?? WHOLE_FLEET.shard, shards: input.shards ?? WHOLE_FLEET.shards };
  const targets = selectShard(selectTargets(index, { ...input.targets, port }), shard);
  const checked: Checked[] = targets.map((target) => ({ target, sourceVerdicts: [], changes: [] }));

  // ── analyse ─────────────────────────────────────────────────────────────────────────────────────
  let proberSpec: string | undefined;
  try {
    proberSpec =
      typeof input.proberSource === 'function' ? input.proberSource(inventory) : input.proberSource;
  } catch (error) {
    errors.push(`analyse: locating the prober: ${message(error)}`);
  }
  const analysisOptions = { port, ...(input.ephemeral ? { ephemeral: input.ephemeral } : {}) };
  const specs = [...new Set([...(proberSpec ? [proberSpec] : []), ...(input.sources ?? [])])];
  /** Spec → instance id → its verdicts, grouped once so each target looks its own up. */
  const verdictsBySpec = new Map<string, Map<string, Verdict[]>>();
  let exposure: ExposureFinding[] | undefined;
  // One analysis per source spec: a spec that names nothing (a deleted bastion) costs only its own paths.
  // The exposure audit does not depend on the sources: every analysis returns the same one.
  for (const spec of specs) {
    try {
      const analysis = analyze(index, { ...analysisOptions, sources: [spec] });
      verdictsBySpec.set(spec, groupByInstance(analysis.verdicts));
      exposure ??= analysis.exposure;
    } catch (error) {
      errors.push(`analyse: ${message(error)}`);
    }
  }
  try {
    exposure ??= analyze(index, { ...analysisOptions, sources: [] }).exposure;
    // VPC-wide findings (an open group, an open ACL) are the same in every shard: each is reported by one.
    report.findings.push(
      ...exposure.filter((f) => shardOfKey(`${f.code}:${f.resourceId}`, shard.shards) === shard.shard),
    );
  } catch (error) {
    errors.push(`analyse: exposure audit: ${message(error)}`);
  }
  for (const c of checked) {
    const mine = (spec: string) => verdictsBySpec.get(spec)?.get(c.target.instanceId) ?? [];
    if (proberSpec) {
      const own = mine(proberSpec);
      const family = c.target.address?.includes(':') ? 'ipv6' : 'ipv4';
      // The prober connects to the private address; prefer the verdict for that address and family.
      const verdict = own.find((v) => v.address === c.target.address) ?? own.find((v) => v.family === family);
      if (verdict) c.proberVerdict = verdict;
    }
    for (const spec of specs) if (spec !== proberSpec) c.sourceVerdicts.push(...mine(spec));
  }

  // ── probe ───────────────────────────────────────────────────────────────────────────────────────
  if (input.probe !== false) await probeStep(ports, input, checked, report, clock);

  // ── signals ─────────────────────────────────────────────────────────────────────────────────────
  for (const c of checked) {
    if (c.unchecked === undefined) continue;
    const { instanceId, name } = c.target;
    report.uncheckedInstances.push({ instanceId, ...(name ? { name } : {}), reason: c.unchecked });
  }
  report.unchecked = report.uncheckedInstances.length;
  const toDiagnose = checked.filter((c) => c.unchecked === undefined);
  const fromInventory = inventorySignals(inventory, toDiagnose);
  let fetched = new Map<string, HostSignals>();
  if (ports.signals && toDiagnose.length > 0) {
    const slowIdentMs = input.thresholds?.slowIdentMs ?? DEFAULT_THRESHOLDS.slowIdentMs;
    const metricsFor = new Set(
      toDiagnose.filter((c) => loadSignalsCanMatter(c, slowIdentMs)).map((c) => c.target.instanceId),
    );
    try {
      const answer = await ports.signals.fetch(
        toDiagnose.map((c) => ({
          instanceId: c.target.instanceId,
          ...(c.target.instance.InstanceType ? { instanceType: c.target.instance.InstanceType } : {}),
          ...(c.target.instance.ImageId ? { imageId: c.target.instance.ImageId } : {}),
          ...(c.target.tags['aws:autoscaling:groupName']
            ? { autoScalingGroupName: c.target.tags['aws:autoscaling:groupName'] }
            : {}),
        })),
        now,
        { metricsFor },
      );
      fetched = answer.signals;
      errors.push(...answer.errors.map((e) => `signals: ${e}`));
    } catch (error) {
      errors.push(`signals: ${message(error)}`);
    }
  }
  for (const c of toDiagnose) {
    c.signals = mergeSignals(fromInventory.get(c.target.instanceId), fetched.get(c.target.instanceId));
  }

  // ── remembered state (host keys, last healthy configuration) ───────────────────────────────────
  let previous = new Map<string, InstanceState>();
  if (ports.state && toDiagnose.length > 0) {
    try {
      previous = await ports.state.get(toDiagnose.map((c) => c.target.instanceId));
    } catch (error) {
      errors.push(`state: reading ${toDiagnose.length} records failed: ${message(error)}`);
    }
  }

  // ── diagnose, findings, change awareness ───────────────────────────────────────────────────────
  for (const c of toDiagnose) {
    const id = c.target.instanceId;
    const prev = previous.get(id);
    try {
      const diagnosis = diagnose({
        instanceId: id,
        expect: c.target.expect,
        port: c.target.port,
        ...(c.probe ? { probe: c.probe } : {}),
        ...(c.proberVerdict ? { proberVerdict: c.proberVerdict } : {}),
        sourceVerdicts: c.sourceVerdicts,
        ...(c.signals ? { signals: c.signals } : {}),
        ...(input.thresholds ? { thresholds: input.thresholds } : {}),
      });
      if (c.notProbed) {
        diagnosis.evidence.push({ kind: 'config', code: 'NOT_PROBED', detail: c.notProbed });
      }
      // Only state uses the snapshot: it is remembered at a healthy check and diffed at a failing one.
      if (ports.state) c.snapshot = snapshotPath(index, id, proberSpec);
      const failing = isFailure(diagnosis.code, c.target.expect);
      const remembered = asPathSnapshot(prev?.lastHealthy?.config);
      if (failing && remembered && c.snapshot && prev?.lastHealthy) {
        for (const line of diffConfig(remembered, c.snapshot)) {
          const text = `${line} since the last healthy check at ${prev.lastHealthy.at}`;
          c.changes.push(text);
          diagnosis.evidence.push({ kind: 'change', code: 'PATH_CONFIG_CHANGED', detail: text });
        }
      }
      c.changes.push(...authMethodChanges(prev?.authMethods, c.probe?.authMethods));
      c.diagnosis = diagnosis;
      report.findings.push(
        ...probeFindings({
          instanceId: id,
          expect: c.target.expect,
          ...(c.probe ? { probe: c.probe } : {}),
          ...(prev?.hostKey
            ? {
                previous: {
                  hostKey: { algorithm: prev.hostKeyAlgorithm ?? 'unknown', sha256: prev.hostKey },
                  ...(prev.authMethods ? { authMethods: prev.authMethods } : {}),
                },
              }
            : {}),
        }),
      );
    } catch (error) {
      errors.push(`diagnose: ${id}: ${message(error)}`);
    }
  }
  const diagnosed = toDiagnose.filter((c) => c.diagnosis !== undefined);
  report.instances = diagnosed.map(instanceReport);

  // ── state + alerts ──────────────────────────────────────────────────────────────────────────────
  if (ports.state && ports.notifier && diagnosed.length > 0) {
    try {
      const result = await recordAndAlert(
        { state: ports.state, notifier: ports.notifier },
        {
          observations: diagnosed.map((c) => observation(c, index, input)),
          now,
          runId: input.runId,
          policy: { ...DEFAULT_ALERT_POLICY, ...input.alertPolicy },
          ...(input.render ? { render: input.render } : {}),
        },
      );
      report.alerts.sent = result.sent.map((s) => ({
        target: s.target,
        kind: s.alert.kind,
        code: s.alert.code,
        subject: s.alert.subject,
        messageId: s.messageId,
      }));
      report.alerts.failed = result.failed.map((f) => ({
        target: f.target,
        kind: f.alert.kind,
        code: f.alert.code,
        subject: f.alert.subject,
        error: f.error,
      }));
      // Publishing runs concurrently; report in fleet order so the output reads the same every run.
      const order = new Map(diagnosed.map((c, i) => [c.target.instanceId, i]));
      const rank = (a: AlertReport) => order.get(a.target) ?? diagnosed.length;
      report.alerts.sent.sort((a, b) => rank(a) - rank(b));
      report.alerts.failed.sort((a, b) => rank(a) - rank(b));
      report.alerts.conflicts = result.conflicts;
      errors.push(...result.errors.map((e) => (e.startsWith('state:') ? e : `state: ${e}`)));
      errors.push(
        ...result.failed.map((f) => `alerts: ${f.target}: publish failed, kept pending: ${f.error}`),
      );
    } catch (error) {
      errors.push(`state: ${message(error)}`);
    }
  }

  // ── metrics ─────────────────────────────────────────────────────────────────────────────────────
  await emitMetrics(ports, input, report, diagnosed, now);
  report.durationMs = clock() - started;
  return report;
}

// ── the probe step ────────────────────────────────────────────────────────────────────────────────

async function probeStep(
  ports: CheckPorts,
  input: CheckInput,
  checked: Checked[],
  report: CheckReport,
  clock: () => number,
): Promise<void> {
  const jobs: { c: Checked; target: ProbeTarget }[] = [];
  for (const c of checked) {
    if (c.target.address === undefined) {
      c.notProbed = 'not probed: the instance has no private address';
      continue;
    }
    const wanted: ProbeTarget = { host: c.target.address, port: c.target.port };
    let resolved: ProbeTarget | undefined;
    try {
      resolved = ports.resolver.resolve(wanted);
    } catch (error) {
      report.errors.push(`probe: ${c.target.instanceId}: target resolver: ${message(error)}`);
      report.proberErrors += 1;
      c.unchecked = `target resolver failed: ${message(error)}`;
      continue;
    }
    if (resolved === undefined) {
      c.notProbed = `not probed: the target resolver has no route to ${wanted.host}:${wanted.port} from this prober`;
      continue;
    }
    jobs.push({ c, target: resolved });
  }
  if (jobs.length === 0) return;

  const budget =
    input.deadlineAt === undefined
      ? undefined
      : input.deadlineAt - (input.reserveMs ?? DEFAULT_RESERVE_MS) - clock();
  if (budget !== undefined && budget <= 0) {
    for (const { c } of jobs) c.unchecked = 'deadline: no time left to start the probe';
    return;
  }

  // A prober that throws breaks its contract; the target is unchecked and the error counted, the run goes on.
  const failures = new WeakMap<ProbeResult, string>();
  const prober = ports.prober;
  const guarded: Prober | undefined = prober && {
    probe: async (target, timeouts) => {
      try {
        return await prober.probe(target, timeouts);
      } catch (error) {
        const failed: ProbeResult = { target, outcome: 'timeout', phases: { totalMs: 0 }, notProbed: true };
        failures.set(failed, message(error));
        return failed;
      }
    },
  };
  let results: ProbeResult[];
  try {
    results = await probeMany(
      jobs.map((j) => j.target),
      {
        ...(guarded ? { prober: guarded } : {}),
        ...(input.concurrency ? { concurrency: input.concurrency } : {}),
        ...(input.timeouts ? { timeouts: input.timeouts } : {}),
        ...(budget !== undefined ? { deadlineMs: budget } : {}),
      },
    );
  } catch (error) {
    report.errors.push(`probe: ${message(error)}`);
    report.proberErrors += jobs.length;
    for (const { c } of jobs) c.unchecked = `prober failed: ${message(error)}`;
    return;
  }
  results.forEach((result, i) => {
    const { c } = jobs[i]!;
    const failure = failures.get(result);
    if (failure !== undefined) {
      report.errors.push(`probe: ${c.target.instanceId}: prober error: ${failure}`);
      report.proberErrors += 1;
      c.unchecked = `prober error: ${failure}`;
    } else if (result.notProbed) {
      c.unchecked = 'deadline: the run stopped starting probes to save state in time';
    } else {
      // Report the VPC address, not where the lab's resolver sent the probe.
      c.probe = { ...result, target: { host: c.target.address!, port: c.target.port } };
    }
  });
}

// ── helpers ───────────────────────────────────────────────────────────────────────────────────────

/**
 * Whether CloudWatch metrics (CPU, credits, memory, status-check metrics) could change this target's
 * diagnosis. They cannot when the probe succeeded fast — a successful probe overrides a failed status check
 * (instance-impaired) and starvation only explains a slow or silent sshd (resource-exhaustion) — nor when an
 * instance tagged `port22:expect=closed` did not answer (expected-closed ranks first). Everything else (a
 * failed or slow probe, or none) gets them. Instance state and status checks come from the free
 * DescribeInstanceStatus for every target regardless.
 */
function loadSignalsCanMatter(c: Checked, slowIdentMs: number): boolean {
  const { probe } = c;
  if (c.target.expect === 'closed' && probe !== undefined && !answered(probe)) return false;
  if (probe?.outcome === 'ok' && (probe.phases.identMs ?? 0) <= slowIdentMs) return false;
  return true;
}

function groupByInstance(verdicts: readonly Verdict[]): Map<string, Verdict[]> {
  const byInstance = new Map<string, Verdict[]>();
  for (const v of verdicts) {
    const list = byInstance.get(v.instanceId);
    if (list) list.push(v);
    else byInstance.set(v.instanceId, [v]);
  }
  return byInstance;
}

/** Instance state and status checks the inventory already holds (describe-instances / -instance-status). */
function inventorySignals(inventory: Inventory, checked: readonly Checked[]): Map<string, HostSignals> {
  const ids = checked.map((c) => c.target.instanceId);
  const signals = buildHostSignals(ids, inventory.instanceStatuses, []);
  for (const c of checked) {
    const s = signals.get(c.target.instanceId);
    const state = c.target.instance.State?.Name;
    if (s && s.state === undefined && state !== undefined) s.state = state;
  }
  return signals;
}

/** Field by field: what the signals source knows wins; what it does not know stays as the inventory said. */
function mergeSignals(base: HostSignals | undefined, live: HostSignals | undefined): HostSignals | undefined {
  if (!live) return base;
  if (!base) return live;
  const out: HostSignals = { ...base };
  for (const [k, v] of Object.entries(live))
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}

function instanceReport(c: Checked): InstanceReport {
  const d = c.diagnosis!;
  const p = c.probe;
  return {
    instanceId: c.target.instanceId,
    ...(c.target.name ? { name: c.target.name } : {}),
    address: c.target.address ?? '',
    port: c.target.port,
    diagnosis: d.code,
    healthy: !isFailure(d.code, c.target.expect),
    severity: d.severity,
    summary: d.summary,
    evidence: d.evidence,
    remediation: d.remediation,
    ...(p
      ? {
          probe: {
            outcome: p.outcome,
            phases: p.phases,
            ...(p.software ? { software: p.software } : {}),
            ...(p.hostKey ? { hostKey: p.hostKey } : {}),
            ...(p.authMethods ? { authMethods: p.authMethods } : {}),
            ...(p.detail ? { detail: p.detail } : {}),
          },
        }
      : {}),
    ...(c.changes.length > 0 ? { changes: c.changes } : {}),
  };
}

function observation(
  c: Checked,
  index: ReturnType<typeof indexInventory>,
  input: CheckInput,
): InstanceObservation {
  const t = c.target;
  const acl = t.subnetId ? index.networkAclForSubnet(t.subnetId)?.NetworkAclId : undefined;
  return {
    instanceId: t.instanceId,
    ...(t.name ? { name: t.name } : {}),
    tags: t.tags,
    diagnosis: c.diagnosis!,
    ...(c.probe?.hostKey ? { hostKey: c.probe.hostKey } : {}),
    ...(c.probe?.authMethods ? { authMethods: c.probe.authMethods } : {}),
    ...(c.snapshot ? { pathConfig: { digest: digestPathConfig(c.snapshot), snapshot: c.snapshot } } : {}),
    ...(c.changes.length > 0 ? { changes: c.changes } : {}),
    resources: {
      ...(input.region ? { region: input.region } : {}),
      ...(t.vpcId ? { vpcId: t.vpcId } : {}),
      ...(t.subnetId ? { subnetId: t.subnetId } : {}),
      securityGroupIds: t.securityGroupIds,
      ...(acl ? { networkAclIds: [acl] } : {}),
      ...(t.address ? { address: t.address } : {}),
    },
  };
}

async function emitMetrics(
  ports: CheckPorts,
  input: CheckInput,
  report: CheckReport,
  diagnosed: readonly Checked[],
  now: Date,
): Promise<void> {
  try {
    const counts: Partial<Record<DiagnosisCode, number>> = {};
    for (const c of diagnosed) counts[c.diagnosis!.code] = (counts[c.diagnosis!.code] ?? 0) + 1;
    const instances = diagnosed.map((c) => ({
      instanceId: c.target.instanceId,
      healthy: !isFailure(c.diagnosis!.code, c.target.expect),
      ...(c.probe ? { totalMs: c.probe.phases.totalMs } : {}),
    }));
    const healthy = instances.filter((i) => i.healthy).length;
    const vpcs = [...new Set(diagnosed.map((c) => c.target.vpcId).filter((v) => v !== undefined))];
    report.metrics = renderRunMetrics(
      {
        vpcId: input.vpcId ?? (vpcs.length === 1 ? vpcs[0]! : 'all'),
        timestamp: now.getTime(),
        checksRun: diagnosed.length,
        healthy,
        unhealthy: diagnosed.length - healthy,
        unchecked: report.unchecked,
        proberErrors: report.proberErrors,
        diagnosisCounts: counts,
        probePhases: diagnosed.flatMap((c) => (c.probe ? [c.probe.phases] : [])),
        instances,
      },
      { perInstance: input.perInstanceMetrics === true },
    );
    if (ports.metrics) await ports.metrics.emit(report.metrics);
  } catch (error) {
    report.errors.push(`metrics: ${message(error)}`);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

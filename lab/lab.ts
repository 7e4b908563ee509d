/**
 * `port22 lab`: the whole job on a fleet of real servers, no AWS account needed. Starts the fleet's peers
 * (lab/fleet-backends.ts) and DynamoDB (dynalite, data kept under the lab directory), runs the real
 * pipeline through local adapters — alerts as .eml files, EMF metrics as JSON lines, the HTML report —
 * and stops everything again. Only the lab directory (default `.port22/`) stays.
 *
 *   <dir>/dynamodb/        dynalite's LevelDB: the state table, read again by the next run
 *   <dir>/outbox/          one .eml per alert sent (RFC 5322)
 *   <dir>/metrics/         one file of EMF documents per run
 *   <dir>/report.html      the last run's report
 *   <dir>/lab-state.json   hosts repaired with `--fix`
 *   <dir>/fleet/           the fleet as this run saw it (lab/fleet with the fixes applied)
 *   <dir>/hostkeys/        each instance's host key, so restarts are not host key changes
 */
import { existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DynamoDbStateStore } from '../lambda/adapters/aws/dynamodb-state-store.ts';
import { FlowLogEvidenceSource } from '../lambda/adapters/flow-log-evidence.ts';
import { FileChangeHistory } from '../lambda/adapters/local/evidence-files.ts';
import { FileNotifier } from '../lambda/adapters/local/file-notifier.ts';
import { writeHtmlReport } from '../lambda/adapters/local/html-report.ts';
import { loadInventoryDir } from '../lambda/adapters/local/inventory-dir.ts';
import { makeDirectory } from '../lambda/adapters/local/make-directory.ts';
import { netProber } from '../lambda/adapters/net/prober.ts';
import { sshPortOf } from '../lambda/core/inventory/tags.ts';
import type { ProbeTimeouts } from '../lambda/core/probe/types.ts';
import { localPorts } from '../lambda/local-wiring.ts';
import { type CheckReport, runCheck } from '../lambda/pipeline.ts';
import type { Prober, TargetResolver } from '../lambda/ports.ts';
import { atExit } from './exit-cleanup.ts';
import {
  applyFix,
  type Fleet,
  type FleetHost,
  findHost,
  loadFleet,
  readFleetFiles,
  SIGNALS_FILE,
} from './fleet.ts';
import { startFleetBackends } from './fleet-backends.ts';
import { NamespaceHostCheck } from './host-check.ts';
import { LabFlowLogBackend, seedHealthyPast } from './lab-evidence.ts';
import { ensureStateTable, startLocalDynamo } from './local-aws.ts';
import { netnsAvailable } from './netns.ts';
import { processAlive } from './process-alive.ts';
import { sshdAvailable } from './sshd.ts';
import { type StandInListeners, standInTargetHealth, startStandInListeners } from './standin-nlb.ts';
import { generateHostKey } from './zoo.ts';

/** Short deadlines keep a run to a few seconds: silent peers cost identMs, dropped SYNs connectMs, in parallel. */
export const LAB_TIMEOUTS: ProbeTimeouts = {
  connectMs: 1000,
  identMs: 2000,
  kexMs: 2000,
  authMs: 2000,
  totalMs: 5000,
};
/** The slow-ident peer answers after 900 ms: past this threshold, well inside identMs. */
export const LAB_SLOW_IDENT_MS = 500;
/**
 * The lab alerts on the FIRST failed check, so a first run shows alerts. Production keeps the default of 2
 * (DEFAULT_ALERT_POLICY): one lost SYN on a busy network must not page anyone.
 */
export const LAB_FAILURES_BEFORE_ALERT = 1;
export const LAB_STATE_TABLE = 'port22-lab-state';
/** The fleet's region (its Availability Zone is eu-west-1a): alerts link to its console pages. */
export const LAB_REGION = 'eu-west-1';

export interface LabPaths {
  readonly root: string;
  readonly dynamodb: string;
  readonly outbox: string;
  readonly metrics: string;
  readonly report: string;
  readonly labState: string;
  readonly fleet: string;
  readonly hostKeys: string;
  readonly lock: string;
}

export function labPaths(dir: string): LabPaths {
  const root = resolve(dir);
  return {
    root,
    dynamodb: join(root, 'dynamodb'),
    outbox: join(root, 'outbox'),
    metrics: join(root, 'metrics'),
    report: join(root, 'report.html'),
    labState: join(root, 'lab-state.json'),
    fleet: join(root, 'fleet'),
    hostKeys: join(root, 'hostkeys'),
    lock: join(root, 'lab.lock'),
  };
}

/**
 * One lab run per directory: dynalite's LevelDB allows one process, and fails from a callback it cannot
 * hand back to us. A lock file with the owner's pid; a lock whose process is gone is taken over.
 */
function acquireLabLock(paths: LabPaths): () => void {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(paths.lock, `${process.pid}\n`, { flag: 'wx' });
      const forget = atExit(() => unlinkSync(paths.lock));
      return () => {
        forget();
        try {
          unlinkSync(paths.lock);
        } catch {
          // already gone (a --reset from this process)
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(paths.lock, 'utf8').trim());
      if (Number.isSafeInteger(owner) && owner > 0 && processAlive(owner))
        throw new LabUsageError(`another lab run (pid ${owner}) is using ${paths.root}`);
      unlinkSync(paths.lock);
    }
  }
  throw new LabUsageError(`cannot lock ${paths.lock}`);
}

export interface LabFix {
  instanceId: string;
  name: string;
  fix: string;
  change: string;
  at: string;
}

/** `<dir>/lab-state.json`: what `--fix` changed, replayed onto the committed fleet by every run. */
export interface LabState {
  fixes: LabFix[];
}

export async function readLabState(paths: LabPaths): Promise<LabState> {
  try {
    const state = JSON.parse(await readFile(paths.labState, 'utf8')) as Partial<LabState>;
    return { fixes: Array.isArray(state.fixes) ? state.fixes : [] };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { fixes: [] };
    throw new Error(`${paths.labState}: ${(error as Error).message}`);
  }
}

/** The fleet's files with every recorded fix applied, written to `<dir>/fleet/`. */
async function writeFleetCopy(paths: LabPaths, fleet: Fleet, state: LabState): Promise<void> {
  const files = await readFleetFiles();
  for (const fix of state.fixes) {
    const host = fleet.hosts.find((h) => h.instanceId === fix.instanceId);
    if (host) applyFix(files, fleet, host);
  }
  await makeDirectory(paths.fleet);
  for (const [file, content] of Object.entries(files)) {
    await makeDirectory(dirname(join(paths.fleet, file)));
    await writeFile(join(paths.fleet, file), `${JSON.stringify(content, null, 2)}\n`);
  }
}

async function hostKeys(paths: LabPaths, fleet: Fleet): Promise<Map<string, string>> {
  await makeDirectory(paths.hostKeys, 0o700);
  const keys = new Map<string, string>();
  for (const host of fleet.hosts) {
    const file = join(paths.hostKeys, `${host.instanceId}.key`);
    let key: string;
    try {
      key = await readFile(file, 'utf8');
    } catch {
      key = generateHostKey('ed25519').private;
      await writeFile(file, key, { mode: 0o600 });
    }
    keys.set(host.instanceId, key);
  }
  return keys;
}

export interface LabProgress {
  /** Targets the resolver sent somewhere (the probes of this run). */
  total: number;
  done: number;
  inFlight: number;
}

export interface LabRunOptions {
  /** The lab directory. */
  readonly dir: string;
  readonly onProgress?: (progress: LabProgress) => void;
}

export interface LabRun {
  report: CheckReport;
  fleet: Fleet;
  paths: LabPaths;
  metricsFile: string;
  /** What the notifier printed for each alert it published: `<subject>  → <file>`. */
  alertLines: string[];
  leftOut: { hosts: readonly FleetHost[]; reason: string; configOnly: readonly FleetHost[] } | undefined;
  standIns: { hosts: readonly FleetHost[]; reason: string } | undefined;
  /** Instances down and already announced by an earlier run (when this run sent nothing new). */
  stillDown: { count: number; alertedAt?: string };
  fixes: LabFix[];
}

export async function runLab(opts: LabRunOptions): Promise<LabRun> {
  const paths = labPaths(opts.dir);
  await makeDirectory(paths.root);
  const release = acquireLabLock(paths);
  try {
    return await runLocked(paths, opts);
  } finally {
    release();
  }
}

async function runLocked(paths: LabPaths, opts: LabRunOptions): Promise<LabRun> {
  const fleet = loadFleet();
  const state = await readLabState(paths);
  await writeFleetCopy(paths, fleet, state);
  const inventory = await loadInventoryDir(paths.fleet);
  const keys = await hostKeys(paths, fleet);

  const addresses = new Map<string, { host: string; port: number }>();
  for (const i of inventory.instances) {
    const port = sshPortOf(i, 22);
    if (i.InstanceId && i.PrivateIpAddress) addresses.set(i.InstanceId, { host: i.PrivateIpAddress, port });
  }
  const sshdSkip = sshdAvailable();
  const netnsSkip = netnsAvailable();

  const dynamo = await startLocalDynamo(paths.dynamodb);
  try {
    await ensureStateTable(dynamo.client, LAB_STATE_TABLE);
    const backends = await startFleetBackends({
      fleet,
      addresses,
      fixed: new Set(state.fixes.map((f) => f.instanceId)),
      hostKey: (id) => keys.get(id)!,
      ...(sshdSkip ? { sshdSkip } : {}),
      ...(netnsSkip ? { netnsSkip } : {}),
    });
    let listeners: StandInListeners | undefined;
    try {
      const progress: LabProgress = { total: 0, done: 0, inFlight: 0 };
      const report = () => opts.onProgress?.({ ...progress });
      // The stand-in NLB health-checks its targets (lab/standin-nlb.ts), as the real one does all the time,
      // and serves its listener at each node's address, handing connections to the targets it found healthy.
      const balanced = await standInTargetHealth(inventory, backends.resolver);
      const nlb = await startStandInListeners(balanced, backends.resolver);
      listeners = nlb;
      const resolver: TargetResolver = {
        resolve: (t) => {
          const to = nlb.resolve(t) ?? backends.resolver.resolve(t);
          if (to) progress.total += 1;
          return to;
        },
      };
      const prober: Prober = {
        probe: async (target, timeouts) => {
          progress.inFlight += 1;
          report();
          try {
            return await netProber.probe(target, timeouts);
          } finally {
            progress.inFlight -= 1;
            progress.done += 1;
            report();
          }
        },
      };
      const alertLines: string[] = [];
      const store = new DynamoDbStateStore({ tableName: LAB_STATE_TABLE, client: dynamo.client });
      await makeDirectory(paths.metrics);
      const now = new Date();
      const runId = `lab-${now.toISOString().replace(/[:.]/g, '-')}`;
      const metricsFile = join(paths.metrics, `${runId}.jsonl`);
      const leftOutIds = new Set(backends.leftOut.map((h) => h.instanceId));
      const checked = fleet.hosts.filter((h) => !leftOutIds.has(h.instanceId));
      // A healthy past for the configuration faults, and the CloudTrail events of the lab's changes since.
      await seedHealthyPast({
        fleet,
        current: inventory,
        fixed: new Set(state.fixes.map((f) => f.instanceId)),
        store,
        inventoryDir: paths.fleet,
        now,
      });
      const ports = localPorts({
        inventory: balanced,
        inventoryDir: paths.fleet,
        resolver,
        prober,
        signalsFile: join(paths.fleet, SIGNALS_FILE),
        state: store,
        notifier: new FileNotifier({
          directory: paths.outbox,
          print: (line) => alertLines.push(line.trimEnd()),
        }),
        metricsFile,
        evidence: [
          new FlowLogEvidenceSource(new LabFlowLogBackend(inventory, fleet, backends.namespaces)),
          new NamespaceHostCheck(backends.hostNamespaces),
        ],
        changeHistory: new FileChangeHistory(paths.fleet),
      });
      const result = await runCheck(ports, {
        runId,
        now,
        proberSource: fleet.prober,
        timeouts: LAB_TIMEOUTS,
        thresholds: { slowIdentMs: LAB_SLOW_IDENT_MS },
        alertPolicy: { failuresBeforeAlert: LAB_FAILURES_BEFORE_ALERT },
        targets: { tagFilters: [{ key: 'Name', values: checked.map((h) => h.name) }] },
        region: LAB_REGION,
      });
      const stillDown = await announcedDown(store, result);
      await writeHtmlReport(paths.report, result, { title: 'port22 lab', generatedAt: now });
      return {
        report: result,
        fleet,
        paths,
        metricsFile,
        alertLines,
        leftOut: netnsSkip
          ? { hosts: backends.leftOut, reason: netnsSkip, configOnly: backends.configOnly }
          : undefined,
        standIns:
          sshdSkip && backends.standIns.length > 0
            ? { hosts: backends.standIns, reason: sshdSkip }
            : undefined,
        stillDown,
        fixes: state.fixes,
      };
    } finally {
      await listeners?.close();
      await backends.close();
    }
  } finally {
    await dynamo.close();
  }
}

/** How many reported instances are down with their outage already announced, and since when. */
async function announcedDown(
  store: DynamoDbStateStore,
  report: CheckReport,
): Promise<{ count: number; alertedAt?: string }> {
  const states = await store.get(report.instances.map((i) => i.instanceId));
  const times: string[] = [];
  for (const s of states.values()) {
    if (s.announcedDown === undefined) continue;
    times.push(s.lastDownNoticeAt ?? s.lastAlert?.at ?? s.since);
  }
  times.sort();
  return { count: times.length, ...(times[0] ? { alertedAt: times[0] } : {}) };
}

export class LabUsageError extends Error {}

/** Records a repair of one host; the next run serves it healthy and the pipeline announces the recovery. */
export async function fixLabHost(dir: string, ref: string): Promise<{ fix: LabFix; already: boolean }> {
  const paths = labPaths(dir);
  const fleet = loadFleet();
  const host = findHost(fleet, ref);
  if (!host)
    throw new LabUsageError(`no lab instance '${ref}' (give an instance id or a Name, e.g. cache-1)`);
  if (!host.fix) throw new LabUsageError(`${host.name} (${host.instanceId}) is not broken: nothing to fix`);
  const state = await readLabState(paths);
  const done = state.fixes.find((f) => f.instanceId === host.instanceId);
  if (done) return { fix: done, already: true };
  const change = applyFix(await readFleetFiles(), fleet, host);
  const fix: LabFix = {
    instanceId: host.instanceId,
    name: host.name,
    fix: host.fix,
    change,
    at: new Date().toISOString(),
  };
  state.fixes.push(fix);
  await makeDirectory(paths.root);
  await writeFile(paths.labState, `${JSON.stringify(state, null, 2)}\n`);
  await writeFleetCopy(paths, fleet, state);
  return { fix, already: false };
}

/** What `--reset` removes: only what the lab writes, so a mistaken `--dir` cannot wipe anything else. */
const LAB_ENTRIES = ['dynamodb', 'outbox', 'metrics', 'report.html', 'lab-state.json', 'fleet', 'hostkeys'];

export async function resetLab(dir: string): Promise<string[]> {
  const paths = labPaths(dir);
  const removed: string[] = [];
  if (!existsSync(paths.root)) return removed;
  const release = acquireLabLock(paths);
  try {
    removeEntries(paths, removed);
  } finally {
    release();
  }
  if ((await readdir(paths.root)).length === 0) await rmdir(paths.root);
  return removed;
}

function removeEntries(paths: LabPaths, removed: string[]): void {
  for (const entry of LAB_ENTRIES) {
    const path = join(paths.root, entry);
    if (!existsSync(path)) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(entry);
  }
}

/**
 * The ports of a local run, in one place: `port22 check` builds them from flags, and the lab builds them
 * around its own resolver, signals and state. Defaults keep a local run side-effect free: state in memory,
 * alerts collected (listed in the report, never sent), metrics only in the report.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FlowLogEvidenceSource } from './adapters/flow-log-evidence.ts';
import { consoleOutputFilesIn } from './adapters/local/console-output-files.ts';
import { FileEmfSink } from './adapters/local/emf-sink.ts';
import {
  CLOUDTRAIL_DIRECTORY,
  FileChangeHistory,
  FileFlowLogBackend,
  FLOW_LOGS_FILE,
} from './adapters/local/evidence-files.ts';
import { FileNotifier } from './adapters/local/file-notifier.ts';
import { FileStateStore } from './adapters/local/file-state-store.ts';
import { FileSignalsSource } from './adapters/local/signals-file.ts';
import { CollectingNotifier } from './adapters/memory/collecting-notifier.ts';
import { MemoryStateStore } from './adapters/memory/memory-state-store.ts';
import { netProber } from './adapters/net/prober.ts';
import type { Inventory } from './core/inventory/model.ts';
import type { CheckPorts } from './pipeline.ts';
import {
  type ChangeHistory,
  type EvidenceSource,
  identityResolver,
  type MetricsSink,
  type Notifier,
  type Prober,
  type SignalsSource,
  type StateStore,
  type TargetResolver,
} from './ports.ts';

export interface LocalWiringOptions {
  /** An inventory already loaded (the CLI loads it first, so a bad directory is a usage error). */
  readonly inventory?: Inventory;
  /**
   * A live account instead of an inventory: the read-only AWS adapters (`awsPorts` of lambda/wiring.ts).
   * The caller builds them, so a run from files never loads the AWS SDK (about 0.3 s of start-up).
   */
  readonly live?: Pick<CheckPorts, 'inventory' | 'signals' | 'evidence' | 'changeHistory'>;
  /**
   * The inventory directory `inventory` was read from: its optional `get-console-output/<id>.json` files
   * (console output), `describe-flow-logs.json` with `flow-log-query-results.json` (flow logs) and
   * `cloudtrail-lookup-events/` (the change history) wire the evidence sources
   * (lambda/adapters/local/console-output-files.ts, evidence-files.ts). @default none
   */
  readonly inventoryDir?: string;
  /** Further evidence sources (the lab's), beside those the inventory directory's files stand for. */
  readonly evidence?: readonly EvidenceSource[];
  readonly changeHistory?: ChangeHistory;
  /** A signals file (`{ InstanceStatuses, MetricDataResults }`); live runs read CloudWatch instead. */
  readonly signalsFile?: string;
  readonly signals?: SignalsSource;
  /** A directory (file state, alerts as .eml files in `<dir>/alerts`), `none`, or a store. @default memory */
  readonly state?: string | StateStore;
  /** @default collected in memory (with a state directory: .eml files) */
  readonly notifier?: Notifier;
  /** @default the identity: probes go to the inventory's addresses */
  readonly resolver?: TargetResolver;
  readonly prober?: Prober;
  readonly metricsFile?: string;
  readonly metrics?: MetricsSink;
}

export interface LocalPorts extends CheckPorts {
  /** Where alerts went when no channel was configured. */
  readonly collected?: CollectingNotifier;
}

export function localPorts(opts: LocalWiringOptions): LocalPorts {
  const { inventory, live } = opts;
  if (inventory === undefined && live === undefined)
    throw new Error('localPorts needs an inventory or a live account');
  let state: StateStore | undefined;
  let notifier = opts.notifier;
  let collected: CollectingNotifier | undefined;
  if (typeof opts.state === 'object') state = opts.state;
  else if (opts.state === 'none') state = undefined;
  else if (opts.state !== undefined) {
    state = new FileStateStore(opts.state);
    notifier ??= new FileNotifier({ directory: `${opts.state}/alerts`, print: () => {} });
  } else state = new MemoryStateStore();
  if (state && !notifier) {
    collected = new CollectingNotifier();
    notifier = collected;
  }
  const signals =
    opts.signals ?? (opts.signalsFile ? new FileSignalsSource(opts.signalsFile) : live?.signals);
  const metrics = opts.metrics ?? (opts.metricsFile ? new FileEmfSink(opts.metricsFile) : undefined);
  const dir = opts.inventoryDir;
  const evidence = [
    ...((dir === undefined ? live?.evidence : evidenceFilesIn(dir)) ?? []),
    ...(opts.evidence ?? []),
  ];
  const changeHistory =
    opts.changeHistory ??
    (dir !== undefined && existsSync(join(dir, CLOUDTRAIL_DIRECTORY))
      ? new FileChangeHistory(dir)
      : live?.changeHistory);
  return {
    inventory: inventory ? { load: async () => ({ inventory, errors: [] }) } : live!.inventory,
    prober: opts.prober ?? netProber,
    resolver: opts.resolver ?? identityResolver,
    ...(signals ? { signals } : {}),
    ...(state ? { state } : {}),
    ...(state && notifier ? { notifier } : {}),
    ...(metrics ? { metrics } : {}),
    ...(collected ? { collected } : {}),
    ...(evidence.length > 0 ? { evidence } : {}),
    ...(changeHistory ? { changeHistory } : {}),
  };
}

/** The evidence sources an inventory directory's optional files stand for (none: an empty list). */
function evidenceFilesIn(dir: string): EvidenceSource[] {
  const consoleFiles = consoleOutputFilesIn(dir);
  return [
    ...(consoleFiles ? [consoleFiles] : []),
    ...(existsSync(join(dir, FLOW_LOGS_FILE))
      ? [new FlowLogEvidenceSource(new FileFlowLogBackend(dir))]
      : []),
  ];
}

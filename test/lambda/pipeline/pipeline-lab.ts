/**
 * The pipeline-lab inventory (test/fixtures/inventories/pipeline-lab) brought to life: each instance's VPC
 * address is mapped by a TargetResolver to a real peer that behaves the way the instance is meant to —
 * an ssh2 zoo server on its own loopback address, a refused loopback port, or (as root) a network-namespace
 * host whose nft rules DROP or REJECT the SYN. Nothing is ever sent to the 10.20.x.x addresses themselves.
 */
import { after, before } from 'node:test';
import { LAB_SLOW_IDENT_MS, LAB_TIMEOUTS } from '../../../lab/lab.ts';
import { createNamespaceHost, type NamespaceHost, netnsAvailable } from '../../../lab/netns.ts';
import { startZooServer, type ZooKind, type ZooOptions, type ZooServer } from '../../../lab/zoo.ts';
import { DirectoryInventorySource } from '../../../lambda/adapters/local/directory-inventory-source.ts';
import { FileSignalsSource } from '../../../lambda/adapters/local/signals-file.ts';
import { netProber } from '../../../lambda/adapters/net/prober.ts';
import type { ProbeTarget } from '../../../lambda/core/probe/types.ts';
import { type CheckInput, type CheckPorts, runCheck } from '../../../lambda/pipeline.ts';
import type { Prober, TargetResolver } from '../../../lambda/ports.ts';

const root = new URL('../../../', import.meta.url).pathname;
export const LAB_INVENTORY = `${root}test/fixtures/inventories/pipeline-lab`;
export const LAB_SIGNALS = `${root}test/fixtures/signals/pipeline-lab-signals.json`;
/** The prober's Lambda ENI in the fixture (subnet 10.20.0.0/24, its own security group). */
export const PROBER_ENI = 'eni-0b22000000000f0a0';

export const id = (n: number) => `i-0b22${n.toString(16).padStart(13, '0')}`;

type Peer = 'none' | { zoo: ZooKind; options?: ZooOptions } | { netns: 'drop' | 'reject-icmp-admin' };

/** Instance number → name, VPC address and what answers for it in the lab. */
export const LAB = {
  'web-1': { n: 1, address: '10.20.1.11', peer: { zoo: 'healthy' } },
  'web-2': { n: 2, address: '10.20.1.12', peer: { zoo: 'slow-ident', options: { delayMs: 900 } } },
  'api-1': { n: 3, address: '10.20.1.13', peer: { netns: 'drop' } },
  'db-1': { n: 4, address: '10.20.2.14', peer: { netns: 'drop' } },
  'batch-1': { n: 5, address: '10.20.3.15', peer: 'none' },
  'worker-1': { n: 6, address: '10.20.1.16', peer: { zoo: 'refused' } },
  'worker-2': { n: 7, address: '10.20.1.17', peer: { zoo: 'refused' } },
  'cache-1': { n: 8, address: '10.20.1.18', peer: { zoo: 'refused' } },
  'queue-1': { n: 9, address: '10.20.1.19', peer: { netns: 'drop' } },
  'queue-2': { n: 10, address: '10.20.1.20', peer: { netns: 'reject-icmp-admin' } },
  'build-1': { n: 11, address: '10.20.1.21', peer: { zoo: 'close-before-ident' } },
  'build-2': { n: 12, address: '10.20.1.22', peer: { zoo: 'silent' } },
  'metrics-1': { n: 13, address: '10.20.1.23', peer: { zoo: 'not-ssh-http' } },
  'legacy-1': { n: 14, address: '10.20.1.24', peer: { zoo: 'kex-mismatch' } },
  'knock-1': { n: 15, address: '10.20.1.25', peer: { zoo: 'refused' } },
  'odd-1': { n: 16, address: '10.20.1.26', peer: { zoo: 'silent' } },
} as const satisfies Record<string, { n: number; address: string; peer: Peer }>;
export type LabName = keyof typeof LAB;

/** For runs that must send no probe (`probe: false`, or failing before the probe step). */
export const NO_PROBES: Prober = {
  probe: async (target) => {
    throw new Error(`this run must not probe, yet ${target.host}:${target.port} was probed`);
  },
};

/** A resolver that can be re-pointed between runs (a rebuilt host, a recovered sshd). */
export class MapResolver implements TargetResolver {
  readonly routes = new Map<string, ProbeTarget>();
  resolve(t: ProbeTarget): ProbeTarget | undefined {
    return this.routes.get(`${t.host}:${t.port}`);
  }
  route(address: string, to: ProbeTarget | undefined, port = 22): void {
    if (to === undefined) this.routes.delete(`${address}:${port}`);
    else this.routes.set(`${address}:${port}`, to);
  }
}

export interface PipelineLab {
  resolver: MapResolver;
  /** Why namespace peers are missing (their instances are then not probed), or undefined. */
  netnsSkip?: string;
  zoo: Map<LabName, ZooServer>;
  /** Starts one more zoo server on a fresh loopback address (closed with the lab). */
  extraZoo(kind: ZooKind, options?: ZooOptions): Promise<ZooServer>;
  close(): Promise<void>;
}

let nextAddress = 10;
/** Each peer on its own loopback address: the fan-out serialises probes per host, not per port. */
function loopback(): string {
  nextAddress += 1;
  return `127.22.${Math.floor(nextAddress / 250)}.${(nextAddress % 250) + 1}`;
}

export async function startPipelineLab(names: readonly LabName[] = Object.keys(LAB) as LabName[]) {
  const resolver = new MapResolver();
  const zoo = new Map<LabName, ZooServer>();
  const extras: ZooServer[] = [];
  const hosts: NamespaceHost[] = [];
  const netnsSkip = netnsAvailable();
  const lab: PipelineLab = {
    resolver,
    ...(netnsSkip ? { netnsSkip } : {}),
    zoo,
    async extraZoo(kind, options = {}) {
      const server = await startZooServer(kind, { ...options, host: loopback() });
      extras.push(server);
      return server;
    },
    async close() {
      await Promise.all([...zoo.values(), ...extras].map((s) => s.close()));
      for (const h of hosts) await h.close();
    },
  };
  try {
    for (const name of names) {
      const { address } = LAB[name];
      const peer: Peer = LAB[name].peer;
      if (peer === 'none') continue;
      if ('zoo' in peer) {
        const server = await startZooServer(peer.zoo, { ...(peer.options ?? {}), host: loopback() });
        zoo.set(name, server);
        resolver.route(address, { host: server.host, port: server.port });
      } else if (!netnsSkip) {
        const host = await createNamespaceHost({ policy: peer.netns, port: 22, listener: 'none' });
        hosts.push(host);
        resolver.route(address, { host: host.hostAddress, port: host.port });
      }
    }
  } catch (error) {
    await lab.close();
    throw error;
  }
  return lab;
}

/**
 * For a describe block whose tests share one lab: starts it before them and closes it after them. Call it
 * in the describe body and read the lab through the returned function inside the tests.
 */
export function sharedPipelineLab(names?: readonly LabName[]): () => PipelineLab {
  let lab: PipelineLab | undefined;
  before(async () => {
    lab = await startPipelineLab(names);
  });
  after(() => lab?.close());
  return () => {
    if (lab === undefined) throw new Error('the pipeline lab is read before its suite started it');
    return lab;
  };
}

function labPorts(lab: PipelineLab) {
  return {
    inventory: new DirectoryInventorySource(LAB_INVENTORY),
    resolver: lab.resolver,
    signals: new FileSignalsSource(LAB_SIGNALS),
  };
}

/** The input every lab run shares; `only` narrows the run to some instances by their Name tag. */
export function labInput(
  runId: string,
  only?: readonly LabName[],
  extra: Partial<CheckInput> = {},
): CheckInput {
  return {
    runId,
    proberSource: PROBER_ENI,
    timeouts: LAB_TIMEOUTS,
    thresholds: { slowIdentMs: LAB_SLOW_IDENT_MS },
    ...(only ? { targets: { tagFilters: [{ key: 'Name', values: [...only] }] } } : {}),
    ...extra,
  };
}

/** runCheck over the lab (its inventory, resolver and signals file, the real prober), `ports` on top. */
export function runLab(lab: PipelineLab, input: CheckInput, ports: Partial<CheckPorts> = {}) {
  return runCheck({ ...labPorts(lab), prober: netProber, ...ports }, input);
}

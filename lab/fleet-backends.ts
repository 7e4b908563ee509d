/**
 * Starts the real peers that answer for the lab fleet's instances and the resolver that sends each
 * instance's VPC address there (DESIGN.md, "Addresses": nothing is ever sent to a 10.x or public address).
 *
 * Each peer gets its own loopback address (127.22.1.x) because the prober serialises probes per host.
 * What this machine cannot run is replaced or left out, and said so: without sshd the zoo stands in for
 * OpenSSH; without root the namespace hosts are missing.
 */
import type { ProbeTarget } from '../lambda/core/probe/types.ts';
import type { TargetResolver } from '../lambda/ports.ts';
import type { Fleet, FleetHost } from './fleet.ts';
import { createNamespaceHost, type NamespaceHost } from './netns.ts';
import { type RunningSshd, startSshd } from './sshd.ts';
import { startZooServer, type ZooKind } from './zoo.ts';

export interface FleetBackendsOptions {
  readonly fleet: Fleet;
  /** Instance id → its VPC address and SSH port (from the inventory). */
  readonly addresses: ReadonlyMap<string, { host: string; port: number }>;
  /** Hosts repaired with `--fix`: they answer as a healthy sshd. */
  readonly fixed: ReadonlySet<string>;
  /** The instance's own host key (OpenSSH private key), the same every run so no host key "changes". */
  readonly hostKey: (instanceId: string) => string;
  /** Why real OpenSSH cannot run here, or undefined. */
  readonly sshdSkip?: string;
  /** Why network namespaces cannot be made here, or undefined. */
  readonly netnsSkip?: string;
}

export interface FleetBackends {
  readonly resolver: TargetResolver;
  /** Not checked this run: their diagnosis needs a namespace host and there is none. */
  readonly leftOut: readonly FleetHost[];
  /** Checked on configuration and signals alone (their namespace host could not be made). */
  readonly configOnly: readonly FleetHost[];
  /** Served by a zoo stand-in instead of real OpenSSH. */
  readonly standIns: readonly FleetHost[];
  /** The namespace hosts serving fleet hosts (their nft counts what reached them: lab/lab-evidence.ts). */
  readonly namespaces: readonly { readonly host: FleetHost; readonly ns: NamespaceHost }[];
  /** Instance id → the namespace host that plays it: where the lab runs the in-host check. */
  readonly hostNamespaces: ReadonlyMap<string, string>;
  /** Stops every peer (sshd processes, zoo servers, namespaces). Idempotent. */
  close(): Promise<void>;
}

class AddressResolver implements TargetResolver {
  readonly routes = new Map<string, ProbeTarget>();
  resolve(t: ProbeTarget): ProbeTarget | undefined {
    return this.routes.get(`${t.host}:${t.port}`);
  }
}

export async function startFleetBackends(opts: FleetBackendsOptions): Promise<FleetBackends> {
  const resolver = new AddressResolver();
  const closers: (() => Promise<void>)[] = [];
  const leftOut: FleetHost[] = [];
  const configOnly: FleetHost[] = [];
  const standIns: FleetHost[] = [];
  const namespaces: { host: FleetHost; ns: NamespaceHost }[] = [];
  const hostNamespaces = new Map<string, string>();
  let nextLoopback = 0;
  const loopback = () => {
    nextLoopback += 1;
    return `127.22.1.${nextLoopback}`;
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.allSettled(closers.map((c) => c()));
  };

  const zoo = async (host: FleetHost, kind: ZooKind, delayMs?: number) => {
    const server = await startZooServer(kind, {
      host: loopback(),
      hostKey: opts.hostKey(host.instanceId),
      ...(delayMs !== undefined ? { delayMs } : {}),
    });
    closers.push(() => server.close());
    return { host: server.host, port: server.port };
  };
  const sshd = async (host: FleetHost, mode: RunningSshd['mode']) => {
    const server = await startSshd({
      mode,
      listenAddress: loopback(),
      hostKey: opts.hostKey(host.instanceId),
    });
    closers.push(() => server.close());
    // MaxStartups 1:100:1 (lab/sshd.ts): one unauthenticated connection held open fills it.
    if (mode === 'maxstartups') await server.holdConnections(1);
    return { host: server.host, port: server.port };
  };

  const start = async (host: FleetHost): Promise<ProbeTarget | undefined> => {
    const b = host.backend;
    if (opts.fixed.has(host.instanceId)) {
      return 'sshd' in b && !opts.sshdSkip ? sshd(host, 'healthy') : zoo(host, 'healthy');
    }
    if ('none' in b) return undefined;
    if ('zoo' in b) return zoo(host, b.zoo, b.delayMs);
    if ('sshd' in b) {
      if (!opts.sshdSkip) return sshd(host, b.sshd);
      standIns.push(host);
      return zoo(host, b.standIn);
    }
    if (opts.netnsSkip) {
      (b.withoutRoot === 'leave-out' ? leftOut : configOnly).push(host);
      return undefined;
    }
    // A listener inside, as on a host whose sshd runs behind its firewall: the in-host check sees it listen.
    const ns = await createNamespaceHost({ policy: b.netns, port: 22, listener: 'ident' });
    closers.push(() => ns.close());
    namespaces.push({ host, ns });
    hostNamespaces.set(host.instanceId, ns.name);
    return { host: ns.hostAddress, port: ns.port };
  };

  try {
    await Promise.all(
      opts.fleet.hosts.map(async (host) => {
        const to = await start(host);
        const from = opts.addresses.get(host.instanceId);
        if (to && from) resolver.routes.set(`${from.host}:${from.port}`, to);
      }),
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { resolver, leftOut, configOnly, standIns, namespaces, hostNamespaces, close };
}

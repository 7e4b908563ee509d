/**
 * The lab's stand-in Network Load Balancer: it health-checks each registered target of the fleet's target
 * groups as an NLB's TCP health check does (a TCP handshake on the health check port, nothing sent), and
 * reports the result in DescribeTargetHealth's shape. Targets are reached through the lab's resolver, like
 * the probe: never at the inventory's 10.x addresses. A target the lab does not serve keeps what the
 * committed file says.
 */
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import {
  type Inventory,
  type InventoryIndex,
  indexInventory,
  type TargetGroup,
  type TargetHealthDescription,
} from '../lambda/core/inventory/model.ts';
import { crossZoneOf } from '../lambda/core/load-balancing/cross-zone.ts';
import { forwardsTo, SSH_LISTENER_PROTOCOLS } from '../lambda/core/load-balancing/listeners.ts';
import { healthCheckPort, loadBalancerNodes } from '../lambda/core/load-balancing/target-groups.ts';
import type { ProbeTarget } from '../lambda/core/probe/types.ts';
import type { TargetResolver } from '../lambda/ports.ts';

/** One health check's deadline (an NLB's default HealthCheckTimeoutSeconds is 10; the lab is local). */
const HEALTH_CHECK_TIMEOUT_MS = 1_000;

/** Whether a TCP handshake with `host:port` completes before the deadline. */
function handshake(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(HEALTH_CHECK_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The inventory with each target group's health as the stand-in NLB's own checks found it. */
export async function standInTargetHealth(
  inventory: Inventory,
  resolver: TargetResolver,
): Promise<Inventory> {
  const lb = inventory.loadBalancing;
  if (!lb) return inventory;
  const addressOf = new Map(inventory.instances.map((i) => [i.InstanceId, i.PrivateIpAddress]));
  const targetHealth = new Map<string, readonly TargetHealthDescription[]>();
  for (const tg of lb.targetGroups) {
    const registered = lb.targetHealth.get(tg.TargetGroupName);
    if (!registered) continue;
    const checked = await Promise.all(
      registered.map(async (d): Promise<TargetHealthDescription> => {
        const address = tg.TargetType === 'ip' ? d.Target.Id : addressOf.get(d.Target.Id);
        const port = healthCheckPort(tg, d.Target.Port ?? tg.Port);
        const to = address && port ? resolver.resolve({ host: address, port }) : undefined;
        if (!to) return d;
        return (await handshake(to.host, to.port))
          ? { ...d, TargetHealth: { State: 'healthy' } }
          : {
              ...d,
              TargetHealth: {
                State: 'unhealthy',
                Reason: 'Target.FailedHealthChecks',
                Description: 'Health checks failed',
              },
            };
      }),
    );
    targetHealth.set(tg.TargetGroupName, checked);
  }
  return { ...inventory, loadBalancing: { ...lb, targetHealth } };
}

/**
 * The stand-in NLB's listeners: one loopback TCP proxy per node (one per zone) of each TCP listener, which
 * hands each accepted connection to a target the way an NLB node chooses one, reached through the lab's
 * resolver (never a 10.x address). `resolve` maps a node's VPC address on the listener port to its proxy,
 * so the prober knocks on the listener exactly as it would in the VPC.
 *
 * How a node chooses (Network Load Balancer guide, "Health checks for Network Load Balancer target
 * groups"): it routes only to healthy targets in its own zone, cross-zone load balancing being off by
 * default for an NLB (the stand-in reads it as port22 does, lambda/core/load-balancing/cross-zone.ts, and
 * takes an unknown setting for that default); with it on, to healthy targets in every zone; "if there is no healthy target in an enabled Availability Zone … we remove the IP
 * address for the corresponding subnet from DNS so that requests cannot be routed to targets in that
 * Availability Zone"; and "if all targets fail health checks at the same time in all enabled Availability
 * Zones, the load balancer fails open … to allow traffic to all targets in all enabled Availability Zones,
 * regardless of their health status". What a node whose zone is out of DNS does with a connection made
 * to its address anyway is not documented; the stand-in resets it ("the load balancer sends a TCP RST"
 * is what the same page says an NLB does to connections it cannot give to a target).
 */
export interface StandInListeners extends TargetResolver {
  close(): Promise<void>;
}

interface RoutableTarget {
  readonly address: string;
  readonly port: number;
  readonly zone?: string;
  readonly healthy: boolean;
}

/** The targets a node in `zone` may give a connection to, by the rules above; [] = reset it. */
export function nodeTargets(
  targets: readonly RoutableTarget[],
  zone: string | undefined,
  crossZone = false,
): RoutableTarget[] {
  if (!targets.some((t) => t.healthy)) return [...targets]; // fail open
  return targets.filter((t) => t.healthy && (crossZone || t.zone === zone || t.zone === 'all'));
}

/** Starts the listeners of `inventory`'s load balancers (with the stand-in's target health). */
export async function startStandInListeners(
  inventory: Inventory,
  resolver: TargetResolver,
): Promise<StandInListeners> {
  const lb = inventory.loadBalancing;
  const servers: Server[] = [];
  const routes = new Map<string, ProbeTarget>();
  const close = async () => {
    await Promise.all(servers.map((s) => new Promise<void>((done) => s.close(() => done()))));
  };
  if (!lb) return { resolve: () => undefined, close };
  const index = indexInventory(inventory);
  try {
    for (const balancer of lb.loadBalancers) {
      const listeners = balancer.LoadBalancerName ? lb.listeners?.get(balancer.LoadBalancerName) : undefined;
      for (const listener of listeners ?? []) {
        if (listener.Port === undefined || !SSH_LISTENER_PROTOCOLS.has(listener.Protocol ?? '')) continue;
        const tg = lb.targetGroups.find((g) => forwardsTo(listener, g.TargetGroupArn));
        if (!tg) continue;
        const targets = routableTargets(index, tg);
        const crossZone = crossZoneOf(index, tg.TargetGroupName, balancer).state === 'on';
        for (const node of loadBalancerNodes(index, balancer)) {
          const server = await proxy(nodeTargets(targets, node.zone, crossZone), resolver);
          servers.push(server);
          const { port } = server.address() as AddressInfo;
          routes.set(`${node.address}:${listener.Port}`, { host: '127.0.0.1', port });
        }
      }
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { resolve: (t) => routes.get(`${t.host}:${t.port}`), close };
}

/** The target group's registered targets with their address, port, zone and the stand-in's health. */
function routableTargets(index: InventoryIndex, tg: TargetGroup): RoutableTarget[] {
  const health = index.inventory.loadBalancing?.targetHealth.get(tg.TargetGroupName) ?? [];
  return health.flatMap((d) => {
    const instance = tg.TargetType === 'ip' ? undefined : index.instances.get(d.Target.Id);
    const address = tg.TargetType === 'ip' ? d.Target.Id : instance?.PrivateIpAddress;
    const port = d.Target.Port ?? tg.Port;
    if (!address || port === undefined) return [];
    const subnet = instance?.SubnetId ? index.subnets.get(instance.SubnetId) : undefined;
    const zone =
      d.Target.AvailabilityZone ?? instance?.Placement?.AvailabilityZone ?? subnet?.AvailabilityZone;
    return [{ address, port, ...(zone ? { zone } : {}), healthy: d.TargetHealth?.State === 'healthy' }];
  });
}

/** A loopback proxy giving each connection to the next of `targets` (round robin), or resetting it. */
async function proxy(targets: readonly RoutableTarget[], resolver: TargetResolver): Promise<Server> {
  let next = 0;
  const server = createServer((client) => {
    client.on('error', () => client.destroy());
    const target = targets[next++ % Math.max(1, targets.length)];
    const to = target ? resolver.resolve({ host: target.address, port: target.port }) : undefined;
    if (!to) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: to.host, port: to.port });
    // A target that refuses or drops the connection: the client's connection ends the same way.
    upstream.on('error', () => client.resetAndDestroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return server;
}

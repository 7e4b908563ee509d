/**
 * The lab's stand-in Network Load Balancer: it health-checks each registered target of the fleet's target
 * groups as an NLB's TCP health check does (a TCP handshake on the health check port, nothing sent), and
 * reports the result in DescribeTargetHealth's shape. Targets are reached through the lab's resolver, like
 * the probe: never at the inventory's 10.x addresses. A target the lab does not serve keeps what the
 * committed file says.
 */
import { connect } from 'node:net';
import type { Inventory, TargetHealthDescription } from '../lambda/core/inventory/model.ts';
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
        const port =
          tg.HealthCheckPort && tg.HealthCheckPort !== 'traffic-port'
            ? Number(tg.HealthCheckPort)
            : (d.Target.Port ?? tg.Port);
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

/**
 * SSH behind a Network Load Balancer (docs/load-balancers.md): the target groups that forward to the
 * instances' SSH port, each an HA group without tags. Its members are the instances registered in it
 * (DescribeTargetHealth is the only call that names them), its minimum the target group's
 * `port22:group-min` tag. Pure: the inventory's elbv2 records in, plain data out.
 */
import type {
  Eni,
  InventoryIndex,
  LoadBalancer,
  TargetGroup,
  TargetHealthDescription,
} from '../inventory/model.ts';
import { parseGroupMin, sshPortOf, TAG, tagValue } from '../inventory/tags.ts';

export interface SshTarget {
  readonly instanceId: string;
  /** The port the load balancer forwards to: the registration's own, else the target group's. */
  readonly port: number;
  /** What DescribeTargetHealth says of it. */
  readonly health: NonNullable<TargetHealthDescription['TargetHealth']>;
  /**
   * Its Availability Zone: the subnet of its instance (an `instance` target) or of the ENI holding its
   * address (an `ip` target); `all` when registered with AvailabilityZone `all`, which every node serves.
   * Absent when the inventory does not say.
   */
  readonly zone?: string;
}

export interface SshTargetGroup {
  /** The target group's name: the HA group's name. */
  readonly name: string;
  readonly arn: string;
  readonly targetGroup: TargetGroup;
  /** The load balancers that forward to it (in the inventory). */
  readonly loadBalancers: readonly LoadBalancer[];
  readonly targets: readonly SshTarget[];
  /** From the target group's `port22:group-min` tag; absent: the configured default. */
  readonly minimum?: number;
}

/**
 * The instance a registration names, and the subnet its traffic arrives in: the id and its primary ENI
 * for `instance` targets; for `ip` targets, the instance whose ENI holds the address (an address outside
 * the VPC's instances is no SSH host port22 checks).
 */
function instanceOfTarget(
  index: InventoryIndex,
  tg: TargetGroup,
  id: string,
): { instanceId: string; subnetId?: string } | undefined {
  if ((tg.TargetType ?? 'instance') === 'instance') {
    const instance = index.instances.get(id);
    if (!instance) return undefined;
    const subnetId = index.primaryEniByInstance.get(id)?.SubnetId ?? instance.SubnetId;
    return { instanceId: id, ...(subnetId ? { subnetId } : {}) };
  }
  if (tg.TargetType !== 'ip') return undefined;
  const holds = (e: Eni) =>
    e.PrivateIpAddress === id || e.PrivateIpAddresses.some((a) => a.PrivateIpAddress === id);
  for (const e of index.enis.values())
    if (e.InstanceId && holds(e))
      return { instanceId: e.InstanceId, ...(e.SubnetId ? { subnetId: e.SubnetId } : {}) };
  return undefined;
}

/**
 * The target groups with at least one instance registered on its SSH port (`port22:port`, else
 * `defaultPort`). A group whose health file is absent has no known members and is left out: without
 * DescribeTargetHealth nothing says which instances it holds.
 */
export function sshTargetGroups(index: InventoryIndex, defaultPort: number): SshTargetGroup[] {
  const lb = index.inventory.loadBalancing;
  if (!lb) return [];
  const balancers = new Map(lb.loadBalancers.map((b) => [b.LoadBalancerArn, b]));
  const out: SshTargetGroup[] = [];
  for (const tg of lb.targetGroups) {
    const health = lb.targetHealth.get(tg.TargetGroupName);
    if (!health) continue;
    const targets: SshTarget[] = [];
    for (const d of health) {
      const found = instanceOfTarget(index, tg, d.Target.Id);
      const port = d.Target.Port ?? tg.Port;
      if (found === undefined || port === undefined) continue;
      const { instanceId, subnetId } = found;
      if (port !== sshPortOf(index.instances.get(instanceId)!, defaultPort)) continue;
      // "all": an address registered for every zone (RegisterTargets, AvailabilityZone).
      const zone =
        d.Target.AvailabilityZone === 'all'
          ? 'all'
          : subnetId !== undefined
            ? index.subnets.get(subnetId)?.AvailabilityZone
            : undefined;
      targets.push({ instanceId, port, health: d.TargetHealth ?? {}, ...(zone ? { zone } : {}) });
    }
    if (targets.length === 0) continue;
    const minimum = parseGroupMin(tagValue(lb.tags.get(tg.TargetGroupArn), TAG.groupMin));
    out.push({
      name: tg.TargetGroupName,
      arn: tg.TargetGroupArn,
      targetGroup: tg,
      loadBalancers: (tg.LoadBalancerArns ?? []).flatMap((a) => balancers.get(a) ?? []),
      targets,
      ...(minimum !== undefined ? { minimum } : {}),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** One node of a load balancer: a private address, in one Availability Zone and subnet. */
export interface LoadBalancerNode {
  readonly address: string;
  /** Absent when neither the load balancer's zones nor the ENI's subnet names it. */
  readonly zone?: string;
  /** The subnet its network interface sits in (its network ACL and route table guard it). */
  readonly subnetId?: string;
}

/**
 * The load balancer's nodes: the private addresses its Availability Zones list (internal NLBs created with
 * them) and those of its network interfaces, which AWS describes as `ELB net/<name>/<id>` ("How do I find
 * the IP addresses of my load balancer", AWS Knowledge Center), each with its zone. An NLB has one node per
 * enabled zone.
 */
export function loadBalancerNodes(index: InventoryIndex, lb: LoadBalancer): LoadBalancerNode[] {
  const zones = lb.AvailabilityZones ?? [];
  const nodes = new Map<string, { zone?: string | undefined; subnetId?: string | undefined }>();
  for (const z of zones)
    for (const a of z.LoadBalancerAddresses ?? [])
      if (a.PrivateIPv4Address) nodes.set(a.PrivateIPv4Address, { zone: z.ZoneName, subnetId: z.SubnetId });
  const suffix = lb.LoadBalancerArn.split(':loadbalancer/')[1];
  for (const n of index.inventory.networkInterfaces) {
    if (suffix === undefined || n.Description !== `ELB ${suffix}` || !n.PrivateIpAddress) continue;
    const known = nodes.get(n.PrivateIpAddress);
    const subnet = n.SubnetId ?? known?.subnetId;
    const zone =
      known?.zone ??
      zones.find((z) => subnet !== undefined && z.SubnetId === subnet)?.ZoneName ??
      (subnet !== undefined ? index.subnets.get(subnet)?.AvailabilityZone : undefined);
    nodes.set(n.PrivateIpAddress, { zone, subnetId: subnet });
  }
  return [...nodes]
    .map(([address, { zone, subnetId }]) => ({
      address,
      ...(zone ? { zone } : {}),
      ...(subnetId ? { subnetId } : {}),
    }))
    .sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }));
}

/** The load balancer's private addresses: where its health checks and its traffic to targets come from. */
export function loadBalancerPrivateAddresses(index: InventoryIndex, lb: LoadBalancer): string[] {
  return loadBalancerNodes(index, lb).map((n) => n.address);
}

/**
 * The load balancer as a network interface with its security groups, for the evaluators: a node's address
 * when one is known (its traffic to targets comes from it), none for the groups' inbound rules alone.
 */
export function balancerEni(lb: LoadBalancer, address?: string): Eni {
  return {
    NetworkInterfaceId: `ELB ${lb.LoadBalancerName ?? lb.LoadBalancerArn}`,
    ...(address !== undefined ? { PrivateIpAddress: address } : {}),
    PrivateIpAddresses: address !== undefined ? [{ PrivateIpAddress: address, Primary: true }] : [],
    Ipv6Addresses: [],
    GroupIds: lb.SecurityGroups ?? [],
  };
}

/**
 * The port an NLB health-checks a target on: HealthCheckPort, or with `traffic-port` (the default) the
 * port the target is registered on.
 */
export function healthCheckPort<P extends number | undefined>(tg: TargetGroup, targetPort: P): number | P {
  const p = tg.HealthCheckPort;
  return p === undefined || p === 'traffic-port' ? targetPort : Number(p);
}

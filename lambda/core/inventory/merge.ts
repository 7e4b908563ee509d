/**
 * One inventory from several collected apart (one per VPC): region-wide records (AWS-managed prefix lists,
 * a security group referenced across a peering) come back in every part, and the model holds each id once.
 */
import type { Inventory, LoadBalancing } from './model.ts';

/** The fields that are lists of records; the maps and the one Region-wide setting are merged apart. */
type ListKey = Exclude<
  keyof Inventory,
  | 'prefixLists'
  | 'transitGatewayRouteTablePropagations'
  | 'transitGatewayStaticRoutes'
  | 'vpcBlockPublicAccessOptions'
  | 'absentFiles'
  | 'loadBalancing'
  | 'vpcDnsAttributes'
>;
type Item<K extends ListKey> = Inventory[K][number];

/** The id each list is keyed by: the same record seen twice is the same resource. */
const ID_OF: { readonly [K in ListKey]: (item: Item<K>) => string } = {
  instances: (i) => i.InstanceId,
  securityGroups: (g) => g.GroupId,
  subnets: (s) => s.SubnetId,
  networkAcls: (a) => a.NetworkAclId,
  routeTables: (r) => r.RouteTableId,
  vpcs: (v) => v.VpcId,
  networkInterfaces: (n) => n.NetworkInterfaceId,
  managedPrefixLists: (m) => m.PrefixListId,
  instanceStatuses: (s) => s.InstanceId,
  internetGateways: (g) => g.InternetGatewayId,
  natGateways: (n) => n.NatGatewayId,
  // An Elastic IP in a VPC has an allocation id; the address itself identifies any other.
  addresses: (a) => a.AllocationId ?? a.PublicIp ?? JSON.stringify(a),
  vpcEndpoints: (e) => e.VpcEndpointId,
  vpcPeeringConnections: (p) => p.VpcPeeringConnectionId,
  transitGateways: (t) => t.TransitGatewayId,
  transitGatewayAttachments: (a) => a.TransitGatewayAttachmentId,
  transitGatewayVpcAttachments: (a) => a.TransitGatewayAttachmentId,
  transitGatewayPeeringAttachments: (a) => a.TransitGatewayAttachmentId,
  transitGatewayRouteTables: (t) => t.TransitGatewayRouteTableId,
  vpcBlockPublicAccessExclusions: (x) => x.ExclusionId,
  networkFirewalls: (f) => f.Firewall.FirewallArn ?? f.Firewall.FirewallId,
  networkFirewallPolicies: (p) => p.FirewallPolicyResponse.FirewallPolicyArn,
  networkFirewallRuleGroups: (g) => g.RuleGroupResponse.RuleGroupArn,
};

function mergeList<K extends ListKey>(parts: readonly Inventory[], key: K): Item<K>[] {
  const idOf = ID_OF[key] as (item: Item<K>) => string;
  const seen = new Set<string>();
  const out: Item<K>[] = [];
  for (const part of parts)
    for (const item of part[key] as readonly Item<K>[]) {
      const id = idOf(item);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(item);
    }
  return out;
}

/**
 * Concatenates the parts in order, keeping the first record of each id: the parts are snapshots of one
 * region taken moments apart, so the copies are the same resource and any of them will do.
 */
export function mergeInventories(parts: readonly Inventory[]): Inventory {
  const options = parts.find((p) => p.vpcBlockPublicAccessOptions)?.vpcBlockPublicAccessOptions;
  // A file absent from one part leaves that part's resources without its data.
  const absentFiles = [...new Set(parts.flatMap((p) => p.absentFiles ?? []))];
  return {
    ...(absentFiles.length > 0 ? { absentFiles } : {}),
    instances: mergeList(parts, 'instances'),
    securityGroups: mergeList(parts, 'securityGroups'),
    subnets: mergeList(parts, 'subnets'),
    networkAcls: mergeList(parts, 'networkAcls'),
    routeTables: mergeList(parts, 'routeTables'),
    vpcs: mergeList(parts, 'vpcs'),
    networkInterfaces: mergeList(parts, 'networkInterfaces'),
    managedPrefixLists: mergeList(parts, 'managedPrefixLists'),
    prefixLists: mergeMap(parts, 'prefixLists'),
    instanceStatuses: mergeList(parts, 'instanceStatuses'),
    internetGateways: mergeList(parts, 'internetGateways'),
    natGateways: mergeList(parts, 'natGateways'),
    addresses: mergeList(parts, 'addresses'),
    vpcEndpoints: mergeList(parts, 'vpcEndpoints'),
    vpcPeeringConnections: mergeList(parts, 'vpcPeeringConnections'),
    transitGateways: mergeList(parts, 'transitGateways'),
    transitGatewayAttachments: mergeList(parts, 'transitGatewayAttachments'),
    transitGatewayVpcAttachments: mergeList(parts, 'transitGatewayVpcAttachments'),
    transitGatewayPeeringAttachments: mergeList(parts, 'transitGatewayPeeringAttachments'),
    transitGatewayRouteTables: mergeList(parts, 'transitGatewayRouteTables'),
    transitGatewayRouteTablePropagations: mergeMap(parts, 'transitGatewayRouteTablePropagations'),
    transitGatewayStaticRoutes: mergeMap(parts, 'transitGatewayStaticRoutes'),
    ...(options ? { vpcBlockPublicAccessOptions: options } : {}),
    vpcBlockPublicAccessExclusions: mergeList(parts, 'vpcBlockPublicAccessExclusions'),
    networkFirewalls: mergeList(parts, 'networkFirewalls'),
    networkFirewallPolicies: mergeList(parts, 'networkFirewallPolicies'),
    networkFirewallRuleGroups: mergeList(parts, 'networkFirewallRuleGroups'),
    ...mergeLoadBalancing(parts),
    ...mergeDnsAttributes(parts),
  };
}

/** Each VPC's attributes from the parts that read them (one part per VPC: they do not overlap). */
function mergeDnsAttributes(parts: readonly Inventory[]): Pick<Inventory, 'vpcDnsAttributes'> {
  const read = parts.flatMap((p) => [...(p.vpcDnsAttributes ?? [])]);
  return read.length === 0 ? {} : { vpcDnsAttributes: new Map(read) };
}

/** Load balancers and target groups by ARN, health and tags by name and ARN: the first part's copy. */
function mergeLoadBalancing(parts: readonly Inventory[]): { loadBalancing?: LoadBalancing } {
  const present = parts.flatMap((p) => (p.loadBalancing ? [p.loadBalancing] : []));
  if (present.length === 0) return {};
  const firstBy = <T>(items: readonly T[], key: (t: T) => string): T[] => [
    ...new Map([...items].reverse().map((t) => [key(t), t])).values(),
  ];
  const firstOf = <V>(maps: readonly ReadonlyMap<string, V>[]): Map<string, V> =>
    new Map([...maps].reverse().flatMap((m) => [...m]));
  return {
    loadBalancing: {
      loadBalancers: firstBy(
        present.flatMap((p) => p.loadBalancers),
        (b) => b.LoadBalancerArn,
      ),
      targetGroups: firstBy(
        present.flatMap((p) => p.targetGroups),
        (g) => g.TargetGroupArn,
      ),
      targetHealth: firstOf(present.map((p) => p.targetHealth)),
      tags: firstOf(present.map((p) => p.tags)),
      listeners: firstOf(present.map((p) => p.listeners ?? new Map())),
      loadBalancerAttributes: firstOf(present.map((p) => p.loadBalancerAttributes ?? new Map())),
      targetGroupAttributes: firstOf(present.map((p) => p.targetGroupAttributes ?? new Map())),
    },
  };
}

type MapKey = 'prefixLists' | 'transitGatewayRouteTablePropagations' | 'transitGatewayStaticRoutes';

/** The first part's entry for each key (prefix lists and TGW route tables are Region-wide). */
function mergeMap<K extends MapKey>(parts: readonly Inventory[], key: K): Inventory[K] {
  const out = new Map<string, unknown>();
  for (const p of parts) for (const [id, v] of p[key]) if (!out.has(id)) out.set(id, v);
  return out as unknown as Inventory[K];
}

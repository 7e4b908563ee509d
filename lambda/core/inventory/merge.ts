/**
 * One inventory from several collected apart (one per VPC): region-wide records (AWS-managed prefix lists,
 * a security group referenced across a peering) come back in every part, and the model holds each id once.
 */
import type { Inventory, PrefixListEntry } from './model.ts';

type ListKey = Exclude<keyof Inventory, 'prefixLists' | 'absentFiles'>;
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
  const prefixLists = new Map<string, readonly PrefixListEntry[]>();
  for (const p of parts)
    for (const [id, entries] of p.prefixLists) if (!prefixLists.has(id)) prefixLists.set(id, entries);
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
    prefixLists,
    instanceStatuses: mergeList(parts, 'instanceStatuses'),
  };
}

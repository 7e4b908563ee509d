/**
 * The configuration on one instance's SSH path, taken from the inventory model: the security groups of its
 * primary ENI, its subnet's network ACL and route table, and — when the prober (or another source) is an ENI
 * of the inventory — that side's groups, ACL and route table too. This is what state remembers at the last
 * healthy check, so a later failure can name what changed since (path-config.ts diffs two snapshots).
 */
import type { InventoryIndex, NetworkAcl, RouteTable, SecurityGroup } from '../inventory/model.ts';
import { type PathSnapshot, snapshotPathConfig } from './path-config.ts';

function eniFor(index: InventoryIndex, spec: string | undefined) {
  if (spec === undefined) return undefined;
  if (spec.startsWith('i-')) return index.primaryEniByInstance.get(spec);
  if (spec.startsWith('eni-')) return index.enis.get(spec);
  return undefined;
}

/**
 * The snapshot of `instanceId`'s path, or undefined when the instance is not in the inventory.
 * `sourceSpec` adds the source side when it names an ENI or instance (`eni-…`, `i-…`).
 */
export function snapshotPath(
  index: InventoryIndex,
  instanceId: string,
  sourceSpec?: string,
): PathSnapshot | undefined {
  const target = index.primaryEniByInstance.get(instanceId);
  if (target === undefined) return undefined;
  const ends = [target, eniFor(index, sourceSpec)].filter((e) => e !== undefined);

  const groups = new Map<string, SecurityGroup>();
  const acls = new Map<string, NetworkAcl>();
  const routeTables = new Map<string, RouteTable>();
  for (const eni of ends) {
    for (const id of eni.GroupIds) {
      const sg = index.securityGroups.get(id);
      if (sg) groups.set(id, sg);
    }
    if (eni.SubnetId === undefined) continue;
    const acl = index.networkAclForSubnet(eni.SubnetId);
    if (acl) acls.set(acl.NetworkAclId, acl);
    const rtb = index.routeTableForSubnet(eni.SubnetId);
    if (rtb) routeTables.set(rtb.RouteTableId, rtb);
  }
  return snapshotPathConfig({
    securityGroups: [...groups.values()],
    networkAcls: [...acls.values()],
    routeTables: [...routeTables.values()],
  });
}

/** A remembered snapshot read back from state (opaque JSON there): accepted only in the expected shape. */
export function asPathSnapshot(value: unknown): PathSnapshot | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const resources = (value as { resources?: unknown }).resources;
  if (resources === null || typeof resources !== 'object') return undefined;
  for (const lines of Object.values(resources as Record<string, unknown>)) {
    if (!Array.isArray(lines) || lines.some((l) => typeof l !== 'string')) return undefined;
  }
  return value as PathSnapshot;
}

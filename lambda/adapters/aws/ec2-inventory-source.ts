/**
 * InventorySource over the live EC2 API. With several VPCs, each is collected on its own, so one VPC whose
 * calls fail (a throttled page past its retries, a missing permission) costs only that VPC; the run goes on
 * with the others and names the failure. Region-wide data (prefix lists) is merged by id.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Inventory } from '../../core/inventory/model.ts';
import type { InventorySource } from '../../ports.ts';
import { collectInventory } from './ec2-inventory.ts';

export interface Ec2InventorySourceProps {
  /** @default the collector's adaptive-retry client */
  readonly client?: EC2Client;
  /** @default every VPC in the region, in one collection */
  readonly vpcIds?: readonly string[];
}

export class Ec2InventorySource implements InventorySource {
  constructor(private readonly props: Ec2InventorySourceProps = {}) {}

  async load(): Promise<{ inventory: Inventory; errors: string[] }> {
    const client = this.props.client ? { client: this.props.client } : {};
    const vpcIds = this.props.vpcIds ?? [];
    if (vpcIds.length <= 1) {
      return {
        inventory: await collectInventory({ ...client, ...(vpcIds.length ? { vpcIds } : {}) }),
        errors: [],
      };
    }
    const settled = await Promise.allSettled(
      vpcIds.map((id) => collectInventory({ ...client, vpcIds: [id] })),
    );
    const errors: string[] = [];
    const parts: Inventory[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') parts.push(s.value);
      else errors.push(`${vpcIds[i]}: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`);
    });
    if (parts.length === 0) throw new Error(`no VPC could be read: ${errors.join('; ')}`);
    return { inventory: mergeInventories(parts), errors };
  }
}

/** Concatenates inventories, keeping the first record of each id (shared, region-wide records repeat). */
export function mergeInventories(parts: readonly Inventory[]): Inventory {
  const unique = <T>(items: T[], id: (t: T) => string): T[] => {
    const seen = new Set<string>();
    return items.filter((t) => {
      const key = id(t);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  };
  const all = <K extends keyof Inventory>(k: K) => parts.flatMap((p) => [...(p[k] as readonly unknown[])]);
  const prefixLists = new Map<
    string,
    Inventory['prefixLists'] extends ReadonlyMap<string, infer V> ? V : never
  >();
  for (const p of parts)
    for (const [id, entries] of p.prefixLists) if (!prefixLists.has(id)) prefixLists.set(id, entries);
  return {
    instances: unique(all('instances') as Inventory['instances'][number][], (i) => i.InstanceId),
    securityGroups: unique(all('securityGroups') as Inventory['securityGroups'][number][], (g) => g.GroupId),
    subnets: unique(all('subnets') as Inventory['subnets'][number][], (s) => s.SubnetId),
    networkAcls: unique(all('networkAcls') as Inventory['networkAcls'][number][], (a) => a.NetworkAclId),
    routeTables: unique(all('routeTables') as Inventory['routeTables'][number][], (r) => r.RouteTableId),
    vpcs: unique(all('vpcs') as Inventory['vpcs'][number][], (v) => v.VpcId),
    networkInterfaces: unique(
      all('networkInterfaces') as Inventory['networkInterfaces'][number][],
      (n) => n.NetworkInterfaceId,
    ),
    managedPrefixLists: unique(
      all('managedPrefixLists') as Inventory['managedPrefixLists'][number][],
      (m) => m.PrefixListId,
    ),
    prefixLists,
    instanceStatuses: unique(
      all('instanceStatuses') as Inventory['instanceStatuses'][number][],
      (s) => s.InstanceId,
    ),
  };
}

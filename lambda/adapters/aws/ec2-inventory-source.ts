/**
 * InventorySource over the live EC2 API. With several VPCs, each is collected on its own, so one VPC whose
 * calls fail (a throttled page past its retries, a missing permission) costs only that VPC; the run goes on
 * with the others and names the failure. The parts are merged by id (core/inventory/merge.ts).
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { mergeInventories } from '../../core/inventory/merge.ts';
import type { Inventory } from '../../core/inventory/model.ts';
import type { InventorySource } from '../../ports.ts';
import { collectInventory } from './ec2-inventory.ts';

export interface Ec2InventorySourceProps {
  /** @default the collector's adaptive-retry client */
  readonly client?: EC2Client;
  /** @default the collector's adaptive-retry client, in the EC2 client's Region */
  readonly networkFirewallClient?: NetworkFirewallClient;
  /** Reads the load balancers with it (docs/load-balancers.md). @default none: no load balancers */
  readonly elbv2Client?: ElasticLoadBalancingV2Client;
  /** @default every VPC in the region, in one collection */
  readonly vpcIds?: readonly string[];
  /** Ends the collection, every call and retry of it, when it aborts (the run's deadline). @default none */
  readonly signal?: AbortSignal;
}

export class Ec2InventorySource implements InventorySource {
  constructor(private readonly props: Ec2InventorySourceProps = {}) {}

  async load(): Promise<{ inventory: Inventory; errors: string[] }> {
    const collect = {
      ...(this.props.client ? { client: this.props.client } : {}),
      ...(this.props.networkFirewallClient
        ? { networkFirewallClient: this.props.networkFirewallClient }
        : {}),
      ...(this.props.elbv2Client ? { elbv2Client: this.props.elbv2Client } : {}),
      ...(this.props.signal ? { signal: this.props.signal } : {}),
    };
    const vpcIds = this.props.vpcIds ?? [];
    const errors: string[] = [];
    const partial = { onPartialFailure: (line: string) => errors.push(line) };
    if (vpcIds.length <= 1) {
      return {
        inventory: await collectInventory({ ...collect, ...partial, ...(vpcIds.length ? { vpcIds } : {}) }),
        errors,
      };
    }
    const settled = await Promise.allSettled(
      vpcIds.map((id) => collectInventory({ ...collect, ...partial, vpcIds: [id] })),
    );
    const parts: Inventory[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') parts.push(s.value);
      else errors.push(`${vpcIds[i]}: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`);
    });
    if (parts.length === 0) throw new Error(`no VPC could be read: ${errors.join('; ')}`);
    return { inventory: mergeInventories(parts), errors };
  }
}

/**
 * Which instances a run checks, on which port, and what it expects there (DESIGN.md, "Tags and config"):
 * `port22:monitor` (`true`/`false`, else the configured default), the configured tag filters, `port22:port`
 * (a non-22 sshd), `port22:expect` (`closed` for port knocking or hosts shut on purpose).
 */
import type { Instance, InventoryIndex } from '../inventory/model.ts';
import {
  DEFAULT_SSH_PORT,
  type Expectation,
  type Port22Tags,
  parsePort22Tags,
  tagRecord,
} from '../inventory/tags.ts';

export interface TagFilter {
  readonly key: string;
  readonly values: readonly string[];
}

export interface TargetSelection {
  /** Instances without a `port22:monitor` tag are checked. @default true */
  readonly monitorByDefault?: boolean;
  /** Every filter must match (one of its values), as in `aws ec2 describe-instances --filters`. @default none */
  readonly tagFilters?: readonly TagFilter[];
  /** The SSH port when no `port22:port` tag names one. @default 22 */
  readonly port?: number;
}

export interface SelectedTarget {
  readonly instanceId: string;
  readonly name?: string;
  /** Every tag, `Key → Value` (the alert policy reads `port22:group`, `port22:snooze-until`…). */
  readonly tags: Readonly<Record<string, string>>;
  /** The address the prober uses from inside the VPC: the primary private IPv4, else the first IPv6. */
  readonly address?: string;
  readonly port: number;
  readonly expect: Expectation;
  readonly instance: Instance;
  readonly subnetId?: string;
  readonly vpcId?: string;
  readonly securityGroupIds: readonly string[];
}

function monitored(
  tags: Port22Tags,
  all: Readonly<Record<string, string>>,
  selection: TargetSelection,
): boolean {
  if (!(tags.monitor ?? selection.monitorByDefault ?? true)) return false;
  return (selection.tagFilters ?? []).every((f) => {
    const value = all[f.key];
    return value !== undefined && f.values.includes(value);
  });
}

/**
 * The monitored instances in inventory order. Terminated instances are gone and never selected. Takes the
 * index the run already built (its primary ENIs), rather than indexing the inventory again.
 */
export function selectTargets(index: InventoryIndex, selection: TargetSelection = {}): SelectedTarget[] {
  const out: SelectedTarget[] = [];
  for (const instance of index.inventory.instances) {
    if (instance.State?.Name === 'terminated') continue;
    const tags = tagRecord(instance.Tags);
    const parsed = parsePort22Tags(tags);
    if (!monitored(parsed, tags, selection)) continue;
    const eni = index.primaryEniByInstance.get(instance.InstanceId);
    const name = tags.Name;
    const address = eni?.PrivateIpAddress ?? instance.PrivateIpAddress ?? eni?.Ipv6Addresses[0];
    const subnetId = eni?.SubnetId ?? instance.SubnetId;
    const vpcId = eni?.VpcId ?? instance.VpcId;
    out.push({
      instanceId: instance.InstanceId,
      ...(name ? { name } : {}),
      tags,
      ...(address ? { address } : {}),
      port: parsed.port ?? selection.port ?? DEFAULT_SSH_PORT,
      expect: parsed.expect,
      instance,
      ...(subnetId ? { subnetId } : {}),
      ...(vpcId ? { vpcId } : {}),
      securityGroupIds: eni?.GroupIds ?? (instance.SecurityGroups ?? []).map((g) => g.GroupId),
    });
  }
  return out;
}

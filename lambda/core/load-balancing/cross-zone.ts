/**
 * Cross-zone load balancing, and what it means for each node of a Network Load Balancer
 * (docs/load-balancers.md, "Cross-zone load balancing"). AWS, "Cross-zone load balancing for target
 * groups" (Network Load Balancer guide):
 *
 * - "When cross-zone load balancing is off, each load balancer node distributes traffic across only the
 *   registered targets in its Availability Zone."
 * - "With Network Load Balancers, cross-zone load balancing is off by default at the load balancer level
 *   … For target groups, the default is to use the load balancer setting, but you can override the default
 *   by explicitly turning cross-zone load balancing on or off at the target group level."
 * - "The target group setting determines the load balancing behavior for the target group."
 *
 * Both are the attribute `load_balancing.cross_zone.enabled`: `true` or `false` on the load balancer;
 * `true`, `false` or `use_load_balancer_configuration` on the target group. An attribute port22 did not
 * read is unknown, never the default.
 */
import type { InventoryIndex, LoadBalancer } from '../inventory/model.ts';
import { loadBalancerNodes, type SshTargetGroup } from './target-groups.ts';

/** The attribute's key, the same on a load balancer and a target group. */
const CROSS_ZONE_ATTRIBUTE = 'load_balancing.cross_zone.enabled';
/** The target group value that defers to the load balancer (also its default). */
const USE_LOAD_BALANCER = 'use_load_balancer_configuration';

/** Whether a node may send to targets in other zones, and which attribute said so. */
export type CrossZone =
  | { readonly state: 'on' | 'off'; readonly decidedBy: 'target group attribute' | 'load balancer attribute' }
  | { readonly state: 'unknown'; readonly why: string };

function asBoolean(value: string): 'on' | 'off' | undefined {
  return value === 'true' ? 'on' : value === 'false' ? 'off' : undefined;
}

/** The target group's cross-zone setting behind `lb`: its own attribute, else the load balancer's. */
export function crossZoneOf(index: InventoryIndex, targetGroupName: string, lb: LoadBalancer): CrossZone {
  const lbs = index.inventory.loadBalancing;
  const tgAttributes = lbs?.targetGroupAttributes?.get(targetGroupName);
  if (!tgAttributes)
    return { state: 'unknown', why: `no elbv2-describe-target-group-attributes/${targetGroupName}.json` };
  // A target group read before the 2022 attribute existed has no key: it uses the load balancer's.
  const tgValue = tgAttributes.get(CROSS_ZONE_ATTRIBUTE) ?? USE_LOAD_BALANCER;
  const tgState = asBoolean(tgValue);
  if (tgState) return { state: tgState, decidedBy: 'target group attribute' };
  if (tgValue !== USE_LOAD_BALANCER)
    return {
      state: 'unknown',
      why: `target group ${targetGroupName}'s ${CROSS_ZONE_ATTRIBUTE} is ${tgValue}`,
    };
  const name = lb.LoadBalancerName ?? lb.LoadBalancerArn;
  const lbValue = lbs?.loadBalancerAttributes?.get(name)?.get(CROSS_ZONE_ATTRIBUTE);
  if (lbValue === undefined)
    return lbs?.loadBalancerAttributes?.has(name)
      ? {
          state: 'unknown',
          why: `no ${CROSS_ZONE_ATTRIBUTE} in elbv2-describe-load-balancer-attributes/${name}.json`,
        }
      : { state: 'unknown', why: `no elbv2-describe-load-balancer-attributes/${name}.json` };
  const lbState = asBoolean(lbValue);
  return lbState
    ? { state: lbState, decidedBy: 'load balancer attribute' }
    : { state: 'unknown', why: `${name}'s ${CROSS_ZONE_ATTRIBUTE} is ${lbValue}` };
}

/** One enabled zone of a load balancer: its node(s), and the group's targets it can send to. */
export interface ZoneTargets {
  readonly zone: string;
  /** The node's private address(es) in this zone. */
  readonly nodes: readonly string[];
  /** The group's targets in this zone (those registered for `all` zones included). */
  readonly targets: number;
  /** Of those, healthy at the NLB's health check: the ones a node without cross-zone routes to. */
  readonly healthyTargets: number;
}

/** The `check --json` `groups[].crossZone[]` entry: one per load balancer of the group. */
export interface CrossZoneReport {
  readonly loadBalancer: string;
  readonly state: CrossZone['state'];
  readonly decidedBy?: 'target group attribute' | 'load balancer attribute';
  /** Why it is unknown (the file not read). */
  readonly why?: string;
  readonly zones: readonly ZoneTargets[];
}

export function crossZoneReport(
  index: InventoryIndex,
  group: SshTargetGroup,
  lb: LoadBalancer,
): CrossZoneReport {
  const setting = crossZoneOf(index, group.name, lb);
  const nodes = loadBalancerNodes(index, lb);
  const zoneNames = new Set<string>();
  for (const z of lb.AvailabilityZones ?? []) if (z.ZoneName) zoneNames.add(z.ZoneName);
  for (const n of nodes) if (n.zone) zoneNames.add(n.zone);
  const zones = [...zoneNames].sort().map((zone): ZoneTargets => {
    const inZone = group.targets.filter((t) => t.zone === zone || t.zone === 'all');
    return {
      zone,
      nodes: nodes.filter((n) => n.zone === zone).map((n) => n.address),
      targets: inZone.length,
      healthyTargets: inZone.filter((t) => t.health.State === 'healthy').length,
    };
  });
  return {
    loadBalancer: lb.LoadBalancerName ?? lb.LoadBalancerArn,
    state: setting.state,
    ...('decidedBy' in setting ? { decidedBy: setting.decidedBy } : { why: setting.why }),
    zones,
  };
}

/**
 * Why a zone's node has nothing to forward to, or `undefined` when it has: no healthy target in the zone
 * while another zone has one, and cross-zone off or unknown. With no healthy target anywhere the NLB fails
 * open ("the effect of the fail-open is to allow traffic to all targets in all enabled Availability
 * Zones, regardless of their health status", "Health checks for Network Load Balancer target groups"), so
 * the zone is not the cause; the members' clause already says they all fail.
 */
export function zoneGap(report: CrossZoneReport, zone: string | undefined): string | undefined {
  if (report.state === 'on' || zone === undefined) return undefined;
  const here = report.zones.find((z) => z.zone === zone);
  if (!here || here.healthyTargets > 0) return undefined;
  if (!report.zones.some((z) => z.healthyTargets > 0)) return undefined;
  const none = here.targets === 0 ? `no target in ${zone}` : `no healthy target in ${zone}`;
  return report.state === 'off'
    ? `${none} and cross-zone load balancing is off (${report.decidedBy})`
    : `${none}, cross-zone unknown (${report.why})`;
}

/** A node's zone in words: "0 of 2 targets healthy in eu-west-1b, cross-zone off (target group attribute)". */
export function zoneWords(report: CrossZoneReport, zone: string | undefined): string | undefined {
  const here = zone === undefined ? undefined : report.zones.find((z) => z.zone === zone);
  if (!here) return undefined;
  const setting =
    report.state === 'unknown' ? 'cross-zone unknown' : `cross-zone ${report.state} (${report.decidedBy})`;
  return `${here.healthyTargets} of ${here.targets} targets healthy in ${here.zone}, ${setting}`;
}

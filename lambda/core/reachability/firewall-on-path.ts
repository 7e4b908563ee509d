/**
 * AWS Network Firewall on an SSH path. A firewall is reached through its endpoint (`vpce-…`, one per
 * Availability Zone in DescribeFirewall's `SyncStates`), which route tables name as a route target
 * (`GatewayId` or `VpcEndpointId`): the source subnet's route toward the instance, the instance subnet's
 * route back to the source, or — for internet clients — the internet gateway's edge route table
 * (ingress routing) toward the instance's subnet. Network Firewall needs both directions of a flow
 * (symmetric routing), so a firewall crossed on either leg judges the whole connection once.
 *
 * Its verdict (network-firewall-evaluator.ts) becomes NETWORK_FIREWALL_DROP / NETWORK_FIREWALL_REJECT
 * blockers naming the deciding rule, missing data when the policy or a rule group is absent, and an
 * assumption for each rule that could not be read exactly.
 */
import type {
  NetworkFirewallDescription,
  NetworkFirewallPolicyDescription,
  NetworkFirewallRuleGroupDescription,
  RouteTable,
} from '../inventory/model.ts';
import { AddressSet, parseAddress } from '../net/cidr.ts';
import type { PortRange } from '../net/port-range.ts';
import {
  type AnalysisContext,
  describeAddresses,
  type EvaluatorVerdict,
  type Peer,
  verdictOf,
} from './evaluation.ts';
import { firewallEndpoints } from './firewall-endpoints.ts';
import { edgeRouteTables } from './internet-gateway-ingress.ts';
import {
  evaluateNetworkFirewall,
  type FirewallConfig,
  type FirewallOutcome,
  firewallName,
} from './network-firewall-evaluator.ts';
import { lookupRoutes } from './route-evaluator.ts';
import type { Assumption, Blocker, MissingData } from './types.ts';

function configOf(ctx: AnalysisContext, fw: NetworkFirewallDescription): FirewallConfig {
  return ctx.memo.remember('firewall-config', [fw], () => {
    const inv = ctx.index.inventory;
    const policy: NetworkFirewallPolicyDescription | undefined = inv.networkFirewallPolicies.find(
      (p) => p.FirewallPolicyResponse.FirewallPolicyArn === fw.Firewall.FirewallPolicyArn,
    );
    const ruleGroups = new Map<string, NetworkFirewallRuleGroupDescription>(
      inv.networkFirewallRuleGroups.map((g) => [g.RuleGroupResponse.RuleGroupArn, g]),
    );
    return { firewall: fw, policy, ruleGroups };
  });
}

/** The firewalls whose endpoints a route table sends `dest` through (with the addresses that go there). */
function crossed(
  ctx: AnalysisContext,
  rtb: RouteTable | undefined,
  dest: AddressSet,
): { fw: NetworkFirewallDescription; endpoint: string; addresses: AddressSet }[] {
  if (!rtb || dest.isEmpty) return [];
  const endpoints = firewallEndpoints(ctx);
  if (endpoints.size === 0) return [];
  const out: { fw: NetworkFirewallDescription; endpoint: string; addresses: AddressSet }[] = [];
  for (const leg of lookupRoutes(ctx, rtb, dest)) {
    const id = leg.route?.target.id;
    const fw = id && !leg.route?.blackhole ? endpoints.get(id) : undefined;
    if (fw && id) out.push({ fw, endpoint: id, addresses: leg.addresses });
  }
  return out;
}

export interface FirewallPathQuestion {
  /** The source as the target sees it. */
  readonly source: Peer;
  /** The source's subnet, when the source has one in the inventory. */
  readonly sourceSubnetId?: string;
  /** The instance's subnet and VPC. */
  readonly targetSubnetId: string;
  readonly targetVpcId?: string;
  /** The instance's address as the firewall sees it (private, or IPv6: never the public IPv4). */
  readonly targetAddress: string;
  /** The internet path arrives through the VPC's internet gateway (and its edge route table). */
  readonly viaInternetGateway: boolean;
  readonly port: number;
  readonly ephemeral: PortRange;
}

const NONE: EvaluatorVerdict = { passed: true, blockers: [], evidence: [] };

/** Every Network Firewall the SSH path crosses, and what each does to the connection. */
export function firewallOnPath(ctx: AnalysisContext, q: FirewallPathQuestion): EvaluatorVerdict {
  if (ctx.index.inventory.networkFirewalls.length === 0) return NONE;
  const target = parseAddress(q.targetAddress);
  if (!target || target.family !== q.source.family) return NONE;
  const targetSet = AddressSet.single(target);
  const found = new Map<NetworkFirewallDescription, { endpoint: string; sources: AddressSet }>();
  const add = (hits: ReturnType<typeof crossed>, sourcesOf: (a: AddressSet) => AddressSet) => {
    for (const h of hits) {
      const prev = found.get(h.fw);
      const sources = sourcesOf(h.addresses);
      found.set(h.fw, {
        endpoint: prev?.endpoint ?? h.endpoint,
        sources: prev ? prev.sources.union(sources) : sources,
      });
    }
  };
  // The SYN leaving the source subnet, and, from the internet, entering through the gateway's edge table.
  if (q.sourceSubnetId) {
    add(crossed(ctx, ctx.index.routeTableForSubnet(q.sourceSubnetId), targetSet), () => q.source.addresses);
  }
  if (q.viaInternetGateway) {
    for (const rtb of edgeRouteTables(ctx, q.targetVpcId))
      add(crossed(ctx, rtb, targetSet), () => q.source.addresses);
  }
  // The reply leaving the instance's subnet: only the sources whose replies take the firewall route.
  add(crossed(ctx, ctx.index.routeTableForSubnet(q.targetSubnetId), q.source.addresses), (a) => a);
  if (found.size === 0) return NONE;

  const blockers: Blocker[] = [];
  const evidence: string[] = [];
  const missing: MissingData[] = [];
  const assumed: Assumption[] = [];
  for (const [fw, { endpoint, sources }] of found) {
    const name = firewallName(fw);
    const v = evaluateNetworkFirewall(configOf(ctx, fw), {
      family: q.source.family,
      sources,
      sourcePorts: [q.ephemeral.from, q.ephemeral.to],
      destination: target.value,
      port: q.port,
    });
    if (v.missing) {
      const policyFile = v.missing.startsWith('firewall policy')
        ? `network-firewall/policies/${v.missing.split('/').pop()}.json`
        : `network-firewall/rule-groups/${v.missing.split('/').pop()}.json`;
      missing.push({
        kind: 'network-firewall',
        resourceId: name,
        file: policyFile,
        detail: `firewall ${name} (endpoint ${endpoint}) is on the path, but its ${v.missing} is not in the inventory: what it does to TCP ${q.port} is unknown`,
      });
      continue;
    }
    for (const a of v.assumptions)
      assumed.push({ kind: 'network-firewall-rule', resourceId: name, detail: a.detail, rule: a.rule });
    for (const o of v.outcomes) {
      const part = describePart(o, sources, q);
      if (o.action === 'pass') {
        const by = o.decidedBy ? `${o.decidedBy.ruleGroup} ${o.decidedBy.rule}` : 'no stateful rule matches';
        evidence.push(`firewall ${name} (endpoint ${endpoint}) passes TCP ${q.port} from ${part}: ${by}`);
        continue;
      }
      blockers.push(firewallBlocker(name, endpoint, o, part, q));
    }
  }
  return verdictOf(blockers, evidence, missing, assumed);
}

function describePart(o: FirewallOutcome, all: AddressSet, q: FirewallPathQuestion): string {
  const who = o.sources.covers(all) ? q.source.label : describeAddresses(o.sources);
  const ports = o.sourcePorts.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ');
  const allPorts = ports === `${q.ephemeral.from}-${q.ephemeral.to}`;
  return allPorts ? who : `${who} (client ports ${ports})`;
}

function firewallBlocker(
  name: string,
  endpoint: string,
  o: FirewallOutcome,
  part: string,
  q: FirewallPathQuestion,
): Blocker {
  const rule = o.decidedBy!;
  const where = rule.arn.includes(':firewall-policy/')
    ? `policy ${rule.ruleGroup} ${rule.rule}`
    : `rule group ${rule.ruleGroup} ${rule.rule}`;
  // DROP is silent (the client's SYN times out); REJECT sends a TCP reset back to the sender ("Stateful
  // rule actions"); aws:drop_established lets the handshake complete and drops what follows.
  const effect =
    o.action === 'reject'
      ? 'rejects it with a TCP reset (the client sees the connection refused or reset)'
      : o.afterHandshake
        ? 'lets the TCP handshake through and drops the connection once established (the client connects, then waits for the SSH banner until it times out)'
        : 'drops it silently (the client times out)';
  return {
    code: o.action === 'reject' ? 'NETWORK_FIREWALL_REJECT' : 'NETWORK_FIREWALL_DROP',
    resourceId: name,
    detail: `Network Firewall ${name} (endpoint ${endpoint}) ${where} ${effect}: TCP ${q.port} from ${part} to ${q.targetAddress}`,
    firewallRule: rule,
  };
}

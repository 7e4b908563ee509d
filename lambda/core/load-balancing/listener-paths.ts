/**
 * The prober's static path to each node of an NLB's listener (docs/load-balancers.md, "The prober's path to
 * the listener"): the same evaluators as an instance's path from the prober (reachability/analyze.ts), with
 * the node as the far end. A node is a network interface of the load balancer in one subnet per zone
 * (`ELB net/<name>/<id>` in describe-network-interfaces.json), so the path is:
 *
 * - the prober's route table carrying the SYN to the node's address, and the node subnet's route table
 *   carrying the reply back;
 * - the network ACLs of both subnets, both directions (only where the path crosses a subnet boundary: a
 *   network ACL filters only traffic that crosses it);
 * - the prober's own security groups' outbound rules for the node's address on the listener port.
 *
 * The load balancer's own groups for clients are judged in listener-security-groups.ts, not here.
 */
import type { LoadBalancer } from '../inventory/model.ts';
import { AddressSet, parseAddress } from '../net/cidr.ts';
import { DEFAULT_EPHEMERAL, type PortRange } from '../net/port-range.ts';
import { vpcIdOf } from '../reachability/analyze.ts';
import type { AnalysisContext, EvaluatorVerdict, Peer } from '../reachability/evaluation.ts';
import { evaluateNetworkAcl } from '../reachability/network-acl-evaluator.ts';
import { evaluateRoutes } from '../reachability/route-evaluator.ts';
import { evaluateSecurityGroups } from '../reachability/security-group-evaluator.ts';
import type { Blocker, MissingData } from '../reachability/types.ts';
import { resolveClient } from './client-peer.ts';
import { balancerEni, type LoadBalancerNode } from './target-groups.ts';

/** The path's verdict: its hard blockers (none: open, or unknown where data is missing). */
export interface NodePath {
  readonly blockers: readonly Blocker[];
  readonly missing: readonly MissingData[];
}

/**
 * The prober (`proberSpec`, an instance, ENI or CIDR) to `node` on `port`; `undefined` when it cannot be
 * judged: the prober names nothing in the inventory or is the internet, or the node's address or subnet
 * is not known.
 */
export function proberPathToNode(
  ctx: AnalysisContext,
  proberSpec: string,
  lb: LoadBalancer,
  node: LoadBalancerNode,
  port: number,
  ephemeral: PortRange = DEFAULT_EPHEMERAL,
): NodePath | undefined {
  const prober = resolveClient(ctx, proberSpec, (base) => `the prober ${base}`);
  const nodeAddress = parseAddress(node.address);
  if (prober === undefined || prober === 'internet' || !nodeAddress || node.subnetId === undefined)
    return undefined;
  const { source, peer: proberPeer } = prober;
  const nodeSubnet = node.subnetId;
  const name = lb.LoadBalancerName ?? lb.LoadBalancerArn;
  const nodePeer: Peer = {
    family: nodeAddress.family,
    addresses: AddressSet.single(nodeAddress),
    label: `the NLB ${name}'s node ${node.address}`,
    eni: { ...balancerEni(lb, node.address), SubnetId: nodeSubnet },
  };
  const proberSubnet = source.kind === 'eni' ? source.eni.SubnetId : source.subnet?.SubnetId;
  const proberVpc = source.kind === 'eni' ? vpcIdOf(ctx, source.eni) : source.subnet?.VpcId;
  const legs: EvaluatorVerdict[] = [];
  // A network ACL and a subnet's route table see only traffic that crosses the subnet boundary.
  if (proberSubnet !== nodeSubnet) {
    if (proberSubnet !== undefined) {
      legs.push(
        evaluateRoutes(ctx, {
          leg: 'forward',
          routeTable: ctx.index.routeTableForSubnet(proberSubnet),
          subnetId: proberSubnet,
          destination: nodePeer,
          ...(lb.VpcId ? { destinationVpcId: lb.VpcId } : {}),
          destinationSubnetId: nodeSubnet,
          path: 'private',
        }),
      );
      for (const leg of ['source-outbound', 'source-inbound'] as const)
        legs.push(
          evaluateNetworkAcl(ctx, {
            leg,
            acl: ctx.index.networkAclForSubnet(proberSubnet),
            subnetId: proberSubnet,
            peer: nodePeer,
            port,
            ephemeral,
          }),
        );
    }
    legs.push(
      evaluateRoutes(ctx, {
        leg: 'return',
        routeTable: ctx.index.routeTableForSubnet(nodeSubnet),
        subnetId: nodeSubnet,
        destination: proberPeer,
        ...(proberVpc ? { destinationVpcId: proberVpc } : {}),
        ...(proberSubnet ? { destinationSubnetId: proberSubnet } : {}),
        path: 'private',
      }),
    );
    for (const leg of ['target-inbound', 'target-outbound'] as const)
      legs.push(
        evaluateNetworkAcl(ctx, {
          leg,
          acl: ctx.index.networkAclForSubnet(nodeSubnet),
          subnetId: nodeSubnet,
          peer: proberPeer,
          port,
          ephemeral,
        }),
      );
  }
  if (source.kind === 'eni')
    legs.push(evaluateSecurityGroups(ctx, { eni: source.eni, direction: 'outbound', peer: nodePeer, port }));
  return {
    // A reply port range only partly allowed is a warning on instance paths too, not a block.
    blockers: legs.flatMap((l) => l.blockers.filter((b) => b.code !== 'NACL_EPHEMERAL_PARTIAL')),
    missing: [...new Set(legs.flatMap((l) => l.missing ?? []))],
  };
}

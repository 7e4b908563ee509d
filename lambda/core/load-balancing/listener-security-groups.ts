/**
 * The NLB's own security groups, as its clients meet them: "you specify the ports, protocols, and sources
 * to allow for inbound traffic", and "if you don't assign a security group to your Network Load Balancer,
 * all client traffic can reach the Network Load Balancer listeners" (Network Load Balancer guide, "Update
 * the security groups for your Network Load Balancer"). Each client source (the prober, each configured
 * source) must be admitted on the listener port, or its SSH never reaches a target however open the
 * targets' groups are.
 *
 * An NLB gets security groups only when it is created: "You can't perform this operation on a Network Load
 * Balancer unless you specified a security group for the load balancer when you created it" (Elastic Load
 * Balancing API reference, SetSecurityGroups). One created without them stays unfiltered; only its targets'
 * groups filter, so the fix for a missing client rule on such an NLB is on the targets.
 */
import type { LoadBalancer } from '../inventory/model.ts';
import { publicAddresses } from '../net/cidr.ts';
import type { AnalysisContext, Peer } from '../reachability/evaluation.ts';
import { evaluateSecurityGroups } from '../reachability/security-group-evaluator.ts';
import { resolveClient } from './client-peer.ts';
import { balancerEni, loadBalancerNodes } from './target-groups.ts';

/** A client of the listener: a source spec, and how it is known (`the prober`). */
export interface ListenerClient {
  readonly spec: string;
  readonly role?: string;
}

export interface ListenerBlocker {
  readonly code: string;
  readonly resourceId: string;
  readonly detail: string;
}

/**
 * The source as the NLB sees it. `undefined`: it names nothing in the inventory (the analyse step already
 * says so) or it cannot reach this NLB at all (the internet and an internal NLB).
 */
function clientPeer(ctx: AnalysisContext, client: ListenerClient, lb: LoadBalancer): Peer | undefined {
  const role = client.role ? ` (${client.role})` : '';
  const resolved = resolveClient(ctx, client.spec, (base) => `${base}${role}`);
  if (resolved === 'internet') {
    // An internal NLB has only private addresses: nothing on the internet can send to it.
    if (lb.Scheme === 'internal') return undefined;
    return {
      family: 'ipv4',
      addresses: publicAddresses('ipv4'),
      label: `internet${role}`,
      internetAtLarge: true,
    };
  }
  return resolved?.peer;
}

/**
 * Each client the NLB's groups do not admit on `port`, one blocker per missing rule; `[]` for an NLB without
 * security groups (nothing filters clients there).
 */
export function listenerClientBlockers(
  ctx: AnalysisContext,
  lb: LoadBalancer,
  port: number,
  clients: readonly ListenerClient[],
): ListenerBlocker[] {
  if ((lb.SecurityGroups ?? []).length === 0) return [];
  const eni = balancerEni(lb, loadBalancerNodes(ctx.index, lb)[0]?.address);
  const name = lb.LoadBalancerName ?? lb.LoadBalancerArn;
  return clients.flatMap((client) => {
    const peer = clientPeer(ctx, client, lb);
    if (!peer) return [];
    return evaluateSecurityGroups(ctx, { eni, direction: 'inbound', peer, port }).blockers.map((b) => ({
      code: b.code,
      resourceId: b.resourceId,
      detail: `${b.detail} (on the NLB ${name}: clients reach its listener only where its groups admit them)`,
    }));
  });
}

/** The note for an NLB without security groups that forwards SSH: its clients are filtered only at the targets. */
export function noGroupsNote(lb: LoadBalancer): string | undefined {
  if ((lb.SecurityGroups ?? []).length > 0) return undefined;
  return `${lb.LoadBalancerName ?? lb.LoadBalancerArn} has no security groups: every client reaches its listener and only the targets' groups filter (an NLB created without security groups cannot be given any later)`;
}

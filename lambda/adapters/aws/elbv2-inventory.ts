/**
 * The load balancers of the live inventory (docs/load-balancers.md): the same documents as the inventory
 * directory's `elbv2-*` files, read with the Elastic Load Balancing API's paginators and handed to the same
 * parser. DescribeTargetHealth answers in one response per target group (it has no paging); DescribeTags
 * takes at most 20 ARNs per call (its API reference); DescribeListeners pages per load balancer;
 * DescribeLoadBalancerAttributes and DescribeTargetGroupAttributes answer in one response per resource.
 */
import {
  DescribeLoadBalancerAttributesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  paginateDescribeListeners,
  paginateDescribeLoadBalancers,
  paginateDescribeTargetGroups,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RawInventory } from '../../core/inventory/parse.ts';
import { clientOptions } from './client-options.ts';

/** DescribeTags: "You can specify up to 20 resources in a single call." */
const TAGS_PER_CALL = 20;

/** The production client, with the same timeouts and retries as the EC2 one. */
export function defaultElbv2Client(region?: string): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client(clientOptions('elasticloadbalancing', region ? { region } : {}));
}

/** One call, its failure named by `call` (the collector's `allPages` wraps each). */
type Pages = <T>(operation: string, pages: AsyncIterable<T>) => Promise<T[]>;

async function* once<T>(send: () => Promise<T>): AsyncGenerator<T> {
  yield await send();
}

/**
 * The load balancers and target groups in `vpcIds` (every VPC when absent), each target group's target
 * health, the target groups' tags and each load balancer's listeners, as the inventory directory holds them.
 */
export async function collectLoadBalancing(
  client: ElasticLoadBalancingV2Client,
  vpcIds: readonly string[] | undefined,
  signal: AbortSignal,
  pages: Pages,
): Promise<
  Pick<RawInventory, 'targetHealth' | 'listeners' | 'loadBalancerAttributes' | 'targetGroupAttributes'> & {
    documents: RawInventory['documents'];
  }
> {
  const extra = [{ abortSignal: signal }];
  /** A call that answers in one response, its failure named by `operation` like a paginator's. */
  const one = async <T>(operation: string, send: (options: { abortSignal: AbortSignal }) => Promise<T>) => {
    const [answer] = await pages(
      operation,
      once(() => send({ abortSignal: signal })),
    );
    return answer;
  };
  const inScope = (vpc: string | undefined) => !vpcIds || (vpc !== undefined && vpcIds.includes(vpc));
  const balancers = (
    await pages('DescribeLoadBalancers', paginateDescribeLoadBalancers({ client }, {}, ...extra))
  )
    .flatMap((p) => p.LoadBalancers ?? [])
    .filter((b) => inScope(b.VpcId));
  const groups = (await pages('DescribeTargetGroups', paginateDescribeTargetGroups({ client }, {}, ...extra)))
    .flatMap((p) => p.TargetGroups ?? [])
    .filter((g) => inScope(g.VpcId));
  const targetHealth = new Map<string, unknown>();
  const targetGroupAttributes = new Map<string, unknown>();
  for (const g of groups) {
    if (!g.TargetGroupArn || !g.TargetGroupName) continue;
    const health = await one(`DescribeTargetHealth ${g.TargetGroupName}`, (o) =>
      client.send(new DescribeTargetHealthCommand({ TargetGroupArn: g.TargetGroupArn }), o),
    );
    targetHealth.set(g.TargetGroupName, { TargetHealthDescriptions: health?.TargetHealthDescriptions ?? [] });
    // Cross-zone load balancing, as the group overrides its load balancer's (docs/load-balancers.md).
    const attributes = await one(`DescribeTargetGroupAttributes ${g.TargetGroupName}`, (o) =>
      client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: g.TargetGroupArn }), o),
    );
    targetGroupAttributes.set(g.TargetGroupName, { Attributes: attributes?.Attributes ?? [] });
  }
  const arns = groups.flatMap((g) => (g.TargetGroupArn ? [g.TargetGroupArn] : []));
  const tagDescriptions: unknown[] = [];
  for (let i = 0; i < arns.length; i += TAGS_PER_CALL) {
    const tags = await one('DescribeTags', (o) =>
      client.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + TAGS_PER_CALL) }), o),
    );
    tagDescriptions.push(...(tags?.TagDescriptions ?? []));
  }
  const listeners = new Map<string, unknown>();
  const loadBalancerAttributes = new Map<string, unknown>();
  for (const b of balancers) {
    if (!b.LoadBalancerArn || !b.LoadBalancerName) continue;
    const found = await pages(
      `DescribeListeners ${b.LoadBalancerName}`,
      paginateDescribeListeners({ client }, { LoadBalancerArn: b.LoadBalancerArn }, ...extra),
    );
    listeners.set(b.LoadBalancerName, { Listeners: found.flatMap((p) => p.Listeners ?? []) });
    const attributes = await one(`DescribeLoadBalancerAttributes ${b.LoadBalancerName}`, (o) =>
      client.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: b.LoadBalancerArn }), o),
    );
    loadBalancerAttributes.set(b.LoadBalancerName, { Attributes: attributes?.Attributes ?? [] });
  }
  return {
    documents: {
      'elbv2-describe-load-balancers.json': { LoadBalancers: balancers },
      'elbv2-describe-target-groups.json': { TargetGroups: groups },
      'elbv2-describe-tags.json': { TagDescriptions: tagDescriptions },
    },
    targetHealth,
    listeners,
    loadBalancerAttributes,
    targetGroupAttributes,
  };
}

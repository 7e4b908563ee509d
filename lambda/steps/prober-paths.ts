/**
 * Prober paths: before the run calls any AWS API beyond discovery, its own network interfaces' paths to
 * those APIs are checked against the inventory just read (core/reachability/api-paths.ts). A missing path
 * (no NAT route, no endpoint, an endpoint's group refusing 443) is one run error naming it and its fix,
 * where it would otherwise surface as a timeout minutes later on the first call that needs it.
 */
import type { Eni, InventoryIndex } from '../core/inventory/model.ts';
import {
  type ApiPath,
  type AwsService,
  apiPathProblem,
  evaluateApiPaths,
} from '../core/reachability/api-paths.ts';
import { REACHED_BY_DISCOVERY } from '../prober-services.ts';
import { errorMessage } from './error-message.ts';

export interface ProberPathOptions {
  /**
   * The Region and the AWS APIs the run calls (lambda/prober-services.ts): with a prober source that is
   * an ENI, its paths to them are checked first. @default none: not checked (a run from a laptop)
   */
  readonly proberApis?: { readonly region: string; readonly services: readonly AwsService[] };
}

export interface ProberPaths {
  readonly paths: readonly ApiPath[];
  readonly errors: readonly string[];
}

export function checkProberPaths(
  index: InventoryIndex,
  proberSpec: string | undefined,
  options: ProberPathOptions,
): ProberPaths {
  const apis = options.proberApis;
  const eni = proberSpec === undefined ? undefined : index.enis.get(proberSpec);
  if (!apis || !eni) return { paths: [], errors: [] };
  try {
    const enis = proberEnis(index, eni);
    const paths = evaluateApiPaths(index, {
      region: apis.region,
      subnetIds: [...new Set(enis.flatMap((e) => (e.SubnetId ? [e.SubnetId] : [])))],
      securityGroupIds: eni.GroupIds,
      services: apis.services.filter((s) => !REACHED_BY_DISCOVERY.has(s)),
    });
    const problem = apiPathProblem(paths);
    return { paths, errors: problem ? [problem] : [] };
  } catch (error) {
    return { paths: [], errors: [`prober path: ${errorMessage(error)}`] };
  }
}

/**
 * A Lambda function has one network interface per subnet (and group set) it is attached to, each described
 * as "AWS Lambda VPC ENI-<function>-<uuid>", and runs in any of those subnets: every one must have its paths.
 */
function proberEnis(index: InventoryIndex, located: Eni): Eni[] {
  const description = index.inventory.networkInterfaces.find(
    (n) => n.NetworkInterfaceId === located.NetworkInterfaceId,
  )?.Description;
  const uuid = /-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  if (!description || !uuid.test(description)) return [located];
  const stem = description.replace(uuid, '');
  const siblings = index.inventory.networkInterfaces.filter(
    (n) => n.InterfaceType === 'lambda' && n.Description?.replace(uuid, '') === stem,
  );
  return [located, ...siblings.flatMap((n) => index.enis.get(n.NetworkInterfaceId) ?? [])];
}

/**
 * Naming the data a path needs that the inventory lacks. AWS has no subnet without a network ACL ("Network
 * ACLs": every subnet must be associated with one, the VPC's default ACL unless another is) and no subnet
 * without a route table ("Route tables": the main route table unless another is associated), and an ENI's
 * security groups always exist: when the inventory holds none of them, the answer is unknown, not "none".
 */
import type { AnalysisContext } from './evaluation.ts';
import type { MissingData } from './types.ts';

const SUBNET_DATA = {
  'network-acl': { file: 'describe-network-acls.json', what: 'network ACL', fallback: 'the default ACL' },
  'route-table': {
    file: 'describe-route-tables.json',
    what: 'route table',
    fallback: 'the main route table',
  },
} as const;

/** The network ACL or route table of `subnetId`, which the inventory does not hold. */
export function missingSubnetData(
  ctx: AnalysisContext,
  kind: keyof typeof SUBNET_DATA,
  subnetId: string,
): MissingData {
  return ctx.memo.remember('missing-subnet-data', [kind, subnetId], () => {
    const { file, what, fallback } = SUBNET_DATA[kind];
    const subnet = subnetId === '' ? 'the ENI (it names no subnet)' : subnetId;
    let why: string;
    if (ctx.index.inventory.absentFiles?.includes(file)) {
      why = `${file} is not in the inventory`;
    } else {
      const vpc = subnetId === '' ? undefined : ctx.index.subnets.get(subnetId)?.VpcId;
      why = `${file} associates no ${what} with ${subnet} and lists no ${fallback.replace('the ', '')} of ${vpc ?? 'its VPC'}`;
    }
    return {
      kind,
      resourceId: subnetId,
      file,
      detail: `the ${what} of ${subnet} is unknown: ${why}`,
    };
  });
}

/** A security group attached to an ENI but absent from describe-security-groups.json. */
export function missingSecurityGroup(groupId: string, eniId: string): MissingData {
  return {
    kind: 'security-group',
    resourceId: groupId,
    file: 'describe-security-groups.json',
    detail: `security group ${groupId} is attached to ${eniId} but not in describe-security-groups.json: its rules are unknown`,
  };
}

/** An instance whose state neither DescribeInstances nor DescribeInstanceStatus gives. */
export function missingInstanceState(instanceId: string): MissingData {
  return {
    kind: 'instance-state',
    resourceId: instanceId,
    file: 'describe-instances.json',
    detail: `the state of ${instanceId} is unknown: its describe-instances.json record has no State and describe-instance-status.json does not list it`,
  };
}

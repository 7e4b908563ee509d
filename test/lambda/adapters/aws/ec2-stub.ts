// A stubbed EC2 region for the inventory collector's tests.
import {
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  DescribeManagedPrefixListsCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import type { AwsClientStub } from 'aws-sdk-client-mock';

export type Ec2Mock = AwsClientStub<EC2Client>;

/** Every describe call answers "none", so a test sets only what it is about. */
export function emptyRegion(mock: Ec2Mock) {
  mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  mock.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
  mock.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [] });
  mock.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
  mock.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  mock.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
  mock.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [] });
  mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [] });
}

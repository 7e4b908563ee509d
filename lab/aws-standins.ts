/**
 * Local stand-ins for everything a deployed prober talks to, so the bundle the stack deploys can run a
 * scheduled check on this machine:
 *
 * - the state table: dynalite on 127.0.0.1, created with the stack's key schema (`pk` string, TTL `ttl`);
 * - the alert topic: fauxqs on 127.0.0.1, with an SQS queue subscribed so alerts can be read back;
 * - EC2 and CloudWatch: aws-sdk-client-mock answers in the APIs' response shapes, describing one VPC whose
 *   instances have loopback private addresses (127.x) and `port22:port` tags naming where lab servers
 *   listen, so the identity resolver the Lambda uses only ever reaches loopback.
 *
 * The handler reaches the emulators through the SDK's service-specific endpoint variables
 * (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SNS`), which SDK v3 clients built without an explicit
 * `endpoint` honour (AWS SDKs and Tools Reference Guide, "Service-specific endpoints"), as in production
 * where the same clients resolve the regional endpoints.
 */
import dns from 'node:dns';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { fromAttributeMap } from '../lambda/adapters/aws/dynamodb-state-store.ts';
import { TAG } from '../lambda/core/inventory/tags.ts';
import {
  AWS_SERVICE_ENDPOINT_NAMES,
  type AwsService,
  endpointServiceName,
} from '../lambda/core/reachability/api-paths.ts';
import {
  createStateTable,
  LOCAL_CREDENTIALS,
  receiveAll,
  startLocalDynamo,
  startLocalSns,
} from './local-aws.ts';

/** One instance of the described VPC. */
export interface StandinInstance {
  readonly instanceId: string;
  readonly name: string;
  /** Its private address: a loopback address, where a lab server (or nothing) listens. */
  readonly address: string;
  /** The `port22:port` tag: the lab server's port. */
  readonly port: number;
  /** @default 't3.micro' */
  readonly instanceType?: string;
}

export interface AwsStandinsOptions {
  /**
   * The module whose `require('@aws-sdk/…')` the EC2 and CloudWatch mocks must patch (the bundle file):
   * the SDK is external to the bundle, so patching the client classes it resolves patches its clients.
   */
  readonly requireFrom: string;
  readonly vpcId: string;
  /** The function name: the Lambda ENI is described as `AWS Lambda VPC ENI-<name>-<uuid>`. */
  readonly functionName: string;
  readonly instances: readonly StandinInstance[];
  /**
   * Where the check's configured sources sit (the handler config's CIDR `sources`): the instances' group
   * admits them on each instance's port and the route table reaches them through a transit gateway, as in a
   * fleet whose office or VPN range must reach SSH. @default none
   */
  readonly sourceCidrs?: readonly string[];
  /** CPUUtilization returned per instance id when GetMetricData asks for it. @default none: no datapoints */
  readonly cpuPercent?: Readonly<Record<string, number>>;
  /** @default 'us-east-1' */
  readonly region?: string;
}

/** An SNS notification as an SQS subscriber receives it (raw delivery off). */
export interface SnsEnvelope {
  Type: string;
  Subject?: string;
  Message: string;
  MessageId: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

export interface AwsStandins {
  /** What the function's environment needs on top of the stack's own variables. */
  readonly env: Readonly<Record<string, string>>;
  readonly tableName: string;
  readonly topicArn: string;
  /** Every item of the state table, by `pk`, as plain JSON. */
  readState(): Promise<Map<string, Record<string, unknown>>>;
  /** The alerts delivered to the subscribed queue since the last call. */
  readAlerts(): Promise<SnsEnvelope[]>;
  /** The instance ids GetMetricData was asked about, in call order. */
  metricInstanceIds(): string[];
  /** The instance ids DescribeInstanceStatus was asked about (the signals call; the inventory's lists all). */
  statusInstanceIds(): string[];
  /**
   * Host names something in this process tried to resolve while the stand-ins ran, other than `localhost`:
   * each was refused (no packet left the machine). A client that ignored its endpoint variable shows up
   * here as `dynamodb.<region>.amazonaws.com`.
   */
  refusedLookups(): string[];
  close(): Promise<void>;
}

const ACCOUNT = '111122223333';
const VPC_CIDR = '127.0.0.0/16';
const SUBNET_CIDR = '127.0.0.0/24';
const SUBNET = 'subnet-0c0ffee000000a001';
const PROBER_SG = 'sg-0c0ffee000000f001';
const INSTANCE_SG = 'sg-0c0ffee000000e001';
const ENDPOINTS_SG = 'sg-0c0ffee000000d001';
const MAIN_ROUTE_TABLE = 'rtb-0c0ffee000000a001';
const LAMBDA_ENI = 'eni-0c0ffee000000f0a0';
const AZ = 'us-east-1a';

export async function startAwsStandins(options: AwsStandinsOptions): Promise<AwsStandins> {
  const region = options.region ?? 'us-east-1';
  const cleanups: Array<() => Promise<void> | void> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const refused = guardLookups();
    cleanups.push(refused.restore);

    // ── state table ──
    const dynamo = await startLocalDynamo(undefined, region);
    cleanups.push(() => dynamo.close());
    const tableName = 'port22-state-standin';
    await createStateTable(dynamo.client, tableName);

    // ── alert topic, and a queue subscribed to read alerts back ──
    const alerts = await startLocalSns(region);
    cleanups.push(() => alerts.close());
    const { topicArn, queueUrl } = await alerts.topicWithQueue(
      'port22-alerts-standin',
      'port22-alerts-inbox',
    );

    // ── EC2, CloudWatch and Elastic Load Balancing, patched where the bundle resolves them ──
    const sdk = createRequire(options.requireFrom);
    const ec2Sdk = sdk('@aws-sdk/client-ec2') as typeof import('@aws-sdk/client-ec2');
    const cwSdk = sdk('@aws-sdk/client-cloudwatch') as typeof import('@aws-sdk/client-cloudwatch');
    const elbSdk = sdk(
      '@aws-sdk/client-elastic-load-balancing-v2',
    ) as typeof import('@aws-sdk/client-elastic-load-balancing-v2');
    const ec2Mock = mockClient(ec2Sdk.EC2Client);
    const cwMock = mockClient(cwSdk.CloudWatchClient);
    // A Region without load balancers: every Elastic Load Balancing read answers "none".
    const elbMock = mockClient(elbSdk.ElasticLoadBalancingV2Client);
    elbMock.onAnyCommand().resolves({});
    cleanups.push(() => {
      ec2Mock.restore();
      cwMock.restore();
      elbMock.restore();
    });
    describeVpc(ec2Mock as unknown as AwsClientStub<import('@aws-sdk/client-ec2').EC2Client>, ec2Sdk, {
      ...options,
      region,
    });
    const cpu = options.cpuPercent ?? {};
    cwMock
      .on(cwSdk.GetMetricDataCommand)
      .callsFake((input: import('@aws-sdk/client-cloudwatch').GetMetricDataCommandInput) => ({
        MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
          const instanceId =
            q.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'InstanceId')?.Value ?? '';
          const value = q.MetricStat?.Metric?.MetricName === 'CPUUtilization' ? cpu[instanceId] : undefined;
          return {
            Id: q.Id,
            Label: q.Label,
            Timestamps: value === undefined ? [] : [new Date(Date.now() - 120_000)],
            Values: value === undefined ? [] : [value],
            StatusCode: 'Complete' as const,
          };
        }),
        Messages: [],
      }));

    return {
      env: {
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ENDPOINT_URL_SNS: alerts.endpoint,
        AWS_LAMBDA_FUNCTION_NAME: options.functionName,
      },
      tableName,
      topicArn,
      async readState() {
        const out = new Map<string, Record<string, unknown>>();
        const page = await dynamo.client.send(
          new ScanCommand({ TableName: tableName, ConsistentRead: true }),
        );
        for (const item of page.Items ?? []) {
          const record = fromAttributeMap(item);
          out.set(String(record.pk), record);
        }
        return out;
      },
      readAlerts: () => receiveAll<SnsEnvelope>(alerts.sqs, queueUrl),
      metricInstanceIds() {
        return cwMock
          .commandCalls(cwSdk.GetMetricDataCommand)
          .flatMap((c) => c.args[0].input.MetricDataQueries ?? [])
          .map((q) => q.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'InstanceId')?.Value ?? '');
      },
      statusInstanceIds() {
        return ec2Mock
          .commandCalls(ec2Sdk.DescribeInstanceStatusCommand)
          .flatMap((c) => c.args[0].input.InstanceIds ?? []);
      },
      refusedLookups: () => [...refused.names],
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Refuses every host-name lookup but address literals, `localhost` and `*.localhost` (RFC 6761 keeps them on
 * loopback) while
 * the stand-ins run: the AWS endpoints are host names, so a client that missed its stand-in fails with
 * ENOTFOUND instead of reaching AWS. `net` reads `dns.lookup` at connect time, so replacing it applies to
 * every socket opened meanwhile.
 */
function guardLookups(): { names: string[]; restore: () => void } {
  const names: string[] = [];
  const original = dns.lookup;
  const guarded = (hostname: string, ...rest: unknown[]) => {
    // An address literal resolves to itself (server.listen looks its host up too); no query leaves.
    if (isIP(hostname) !== 0 || hostname === 'localhost' || hostname.endsWith('.localhost'))
      return (original as (...a: unknown[]) => void)(hostname, ...rest);
    names.push(hostname);
    const callback = rest.at(-1) as (error: Error) => void;
    process.nextTick(() =>
      callback(Object.assign(new Error(`stand-ins: lookup of ${hostname} refused`), { code: 'ENOTFOUND' })),
    );
  };
  (dns as { lookup: unknown }).lookup = guarded;
  return {
    names,
    restore: () => {
      (dns as { lookup: unknown }).lookup = original;
    },
  };
}

/**
 * One VPC as the EC2 API describes it: a subnet, its main route table (local route only), VPC endpoints
 * for the AWS APIs, the default
 * network ACL (allow all, then the `*` deny), the prober's security group (egress to the VPC and HTTPS) and
 * the instances' group (SSH ports from the prober's group), the prober's Lambda ENI and the instances.
 */
function describeVpc(
  ec2: AwsClientStub<import('@aws-sdk/client-ec2').EC2Client>,
  sdk: typeof import('@aws-sdk/client-ec2'),
  options: AwsStandinsOptions,
): void {
  const { vpcId, instances } = options;
  const sources = options.sourceCidrs ?? [];
  const eniOf = (i: number) => `eni-0c0ffee${(i + 1).toString(16).padStart(10, '0')}`;
  // No gateways, peering or Elastic IPs: every call not answered below says
  // "none" (an answer without its list), as EC2 does for a VPC without them.
  ec2.onAnyCommand().resolves({});
  ec2.on(sdk.DescribeVpcsCommand).resolves({
    Vpcs: [
      {
        VpcId: vpcId,
        CidrBlock: VPC_CIDR,
        CidrBlockAssociationSet: [
          {
            AssociationId: 'vpc-cidr-assoc-0c0ffee0001',
            CidrBlock: VPC_CIDR,
            CidrBlockState: { State: 'associated' },
          },
        ],
        State: 'available',
        OwnerId: ACCOUNT,
        IsDefault: false,
        InstanceTenancy: 'default',
      },
    ],
  });
  ec2.on(sdk.DescribeSubnetsCommand).resolves({
    Subnets: [
      {
        SubnetId: SUBNET,
        VpcId: vpcId,
        CidrBlock: SUBNET_CIDR,
        AvailabilityZone: AZ,
        AvailableIpAddressCount: 250,
        State: 'available',
        MapPublicIpOnLaunch: false,
        OwnerId: ACCOUNT,
      },
    ],
  });
  const TGW = 'tgw-0c0ffee000000a001';
  const TGW_RTB = 'tgw-rtb-0c0ffee000000a001';
  const VPC_ATTACHMENT = 'tgw-attach-0c0ffee000000a001';
  const VPN_ATTACHMENT = 'tgw-attach-0c0ffee000000a002';
  ec2.on(sdk.DescribeRouteTablesCommand).resolves({
    RouteTables: [
      {
        RouteTableId: MAIN_ROUTE_TABLE,
        VpcId: vpcId,
        OwnerId: ACCOUNT,
        Associations: [
          {
            Main: true,
            RouteTableAssociationId: 'rtbassoc-0c0ffee000000a001',
            RouteTableId: MAIN_ROUTE_TABLE,
            AssociationState: { State: 'associated' },
          },
        ],
        Routes: [
          { DestinationCidrBlock: VPC_CIDR, GatewayId: 'local', Origin: 'CreateRouteTable', State: 'active' },
          ...sources.map((cidr) => ({
            DestinationCidrBlock: cidr,
            TransitGatewayId: TGW,
            Origin: 'CreateRoute' as const,
            State: 'active' as const,
          })),
        ],
      },
    ],
  });
  // The transit gateway the source CIDRs are routed to, with what the analyzer needs to follow it: the
  // VPC attachment (one subnet, in the instances' zone), its association, and a route table that sends
  // the source CIDRs on to a VPN attachment (where the sources are) and propagates the VPC.
  ec2.on(sdk.DescribeTransitGatewayVpcAttachmentsCommand).resolves({
    TransitGatewayVpcAttachments: [
      {
        TransitGatewayAttachmentId: VPC_ATTACHMENT,
        TransitGatewayId: TGW,
        VpcId: vpcId,
        VpcOwnerId: ACCOUNT,
        State: 'available',
        SubnetIds: [SUBNET],
      },
    ],
  });
  ec2.on(sdk.DescribeTransitGatewayAttachmentsCommand).resolves({
    TransitGatewayAttachments: [
      {
        TransitGatewayAttachmentId: VPC_ATTACHMENT,
        TransitGatewayId: TGW,
        ResourceType: 'vpc',
        ResourceId: vpcId,
        State: 'available',
        Association: { TransitGatewayRouteTableId: TGW_RTB, State: 'associated' },
      },
      {
        TransitGatewayAttachmentId: VPN_ATTACHMENT,
        TransitGatewayId: TGW,
        ResourceType: 'vpn',
        ResourceId: 'vpn-0c0ffee000000a001',
        State: 'available',
        Association: { TransitGatewayRouteTableId: TGW_RTB, State: 'associated' },
      },
    ],
  });
  ec2.on(sdk.DescribeTransitGatewayRouteTablesCommand).resolves({
    TransitGatewayRouteTables: [
      { TransitGatewayRouteTableId: TGW_RTB, TransitGatewayId: TGW, State: 'available' },
    ],
  });
  ec2.on(sdk.GetTransitGatewayRouteTablePropagationsCommand).resolves({
    TransitGatewayRouteTablePropagations: [
      {
        TransitGatewayAttachmentId: VPC_ATTACHMENT,
        ResourceType: 'vpc',
        ResourceId: vpcId,
        State: 'enabled',
      },
    ],
  });
  ec2.on(sdk.SearchTransitGatewayRoutesCommand).resolves({
    Routes: sources.map((cidr) => ({
      DestinationCidrBlock: cidr,
      TransitGatewayAttachments: [
        { TransitGatewayAttachmentId: VPN_ATTACHMENT, ResourceType: 'vpn' as const },
      ],
      Type: 'static' as const,
      State: 'active' as const,
    })),
  });
  const allTraffic = (egress: boolean, RuleNumber: number, RuleAction: 'allow' | 'deny') => ({
    CidrBlock: '0.0.0.0/0',
    Egress: egress,
    Protocol: '-1',
    RuleAction,
    RuleNumber,
  });
  ec2.on(sdk.DescribeNetworkAclsCommand).resolves({
    NetworkAcls: [
      {
        NetworkAclId: 'acl-0c0ffee000000a001',
        VpcId: vpcId,
        IsDefault: true,
        OwnerId: ACCOUNT,
        Associations: [
          {
            NetworkAclAssociationId: 'aclassoc-0c0ffee0001',
            NetworkAclId: 'acl-0c0ffee000000a001',
            SubnetId: SUBNET,
          },
        ],
        Entries: [
          allTraffic(true, 100, 'allow'),
          allTraffic(true, 32767, 'deny'),
          allTraffic(false, 100, 'allow'),
          allTraffic(false, 32767, 'deny'),
        ],
      },
    ],
  });
  ec2.on(sdk.DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [
      {
        GroupId: PROBER_SG,
        GroupName: 'port22-prober',
        Description: 'port22 prober',
        VpcId: vpcId,
        OwnerId: ACCOUNT,
        IpPermissions: [],
        IpPermissionsEgress: [
          ...instances.map((i) => ({
            IpProtocol: 'tcp',
            FromPort: i.port,
            ToPort: i.port,
            IpRanges: [{ CidrIp: VPC_CIDR, Description: `probe tcp/${i.port}` }],
          })),
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        ],
      },
      {
        GroupId: ENDPOINTS_SG,
        GroupName: 'aws-apis',
        Description: 'HTTPS from the prober',
        VpcId: vpcId,
        OwnerId: ACCOUNT,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            UserIdGroupPairs: [{ GroupId: PROBER_SG, UserId: ACCOUNT }],
          },
        ],
        IpPermissionsEgress: [],
      },
      {
        GroupId: INSTANCE_SG,
        GroupName: 'fleet',
        Description: 'SSH from the prober',
        VpcId: vpcId,
        OwnerId: ACCOUNT,
        IpPermissions: instances.map((i) => ({
          IpProtocol: 'tcp',
          FromPort: i.port,
          ToPort: i.port,
          UserIdGroupPairs: [{ GroupId: PROBER_SG, UserId: ACCOUNT }],
          IpRanges: sources.map((cidr) => ({ CidrIp: cidr, Description: 'configured source' })),
        })),
        IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      },
    ],
  });
  const instanceEni = (i: StandinInstance, n: number) => ({
    NetworkInterfaceId: eniOf(n),
    InterfaceType: 'interface' as const,
    SubnetId: SUBNET,
    VpcId: vpcId,
    AvailabilityZone: AZ,
    OwnerId: ACCOUNT,
    Status: 'in-use' as const,
    PrivateIpAddress: i.address,
    PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: i.address }],
    Groups: [{ GroupId: INSTANCE_SG, GroupName: 'fleet' }],
    Attachment: { DeviceIndex: 0, InstanceId: i.instanceId, Status: 'attached' as const },
  });
  ec2.on(sdk.DescribeNetworkInterfacesCommand).resolves({
    NetworkInterfaces: [
      {
        NetworkInterfaceId: LAMBDA_ENI,
        InterfaceType: 'lambda',
        Description: `AWS Lambda VPC ENI-${options.functionName}-0c0ffee0-2222-4222-8222-0c0ffee00022`,
        RequesterId: 'AROA0C0FFEE0C0FFEE0C0',
        RequesterManaged: true,
        SubnetId: SUBNET,
        VpcId: vpcId,
        AvailabilityZone: AZ,
        OwnerId: ACCOUNT,
        Status: 'in-use',
        PrivateIpAddress: '127.0.0.2',
        PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: '127.0.0.2' }],
        Groups: [{ GroupId: PROBER_SG, GroupName: 'port22-prober' }],
      },
      ...instances.map(instanceEni),
    ],
  });
  ec2.on(sdk.DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [] });
  // The APIs are stand-ins on loopback; the VPC reaches them as a private VPC without a NAT gateway reaches
  // AWS: interface endpoints with private DNS admitting the prober's group, and DynamoDB's gateway endpoint
  // on the main route table. The run's check of its own paths (lambda/steps/prober-paths.ts) reads them.
  const services = Object.keys(AWS_SERVICE_ENDPOINT_NAMES) as AwsService[];
  ec2.on(sdk.DescribeVpcEndpointsCommand).resolves({
    VpcEndpoints: services.map((service, i) => ({
      VpcEndpointId: `vpce-0c0ffee00000${(i + 1).toString(16).padStart(5, '0')}`,
      VpcId: vpcId,
      ServiceName: endpointServiceName(options.region ?? 'us-east-1', service),
      OwnerId: ACCOUNT,
      ...(service === 'dynamodb'
        ? { VpcEndpointType: 'Gateway' as const, RouteTableIds: [MAIN_ROUTE_TABLE] }
        : {
            VpcEndpointType: 'Interface' as const,
            PrivateDnsEnabled: true,
            SubnetIds: [SUBNET],
            Groups: [{ GroupId: ENDPOINTS_SG, GroupName: 'aws-apis' }],
          }),
    })),
  });
  // Private DNS needs both DNS attributes on, and this VPC has them (DescribeVpcAttribute answers one a call).
  ec2
    .on(sdk.DescribeVpcAttributeCommand)
    .callsFake((input: import('@aws-sdk/client-ec2').DescribeVpcAttributeCommandInput) => ({
      VpcId: input.VpcId,
      [input.Attribute === 'enableDnsHostnames' ? 'EnableDnsHostnames' : 'EnableDnsSupport']: { Value: true },
    }));
  ec2.on(sdk.DescribeInstancesCommand).resolves({
    Reservations: [
      {
        ReservationId: 'r-0c0ffee000000a001',
        OwnerId: ACCOUNT,
        Instances: instances.map((i, n) => ({
          InstanceId: i.instanceId,
          ImageId: 'ami-0c0ffee000000a001',
          InstanceType: (i.instanceType ?? 't3.micro') as never,
          State: { Code: 16, Name: 'running' as const },
          SubnetId: SUBNET,
          VpcId: vpcId,
          PrivateIpAddress: i.address,
          Placement: { AvailabilityZone: AZ },
          SecurityGroups: [{ GroupId: INSTANCE_SG, GroupName: 'fleet' }],
          NetworkInterfaces: [
            {
              NetworkInterfaceId: eniOf(n),
              SubnetId: SUBNET,
              VpcId: vpcId,
              PrivateIpAddress: i.address,
              PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: i.address }],
              Groups: [{ GroupId: INSTANCE_SG, GroupName: 'fleet' }],
              Attachment: { DeviceIndex: 0, Status: 'attached' as const },
              Status: 'in-use' as const,
            },
          ],
          Tags: [
            { Key: 'Name', Value: i.name },
            { Key: TAG.port, Value: String(i.port) },
          ],
        })),
      },
    ],
  });
  const statuses = (ids: readonly string[] | undefined) =>
    instances
      .filter((i) => ids === undefined || ids.includes(i.instanceId))
      .map((i) => ({
        InstanceId: i.instanceId,
        AvailabilityZone: AZ,
        InstanceState: { Code: 16, Name: 'running' as const },
        InstanceStatus: {
          Status: 'ok' as const,
          Details: [{ Name: 'reachability' as const, Status: 'passed' as const }],
        },
        SystemStatus: {
          Status: 'ok' as const,
          Details: [{ Name: 'reachability' as const, Status: 'passed' as const }],
        },
      }));
  ec2
    .on(sdk.DescribeInstanceStatusCommand)
    .callsFake((input: import('@aws-sdk/client-ec2').DescribeInstanceStatusCommandInput) => ({
      InstanceStatuses: statuses(
        input.InstanceIds ?? input.Filters?.find((f) => f.Name === 'instance-id')?.Values,
      ),
    }));
}

/**
 * The prober: one Lambda function per monitored VPC, attached to that VPC's private subnets, bundled by
 * local esbuild, with its own security group, log group, role and failure queue (DESIGN.md, "Deployment
 * shape").
 */

import { Aws, Duration, Fn, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import { Peer, Port, SecurityGroup, Subnet, Vpc } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HANDLER_ENV, type HandlerConfigInput } from '../lambda/contract.ts';
import { RUN_SHELL_SCRIPT_DOCUMENT } from '../lambda/core/evidence/host-check-script.ts';
import { TAG } from '../lambda/core/inventory/tags.ts';
import { parseCidr } from '../lambda/core/net/cidr.ts';
import { PROBER_ENTRY, PROBER_ESBUILD_TARGET, PROBER_EXTERNALS, PROJECT_ROOT } from './prober-bundling.ts';

/**
 * The EC2 read actions the inventory collector calls (DESIGN.md, "Inventory directory"). All but the two
 * in {@link EC2_TGW_ROUTE_TABLE_READ_ACTIONS} have no resource-level permissions (Service Authorization
 * Reference, Amazon EC2: their Resource types column is empty), so they are granted on `*`.
 */
export const EC2_READ_ACTIONS: readonly string[] = [
  'ec2:DescribeAddresses',
  'ec2:DescribeInstances',
  'ec2:DescribeInstanceStatus',
  'ec2:DescribeInternetGateways',
  'ec2:DescribeManagedPrefixLists',
  'ec2:DescribeNatGateways',
  'ec2:DescribeNetworkAcls',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeRouteTables',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeTransitGatewayAttachments',
  'ec2:DescribeTransitGatewayPeeringAttachments',
  'ec2:DescribeTransitGatewayRouteTables',
  'ec2:DescribeTransitGateways',
  'ec2:DescribeTransitGatewayVpcAttachments',
  'ec2:DescribeVpcBlockPublicAccessExclusions',
  'ec2:DescribeVpcBlockPublicAccessOptions',
  'ec2:DescribeVpcEndpoints',
  'ec2:DescribeVpcPeeringConnections',
  'ec2:DescribeVpcs',
  'ec2:GetManagedPrefixListEntries',
  'ec2:GetTransitGatewayRouteTablePropagations',
  'ec2:SearchTransitGatewayRoutes',
];

/**
 * The EC2 reads that take a transit gateway route table (its resource type is required for both), granted
 * on the account's route tables only: the collector reads the tables DescribeTransitGatewayRouteTables
 * lists, which are the account's own.
 */
export const EC2_TGW_ROUTE_TABLE_READ_ACTIONS: readonly string[] = [
  'ec2:GetTransitGatewayRouteTablePropagations',
  'ec2:SearchTransitGatewayRoutes',
];

/**
 * The AWS Network Firewall reads of the inventory collector. ListFirewalls has no resource types; the
 * Describe actions are granted on the resource types they take (Service Authorization Reference, AWS Network
 * Firewall). Policies and rule groups may belong to another account (shared through AWS RAM, or AWS-managed
 * rule groups under the `aws-managed` account), so their account is left open.
 */
export const NETWORK_FIREWALL_READ_ACTIONS: readonly string[] = [
  'network-firewall:DescribeFirewall',
  'network-firewall:DescribeFirewallPolicy',
  'network-firewall:DescribeRuleGroup',
  'network-firewall:ListFirewalls',
];

const TGW_ROUTE_TABLES_ARN = `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:transit-gateway-route-table/*`;
const NETWORK_FIREWALL_ARNS: readonly string[] = [
  `arn:${Aws.PARTITION}:network-firewall:${Aws.REGION}:${Aws.ACCOUNT_ID}:firewall/*`,
  `arn:${Aws.PARTITION}:network-firewall:${Aws.REGION}:*:firewall-policy/*`,
  `arn:${Aws.PARTITION}:network-firewall:${Aws.REGION}:*:stateful-rulegroup/*`,
  `arn:${Aws.PARTITION}:network-firewall:${Aws.REGION}:*:stateless-rulegroup/*`,
];

/** cdk-nag's name for a resource in a finding id: tokens such as `${Token[AWS.Region.9]}` become `<AWS::Region>`. */
/** AWS-owned documents have no account in their ARN. */
const RUN_SHELL_SCRIPT_ARN = `arn:${Aws.PARTITION}:ssm:${Aws.REGION}::document/${RUN_SHELL_SCRIPT_DOCUMENT}`;
const INSTANCES_ARN = `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:instance/*`;

function nagArn(arn: string): string {
  return arn
    .replace(Aws.PARTITION, '<AWS::Partition>')
    .replace(Aws.REGION, '<AWS::Region>')
    .replace(Aws.ACCOUNT_ID, '<AWS::AccountId>');
}

/**
 * What Lambda itself does with the execution role to attach the function to the VPC (Lambda developer
 * guide, "Giving Lambda functions access to resources in an Amazon VPC": the same actions as the
 * AWSLambdaVPCAccessExecutionRole managed policy, which Lambda checks on `*` when the function is created).
 * DescribeNetworkInterfaces and DescribeSubnets are already in EC2_READ_ACTIONS.
 */
export const VPC_ATTACHMENT_ACTIONS: readonly string[] = [
  'ec2:AssignPrivateIpAddresses',
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:UnassignPrivateIpAddresses',
];

/** The state-table item actions the state store uses; nothing that reads or changes the table itself. */
export const TABLE_ITEM_ACTIONS: readonly string[] = [
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];

/** The prober's size: memory and timeout. */
export interface ProberSize {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

/**
 * Sizes a prober for its fleet. A run costs about 30 s of API calls (describe, signals, state) plus one
 * probe deadline (10 s worst case) per batch of 50 concurrent probes; memory grows with the inventory and
 * the open sockets and buys CPU for the key exchanges (Lambda allocates CPU in proportion to memory).
 * The timeout never exceeds the schedule interval, so runs do not pile up, nor Lambda's 900 s maximum;
 * a fleet that does not fit is reported as `Unchecked` by the pipeline's deadline.
 */
export function sizeProber(expectedInstances: number, intervalSeconds: number): ProberSize {
  const estimate = 30 + Math.ceil(expectedInstances / 50) * 10;
  const timeoutSeconds = Math.max(30, Math.min(estimate, intervalSeconds, 900));
  const memoryMb = Math.min(3008, Math.max(512, Math.ceil((256 + expectedInstances * 0.5) / 128) * 128));
  return { memoryMb, timeoutSeconds };
}

export interface ProberFunctionProps {
  /** The monitored VPC's id. */
  readonly vpcId: string;
  /** The VPC's CIDR blocks (IPv4 and IPv6): the prober may open TCP connections to the ports inside them. */
  readonly vpcCidrs: readonly string[];
  /** Private subnets to attach the prober to (they need a route to the AWS APIs: NAT or VPC endpoints). */
  readonly subnetIds: readonly string[];
  /**
   * Availability zone of each subnet, by position.
   * @default - unknown; nothing in this stack needs it
   */
  readonly availabilityZones?: readonly string[];
  /**
   * Route table of each subnet, by position.
   * @default - unknown; nothing in this stack needs it
   */
  readonly routeTableIds?: readonly string[];
  /**
   * TCP ports the prober may connect to inside the VPC: the configured SSH port and the ports instances
   * name in their `port22:port` tags.
   * @default [22]
   */
  readonly ports?: readonly number[];
  /** The state table; the prober gets item access to it and nothing else. */
  readonly table: ITable;
  /** The alert topic; the prober may publish to it. */
  readonly topic: ITopic;
  /** The key encrypting the alert topic; publishing needs GenerateDataKey and Decrypt on it. */
  readonly topicKey: IKey;
  /** The handler's configuration, passed as JSON in `PORT22_CONFIG`. */
  readonly handlerConfig: HandlerConfigInput;
  /** The dashboard's console URL, linked from every alert (`PORT22_DASHBOARD_URL`). */
  readonly dashboardUrl: string;
  /** Time between scheduled runs; the timeout never exceeds it. */
  readonly interval: Duration;
  /**
   * Instances expected in the VPC, for sizing.
   * @default 100
   */
  readonly expectedInstances?: number;
  /**
   * Memory in MB.
   * @default - from `sizeProber(expectedInstances, interval)`
   */
  readonly memoryMb?: number;
  /**
   * Timeout.
   * @default - from `sizeProber(expectedInstances, interval)`
   */
  readonly timeout?: Duration;
  /**
   * Retention of the prober's log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * The handler module (exporting `handler`).
   * @default lambda/handlers/check.ts
   */
  readonly entry?: string;
}

/** One prober Lambda function and everything it owns. */
export class ProberFunction extends Construct {
  /** The prober function. */
  public readonly function: NodejsFunction;
  /** Its execution role: exactly the statements the pipeline needs. */
  public readonly role: Role;
  /** Its log group, with retention. */
  public readonly logGroup: LogGroup;
  /** Its security group: no ingress; egress to the monitored ports in the VPC and HTTPS only. */
  public readonly securityGroup: SecurityGroup;
  /** Where failed asynchronous invocations land (Lambda on-failure destination and Scheduler DLQ). */
  public readonly deadLetterQueue: Queue;
  /** The imported VPC. */
  public readonly vpc: IVpc;
  /** The size the function was given. */
  public readonly size: ProberSize;

  constructor(scope: Construct, id: string, props: ProberFunctionProps) {
    super(scope, id);
    const ports = props.ports ?? [22];
    const intervalSeconds = props.interval.toSeconds();
    const derived = sizeProber(props.expectedInstances ?? 100, intervalSeconds);
    this.size = {
      memoryMb: props.memoryMb ?? derived.memoryMb,
      timeoutSeconds: props.timeout?.toSeconds() ?? derived.timeoutSeconds,
    };

    this.vpc = Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: props.vpcId,
      // The imported VPC only uses its zones to split subnet-id lists, and we pass none: the subnets are
      // imported one by one below. Without configured zones, one real CloudFormation expression stands in,
      // so no lookup (and no AWS call) happens at synth time.
      availabilityZones: props.availabilityZones?.length
        ? [...new Set(props.availabilityZones)]
        : [Fn.select(0, Fn.getAzs())],
    });
    const subnets = props.subnetIds.map((subnetId, i) =>
      Subnet.fromSubnetAttributes(this, `Subnet${i}`, {
        subnetId,
        availabilityZone: props.availabilityZones?.[i],
        routeTableId: props.routeTableIds?.[i],
      }),
    );

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: `port22 prober for ${props.vpcId}: SSH probes inside the VPC, HTTPS to AWS APIs`,
      allowAllOutbound: false,
      allowAllIpv6Outbound: false,
    });
    for (const cidr of props.vpcCidrs) {
      const peer = parseCidr(cidr)?.family === 'ipv6' ? Peer.ipv6(cidr) : Peer.ipv4(cidr);
      for (const port of ports) {
        this.securityGroup.addEgressRule(peer, Port.tcp(port), `probe tcp/${port} inside ${cidr}`);
      }
    }
    // AWS API endpoints answer on 443 either through a NAT gateway (public addresses) or through interface
    // VPC endpoints (addresses inside the VPC); 0.0.0.0/0 covers both without a lookup at synth time.
    this.securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'HTTPS to AWS APIs');

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });

    this.deadLetterQueue = new Queue(this, 'FailedRuns', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself a dead-letter queue: the prober's Lambda on-failure destination and its Scheduler " +
        "target DLQ. cdk-nag only recognises queues named in another queue's RedrivePolicy.",
    });

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `port22 prober for ${props.vpcId}`,
    });
    this.grantLeastPrivilege(props);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry ?? PROBER_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: this.size.memoryMb,
      timeout: Duration.seconds(this.size.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      vpc: this.vpc,
      vpcSubnets: { subnets },
      securityGroups: [this.securityGroup],
      description: `port22 SSH health checks for ${props.vpcId}`,
      // A scheduled run that failed is superseded by the next one: retrying it would only overlap.
      retryAttempts: 0,
      maxEventAge: Duration.seconds(Math.max(60, intervalSeconds)),
      onFailure: new SqsDestination(this.deadLetterQueue),
      environment: {
        [HANDLER_ENV.table]: props.table.tableName,
        [HANDLER_ENV.topicArn]: props.topic.topicArn,
        [HANDLER_ENV.config]: JSON.stringify(props.handlerConfig),
        [HANDLER_ENV.dashboardUrl]: props.dashboardUrl,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: PROBER_ESBUILD_TARGET,
        format: OutputFormat.CJS,
        externalModules: [...PROBER_EXTERNALS],
      },
    });
  }

  private grantLeastPrivilege(props: ProberFunctionProps): void {
    const statements = [
      new PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
      new PolicyStatement({
        sid: 'ReadNetworkConfiguration',
        actions: EC2_READ_ACTIONS.filter((a) => !EC2_TGW_ROUTE_TABLE_READ_ACTIONS.includes(a)),
        resources: ['*'],
      }),
      new PolicyStatement({
        sid: 'ReadTransitGatewayRoutes',
        actions: [...EC2_TGW_ROUTE_TABLE_READ_ACTIONS],
        resources: [TGW_ROUTE_TABLES_ARN],
      }),
      new PolicyStatement({
        sid: 'ListNetworkFirewalls',
        actions: ['network-firewall:ListFirewalls'],
        resources: ['*'],
      }),
      new PolicyStatement({
        sid: 'ReadNetworkFirewalls',
        actions: NETWORK_FIREWALL_READ_ACTIONS.filter((a) => a !== 'network-firewall:ListFirewalls'),
        resources: [...NETWORK_FIREWALL_ARNS],
      }),
      new PolicyStatement({ sid: 'AttachToVpc', actions: [...VPC_ATTACHMENT_ACTIONS], resources: ['*'] }),
      // GetMetricData has no resource types and no namespace condition key (Service Authorization Reference).
      new PolicyStatement({
        sid: 'ReadHostSignals',
        actions: ['cloudwatch:GetMetricData'],
        resources: ['*'],
      }),
      new PolicyStatement({
        sid: 'KeepState',
        actions: [...TABLE_ITEM_ACTIONS],
        resources: [props.table.tableArn],
      }),
      new PolicyStatement({
        sid: 'PublishAlerts',
        actions: ['sns:Publish'],
        resources: [props.topic.topicArn],
      }),
      new PolicyStatement({
        sid: 'EncryptAlerts',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.topicKey.keyArn],
      }),
    ];
    const hostCheck = props.handlerConfig.evidence?.ssm === true;
    if (hostCheck) statements.push(...hostCheckStatements());
    for (const statement of statements) this.role.addToPrincipalPolicy(statement);
    for (const arn of [TGW_ROUTE_TABLES_ARN, ...NETWORK_FIREWALL_ARNS, ...(hostCheck ? [INSTANCES_ARN] : [])])
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagArn(arn)}]`,
        reason:
          'Read-only inventory actions on every resource of the one type they take (transit gateway route ' +
          'tables, firewalls, firewall policies, rule groups): the collector reads whichever the VPCs route ' +
          'through, which the stack cannot name at deploy time. ssm:SendCommand on instance/* is limited by ' +
          'its condition to instances tagged port22:host-check=true, and to the AWS-RunShellScript document.',
      });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only actions without resource-level permissions are granted on *: the EC2 Describe*/Get* reads of the ' +
        'inventory collector, network-firewall:ListFirewalls, cloudwatch:GetMetricData, ' +
        'ssm:DescribeInstanceInformation and ssm:GetCommandInvocation (with evidence.ssm), and the ENI actions Lambda needs to attach the function ' +
        'to the VPC (Service Authorization Reference lists no resource types for them). Table, topic, key, ' +
        'queue and log group statements name their resource.',
    });
  }
}

/**
 * The in-host check (evidence.ssm): SendCommand needs both the document and the instance as resources
 * (Service Authorization Reference, Systems Manager: SendCommand takes `document` and `instance`), so the
 * document ARN names AWS-RunShellScript only and the instance ARN is held to the opt-in tag with
 * `ssm:resourceTag/${TagKey}`. DescribeInstanceInformation and GetCommandInvocation take no resource type.
 */
function hostCheckStatements(): PolicyStatement[] {
  return [
    new PolicyStatement({
      sid: 'RunHostCheckDocument',
      actions: ['ssm:SendCommand'],
      resources: [RUN_SHELL_SCRIPT_ARN],
    }),
    new PolicyStatement({
      sid: 'RunHostCheckOnOptedInInstances',
      actions: ['ssm:SendCommand'],
      resources: [INSTANCES_ARN],
      conditions: { StringEqualsIgnoreCase: { [`ssm:resourceTag/${TAG.hostCheck}`]: 'true' } },
    }),
    new PolicyStatement({
      sid: 'ReadHostCheckResults',
      actions: ['ssm:DescribeInstanceInformation', 'ssm:GetCommandInvocation'],
      resources: ['*'],
    }),
  ];
}

/**
 * The prober: one Lambda function per monitored VPC, attached to that VPC's private subnets, bundled by
 * local esbuild, with its own security group, log group, role and failure queue (DESIGN.md, "Deployment
 * shape").
 */

import { Aws, Duration, Fn, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISubnet, IVpc } from 'aws-cdk-lib/aws-ec2';
import { Peer, Port, SecurityGroup, Subnet, Vpc } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type IDestination, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  evidenceSchema,
  HANDLER_ENV,
  type HandlerConfigInput,
  STATE_TABLE_KEYS,
} from '../lambda/contract.ts';
import { RUN_SHELL_SCRIPT_DOCUMENT } from '../lambda/core/evidence/host-check-script.ts';
import { TAG } from '../lambda/core/inventory/tags.ts';
import { parseCidr } from '../lambda/core/net/cidr.ts';
import { PROBER_ENTRY, PROBER_ESBUILD_TARGET, PROBER_EXTERNALS, PROJECT_ROOT } from './prober-bundling.ts';

/**
 * The EC2 read actions the prober sends: the inventory collector's (DESIGN.md, "Inventory directory") and
 * the host signals' DescribeInstanceStatus. test/lib/prober-least-privilege.test.ts derives the same set
 * from the bundled handler. The Describe* actions have no resource types (Service Authorization Reference,
 * Amazon EC2: the Resource types column is empty, so `Resource` must be `*`); the three Get/Search
 * actions take one, and are granted on it: {@link EC2_PREFIX_LIST_READ_ACTIONS},
 * {@link EC2_TGW_ROUTE_TABLE_READ_ACTIONS}.
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
  'ec2:DescribeVpcAttribute',
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
 * GetManagedPrefixListEntries requires the prefix-list resource type (Service Authorization Reference,
 * Amazon EC2: `prefix-list*`). A security group may name an AWS-managed list (owned by AWS) or one shared
 * through AWS RAM (owned by another account), so the account is left open; the Region is this one.
 */
export const EC2_PREFIX_LIST_READ_ACTIONS: readonly string[] = ['ec2:GetManagedPrefixListEntries'];

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

/**
 * What the inventory collector reads of Elastic Load Balancing (lambda/adapters/aws/elbv2-inventory.ts,
 * docs/load-balancers.md). None of them has a resource type (Service Authorization Reference, AWS Elastic
 * Load Balancing V2: the Resource types column is empty), so `Resource` must be `*`.
 */
export const ELBV2_READ_ACTIONS: readonly string[] = [
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeLoadBalancerAttributes',
  'elasticloadbalancing:DescribeLoadBalancers',
  'elasticloadbalancing:DescribeTags',
  'elasticloadbalancing:DescribeTargetGroupAttributes',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeTargetHealth',
];

/**
 * What the console evidence source calls (lambda/adapters/aws/console-output.ts). GetConsoleOutput takes one
 * resource type, `instance` (Service Authorization Reference, Amazon EC2), so it is granted on the account's
 * instances in the stack's Region. It cannot be narrowed to the monitored VPC: the instance resource's
 * condition keys name its tags, type, zone, tenancy and profile, not its VPC or subnet (`ec2:Vpc` is a key
 * of network interfaces, subnets and security groups). Nor to a tag: targets may be monitored by default,
 * untagged. The action only reads the console the instance itself printed.
 */
export const CONSOLE_OUTPUT_ACTIONS: readonly string[] = ['ec2:GetConsoleOutput'];
const INSTANCES_ARN = `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:instance/*`;

const TGW_ROUTE_TABLES_ARN = `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:transit-gateway-route-table/*`;
const PREFIX_LISTS_ARN = `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:*:prefix-list/*`;
/** Every EC2 resource of this account in this Region: where Lambda creates the function's ENIs. */
const OWN_EC2_RESOURCES_ARN = `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:*/*`;
const NETWORK_FIREWALL_ARNS: readonly string[] = [
  `arn:${Aws.PARTITION}:network-firewall:${Aws.REGION}:${Aws.ACCOUNT_ID}:firewall/*`,
  `arn:${Aws.PARTITION}:network-firewall:${Aws.REGION}:*:firewall-policy/*`,
  `arn:${Aws.PARTITION}:network-firewall:${Aws.REGION}:*:stateful-rulegroup/*`,
  `arn:${Aws.PARTITION}:network-firewall:${Aws.REGION}:*:stateless-rulegroup/*`,
];

/**
 * Flow-log evidence (lambda/adapters/aws/flow-logs.ts), granted when `evidence.flowLogs` is on. Per the
 * Service Authorization Reference: ec2:DescribeFlowLogs, logs:GetQueryResults and logs:StopQuery take no
 * resource types (a query is named by its id), so they are granted on `*`; logs:StartQuery takes the
 * `log-group` resource type. Which groups the VPCs' flow logs deliver to is only known at run time
 * (DescribeFlowLogs), so StartQuery is granted on the account's log groups in the stack's Region rather than
 * on named ones.
 */
export const FLOW_LOG_FIND_ACTIONS: readonly string[] = ['ec2:DescribeFlowLogs'];
export const FLOW_LOG_QUERY_RESULT_ACTIONS: readonly string[] = ['logs:GetQueryResults', 'logs:StopQuery'];
const LOG_GROUPS_ARN = `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`;

/**
 * Who changed what (lambda/adapters/aws/cloudtrail-history.ts), granted when `evidence.cloudTrail` is on:
 * cloudtrail:LookupEvents takes no resource types (Service Authorization Reference, AWS CloudTrail), so `*`.
 */
export const CHANGE_HISTORY_ACTIONS: readonly string[] = ['cloudtrail:LookupEvents'];

/** AWS-owned documents have no account in their ARN. */
const RUN_SHELL_SCRIPT_ARN = `arn:${Aws.PARTITION}:ssm:${Aws.REGION}::document/${RUN_SHELL_SCRIPT_DOCUMENT}`;

/** cdk-nag's name for a resource in a finding id: tokens such as `${Token[AWS.Region.9]}` become `<AWS::Region>`. */
function nagArn(arn: string): string {
  return arn
    .replace(Aws.PARTITION, '<AWS::Partition>')
    .replace(Aws.REGION, '<AWS::Region>')
    .replace(Aws.ACCOUNT_ID, '<AWS::AccountId>');
}

/**
 * What Lambda itself does with the execution role to attach the function to the VPC; the code never sends
 * them (Lambda developer guide, "Giving Lambda functions access to resources in an Amazon VPC": the actions
 * of the AWSLambdaVPCAccessExecutionRole managed policy). The Service Authorization Reference gives all four
 * resource types (network-interface, and subnet and security-group for CreateNetworkInterface), but the
 * ENIs Lambda creates have ids nobody knows at deploy time: they are granted on this account's EC2
 * resources in this Region, the scope the developer guide itself shows for DeleteNetworkInterface. Its two
 * reads, DescribeNetworkInterfaces ("only works if it's allowed on all resources") and DescribeSubnets, are
 * in EC2_READ_ACTIONS, which the collector sends anyway.
 */
export const VPC_ATTACHMENT_ACTIONS: readonly string[] = [
  'ec2:AssignPrivateIpAddresses',
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:UnassignPrivateIpAddresses',
];

/**
 * The state-table item actions the DynamoDB state store sends (and test/lib/prober-least-privilege.test.ts
 * derives from the bundle); nothing that reads or changes the table itself.
 */
export const TABLE_ITEM_ACTIONS: readonly string[] = ['dynamodb:BatchGetItem', 'dynamodb:PutItem'];

/** The one read of the pending-alerts index (lambda/contract.ts, STATE_TABLE_KEYS), granted on the index only. */
export const PENDING_INDEX_ACTIONS: readonly string[] = ['dynamodb:Query'];

/**
 * The longest an asynchronous invocation may wait for the function (PutFunctionEventInvokeConfig API
 * reference: MaximumEventAgeInSeconds 60-21600). Schedules up to 12 hours apart are allowed, and an event
 * older than this is stale anyway: the next run is on its way.
 */
const MAX_ASYNC_EVENT_AGE_SECONDS = 6 * 3600;

/**
 * Lambda's on-failure destination for `queue`, without SqsDestination's grant: it adds GetQueueAttributes
 * and GetQueueUrl, which Lambda never calls; the role's own statement grants SendMessage alone.
 */
function sendFailuresTo(queue: Queue): IDestination {
  return { bind: () => ({ destination: queue.queueArn }) };
}

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
  /**
   * The key encrypting the alert topic; publishing needs GenerateDataKey and Decrypt on it. A central topic's
   * key in another account is named by its alias: its key id is not known when the member stack synthesises.
   */
  readonly topicKey: IKey | AliasedKey;
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
  /**
   * The execution role's name: a central alert topic's policies name the member accounts' probers by it.
   * @default - generated by CloudFormation
   */
  readonly roleName?: string;
}

/** A KMS key in another account and Region, known by its alias (KMS developer guide, "kms:ResourceAliases"). */
export interface AliasedKey {
  readonly account: string;
  readonly region: string;
  /** `alias/…` */
  readonly alias: string;
}

/** The ARN pattern of every key of an aliased key's account and Region; the alias condition narrows it. */
export function aliasedKeyArns(key: AliasedKey): string {
  return `arn:${Aws.PARTITION}:kms:${key.region}:${key.account}:key/*`;
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
  /** The private subnets the function is attached to. */
  public readonly subnets: readonly ISubnet[];
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
    this.subnets = subnets;

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
      roleName: props.roleName,
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
      maxEventAge: Duration.seconds(Math.min(MAX_ASYNC_EVENT_AGE_SECONDS, Math.max(60, intervalSeconds))),
      onFailure: sendFailuresTo(this.deadLetterQueue),
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
    // The handler's schema defaults evidence.console to on.
    const readsConsole = props.handlerConfig.evidence?.console !== false;
    const statements = [
      new PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
      // Resource "*": EC2's Describe* actions have no resource types (Service Authorization Reference).
      new PolicyStatement({
        sid: 'ReadNetworkConfiguration',
        actions: EC2_READ_ACTIONS.filter(
          (a) => !EC2_TGW_ROUTE_TABLE_READ_ACTIONS.includes(a) && !EC2_PREFIX_LIST_READ_ACTIONS.includes(a),
        ),
        resources: ['*'],
      }),
      new PolicyStatement({
        sid: 'ReadPrefixLists',
        actions: [...EC2_PREFIX_LIST_READ_ACTIONS],
        resources: [PREFIX_LISTS_ARN],
      }),
      new PolicyStatement({
        sid: 'ReadTransitGatewayRoutes',
        actions: [...EC2_TGW_ROUTE_TABLE_READ_ACTIONS],
        resources: [TGW_ROUTE_TABLES_ARN],
      }),
      new PolicyStatement({
        sid: 'ReadLoadBalancers',
        actions: [...ELBV2_READ_ACTIONS],
        resources: ['*'],
      }),
      // Resource "*": ListFirewalls has no resource types (Service Authorization Reference, AWS Network
      // Firewall).
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
      new PolicyStatement({
        sid: 'AttachToVpc',
        actions: [...VPC_ATTACHMENT_ACTIONS],
        resources: [OWN_EC2_RESOURCES_ARN],
      }),
      // Resource "*": GetMetricData has no resource types and no namespace condition key (Service
      // Authorization Reference, Amazon CloudWatch).
      new PolicyStatement({
        sid: 'ReadHostSignals',
        actions: ['cloudwatch:GetMetricData'],
        resources: ['*'],
      }),
      ...(readsConsole
        ? [
            new PolicyStatement({
              sid: 'ReadConsoleOutput',
              actions: [...CONSOLE_OUTPUT_ACTIONS],
              resources: [INSTANCES_ARN],
            }),
          ]
        : []),
      new PolicyStatement({
        sid: 'KeepState',
        actions: [...TABLE_ITEM_ACTIONS],
        resources: [props.table.tableArn],
      }),
      new PolicyStatement({
        sid: 'FindPendingAlerts',
        actions: [...PENDING_INDEX_ACTIONS],
        // An index is its own resource type (`table/<name>/index/<index>`, Service Authorization Reference
        // for DynamoDB): a Query granted on it reads that index and not the table.
        resources: [`${props.table.tableArn}/index/${STATE_TABLE_KEYS.pendingIndex.name}`],
      }),
      new PolicyStatement({
        sid: 'PublishAlerts',
        actions: ['sns:Publish'],
        resources: [props.topic.topicArn],
      }),
      encryptAlerts(props.topicKey),
      // Lambda sends a failed asynchronous invocation's record with the execution role (Lambda developer
      // guide, "Adding a destination": Amazon SQS needs sqs:SendMessage), nothing else of the queue.
      new PolicyStatement({
        sid: 'RecordFailedRuns',
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
      }),
    ];
    const evidence = evidenceSchema.parse(props.handlerConfig.evidence ?? {});
    if (evidence.flowLogs)
      statements.push(
        new PolicyStatement({ sid: 'FindFlowLogs', actions: [...FLOW_LOG_FIND_ACTIONS], resources: ['*'] }),
        new PolicyStatement({
          sid: 'QueryFlowLogs',
          actions: ['logs:StartQuery'],
          resources: [LOG_GROUPS_ARN],
        }),
        new PolicyStatement({
          sid: 'ReadFlowLogQueries',
          actions: [...FLOW_LOG_QUERY_RESULT_ACTIONS],
          resources: ['*'],
        }),
      );
    if (evidence.cloudTrail)
      statements.push(
        new PolicyStatement({ sid: 'LookUpChanges', actions: [...CHANGE_HISTORY_ACTIONS], resources: ['*'] }),
      );
    if (evidence.ssm) statements.push(...hostCheckStatements());
    for (const statement of statements) this.role.addToPrincipalPolicy(statement);
    if (evidence.flowLogs)
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagArn(LOG_GROUPS_ARN)}]`,
        reason:
          "logs:StartQuery on the account's log groups in this Region: the flow logs' groups are found at run " +
          'time with DescribeFlowLogs and cannot be named at deploy time; the query is read-only and bounded.',
      });
    for (const arn of [TGW_ROUTE_TABLES_ARN, PREFIX_LISTS_ARN, ...NETWORK_FIREWALL_ARNS])
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagArn(arn)}]`,
        reason:
          'Read-only inventory actions on every resource of the one type they take (prefix lists, transit ' +
          'gateway route tables, firewalls, firewall policies, rule groups): the collector reads whichever ' +
          'the VPCs name or route through, which the stack cannot name at deploy time.',
      });
    if (readsConsole || evidence.ssm)
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagArn(INSTANCES_ARN)}]`,
        reason:
          "ec2:GetConsoleOutput on the account's instances in this Region: its only resource type is the " +
          'instance, whose condition keys cannot name a VPC, and the failing instances it reads are found at run ' +
          'time (Service Authorization Reference, Amazon EC2). ssm:SendCommand on instance/* is limited by its ' +
          'condition to instances tagged port22:host-check=true, and to the AWS-RunShellScript document.',
      });
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(OWN_EC2_RESOURCES_ARN)}]`,
      reason:
        'The ENI actions Lambda performs with the execution role to attach the function to the VPC, on this ' +
        "account's EC2 resources in this Region: the ENIs it creates have ids unknown at deploy time (Lambda " +
        'developer guide, "Giving Lambda functions access to resources in an Amazon VPC").',
    });
    if (!('keyArn' in props.topicKey))
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagArn(aliasedKeyArns(props.topicKey))}]`,
        reason:
          "The central alert topic's key lives in the monitoring account and its id is unknown when this stack " +
          'synthesises: the grant is limited by kms:ResourceAliases to the one key with the alert alias.',
      });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only actions the Service Authorization Reference lists without resource types are granted on *: the ' +
        "EC2 Describe* reads of the inventory collector (DescribeNetworkInterfaces also Lambda's own, which " +
        '"only works if it is allowed on all resources"), network-firewall:ListFirewalls, ' +
        'cloudwatch:GetMetricData, and for the evidence sources ec2:DescribeFlowLogs, logs:GetQueryResults, ' +
        'logs:StopQuery and cloudtrail:LookupEvents. Every other statement names its resources.',
    });
  }
}

/**
 * GenerateDataKey and Decrypt on the alert topic's key. An aliased key is granted on its account's keys
 * whose alias is that one: `kms:ResourceAliases` is how the KMS developer guide controls access to a key by
 * alias ("Use aliases to control access to KMS keys"), as an alias ARN in `Resource` grants nothing on a key.
 */
function encryptAlerts(key: IKey | AliasedKey): PolicyStatement {
  const actions = ['kms:Decrypt', 'kms:GenerateDataKey'];
  if ('keyArn' in key) return new PolicyStatement({ sid: 'EncryptAlerts', actions, resources: [key.keyArn] });
  return new PolicyStatement({
    sid: 'EncryptAlerts',
    actions,
    resources: [aliasedKeyArns(key)],
    conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': key.alias } },
  });
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

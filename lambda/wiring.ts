/**
 * The AWS adapters behind the pipeline's ports, in one place: the Lambda handler wires them from its
 * environment, `port22 check --region` wires the read-only ones (inventory, signals) from flags.
 */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { type ClientPlace, clientOptions } from './adapters/aws/client-options.ts';
import { CloudTrailChangeHistory } from './adapters/aws/cloudtrail-history.ts';
import { Ec2ConsoleOutputSource } from './adapters/aws/console-output.ts';
import { DynamoDbStateStore } from './adapters/aws/dynamodb-state-store.ts';
import { Ec2InventorySource } from './adapters/aws/ec2-inventory-source.ts';
import { AwsFlowLogBackend } from './adapters/aws/flow-logs.ts';
import { AwsSignalsSource } from './adapters/aws/host-signals.ts';
import { SnsNotifier } from './adapters/aws/sns-notifier.ts';
import { SsmHostCheck } from './adapters/aws/ssm-host-check.ts';
import { FlowLogEvidenceSource } from './adapters/flow-log-evidence.ts';
import { netProber } from './adapters/net/prober.ts';
import { evidenceSchema, type HandlerConfig } from './contract.ts';
import type { Inventory } from './core/inventory/model.ts';
import type { CheckPorts } from './pipeline.ts';
import { type EvidenceSource, identityResolver, type MetricsSink } from './ports.ts';
import { proberServices } from './prober-services.ts';

export interface AwsWiringOptions {
  readonly region?: string;
  /** A profile from ~/.aws/config (the CLI's --profile). @default the SDK's default chain */
  readonly profile?: string;
  /** @default every VPC in the region */
  readonly vpcIds?: readonly string[];
  /** The state table; with `topicArn`, state and alerts are on. */
  readonly tableName?: string;
  readonly topicArn?: string;
  readonly metrics?: MetricsSink;
  /** Ends every AWS call of the run when it aborts (the Lambda's deadline). @default none */
  readonly signal?: AbortSignal;
  /** Which evidence sources read failing instances (the stack config's `evidence`). @default its defaults */
  readonly evidence?: Partial<HandlerConfig['evidence']>;
}

/** The ports of a run against a real account: in AWS the prober reaches instance addresses as they are. */
export function awsPorts(opts: AwsWiringOptions): CheckPorts {
  const place: ClientPlace = {
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
  };
  const signal = opts.signal ? { signal: opts.signal } : {};
  const ec2 = new EC2Client(clientOptions('ec2', place));
  const want = evidenceSchema.parse(opts.evidence ?? {});
  // A client for exactly the services the run calls: the list the prober's path checks read too.
  const uses = new Set(
    proberServices({
      state: Boolean(opts.tableName),
      alerts: Boolean(opts.topicArn),
      evidence: want,
    }),
  );
  // One entry per evidence source the config turns on.
  const evidence: EvidenceSource[] = [
    ...(want.console ? [new Ec2ConsoleOutputSource({ client: ec2 })] : []),
    ...(uses.has('cloudwatch-logs')
      ? [
          new FlowLogEvidenceSource(
            new AwsFlowLogBackend({
              ec2,
              logs: new CloudWatchLogsClient(clientOptions('cloudwatch-logs', place)),
            }),
          ),
        ]
      : []),
    ...(uses.has('ssm') ? [new SsmHostCheck({ client: new SSMClient(clientOptions('ssm', place)) })] : []),
  ];
  return {
    inventory: new Ec2InventorySource({
      client: ec2,
      networkFirewallClient: new NetworkFirewallClient(clientOptions('network-firewall', place)),
      elbv2Client: new ElasticLoadBalancingV2Client(clientOptions('elasticloadbalancing', place)),
      ...(opts.vpcIds ? { vpcIds: opts.vpcIds } : {}),
      ...signal,
    }),
    prober: netProber,
    resolver: identityResolver,
    signals: new AwsSignalsSource({
      ec2,
      cloudwatch: new CloudWatchClient(clientOptions('cloudwatch', place)),
      ...signal,
    }),
    ...(opts.tableName && uses.has('dynamodb')
      ? {
          state: new DynamoDbStateStore({
            tableName: opts.tableName,
            client: new DynamoDBClient(clientOptions('dynamodb', place)),
            ...signal,
          }),
        }
      : {}),
    ...(opts.topicArn && uses.has('sns')
      ? {
          notifier: new SnsNotifier({
            topicArn: opts.topicArn,
            client: new SNSClient(clientOptions('sns', place)),
            ...signal,
          }),
        }
      : {}),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    ...(evidence.length > 0 ? { evidence } : {}),
    ...(uses.has('cloudtrail')
      ? {
          changeHistory: new CloudTrailChangeHistory({
            client: new CloudTrailClient(clientOptions('cloudtrail', place)),
          }),
        }
      : {}),
  };
}

/**
 * The prober's own ENI in a Lambda: VPC-attached functions send through a Hyperplane ENI of
 * `InterfaceType` `lambda`, described as "AWS Lambda VPC ENI-<function name>-…". Its security groups,
 * subnet ACL and routes are the prober's side of every path.
 */
export function lambdaEniLocator(functionName: string | undefined) {
  return (inventory: Inventory): string | undefined => {
    if (!functionName) return undefined;
    // The name is followed by a UUID, so `port22-prober` does not match `port22-prober-vpc-…`'s ENI.
    const escaped = functionName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(
      `ENI-${escaped}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`,
    );
    const eni = inventory.networkInterfaces.find(
      (n) => n.InterfaceType === 'lambda' && pattern.test(n.Description ?? ''),
    );
    return eni?.NetworkInterfaceId;
  };
}

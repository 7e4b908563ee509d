/**
 * The AWS adapters behind the pipeline's ports, in one place: the Lambda handler wires them from its
 * environment, `port22 check --region` wires the read-only ones (inventory, signals) from flags.
 */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SNSClient } from '@aws-sdk/client-sns';
import { CloudTrailChangeHistory } from './adapters/aws/cloudtrail-history.ts';
import { DynamoDbStateStore } from './adapters/aws/dynamodb-state-store.ts';
import { Ec2InventorySource } from './adapters/aws/ec2-inventory-source.ts';
import { AwsFlowLogBackend } from './adapters/aws/flow-logs.ts';
import { AwsSignalsSource } from './adapters/aws/host-signals.ts';
import { SDK_RETRY } from './adapters/aws/retry.ts';
import { SnsNotifier } from './adapters/aws/sns-notifier.ts';
import { FlowLogEvidenceSource } from './adapters/flow-log-evidence.ts';
import { netProber } from './adapters/net/prober.ts';
import type { Inventory } from './core/inventory/model.ts';
import type { CheckPorts } from './pipeline.ts';
import { type EvidenceSource, identityResolver, type MetricsSink } from './ports.ts';

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
  /**
   * Which evidence sources read the account for failing instances (the stack's `evidence` config).
   * @default flow logs and CloudTrail on
   */
  readonly evidence?: { readonly flowLogs?: boolean; readonly cloudTrail?: boolean };
}

/** The ports of a run against a real account: in AWS the prober reaches instance addresses as they are. */
export function awsPorts(opts: AwsWiringOptions): CheckPorts {
  const base = {
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...SDK_RETRY,
  };
  const ec2 = new EC2Client(base);
  const flowLogs = opts.evidence?.flowLogs ?? true;
  const cloudTrail = opts.evidence?.cloudTrail ?? true;
  // One entry per evidence source the config turns on.
  const evidence: EvidenceSource[] = [
    ...(flowLogs
      ? [new FlowLogEvidenceSource(new AwsFlowLogBackend({ ec2, logs: new CloudWatchLogsClient(base) }))]
      : []),
  ];
  return {
    inventory: new Ec2InventorySource({ client: ec2, ...(opts.vpcIds ? { vpcIds: opts.vpcIds } : {}) }),
    prober: netProber,
    resolver: identityResolver,
    signals: new AwsSignalsSource({ ec2, cloudwatch: new CloudWatchClient(base) }),
    ...(opts.tableName
      ? { state: new DynamoDbStateStore({ tableName: opts.tableName, client: new DynamoDBClient(base) }) }
      : {}),
    ...(opts.topicArn
      ? { notifier: new SnsNotifier({ topicArn: opts.topicArn, client: new SNSClient(base) }) }
      : {}),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    ...(evidence.length > 0 ? { evidence } : {}),
    ...(cloudTrail
      ? { changeHistory: new CloudTrailChangeHistory({ client: new CloudTrailClient(base) }) }
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

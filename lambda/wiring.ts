/**
 * The AWS adapters behind the pipeline's ports, in one place: the Lambda handler wires them from its
 * environment, `port22 check --region` wires the read-only ones (inventory, signals) from flags.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDbStateStore } from './adapters/aws/dynamodb-state-store.ts';
import { Ec2InventorySource } from './adapters/aws/ec2-inventory-source.ts';
import { AwsSignalsSource } from './adapters/aws/host-signals.ts';
import { SDK_RETRY } from './adapters/aws/retry.ts';
import { SnsNotifier } from './adapters/aws/sns-notifier.ts';
import { SsmHostCheck } from './adapters/aws/ssm-host-check.ts';
import { netProber } from './adapters/net/prober.ts';
import type { Inventory } from './core/inventory/model.ts';
import type { CheckPorts } from './pipeline.ts';
import { identityResolver, type MetricsSink } from './ports.ts';

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
  /** Run the in-host check through Systems Manager on failing instances tagged for it. @default false */
  readonly hostCheck?: boolean;
}

/** The ports of a run against a real account: in AWS the prober reaches instance addresses as they are. */
export function awsPorts(opts: AwsWiringOptions): CheckPorts {
  const base = {
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...SDK_RETRY,
  };
  const ec2 = new EC2Client(base);
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
    ...(opts.hostCheck ? { evidence: [new SsmHostCheck({ client: new SSMClient(base) })] } : {}),
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

/**
 * The state table: one item per instance — last diagnosis, since when, consecutive failures, last alert,
 * host-key fingerprint — written with conditional updates so overlapping runs never both alert.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** The partition key: the instance id (string). */
export const STATE_PARTITION_KEY = 'pk';
/** The TTL attribute (epoch seconds), refreshed on every run so instances that disappear expire. */
export const STATE_TTL_ATTRIBUTE = 'ttl';

export interface StateTableProps {
  /**
   * What happens to the table when the stack is deleted.
   * @default RemovalPolicy.RETAIN - state (host keys, alert history) survives a redeploy
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The DynamoDB table holding per-instance state. */
export class StateTable extends Construct {
  /** The table. */
  public readonly table: Table;

  constructor(scope: Construct, id: string, props: StateTableProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: STATE_PARTITION_KEY, type: AttributeType.STRING },
      // On demand: a run reads and writes the whole fleet in a burst every few minutes, then nothing.
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: STATE_TTL_ATTRIBUTE,
      // The AWS managed key: encrypted at rest with a key the account can audit, no key policy to keep.
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}

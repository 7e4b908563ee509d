/**
 * The state table: one item per instance — last diagnosis, since when, consecutive failures, last alert,
 * host-key fingerprint — written with conditional updates so overlapping runs never both alert.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { STATE_TABLE_KEYS } from '../lambda/contract.ts';

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
      partitionKey: { name: STATE_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      // On demand: a run reads and writes the whole fleet in a burst every few minutes, then nothing.
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: STATE_TABLE_KEYS.ttlAttribute,
      // The AWS managed key: encrypted at rest with a key the account can audit, no key policy to keep.
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Sparse: only records still owing an alert carry its key, so a run finds them by one Query of its
    // VPC's partition (lambda/contract.ts, STATE_TABLE_KEYS).
    const { pendingIndex } = STATE_TABLE_KEYS;
    this.table.addGlobalSecondaryIndex({
      indexName: pendingIndex.name,
      partitionKey: { name: pendingIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: pendingIndex.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });
  }
}

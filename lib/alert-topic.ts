/**
 * The alert topic: SNS encrypted with a customer managed KMS key, reachable only over TLS, with an
 * e-mail subscription per configured address. Alarms publish to it too, so CloudWatch may use the key.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlertTopicProps {
  /**
   * Addresses that receive alerts; each must confirm the subscription e-mail SNS sends.
   * @default [] - no subscriptions (subscribe later, e.g. a chat integration)
   */
  readonly emails?: readonly string[];
}

/** The SNS topic alerts and alarms are published to, and its key. */
export class AlertTopic extends Construct {
  /** The topic. */
  public readonly topic: Topic;
  /** The KMS key encrypting the topic. */
  public readonly key: Key;

  constructor(scope: Construct, id: string, props: AlertTopicProps = {}) {
    super(scope, id);
    // Both key policy statements (CDK's default one for the account root, and the one below) read
    // `Resource: "*"`: in a key policy that means the key itself, and is the only value a key policy takes
    // (KMS developer guide, "Key policies in AWS KMS": "the Resource element is "*", which means this KMS
    // key"), so it grants nothing on any other key.
    this.key = new Key(this, 'Key', {
      description: 'port22 alert topic encryption',
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
    });
    // CloudWatch alarms publish to the topic with their own service principal; an encrypted topic needs
    // the key policy to let them (SNS developer guide, "Enable compatibility between event sources from
    // AWS services and encrypted topics").
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        // Only alarms of this account: the confused-deputy guard the SNS guide recommends.
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.topic = new Topic(this, 'Topic', {
      displayName: 'port22 SSH health',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.emails ?? []) this.topic.addSubscription(new EmailSubscription(email));
  }
}

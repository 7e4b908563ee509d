/**
 * Notifier on SNS: e-mail subscribers get the subject and the plain-text body; the message attributes
 * `severity`, `diagnosis` and `kind` let a subscription filter policy pick what it receives (for
 * example only `severity: critical`, or everything but reminders).
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { MAX_SUBJECT_CHARS } from '../../core/alerts/render.ts';
import { headerSafe, mailBodySafe } from '../../core/report/safe-text.ts';
import type { RenderedAlert } from '../../core/state/instance-state.ts';
import type { Notifier } from '../../ports.ts';
import { SDK_RETRY } from './retry.ts';

export interface SnsNotifierProps {
  readonly topicArn: string;
  /** @default new SNSClient(SDK_RETRY) (region and credentials from the Lambda environment) */
  readonly client?: SNSClient;
}

export class SnsNotifier implements Notifier {
  private readonly client: SNSClient;
  private readonly topicArn: string;

  constructor(props: SnsNotifierProps) {
    this.topicArn = props.topicArn;
    this.client = props.client ?? new SNSClient(SDK_RETRY);
  }

  async publish(alert: RenderedAlert): Promise<{ messageId: string }> {
    const MessageAttributes = Object.fromEntries(
      Object.entries(alert.attributes).map(([name, value]) => [
        name,
        { DataType: 'String', StringValue: value },
      ]),
    );
    const res = await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        // Rendered alerts are already safe; a pending one stored by an older version may not be.
        Subject: headerSafe(alert.subject, MAX_SUBJECT_CHARS),
        Message: mailBodySafe(alert.body),
        MessageAttributes,
      }),
    );
    if (!res.MessageId) throw new Error('SNS accepted the publish but returned no MessageId');
    return { messageId: res.MessageId };
  }
}

/**
 * Notifier on SNS: e-mail subscribers get the subject and the plain-text body; the message attributes
 * `severity`, `diagnosis` and `kind` let a subscription filter policy pick what it receives (for
 * example only `severity: critical`, or everything but reminders).
 *
 * A retried Publish whose first attempt reached SNS is a second e-mail: a standard topic has no
 * deduplication (`MessageDeduplicationId` applies only to FIFO topics, and FIFO topics deliver only to SQS,
 * never to e-mail). So the SDK retries a Publish only when the attempt provably never reached SNS (the
 * connection was refused, the name did not resolve) or SNS answered with an error (throttled, 5xx: not
 * published). Any other failure — a timeout after the request was written, a reset or closed connection,
 * an abort — may have published it; it is not retried here and surfaces as PublishOutcomeUnknownError, so
 * the record step can re-send it once on the next run instead of in a tight loop (docs/alerts.md).
 */
import { PublishCommand, type PublishCommandOutput, SNSClient } from '@aws-sdk/client-sns';
import { MAX_SUBJECT_CHARS } from '../../core/alerts/render.ts';
import { headerSafe, mailBodySafe } from '../../core/report/safe-text.ts';
import type { RenderedAlert } from '../../core/state/instance-state.ts';
import { type Notifier, PublishOutcomeUnknownError } from '../../ports.ts';
import { clientOptions } from './client-options.ts';

export interface SnsNotifierProps {
  readonly topicArn: string;
  /** @default new SNSClient(clientOptions('sns')) (region and credentials from the Lambda environment) */
  readonly client?: SNSClient;
  /** Ends every publish, retries included, when it aborts (the run's deadline). @default none */
  readonly signal?: AbortSignal;
}

/** Errors raised before a single byte could reach SNS: no connection was ever made. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** True when `error` proves SNS did not publish: it answered with an error, or was never reached. */
function publishSurelyFailed(error: unknown): boolean {
  const e = error as { $metadata?: { httpStatusCode?: number }; $response?: unknown; code?: string };
  if (e?.$metadata?.httpStatusCode !== undefined || e?.$response !== undefined) return true;
  return NEVER_CONNECTED.has(e?.code ?? '');
}

export class SnsNotifier implements Notifier {
  private readonly client: SNSClient;
  private readonly topicArn: string;
  private readonly sendOptions: { abortSignal?: AbortSignal };

  constructor(props: SnsNotifierProps) {
    this.topicArn = props.topicArn;
    this.client = props.client ?? new SNSClient(clientOptions('sns'));
    this.sendOptions = props.signal ? { abortSignal: props.signal } : {};
  }

  async publish(alert: RenderedAlert): Promise<{ messageId: string }> {
    const MessageAttributes = Object.fromEntries(
      Object.entries(alert.attributes).map(([name, value]) => [
        name,
        { DataType: 'String', StringValue: value },
      ]),
    );
    const command = new PublishCommand({
      TopicArn: this.topicArn,
      // Rendered alerts are already safe; a pending one stored by an older version may not be.
      Subject: headerSafe(alert.subject, MAX_SUBJECT_CHARS),
      Message: mailBodySafe(alert.body),
      MessageAttributes,
    });
    // Inside the SDK's retry loop, once per attempt (the retry middleware is finalizeRequest at high
    // priority): an attempt whose outcome is unknown becomes an error the SDK's classifier never retries
    // (no `code`, no `cause`, a name it does not know).
    command.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          throw publishSurelyFailed(error) ? error : new PublishOutcomeUnknownError(error);
        }
      },
      { step: 'finalizeRequest', priority: 'low', name: 'port22PublishOutcomeGuard' },
    );
    let res: PublishCommandOutput;
    try {
      res = await this.client.send(command, this.sendOptions);
    } catch (error) {
      // An abort ends the SDK's loop from outside the guard: it too may have come after the request left.
      if (error instanceof PublishOutcomeUnknownError || publishSurelyFailed(error)) throw error;
      throw new PublishOutcomeUnknownError(error);
    }
    if (!res.MessageId) throw new Error('SNS accepted the publish but returned no MessageId');
    return { messageId: res.MessageId };
  }
}

// A notifier for the record step's tests: keeps what it published, and fails the next `failNext` publishes
// as a throttled SNS would (a failure whose outcome is known: nothing was delivered).
import type { RenderedAlert } from '../../../lambda/core/state/instance-state.ts';
import type { Notifier } from '../../../lambda/ports.ts';

export class RecordingNotifier implements Notifier {
  readonly published: RenderedAlert[] = [];
  failNext = 0;
  async publish(alert: RenderedAlert) {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('Throttling: Rate exceeded');
    }
    this.published.push(alert);
    return { messageId: `m-${this.published.length}` };
  }
}

/**
 * Notifier that keeps alerts in memory instead of sending them: the CLI's default when no alert channel
 * is configured (the report lists what would have been sent), and the tests' recording notifier.
 */
import type { RenderedAlert } from '../../core/state/instance-state.ts';
import type { Notifier } from '../../ports.ts';

export class CollectingNotifier implements Notifier {
  readonly alerts: RenderedAlert[] = [];

  async publish(alert: RenderedAlert): Promise<{ messageId: string }> {
    this.alerts.push(alert);
    return { messageId: `local-${this.alerts.length}` };
  }
}

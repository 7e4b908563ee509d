// The hostile corpus (test/fixtures/hostile/corpus.ts) fed to every medium a person reads port22 through:
// the terminal (check, analyze, probe), e-mail (the .eml file and SNS, subject and body), the HTML report
// and the log line. None of the corpus' raw bytes may come out, and no output may grow without bound.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { formatAnalyzeReport } from '../../../../cli/analyze.ts';
import { formatCheckReport } from '../../../../cli/check.ts';
import { renderBanners, renderTable } from '../../../../cli/probe.ts';
import { SnsNotifier } from '../../../../lambda/adapters/aws/sns-notifier.ts';
import { toEml } from '../../../../lambda/adapters/local/file-notifier.ts';
import { MAX_SUBJECT_CHARS, renderAlert } from '../../../../lambda/core/alerts/render.ts';
import type { Alert } from '../../../../lambda/core/alerts/types.ts';
import { renderHtmlReport } from '../../../../lambda/core/report/html.ts';
import type { InstanceReport } from '../../../../lambda/core/report/instance-report.ts';
import { instanceLogFields } from '../../../../lambda/handlers/check.ts';
import type { CheckReport } from '../../../../lambda/pipeline.ts';
import { assertNothingRaw, hostileCorpus } from '../../../fixtures/hostile/corpus.ts';
import { downAlert } from '../alerts/fixtures.ts';

function instance(v: string): InstanceReport {
  return {
    instanceId: v,
    name: v,
    address: v,
    port: 22,
    diagnosis: 'SSHD_NOT_LISTENING',
    healthy: false,
    severity: 'critical',
    summary: v,
    evidence: [{ kind: 'probe', code: 'refused', detail: v, resourceId: v }],
    remediation: [v],
    probe: { outcome: 'refused', phases: { connectMs: 1, totalMs: 1 }, detail: v },
    changes: [v],
  };
}

function checkReport(v: string): CheckReport {
  const alert = { target: v, kind: 'alert', code: 'SSHD_NOT_LISTENING', subject: v, error: v };
  return {
    instances: [instance(v), { ...instance(v), instanceId: 'i-0abc1234def567890' }],
    findings: [{ code: 'SSH_OPEN_TO_INTERNET', resourceId: v, detail: v, instanceIds: [v] }],
    unchecked: 1,
    uncheckedInstances: [{ instanceId: v, name: v, reason: v }],
    alerts: { sent: [alert], failed: [alert], dropped: [alert], conflicts: [v] },
    errors: [v],
    proberErrors: 0,
    metrics: [],
    runId: 'hostile',
    startedAt: '2026-12-01T00:00:00.000Z',
    durationMs: 1,
  };
}

function alert(v: string): Alert {
  return {
    ...downAlert,
    instanceId: v,
    name: v,
    summary: v,
    evidence: [{ kind: 'probe', code: 'refused', detail: v, resourceId: v }],
    remediation: [v],
    changes: [v],
    resources: { ...downAlert.resources, address: v, securityGroupIds: [v] },
  };
}

/** An SNSClient that keeps what it was asked to publish. */
function capturingSns(): { client: SNSClient; published: PublishCommandInput[] } {
  const published: PublishCommandInput[] = [];
  const client = {
    send: async (command: { input: PublishCommandInput }) => {
      published.push(command.input);
      return { MessageId: 'm-1' };
    },
  } as unknown as SNSClient;
  return { client, published };
}

/** A value adds no line of its own: the output has as many lines as with a plain value in its place. */
function assertSameLines(render: (v: string) => string, value: string, where: string): void {
  assert.equal(
    render(value).split('\n').length,
    render('plain').split('\n').length,
    `${where}: a line added`,
  );
}

describe('the hostile corpus through every output medium', () => {
  for (const { name, value } of hostileCorpus()) {
    describe(name, () => {
      it('terminal: port22 check text', () => {
        assertNothingRaw(formatCheckReport(checkReport(value)), 'check');
        assertSameLines((v) => formatCheckReport(checkReport(v)), value, 'check');
      });

      it('terminal: port22 analyze text', () => {
        const render = (v: string) =>
          formatAnalyzeReport({
            verdicts: [
              {
                instanceId: v,
                address: v,
                source: v,
                family: 'ipv4',
                reachable: false,
                blockers: [{ code: 'SG_INGRESS_NO_MATCH', resourceId: v, detail: v }],
              },
            ],
            exposure: [{ code: 'SSH_OPEN_TO_INTERNET', resourceId: v, detail: v }],
          });
        assertNothingRaw(render(value), 'analyze');
        assertSameLines(render, value, 'analyze');
      });

      it('terminal: port22 probe table and banner', () => {
        const result = (v: string) => ({
          target: { host: '10.0.0.7', port: 22 },
          outcome: 'ok' as const,
          phases: { totalMs: 9 },
          software: v,
          detail: v,
          banner: v,
          authMethods: [v],
        });
        assertNothingRaw(renderTable([result(value)]), 'probe table');
        assertSameLines((v) => renderTable([result(v)]), value, 'probe table');
        // A banner keeps its own lines, each marked as the server's.
        assertNothingRaw(renderBanners([result(value)]), 'probe banner');
      });

      it('e-mail: the .eml file, every header and the body', () => {
        const eml = toEml(renderAlert(alert(value)), value, value);
        assertNothingRaw(eml, '.eml', true);
        assertSameLines((v) => toEml(renderAlert(alert(v)), v, v), value, '.eml');
        const headers = eml.slice(0, eml.indexOf('\r\n\r\n')).split('\r\n');
        for (const h of headers) {
          assert.match(h, /^[A-Za-z0-9-]+: [\x20-\x7e]*$/, h.slice(0, 80));
          assert.ok(h.length <= 998, `RFC 5322 §2.1.1: ${h.length} characters`);
        }
      });

      it('e-mail: the SNS subject and message', async () => {
        const { client, published } = capturingSns();
        const notifier = new SnsNotifier({ topicArn: 'arn:aws:sns:eu-west-1:111122223333:port22', client });
        // Both the rendered alert and one stored raw by an older version (a pending alert in DynamoDB).
        const rendered = renderAlert(alert(value));
        await notifier.publish(rendered);
        await notifier.publish({ ...rendered, subject: value, body: value });
        for (const p of published) {
          assert.match(p.Subject!, /^[\x20-\x7e]*$/, 'SNS subjects: printable ASCII, no line break');
          assert.ok(p.Subject!.length <= MAX_SUBJECT_CHARS, `${p.Subject!.length} characters`);
          assertNothingRaw(p.Message!, 'SNS message');
          assert.ok(Buffer.byteLength(p.Message!) <= 256 * 1024, 'SNS caps a message at 256 KiB');
        }
      });

      it('HTML: the report page', () => {
        const report = checkReport(value);
        const html = renderHtmlReport(
          { ...report, alerts: { sent: report.alerts.sent, failed: report.alerts.failed } },
          { generatedAt: new Date('2026-12-01T00:00:00Z'), region: 'eu-west-1', title: value },
        );
        assertNothingRaw(html, 'HTML');
        assert.ok(!html.includes('\u001b'), 'no ESC');
      });

      it('log: the per-instance JSON line', () => {
        // JSON.stringify is what the Powertools Logger writes the fields with.
        assertNothingRaw(JSON.stringify(instanceLogFields(instance(value), 'vpc-0a1b2c3d')), 'log');
      });
    });
  }
});

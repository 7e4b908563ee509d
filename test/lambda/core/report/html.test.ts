import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HtmlReportInput, HtmlReportInstance } from '../../../../lambda/core/report/html.ts';
import {
  countByDiagnosis,
  phaseChart,
  renderHtmlReport,
  severityOf,
} from '../../../../lambda/core/report/html.ts';
import { escapeHtml } from '../../../../lambda/core/report/safe-text.ts';
import { HOSTILE_IDENT, realisticFleet } from './fleet.ts';

const AT = new Date('2025-03-01T12:00:00Z');

/** Every real tag in the page (escaped text contains no `<`, so it cannot show up here). */
function tags(html: string): string[] {
  return html.match(/<[a-zA-Z][^>]*>/g) ?? [];
}

function instance(extra: Partial<HtmlReportInstance>): HtmlReportInstance {
  return {
    instanceId: 'i-0123456789abcdef0',
    address: '10.0.1.25',
    diagnosis: 'HEALTHY',
    summary: 'ok',
    evidence: [],
    remediation: [],
    ...extra,
  };
}

describe('escapeHtml', () => {
  for (const [input, expected] of [
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    [`a "b" & 'c'`, 'a &quot;b&quot; &amp; &#39;c&#39;'],
    ['&amp;', '&amp;amp;'],
    ['plain', 'plain'],
  ] as const) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () =>
      assert.equal(escapeHtml(input), expected));
  }
});

describe('renderHtmlReport', () => {
  const report = realisticFleet();
  const html = renderHtmlReport(report, {
    generatedAt: AT,
    region: 'us-east-1',
    dashboardUrl: 'https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=port22',
  });

  it('a hostile ident reaches the page as text: no script tag, no img, no event handler', () => {
    assert.ok(html.includes(escapeHtml(HOSTILE_IDENT)), 'the escaped ident is shown');
    assert.ok(!html.includes('<script'), 'no <script> anywhere');
    for (const tag of tags(html)) {
      assert.doesNotMatch(tag, /^<(script|img|iframe|object|embed|link)\b/i, tag);
      assert.doesNotMatch(tag, /\son[a-z]+=/i, tag);
    }
  });

  it('loads nothing: no src attributes, href only on links, a CSP forbidding scripts and fetches', () => {
    for (const tag of tags(html)) {
      assert.doesNotMatch(tag, /\ssrc=/i, tag);
      if (/\shref=/i.test(tag)) assert.match(tag, /^<a\s/, tag);
    }
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'/);
    assert.ok(!/url\(/.test(html), 'no CSS url()');
    assert.ok(!/@import/.test(html), 'no CSS @import');
  });

  it('shows every instance id, its name, address and diagnosis', () => {
    for (const i of report.instances) {
      assert.ok(html.includes(`<code>${i.instanceId}</code>`), i.instanceId);
      assert.ok(html.includes(`<td>${i.name}</td>`), i.name);
      assert.ok(html.includes(`<code>${i.address}</code>`), i.address);
      assert.ok(html.includes(`>${i.diagnosis}<`), i.diagnosis);
    }
  });

  it('counts by diagnosis in tiles, and the totals', () => {
    for (const c of countByDiagnosis(report.instances)) {
      assert.match(html, new RegExp(`data-diagnosis="${c.diagnosis}"><b>${c.count}</b>`));
    }
    assert.match(html, /<b>7<\/b><span>instances checked/);
    assert.match(html, /<b>1<\/b><span>as expected/);
    assert.match(html, /<b>6<\/b><span>need attention/);
    assert.match(html, /<b>1<\/b><span>exposure findings/);
    assert.match(html, /<b>2<\/b><span>not checked/);
    assert.match(html, /2 instance\(s\) were not checked/);
  });

  it('each non-healthy instance has a section with its evidence and ordered remediation; healthy ones none', () => {
    for (const i of report.instances) {
      const id = `id="i-${i.instanceId}"`;
      if (severityOf(i) === 'ok') {
        assert.ok(!html.includes(id), `${i.instanceId} has no detail section`);
        continue;
      }
      const start = html.indexOf(id);
      assert.ok(start > 0, `${i.instanceId} has a detail section`);
      const section = html.slice(start, html.indexOf('</article>', start));
      for (const e of i.evidence) assert.ok(section.includes(escapeHtml(e.detail)), e.detail);
      if (i.remediation.length > 0) {
        const items = section.slice(section.indexOf('<ol>')).match(/<li>/g) ?? [];
        assert.equal(items.length, i.remediation.length);
      }
    }
  });

  it('commands quoted in backticks become <code>, the rest stays escaped text', () => {
    const page = renderHtmlReport(
      {
        instances: [
          instance({ diagnosis: 'UNKNOWN', remediation: ['Run `ss -tlnp | grep ":22"` & look <here>'] }),
        ],
        findings: [],
        unchecked: 0,
      },
      { generatedAt: AT },
    );
    assert.ok(
      page.includes('<li>Run <code>ss -tlnp | grep &quot;:22&quot;</code> &amp; look &lt;here&gt;</li>'),
    );
  });

  it('links instances to the EC2 console when a region is given, and the dashboard', () => {
    assert.ok(
      html.includes(
        'href="https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#InstanceDetails:instanceId=i-0a1b2c3d4e5f60002"',
      ),
    );
    // The console of the region's partition, as in the alert e-mails.
    const china = renderHtmlReport(report, { generatedAt: AT, region: 'cn-north-1' });
    assert.ok(china.includes('href="https://cn-north-1.console.amazonaws.cn/ec2/home?region=cn-north-1#'));
    assert.match(
      html,
      /<a href="https:\/\/console\.aws\.amazon\.com\/cloudwatch\/[^"]+">Open the CloudWatch dashboard/,
    );
    const plain = renderHtmlReport(report, { generatedAt: AT });
    assert.ok(!plain.includes('console.aws.amazon.com'));
  });

  it('orders instances worst first and lists findings', () => {
    const rows = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'));
    assert.ok(rows.indexOf('sev-critical') < rows.indexOf('sev-ok'));
    assert.ok(html.includes('<b>SSH_OPEN_TO_INTERNET</b>'));
    assert.ok(html.includes('<code>sg-0bastion0000002</code>'));
  });

  it('title and time are taken from the options, the title escaped', () => {
    const page = renderHtmlReport(report, { generatedAt: AT, title: 'prod <eu>' });
    assert.ok(page.includes('<title>prod &lt;eu&gt;</title>'));
    assert.ok(page.includes('<time datetime="2025-03-01T12:00:00.000Z">'));
  });
});

describe('the run: unchecked instances, alerts, errors', () => {
  const base: HtmlReportInput = { instances: [instance({})], findings: [], unchecked: 1 };

  it('lists each unchecked instance with its reason, escaped', () => {
    const page = renderHtmlReport(
      { ...base, uncheckedInstances: [{ instanceId: 'i-0late', name: 'db<1>', reason: 'deadline reached' }] },
      { generatedAt: AT },
    );
    assert.ok(page.includes('<li><code>i-0late</code> db&lt;1&gt;: deadline reached</li>'));
  });

  it('shows alerts sent and failed, and the run errors', () => {
    const page = renderHtmlReport(
      {
        ...base,
        alerts: {
          sent: [{ target: 'i-0a', kind: 'alert', code: 'SSHD_NOT_LISTENING', subject: 'SSH down on web-1' }],
          failed: [
            { target: 'i-0b', kind: 'recovery', code: 'HEALTHY', subject: 'back', error: 'Throttling <x>' },
          ],
        },
        errors: ['signals: GetMetricData <throttled>'],
      },
      { generatedAt: AT },
    );
    assert.match(
      page,
      /<td>sent<\/td><td><code>i-0a<\/code><\/td><td>alert<\/td><td><b>SSHD_NOT_LISTENING<\/b><\/td><td>SSH down on web-1<\/td>/,
    );
    assert.match(page, /<td>failed<\/td><td><code>i-0b<\/code><\/td>.*back \(Throttling &lt;x&gt;\)/);
    assert.ok(page.includes('<li>signals: GetMetricData &lt;throttled&gt;</li>'));
  });

  it('says so when the run sent nothing, and has no run section without alerts or errors', () => {
    assert.match(
      renderHtmlReport({ ...base, alerts: { sent: [] } }, { generatedAt: AT }),
      /No alerts this run/,
    );
    assert.ok(!renderHtmlReport(base, { generatedAt: AT }).includes('This run'));
  });
});

describe('phaseChart', () => {
  it('one stacked bar per probed instance, a segment per measured phase, widths proportional to ms', () => {
    const svg = phaseChart([
      instance({
        instanceId: 'i-a',
        probe: { outcome: 'ok', phases: { connectMs: 10, identMs: 20, kexMs: 50, authMs: 20, totalMs: 100 } },
      }),
      instance({
        instanceId: 'i-b',
        probe: { outcome: 'timeout', phases: { connectMs: 200, totalMs: 200 } },
      }),
      instance({ instanceId: 'i-c' }),
    ]);
    assert.equal((svg.match(/<g class=/g) ?? []).length, 2, 'no bar for the instance without a probe');
    const widths = [
      ...svg.matchAll(/<rect class="ph-(\w+)" x="[\d.]+" y="\d+" width="([\d.]+)" height="\d+"><title>/g),
    ].map((m) => [m[1], Number(m[2])]);
    // 200 ms is the longest total: 520 px; 10 ms → 26 px.
    assert.deepEqual(widths, [
      ['connect', 26],
      ['ident', 52],
      ['kex', 130],
      ['auth', 52],
      ['connect', 520],
    ]);
    assert.ok(svg.includes('>100 ms ok<') && svg.includes('>200 ms timeout<'));
  });

  it('says so when nothing was probed', () => {
    assert.match(phaseChart([instance({})]), /No probe results/);
  });

  it('escapes names and outcomes inside the SVG', () => {
    const svg = phaseChart([
      instance({ name: '<b>x</b>', probe: { outcome: '<i>', phases: { connectMs: 1, totalMs: 1 } } }),
    ]);
    assert.ok(svg.includes('&lt;b&gt;x&lt;/b&gt;') && svg.includes('1 ms &lt;i&gt;'));
    assert.ok(!svg.includes('<b>') && !svg.includes('<i>'));
  });
});

describe('severityOf / countByDiagnosis', () => {
  it('falls back to the catalogue, then to warning for an unknown code', () => {
    assert.equal(severityOf(instance({ diagnosis: 'SSHD_NOT_LISTENING' })), 'critical');
    assert.equal(severityOf(instance({ diagnosis: 'EXPECTED_CLOSED' })), 'ok');
    assert.equal(severityOf(instance({ diagnosis: 'SOMETHING_NEW' })), 'warning');
    assert.equal(severityOf(instance({ diagnosis: 'HEALTHY', severity: 'info' })), 'info');
  });
  it('counts, worst severity first', () => {
    const input: HtmlReportInput['instances'] = [
      instance({}),
      instance({ diagnosis: 'HEALTHY' }),
      instance({ diagnosis: 'UNKNOWN' }),
      instance({ diagnosis: 'HOST_FIREWALL_DROP' }),
    ];
    assert.deepEqual(countByDiagnosis(input), [
      { diagnosis: 'HOST_FIREWALL_DROP', severity: 'critical', count: 1 },
      { diagnosis: 'UNKNOWN', severity: 'warning', count: 1 },
      { diagnosis: 'HEALTHY', severity: 'ok', count: 2 },
    ]);
  });
});

describe('assumptions', () => {
  it('a healthy instance`s "assumed: …" evidence is shown in the instance table, escaped', () => {
    const html = renderHtmlReport(
      {
        instances: [
          instance({
            evidence: [{ kind: 'static', code: 'ASSUMED', detail: 'assumed: <b>fw</b> & "x" passes' }],
          }),
        ],
        findings: [],
        unchecked: 0,
      },
      { generatedAt: AT },
    );
    assert.ok(html.includes('assumed: &lt;b&gt;fw&lt;/b&gt; &amp; &quot;x&quot; passes'), 'escaped');
    assert.ok(!html.includes('<b>fw</b>'));
  });
});

/**
 * The fleet as one self-contained HTML page (`port22 check --html`, the lab): what the CloudWatch dashboard
 * shows — counts by diagnosis, every instance with its diagnosis, evidence and remediation, exposure findings,
 * and the probe's phase timings as a chart. Pure: report in, string out.
 *
 * Idents, probe details and tag values come from servers and accounts we do not control, so every string
 * taken from the report is escaped, and a Content-Security-Policy forbids scripts and every remote fetch:
 * even a mistake in escaping could neither run code nor call home when the file is opened.
 */
import { consoleHost } from '../alerts/render.ts';
import { CATALOGUE } from '../diagnose/catalogue.ts';
import type { Evidence, Severity } from '../diagnose/types.ts';
import type { ProbePhases } from '../probe/types.ts';
import type { ExposureFinding } from '../reachability/types.ts';
import { escapeHtml, urlComponent } from './safe-text.ts';

/** One instance as `check --json` prints it, plus the optional probe result the chart is drawn from. */
export interface HtmlReportInstance {
  readonly instanceId: string;
  readonly name?: string;
  readonly address: string;
  /** A diagnosis code (DESIGN.md, "Diagnoses"). */
  readonly diagnosis: string;
  /** @default the catalogue's severity for `diagnosis` */
  readonly severity?: Severity;
  readonly summary: string;
  readonly evidence: readonly Evidence[];
  readonly remediation: readonly string[];
  /** Without it (or with `--no-probe`) the instance has no bar in the timing chart. */
  readonly probe?: { readonly outcome: string; readonly phases: ProbePhases };
}

/** The `check --json` report, narrowed to what the page shows. */
export interface HtmlReportInput {
  readonly instances: readonly HtmlReportInstance[];
  readonly findings: readonly ExposureFinding[];
  readonly unchecked: number;
  /** Which instances were not checked, and why (the pipeline's `uncheckedInstances`). */
  readonly uncheckedInstances?: readonly {
    readonly instanceId: string;
    readonly name?: string;
    readonly reason: string;
  }[];
  /** Alerts this run sent, and those whose publish failed. */
  readonly alerts?: {
    readonly sent: readonly HtmlReportAlert[];
    readonly failed?: readonly HtmlReportAlert[];
  };
  /** One line per failed piece of the run (`signals: …`, `probe: …`). */
  readonly errors?: readonly string[];
}

export interface HtmlReportAlert {
  readonly target: string;
  readonly kind: string;
  readonly code: string;
  readonly subject: string;
  readonly error?: string;
}

export interface HtmlReportOptions {
  /** @default 'port22 — SSH health' */
  readonly title?: string;
  readonly generatedAt: Date;
  /** The CloudWatch dashboard this page mirrors, linked from the header. */
  readonly dashboardUrl?: string;
  /** When set, instance ids link to the EC2 console in this region. */
  readonly region?: string;
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, warning: 1, info: 2, ok: 3 };

const PHASES = [
  { key: 'connectMs', label: 'connect' },
  { key: 'identMs', label: 'ident' },
  { key: 'kexMs', label: 'kex' },
  { key: 'authMs', label: 'auth' },
] as const;

export function severityOf(instance: HtmlReportInstance): Severity {
  if (instance.severity !== undefined) return instance.severity;
  const entry = (CATALOGUE as Readonly<Record<string, { severity: Severity } | undefined>>)[
    instance.diagnosis
  ];
  return entry?.severity ?? 'warning';
}

/** Catalogue steps quote commands in backticks; those become <code>, everything else stays text. */
function stepHtml(step: string): string {
  return step
    .split('`')
    .map((part, i) => (i % 2 === 1 ? `<code>${escapeHtml(part)}</code>` : escapeHtml(part)))
    .join('');
}

function consoleLink(instanceId: string, region: string | undefined): string {
  if (region === undefined) return `<code>${escapeHtml(instanceId)}</code>`;
  const url = `${consoleHost(region)}/ec2/home?region=${urlComponent(region)}#InstanceDetails:instanceId=${urlComponent(instanceId)}`;
  return `<a href="${escapeHtml(url)}"><code>${escapeHtml(instanceId)}</code></a>`;
}

/** Diagnosis counts, worst severity first, then by count. */
export function countByDiagnosis(
  instances: readonly HtmlReportInstance[],
): { diagnosis: string; severity: Severity; count: number }[] {
  const counts = new Map<string, { diagnosis: string; severity: Severity; count: number }>();
  for (const i of instances) {
    const entry = counts.get(i.diagnosis) ?? { diagnosis: i.diagnosis, severity: severityOf(i), count: 0 };
    entry.count += 1;
    counts.set(i.diagnosis, entry);
  }
  return [...counts.values()].sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      b.count - a.count ||
      a.diagnosis.localeCompare(b.diagnosis),
  );
}

function tiles(input: HtmlReportInput): string {
  const healthy = input.instances.filter((i) => severityOf(i) === 'ok').length;
  const totals = [
    `<div class="tile"><b>${input.instances.length}</b><span>instances checked</span></div>`,
    `<div class="tile sev-ok"><b>${healthy}</b><span>as expected</span></div>`,
    `<div class="tile${healthy < input.instances.length ? ' sev-critical' : ''}"><b>${input.instances.length - healthy}</b><span>need attention</span></div>`,
    `<div class="tile${input.findings.length > 0 ? ' sev-warning' : ''}"><b>${input.findings.length}</b><span>exposure findings</span></div>`,
    `<div class="tile"><b>${input.unchecked}</b><span>not checked</span></div>`,
  ];
  const byCode = countByDiagnosis(input.instances).map(
    (c) =>
      `<div class="tile sev-${c.severity}" data-diagnosis="${escapeHtml(c.diagnosis)}"><b>${c.count}</b><span>${escapeHtml(c.diagnosis)}</span></div>`,
  );
  return `<section class="tiles">${totals.join('')}</section>\n<h2>By diagnosis</h2>\n<section class="tiles">${byCode.join('')}</section>`;
}

function sorted(instances: readonly HtmlReportInstance[]): HtmlReportInstance[] {
  return [...instances].sort(
    (a, b) =>
      SEVERITY_RANK[severityOf(a)] - SEVERITY_RANK[severityOf(b)] || a.instanceId.localeCompare(b.instanceId),
  );
}

function anchor(instanceId: string): string {
  // Cut: an EC2 id is 19 characters; a longer one is not an id, and its anchor need not be whole.
  return `i-${instanceId.slice(0, 64).replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function instanceTable(instances: readonly HtmlReportInstance[], region: string | undefined): string {
  const rows = instances.map((i) => {
    const sev = severityOf(i);
    const diagnosis =
      sev === 'ok'
        ? escapeHtml(i.diagnosis)
        : `<a href="#${anchor(i.instanceId)}">${escapeHtml(i.diagnosis)}</a>`;
    // What the verdict rests on is shown wherever the verdict is, a healthy row included.
    const assumed = i.evidence
      .filter((e) => e.code === 'ASSUMED')
      .map((e) => `<br><small class="assumed">${escapeHtml(e.detail)}</small>`)
      .join('');
    return `<tr class="sev-${sev}"><td>${escapeHtml(i.name ?? '')}</td><td>${consoleLink(i.instanceId, region)}</td><td><code>${escapeHtml(i.address)}</code></td><td><span class="badge sev-${sev}">${diagnosis}</span></td><td>${escapeHtml(i.summary)}${assumed}</td></tr>`;
  });
  return `<table class="instances"><thead><tr><th>name</th><th>instance</th><th>address</th><th>diagnosis</th><th>summary</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function evidenceItem(e: Evidence): string {
  const resource = e.resourceId === undefined ? '' : ` <code>${escapeHtml(e.resourceId)}</code>`;
  return `<li><span class="kind">${escapeHtml(e.kind)}</span> <b>${escapeHtml(e.code)}</b>${resource}: ${escapeHtml(e.detail)}</li>`;
}

function instanceDetail(i: HtmlReportInstance): string {
  const sev = severityOf(i);
  const title =
    i.name === undefined ? escapeHtml(i.instanceId) : `${escapeHtml(i.name)} (${escapeHtml(i.instanceId)})`;
  const evidence =
    i.evidence.length === 0
      ? '<p>No evidence recorded.</p>'
      : `<ul>${i.evidence.map(evidenceItem).join('')}</ul>`;
  const remediation =
    i.remediation.length === 0
      ? ''
      : `<h4>Remediation</h4><ol>${i.remediation.map((s) => `<li>${stepHtml(s)}</li>`).join('')}</ol>`;
  return `<article id="${anchor(i.instanceId)}" class="detail sev-${sev}"><h3><span class="badge sev-${sev}">${escapeHtml(i.diagnosis)}</span> ${title}</h3><p>${escapeHtml(i.summary)}</p><h4>Evidence</h4>${evidence}${remediation}</article>`;
}

function uncheckedList(input: HtmlReportInput): string {
  const listed = input.uncheckedInstances ?? [];
  const header =
    input.unchecked === 0
      ? ''
      : `<p class="unchecked">${input.unchecked} instance(s) were not checked (not monitored, or no address to reach).</p>`;
  if (listed.length === 0) return header;
  const items = listed.map(
    (u) =>
      `<li><code>${escapeHtml(u.instanceId)}</code>${u.name === undefined ? '' : ` ${escapeHtml(u.name)}`}: ${escapeHtml(u.reason)}</li>`,
  );
  return `${header}<ul class="unchecked">${items.join('')}</ul>`;
}

function runSection(input: HtmlReportInput): string {
  const sent = input.alerts?.sent ?? [];
  const failed = input.alerts?.failed ?? [];
  const errors = input.errors ?? [];
  if (input.alerts === undefined && errors.length === 0) return '';
  const row = (a: HtmlReportAlert, state: string) =>
    `<tr><td>${state}</td><td><code>${escapeHtml(a.target)}</code></td><td>${escapeHtml(a.kind)}</td><td><b>${escapeHtml(a.code)}</b></td><td>${escapeHtml(a.subject)}${a.error === undefined ? '' : ` (${escapeHtml(a.error)})`}</td></tr>`;
  const alerts =
    sent.length + failed.length === 0
      ? '<p>No alerts this run (nothing changed state, or it was already announced).</p>'
      : `<table class="alerts"><thead><tr><th></th><th>target</th><th>kind</th><th>code</th><th>subject</th></tr></thead><tbody>${[
          ...sent.map((a) => row(a, 'sent')),
          ...failed.map((a) => row(a, 'failed')),
        ].join('')}</tbody></table>`;
  const errorList =
    errors.length === 0
      ? ''
      : `<h3>Errors</h3><ul class="errors">${errors.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>`;
  return `<h2>This run</h2>\n${input.alerts === undefined ? '' : alerts}${errorList}`;
}

function findingsTable(findings: readonly ExposureFinding[]): string {
  if (findings.length === 0) return '<p>No exposure findings.</p>';
  const rows = findings.map(
    (f) =>
      `<tr><td><b>${escapeHtml(f.code)}</b></td><td><code>${escapeHtml(f.resourceId)}</code></td><td>${escapeHtml(f.detail)}</td><td>${(f.instanceIds ?? []).map((id) => `<code>${escapeHtml(id)}</code>`).join(' ')}</td></tr>`,
  );
  return `<table class="findings"><thead><tr><th>finding</th><th>resource</th><th>detail</th><th>instances</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const ROW_HEIGHT = 22;
const LABEL_WIDTH = 210;
const BAR_WIDTH = 520;
const TAIL_WIDTH = 190;

/** One stacked horizontal bar per probed instance: connect / ident / kex / auth, on one linear ms scale. */
export function phaseChart(instances: readonly HtmlReportInstance[]): string {
  const probed = instances.filter((i) => i.probe !== undefined);
  if (probed.length === 0)
    return '<p>No probe results (run without <code>--no-probe</code> to see timings).</p>';
  const maxMs = Math.max(1, ...probed.map((i) => i.probe!.phases.totalMs));
  const scale = BAR_WIDTH / maxMs;
  const top = 24;
  const height = top + probed.length * ROW_HEIGHT + 8;
  const width = LABEL_WIDTH + BAR_WIDTH + TAIL_WIDTH;
  const legend = PHASES.map(
    (p, n) =>
      `<rect class="ph-${p.label}" x="${LABEL_WIDTH + n * 90}" y="4" width="12" height="12"/><text x="${LABEL_WIDTH + n * 90 + 16}" y="14">${p.label}</text>`,
  ).join('');
  const rows = probed.map((i, n) => {
    const y = top + n * ROW_HEIGHT;
    const phases = i.probe!.phases;
    let x = LABEL_WIDTH;
    const segments: string[] = [];
    for (const p of PHASES) {
      const ms = phases[p.key];
      if (ms === undefined) continue;
      const w = Math.max(ms * scale, ms > 0 ? 1 : 0);
      segments.push(
        `<rect class="ph-${p.label}" x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW_HEIGHT - 8}"><title>${escapeHtml(`${i.instanceId} ${p.label}: ${ms} ms`)}</title></rect>`,
      );
      x += w;
    }
    const label = escapeHtml(truncate(i.name ?? i.instanceId, 30));
    const tail = escapeHtml(`${phases.totalMs} ms ${i.probe!.outcome}`);
    return `<g class="sev-${severityOf(i)}"><text class="label" x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end">${label}</text>${segments.join('')}<text class="tail" x="${(x + 6).toFixed(1)}" y="${y + 15}">${tail}</text></g>`;
  });
  return `<svg class="phases" role="img" aria-label="probe phase timings" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${legend}\n${rows.join('\n')}\n</svg>`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#5b636e;--line:#d6dae0;--card:#f5f7f9;
--ok:#1a7f37;--info:#0969da;--warning:#9a6700;--critical:#cf222e;
--connect:#4e79a7;--ident:#f28e2b;--kex:#76b7b2;--auth:#59a14f}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--card:#161b22;
--ok:#3fb950;--info:#58a6ff;--warning:#d29922;--critical:#f85149}}
body{margin:0 auto;max-width:1200px;padding:1.5rem;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
h1{font-size:1.5rem;margin:0}h2{font-size:1.15rem;margin:1.6rem 0 .6rem}h3{font-size:1rem;margin:0 0 .4rem}
h4{font-size:.9rem;margin:.8rem 0 .3rem;color:var(--muted)}
header p{margin:.2rem 0;color:var(--muted)}a{color:var(--info)}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--card);padding:0 .25em;border-radius:3px;word-break:break-all}
td code,.instances td:first-child{white-space:nowrap;word-break:normal}
.tiles{display:flex;flex-wrap:wrap;gap:.6rem}
.tile{border:1px solid var(--line);border-left:5px solid var(--muted);border-radius:6px;padding:.5rem .8rem;min-width:8.5rem;background:var(--card)}
.tile b{display:block;font-size:1.6rem}.tile span{color:var(--muted);font-size:.8rem}
.sev-ok{--sev:var(--ok)}.sev-info{--sev:var(--info)}.sev-warning{--sev:var(--warning)}.sev-critical{--sev:var(--critical)}
.tile[class*=sev-]{border-left-color:var(--sev)}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{color:var(--muted);font-weight:600}
.badge{display:inline-block;border-radius:4px;padding:0 .4em;font-weight:600;font-size:.8rem;color:var(--bg);background:var(--sev)}
.badge a{color:inherit;text-decoration:none}
.detail{border:1px solid var(--line);border-left:5px solid var(--sev);border-radius:6px;padding:.8rem 1rem;margin:.7rem 0}
.detail ul,.detail ol{margin:.2rem 0;padding-left:1.4rem}.detail li{margin:.15rem 0}
.assumed{color:var(--muted)}
.kind{font-size:.75rem;color:var(--muted);text-transform:uppercase}
svg.phases{max-width:100%;height:auto;font-size:12px}svg text{fill:var(--fg)}svg .tail{fill:var(--muted)}
.ph-connect{fill:var(--connect)}.ph-ident{fill:var(--ident)}.ph-kex{fill:var(--kex)}.ph-auth{fill:var(--auth)}
svg g[class*=sev-] .label{fill:var(--sev)}
footer{margin-top:2rem;color:var(--muted);font-size:.8rem}
`;

/** The whole page. `report` is the `check --json` object (extra fields are ignored). */
export function renderHtmlReport(report: HtmlReportInput, options: HtmlReportOptions): string {
  const title = options.title ?? 'port22 — SSH health';
  const instances = sorted(report.instances);
  const attention = instances.filter((i) => severityOf(i) !== 'ok');
  const generated = options.generatedAt.toISOString();
  const dashboard =
    options.dashboardUrl === undefined
      ? ''
      : `<p><a href="${escapeHtml(options.dashboardUrl)}">Open the CloudWatch dashboard</a></p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p>Generated <time datetime="${generated}">${generated}</time> · ${report.instances.length} instance(s), ${report.unchecked} not checked</p>${dashboard}</header>
<main>
<h2>Fleet</h2>
${tiles(report)}
${uncheckedList(report)}
<h2>Instances</h2>
${instanceTable(instances, options.region)}
<h2>Probe phase timings</h2>
${phaseChart(instances)}
<h2>Needs attention</h2>
${attention.length === 0 ? '<p>Every instance is as expected.</p>' : attention.map(instanceDetail).join('\n')}
<h2>Exposure findings</h2>
${findingsTable(report.findings)}
${runSection(report)}
</main>
<footer>port22 · diagnoses and remediation from the port22 catalogue · this page loads nothing from the network</footer>
</body>
</html>
`;
}

/**
 * Renders a decided alert as the message people read: an e-mail subject and a plain-text body, plus
 * the SNS message attributes subscription filter policies match on (`severity`, `diagnosis`, `kind`).
 */
import { createHash } from 'node:crypto';
import { headerSafe, mailBodySafe, terminalSafe, urlComponent } from '../report/safe-text.ts';
import type { RenderedAlert } from '../state/instance-state.ts';
import type { Alert, AlertResources } from './types.ts';

export interface RenderOptions {
  /** The CloudWatch dashboard for this deployment, linked from every alert. */
  dashboardUrl?: string;
  /** Region for console links when the alert's resources do not name one. */
  region?: string;
}

/** SNS: "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100 characters". */
export const MAX_SUBJECT_CHARS = 99;

const KIND_LABEL: Record<Alert['kind'], string> = {
  alert: 'DOWN',
  recovery: 'RECOVERED',
  reminder: 'STILL DOWN',
  update: 'CHANGED',
  security: 'SECURITY',
};

export function renderAlert(alert: Alert, options: RenderOptions = {}): RenderedAlert {
  return {
    id: alertId(alert),
    kind: alert.kind,
    code: alert.code,
    severity: alert.severity,
    at: alert.at,
    subject: renderSubject(alert),
    body: mailBodySafe(renderBody(alert, options)),
    attributes: { severity: alert.severity, diagnosis: alert.code, kind: alert.kind },
  };
}

/** Stable for the same decision, so a retried alert keeps its id. */
function alertId(alert: Alert): string {
  const target = alert.instanceId ?? `group:${alert.group?.group ?? ''}`;
  return createHash('sha256')
    .update(`${target}|${alert.kind}|${alert.code}|${alert.at}`)
    .digest('hex')
    .slice(0, 24);
}

export function renderSubject(alert: Alert): string {
  const label = alert.group ? `GROUP ${KIND_LABEL[alert.kind]}` : KIND_LABEL[alert.kind];
  const was = alert.previousCode ? ` (was ${alert.previousCode})` : '';
  const build = (name: string | undefined, withWas: boolean) => {
    if (alert.group) {
      const g = alert.group;
      return `[port22] ${label} ${headerSafe(g.group)}: ${g.healthy}/${g.members} healthy (min ${g.minimum})`;
    }
    const id = headerSafe(alert.instanceId ?? '');
    const who = name ? `${id} (${name})` : id;
    return `[port22] ${label} ${who}: ${alert.code}${withWas ? was : ''}`;
  };
  const name = alert.name ? headerSafe(alert.name) : undefined;
  let subject = build(name, true);
  if (subject.length > MAX_SUBJECT_CHARS && name) {
    // Shorten the Name tag first: the id and the code are what a reader needs to act.
    const over = subject.length - MAX_SUBJECT_CHARS;
    const keep = name.length - over - 3;
    subject = build(keep >= 4 ? `${name.slice(0, keep)}...` : undefined, true);
  }
  if (subject.length > MAX_SUBJECT_CHARS) subject = build(undefined, false);
  return headerSafe(subject, MAX_SUBJECT_CHARS);
}

/**
 * Every value from a tag, an account or a peer is one line (terminalSafe), so none can add lines that
 * look like port22's own; the whole body then goes through mailBodySafe in renderAlert.
 */
function renderBody(alert: Alert, options: RenderOptions = {}): string {
  const one = (text: string) => terminalSafe(text);
  const lines: string[] = [];
  const heading = alert.group ? `HA group ${one(alert.group.group)}` : one(instanceLabel(alert));
  lines.push(`${KIND_LABEL[alert.kind]}: ${heading}`);
  lines.push(`Diagnosis: ${alert.code} (severity ${alert.severity})`);
  if (alert.previousCode) lines.push(`Previously: ${alert.previousCode}`);
  if (alert.resources?.address) lines.push(`Address: ${one(alert.resources.address)}`);
  if (alert.failingSince) {
    const span = duration(Date.parse(alert.at) - Date.parse(alert.failingSince));
    const count = alert.consecutiveFailures ? `, ${alert.consecutiveFailures} failed checks in a row` : '';
    lines.push(
      alert.kind === 'recovery'
        ? `Was down: since ${alert.failingSince} (${span})`
        : `Failing since: ${alert.failingSince} (${span}${count})`,
    );
  }
  lines.push(`Checked at: ${alert.at}`);
  lines.push('', one(alert.summary));

  if (alert.group) {
    lines.push(
      '',
      'Group',
      `  ${alert.group.healthy} of ${alert.group.members} healthy, minimum ${alert.group.minimum}`,
    );
    for (const m of alert.group.unhealthyMembers) lines.push(`  - ${one(m)}`);
  }
  if (alert.evidence.length > 0) {
    lines.push('', 'Evidence');
    for (const e of alert.evidence) {
      const where = e.resourceId && !e.detail.includes(e.resourceId) ? ` [${one(e.resourceId)}]` : '';
      lines.push(`  - ${e.kind} ${e.code}: ${one(e.detail)}${where}`);
    }
  }
  if (alert.changes.length > 0) {
    lines.push('', 'What changed');
    for (const c of alert.changes) lines.push(`  - ${one(c)}`);
  }
  if (alert.remediation.length > 0) {
    lines.push('', 'Remediation');
    alert.remediation.forEach((step, i) => {
      lines.push(`  ${i + 1}. ${one(step)}`);
    });
  }
  const links = consoleLinks(alert, options);
  if (links.length > 0) {
    lines.push('', 'Links');
    const width = Math.max(...links.map(([label]) => label.length)) + 1;
    for (const [label, url] of links) lines.push(`  ${`${label}:`.padEnd(width + 1)}${url}`);
  }
  lines.push(
    '',
    '-- ',
    `port22 alert ${alertId(alert)} (kind ${alert.kind}).`,
    'Filter subscriptions on the message attributes severity, diagnosis and kind.',
  );
  return `${lines.join('\n')}\n`;
}

function instanceLabel(alert: Alert): string {
  return alert.name ? `${alert.instanceId} (${alert.name})` : `${alert.instanceId}`;
}

/** Console links, in the partition the region belongs to (aws, aws-cn, aws-us-gov). */
function consoleLinks(alert: Alert, options: RenderOptions = {}): [string, string][] {
  const r: AlertResources = alert.resources ?? {};
  const region = r.region ?? options.region;
  const links: [string, string][] = [];
  if (region) {
    const host = consoleHost(region);
    const ec2 = `${host}/ec2/home?region=${region}`;
    const vpc = `${host}/vpcconsole/home?region=${region}`;
    if (alert.instanceId)
      links.push(['Instance', `${ec2}#InstanceDetails:instanceId=${urlComponent(alert.instanceId)}`]);
    for (const sg of r.securityGroupIds ?? [])
      links.push([`Security group ${terminalSafe(sg)}`, `${ec2}#SecurityGroup:groupId=${urlComponent(sg)}`]);
    for (const acl of r.networkAclIds ?? [])
      links.push([
        `Network ACL ${terminalSafe(acl)}`,
        `${vpc}#NetworkAclDetails:networkAclId=${urlComponent(acl)}`,
      ]);
  }
  if (options.dashboardUrl) links.push(['Dashboard', terminalSafe(options.dashboardUrl)]);
  return links;
}

export function consoleHost(region: string): string {
  if (region.startsWith('cn-')) return `https://${region}.console.amazonaws.cn`;
  if (region.startsWith('us-gov-')) return 'https://console.amazonaws-us-gov.com';
  return `https://${region}.console.aws.amazon.com`;
}

function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'unknown';
  const minutes = Math.floor(ms / 60000);
  if (minutes < 1) return 'under a minute';
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].filter(Boolean).join(' ');
}

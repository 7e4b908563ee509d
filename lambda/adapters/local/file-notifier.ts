/**
 * Notifier for the local lab: each alert becomes an RFC 5322 message (`.eml`) in a directory, which
 * any mail client opens, and one line on the terminal.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { headerSafe, mailBodySafe, terminalSafe } from '../../core/report/safe-text.ts';
import type { RenderedAlert } from '../../core/state/instance-state.ts';
import type { Notifier } from '../../ports.ts';
import { makeDirectory } from './make-directory.ts';

export interface FileNotifierProps {
  readonly directory: string;
  /** @default 'port22 <port22@localhost>' */
  readonly from?: string;
  /** @default 'operators@localhost' */
  readonly to?: string;
  /** Where the one-line notice goes. @default process.stdout.write */
  readonly print?: (line: string) => void;
}

export class FileNotifier implements Notifier {
  constructor(private readonly props: FileNotifierProps) {}

  async publish(alert: RenderedAlert): Promise<{ messageId: string }> {
    await makeDirectory(this.props.directory);
    const file = join(this.props.directory, emlFileName(alert));
    await writeFile(file, toEml(alert, this.props.from, this.props.to), 'utf8');
    const print = this.props.print ?? ((line: string) => process.stdout.write(line));
    print(`${terminalSafe(alert.subject)}  → ${terminalSafe(file)}\n`);
    return { messageId: messageId(alert) };
  }
}

/** The alert's time, kind and id, each reduced to a file-name alphabet (a stored alert is data, too). */
function emlFileName(alert: RenderedAlert): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
  return `${safe(alert.at)}-${safe(alert.kind)}-${safe(alert.id)}.eml`;
}

function messageId(alert: RenderedAlert): string {
  return `<${alert.id}@port22.localhost>`;
}

/** RFC 5322 message: CRLF line ends (§2.1), Date in the §3.3 format, 8-bit UTF-8 body (RFC 6532). */
export function toEml(
  alert: RenderedAlert,
  from = 'port22 <port22@localhost>',
  to = 'operators@localhost',
): string {
  // Every name and value through headerSafe, whatever the field: any one holding CR LF would add a header.
  const headers = [
    ['From', from],
    ['To', to],
    ['Subject', alert.subject],
    ['Date', rfc5322Date(new Date(alert.at))],
    ['Message-ID', messageId(alert)],
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Transfer-Encoding', '8bit'],
    ...Object.entries(alert.attributes).map(([k, v]) => [`X-Port22-${k[0]?.toUpperCase()}${k.slice(1)}`, v]),
  ].map(([name, value]) => `${headerSafe(name!).replace(/[: ]/g, '-')}: ${headerSafe(value!)}`);
  const body = mailBodySafe(alert.body).replace(/\n/g, '\r\n');
  return `${headers.join('\r\n')}\r\n\r\n${body}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Tue, 04 Mar 2025 10:15:00 +0000` (RFC 5322 §3.3), always in UTC. */
export function rfc5322Date(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

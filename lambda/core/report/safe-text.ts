/**
 * Text from AWS, a tag or a peer made safe for the medium it reaches a person through: one function per
 * medium, each bounded in length. Names, ids, addresses, banners and error messages all come from
 * someone else: a `Name` tag can hold `ESC ] 0 ; … BEL`, an instance id in a hand-written inventory can
 * hold `CR LF Bcc:`. Every printer passes such text through the function for its medium, never raw.
 *
 * - terminal (`terminalSafe`): control characters and bidirectional overrides shown escaped;
 * - e-mail headers (`headerSafe`): printable ASCII only, never CR or LF, at most one header line;
 * - e-mail bodies (`mailBodySafe`): the terminal's escaping, line breaks kept (people read mail in mutt);
 * - HTML (`escapeHtml`): markup characters as entities, controls shown escaped;
 * - log lines (`logSafe`): the terminal's escaping, as logs are read with `aws logs tail` on a terminal;
 * - URLs (`urlComponent`): percent-encoded, well-formed, bounded.
 */

/** The most characters of one value a terminal line shows; longer values end in `…`. */
export const TERMINAL_MAX_CHARS = 4096;

/**
 * RFC 5322 §2.1.1: a line is at most 998 characters. A header value shorter than that, with its name,
 * never needs folding, and folding is where CR LF would enter.
 */
export const HEADER_MAX_CHARS = 900;

/**
 * SNS caps a message at 256 KiB of UTF-8. An escaped body is ASCII plus the text it kept, at most three
 * bytes per UTF-16 unit: 64 Ki units stay under the cap with room for the SNS envelope.
 */
export const MAIL_BODY_MAX_CHARS = 64 * 1024;

/** A JSON log line: CloudWatch Logs caps an event at 256 KiB; one field never needs more than this. */
export const LOG_MAX_CHARS = 8192;

/** One value on the HTML page: more than any summary or evidence line holds (banners are not shown). */
export const HTML_MAX_CHARS = 8192;

/** What a cut value ends with, so a reader knows there was more. */
const CUT_MARK = '…';

/** `text` cut to `maxChars` UTF-16 units, marked; cutting first keeps a 100 MB value from being escaped whole. */
function bounded(text: string, maxChars: number): string {
  return text.length > maxChars ? `${text.slice(0, Math.max(0, maxChars - 1))}${CUT_MARK}` : text;
}

const hex2 = (c: string) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
const codePoint = (c: string) => `\\u{${c.charCodeAt(0).toString(16)}}`;

/**
 * C0 but tab and line feed (ESC starts cursor moves, window titles, screen clears), DEL and C1 (0x9b is a
 * one-byte CSI on terminals that honour C1): everything but tab, LF, printable ASCII and U+00A0 onwards.
 */
const CONTROL = /[^\t\n\x20-\x7e\u00a0-\uffff]/g;
/** The bidirectional controls that reorder what is shown (CVE-2021-42574): embeddings, overrides, isolates, marks. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/**
 * A UTF-16 half without its partner: no encoder can write it (a terminal shows U+FFFD, a mail system may
 * reject the message, `encodeURIComponent` throws).
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The shared escaping of terminals, mail bodies and logs: `\xNN` for controls, `\u{NNNN}` for the rest. */
function escapeControls(text: string, keepLines: boolean): string {
  const lines = keepLines ? text.replace(/\r\n/g, '\n') : text;
  const controls = lines.replace(CONTROL, hex2);
  return (keepLines ? controls : controls.replace(/[\t\n]/g, hex2))
    .replace(BIDI, codePoint)
    .replace(LONE_SURROGATE, codePoint);
}

export interface TerminalOptions {
  /** Keep line feeds and tabs (a banner, a block of lines); otherwise they are escaped too. @default false */
  readonly keepLines?: boolean;
  /** @default TERMINAL_MAX_CHARS */
  readonly maxChars?: number;
}

/**
 * Text for a terminal: one line unless `keepLines`, C0, DEL, C1, bidi controls and lone surrogates shown
 * as `\xNN` / `\u{NNNN}`; printable text, non-ASCII letters included, stays as it is.
 */
export function terminalSafe(text: string, options: TerminalOptions = {}): string {
  return escapeControls(bounded(text, options.maxChars ?? TERMINAL_MAX_CHARS), options.keepLines ?? false);
}

/**
 * A value for an e-mail header (Subject, From, To, X-…): printable ASCII only, each other character a
 * `?`, so CR and LF can never start a new header (`\r\nBcc: …`), and a 7-bit header needs no RFC 2047
 * encoding. The caller's cap keeps it one line; SNS takes subjects under 100 characters.
 */
export function headerSafe(text: string, maxChars: number = HEADER_MAX_CHARS): string {
  // Three dots mark the cut, not `…`, which is not ASCII. Without the `u` flag every UTF-16 unit is one `?`,
  // so the result is never longer than maxChars.
  const cut = text.length > maxChars ? `${text.slice(0, Math.max(0, maxChars - 3))}...` : text;
  return cut.replace(/[^\x20-\x7e]/g, '?');
}

/** A plain-text e-mail body: the terminal's escaping with its line breaks, bounded for SNS. */
export function mailBodySafe(text: string): string {
  // Cut again after escaping: a body of controls grows fourfold (`\x00`), past SNS's cap.
  return bounded(terminalSafe(text, { keepLines: true, maxChars: MAIL_BODY_MAX_CHARS }), MAIL_BODY_MAX_CHARS);
}

/** A field of a log line (JSON escapes C0 but not DEL, C1 or bidi controls, which a terminal acts on). */
export function logSafe(text: string): string {
  return terminalSafe(text, { maxChars: LOG_MAX_CHARS });
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * HTML-escapes text for element content and quoted attribute values alike; controls and bidi overrides
 * are shown as the terminal shows them (a U+202E in a Name tag would otherwise reorder the page).
 */
export function escapeHtml(text: string, maxChars: number = HTML_MAX_CHARS): string {
  return escapeControls(bounded(text, maxChars), true).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

/** A value inside a URL (a console link): percent-encoded, a lone surrogate as U+FFFD, bounded. */
export function urlComponent(text: string, maxChars: number = HEADER_MAX_CHARS): string {
  return encodeURIComponent(bounded(text, maxChars).replace(LONE_SURROGATE, '\ufffd'));
}

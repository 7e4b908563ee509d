/**
 * Debian package version ordering, as dpkg compares them (Debian Policy §5.6.12 "Version"):
 * `[epoch:]upstream_version[-debian_revision]`. Epochs compare numerically; upstream version and revision
 * each compare by alternating non-digit and digit runs: non-digit runs character by character where `~`
 * sorts before everything (even the end of the string), then letters, then non-letters; digit runs
 * numerically. Ubuntu uses the same format and the same dpkg.
 */

/** Negative when a sorts before b, 0 when equal, positive after. Throws on a malformed version. */
export function compareDebianVersions(a: string, b: string): number {
  const x = splitVersion(a);
  const y = splitVersion(b);
  return (
    x.epoch - y.epoch || compareFragment(x.upstream, y.upstream) || compareFragment(x.revision, y.revision)
  );
}

interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

function splitVersion(version: string): DebianVersion {
  const m = /^(?:(\d+):)?([0-9][A-Za-z0-9.+~:-]*?)(?:-([A-Za-z0-9.+~]+))?$/.exec(version);
  if (m === null) throw new Error(`not a Debian version: ${JSON.stringify(version)}`);
  // An absent revision compares as "0" (§5.6.12: "absence is equivalent to … 0").
  return { epoch: Number(m[1] ?? 0), upstream: m[2]!, revision: m[3] ?? '0' };
}

/** dpkg's order of one character in a non-digit run: `~` first, then the end, then letters, then the rest. */
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Non-digit run, character by character (the end of a run sorts as `order(undefined)`).
    while ((i < a.length && !isDigit(a[i]!)) || (j < b.length && !isDigit(b[j]!))) {
      const ca = i < a.length && !isDigit(a[i]!) ? a[i] : undefined;
      const cb = j < b.length && !isDigit(b[j]!) ? b[j] : undefined;
      const d = order(ca) - order(cb);
      if (d !== 0) return d;
      if (ca !== undefined) i++;
      if (cb !== undefined) j++;
    }
    // Digit run, numerically: leading zeros do not count; an empty run is 0.
    let na = '';
    let nb = '';
    while (i < a.length && isDigit(a[i]!)) na += a[i++];
    while (j < b.length && isDigit(b[j]!)) nb += b[j++];
    const d = compareDigits(na, nb);
    if (d !== 0) return d;
  }
  return 0;
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  return x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
}

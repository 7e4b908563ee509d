/**
 * TCP ports as closed intervals and sets of them, so "which part of the client's ephemeral range does the
 * ACL let back in" is answered exactly, with the rule that decides each sub-range.
 */

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

export const ALL_PORTS: PortRange = { from: 0, to: 65535 };

/**
 * The default ephemeral (client) range of a source: 1024-65535 covers every client (NAT gateways and
 * Lambda use 1024-65535; Linux 32768-60999; Windows 49152-65535) — DESIGN.md, "CLI".
 */
export const DEFAULT_EPHEMERAL: PortRange = { from: 1024, to: 65535 };

/** Parses `1024-65535` or a single port `22`. */
export function parsePortRange(s: string): PortRange | undefined {
  const m = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(s.trim());
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from > 65535 || to > 65535 || from > to) return undefined;
  return { from, to };
}

export function formatPortRange(r: PortRange): string {
  return r.from === r.to ? String(r.from) : `${r.from}-${r.to}`;
}

function portRangeSize(r: PortRange): number {
  return r.to - r.from + 1;
}

export function intersectPorts(a: PortRange, b: PortRange): PortRange | undefined {
  const from = Math.max(a.from, b.from);
  const to = Math.min(a.to, b.to);
  return from <= to ? { from, to } : undefined;
}

/** `a` minus `b`: zero, one or two ranges. */
export function subtractPorts(a: PortRange, b: PortRange): PortRange[] {
  if (b.to < a.from || b.from > a.to) return [a];
  const out: PortRange[] = [];
  if (b.from > a.from) out.push({ from: a.from, to: b.from - 1 });
  if (b.to < a.to) out.push({ from: b.to + 1, to: a.to });
  return out;
}

/** Sorts and merges adjacent or overlapping ranges. */
export function normalizePorts(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((x, y) => x.from - y.from);
  const out: PortRange[] = [];
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev && r.from <= prev.to + 1) out[out.length - 1] = { from: prev.from, to: Math.max(prev.to, r.to) };
    else out.push(r);
  }
  return out;
}

export function totalPorts(ranges: readonly PortRange[]): number {
  let n = 0;
  for (const r of ranges) n += portRangeSize(r);
  return n;
}

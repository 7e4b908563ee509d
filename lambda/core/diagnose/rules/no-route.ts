import type { Rule } from '../input.ts';
import { proberPathBlocked } from './path-blockers.ts';

/** On the prober's own path: a missing or blackhole route explains a timeout, or an ICMP unreachable from a router. */
export const noRoute: Rule = proberPathBlocked('route');

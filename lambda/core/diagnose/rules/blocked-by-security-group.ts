import type { Rule } from '../input.ts';
import { proberPathBlocked } from './path-blockers.ts';

/** On the prober's own path: a security group drops silently, so it explains a probe that timed out. */
export const blockedBySecurityGroup: Rule = proberPathBlocked('security-group');

import type { Rule } from '../input.ts';
import { proberPathBlocked } from './path-blockers.ts';

/**
 * On the prober's own path: a network ACL drops silently; a partial ephemeral allow explains intermittent
 * timeouts.
 */
export const blockedByNetworkAcl: Rule = proberPathBlocked('network-acl');

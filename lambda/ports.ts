/**
 * The ports the pipeline needs (DESIGN.md, "The pipeline"). Each has one adapter per backend:
 * the Lambda handler, the CLI and the tests wire different adapters into the same pipeline.
 */
import type { ProbeResult, ProbeTarget, ProbeTimeouts } from './core/probe/types.ts';

/** Probes one target over TCP and SSH. Never throws: every failure is a `ProbeResult` outcome. */
export interface Prober {
  probe(target: ProbeTarget, timeouts?: Partial<ProbeTimeouts>): Promise<ProbeResult>;
}

/**
 * Maps the address an inventory names (a VPC address) to where a probe really connects. In AWS it is
 * the identity; in the lab and in tests it maps to a loopback port or a namespace host, so nothing ever
 * sends a packet to an address it does not own (DESIGN.md, "Addresses"). `undefined` = do not probe.
 */
export interface TargetResolver {
  resolve(target: ProbeTarget): ProbeTarget | undefined;
}

export const identityResolver: TargetResolver = { resolve: (t) => t };

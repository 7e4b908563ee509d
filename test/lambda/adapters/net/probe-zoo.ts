// One probe against one throwaway zoo server: the shape most prober tests take.
import { startZooServer, type ZooKind, type ZooOptions } from '../../../../lab/zoo.ts';
import { probe } from '../../../../lambda/adapters/net/prober.ts';
import type { ProbeResult, ProbeTimeouts } from '../../../../lambda/core/probe/types.ts';

/** Starts a zoo server of `kind`, probes it once with `timeouts` and closes it, even when the probe throws. */
export async function probeZoo(
  kind: ZooKind,
  options: ZooOptions,
  timeouts: Partial<ProbeTimeouts>,
): Promise<ProbeResult> {
  const zoo = await startZooServer(kind, options);
  try {
    return await probe({ host: zoo.host, port: zoo.port }, timeouts);
  } finally {
    await zoo.close();
  }
}

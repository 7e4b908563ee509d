import type { ProbeResult } from '../probe/types.ts';
import type { ExposureFinding } from '../reachability/types.ts';

/**
 * Algorithms a server should no longer offer (RFC 9142 for key exchange, RFC 8332 / OpenSSH 8.8 for ssh-rsa,
 * RFC 4253 §6.3 and the OpenSSH removals for ciphers and MACs): SHA-1 signatures and key exchange, 1024-bit
 * groups, CBC modes (plaintext recovery, CVE-2008-5161), 3DES, RC4, MD5 and 96-bit MACs, "none".
 */
const WEAK: ReadonlyArray<{ kind: string; test: (name: string) => boolean; why: string }> = [
  { kind: 'kex', test: (n) => n === 'diffie-hellman-group1-sha1', why: '1024-bit group with SHA-1' },
  { kind: 'kex', test: (n) => n === 'diffie-hellman-group14-sha1', why: 'SHA-1' },
  { kind: 'kex', test: (n) => n === 'diffie-hellman-group-exchange-sha1', why: 'SHA-1' },
  { kind: 'hostKey', test: (n) => n === 'ssh-rsa', why: 'RSA with SHA-1 signatures' },
  { kind: 'hostKey', test: (n) => n === 'ssh-dss', why: 'DSA, 1024-bit' },
  { kind: 'cipher', test: (n) => n.endsWith('-cbc') || n === 'rijndael-cbc@lysator.liu.se', why: 'CBC mode' },
  { kind: 'cipher', test: (n) => n.startsWith('3des'), why: '3DES' },
  { kind: 'cipher', test: (n) => n.startsWith('arcfour'), why: 'RC4' },
  { kind: 'cipher', test: (n) => n === 'none', why: 'no encryption' },
  { kind: 'mac', test: (n) => n.startsWith('hmac-md5'), why: 'MD5' },
  { kind: 'mac', test: (n) => n.includes('-96'), why: 'truncated 96-bit MAC' },
  { kind: 'mac', test: (n) => n === 'none', why: 'no integrity' },
];

/** The weak algorithms the server offered (or, when it sent no offer, negotiated), by kind. */
export function weakAlgorithms(probe: ProbeResult): Array<{ kind: string; name: string; why: string }> {
  const offered = probe.serverAlgorithms;
  const lists: Record<string, string[]> = offered
    ? { kex: offered.kex, hostKey: offered.hostKey, cipher: offered.cipher, mac: offered.mac }
    : probe.kex
      ? { kex: [probe.kex.kex], hostKey: [probe.kex.hostKey], cipher: [probe.kex.cipher], mac: [] }
      : {};
  const out: Array<{ kind: string; name: string; why: string }> = [];
  for (const [kind, names] of Object.entries(lists)) {
    for (const name of names) {
      const weak = WEAK.find((w) => w.kind === kind && w.test(name));
      if (weak !== undefined) out.push({ kind, name, why: weak.why });
    }
  }
  return out;
}

export function weakAlgorithmsOffered(
  instanceId: string,
  probe: ProbeResult | undefined,
): ExposureFinding | undefined {
  if (probe === undefined) return undefined;
  const weak = weakAlgorithms(probe);
  if (weak.length === 0) return undefined;
  const how = probe.serverAlgorithms ? 'offers' : 'negotiated';
  return {
    code: 'WEAK_ALGORITHMS_OFFERED',
    resourceId: instanceId,
    instanceIds: [instanceId],
    detail: `sshd ${how} ${weak.map((w) => `${w.name} (${w.kind}: ${w.why})`).join(', ')}; remove them from KexAlgorithms/HostKeyAlgorithms/Ciphers/MACs in sshd_config`,
  };
}

/**
 * The in-host check on a host firewall too large for its section's cap as plain JSON: the script packs the
 * ruleset (gzip + base64, host-check-script.ts `packed`), and the reader unpacks it and names the rule. Run
 * for real: a namespace with nft, the ruleset loaded with nft itself, the very script Systems Manager sends
 * run inside it with `sh -s`, its output cut where GetCommandInvocation cuts it (24,000 characters). Before
 * the packing, a ruleset of this size was reported "cut at its cap": the firewall unknown.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  addNamespace,
  applyNftRuleset,
  deleteNamespace,
  execInNamespace,
  netnsAvailable,
} from '../../lab/netns.ts';
import {
  HOST_CHECK_SECTIONS,
  hostCheckScript,
  PACKED_MARKER,
  SSM_INLINE_OUTPUT_LIMIT,
} from '../../lambda/core/evidence/host-check-script.ts';
import { readHostCheck } from '../../lambda/core/evidence/host-reading.ts';
import type { EvidenceRequest } from '../../lambda/core/evidence/observations.ts';

const skip = netnsAvailable();
const NS = `h14pack-${process.pid}`;
const NFT_CAP = HOST_CHECK_SECTIONS.find((s) => s.name === 'nft')!.cap;

/**
 * A host with many services: one accept per port and source (the shape a Docker or Kubernetes host's rules
 * take), then the rule that drops the prober's SSH, last.
 */
function bigRuleset(rules: number): string {
  const lines = [
    'table inet filter {',
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
  ];
  for (let i = 0; i < rules; i++)
    lines.push(`    ip saddr 198.18.${100 + (i % 50)}.${i % 250} tcp dport ${10000 + i} accept`);
  lines.push('    ip saddr 198.18.9.0/24 tcp dport 22 drop', '  }', '}', '');
  return lines.join('\n');
}

async function runCheck(): Promise<string> {
  const run = await execInNamespace(NS, ['sh', '-s'], {
    input: hostCheckScript(22),
    timeoutMs: 20_000,
    maxBytes: SSM_INLINE_OUTPUT_LIMIT,
  });
  assert.equal(run.timedOut, false);
  return run.stdout;
}

const request: EvidenceRequest = {
  instanceId: 'i-0123456789abcdef0',
  address: '10.0.1.25',
  port: 22,
  diagnosis: 'HOST_FIREWALL_DROP',
  peers: [{ name: 'prober', cidrs: ['198.18.9.4/32'] }],
  tags: {},
};

describe('in-host check: a ruleset larger than its cap is packed and still judged', { skip }, () => {
  before(() => addNamespace(NS));
  after(() => deleteNamespace(NS));

  for (const rules of [300, 600]) {
    it(`${rules} rules: the plain JSON exceeds the cap, the packed one fits, and the drop rule is named`, async (t) => {
      applyNftRuleset(NS, bigRuleset(rules));
      const plain = await execInNamespace(NS, ['nft', '-j', 'list', 'ruleset'], {
        input: '',
        timeoutMs: 10_000,
        maxBytes: 10_000_000,
      });
      // The case this test exists for: as plain JSON the section would be cut, the firewall unknown.
      assert.ok(plain.stdout.length > NFT_CAP, `plain JSON ${plain.stdout.length} characters`);
      const output = await runCheck();
      const nft = output.split('### port22:begin nft\n')[1]?.split('\n### port22:end nft')[0] ?? '';
      assert.ok(nft.startsWith(`${PACKED_MARKER}\n`), nft.slice(0, 80));
      t.diagnostic(
        `${rules} rules: plain JSON ${plain.stdout.length} characters, packed section ${nft.length}`,
      );
      const found = readHostCheck(output, request);
      const decision = found.observations?.host?.firewall.find((d) => d.peer === 'prober')?.decision;
      assert.equal(decision?.verdict, 'drop', JSON.stringify(found.evidence));
      assert.match(
        decision?.rule ?? '',
        /table inet filter chain input, rule handle \d+: ip saddr 198\.18\.9\.0\/24 tcp dport 22 drop$/,
      );
    });
  }

  it('a ruleset too large even packed is cut, and the firewall is unknown, never judged in part', async () => {
    // Distinct addresses and ports on every rule pack the least well.
    const lines = [
      'table inet filter {',
      '  chain input {',
      '    type filter hook input priority filter; policy accept;',
    ];
    for (let i = 0; i < 6000; i++)
      lines.push(
        `    ip saddr 198.19.${(i * 7) % 256}.${(i * 13) % 256} tcp dport ${1024 + ((i * 37) % 60000)} accept`,
      );
    lines.push('    ip saddr 198.18.9.0/24 tcp dport 22 drop', '  }', '}', '');
    applyNftRuleset(NS, lines.join('\n'));
    const found = readHostCheck(await runCheck(), request);
    const host = found.observations?.host;
    assert.equal(host?.firewall.find((d) => d.peer === 'prober')?.decision.verdict ?? 'unknown', 'unknown');
    assert.match(host?.firewallUnknown ?? '', /nft/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  advisoriesFor,
  distroPackage,
  parseOpenSshVersion,
} from '../../../../lambda/core/findings/openssh-advisories.ts';
import { outdatedOpenSsh } from '../../../../lambda/core/findings/outdated-openssh.ts';
import type { OfferedAlgorithms, ProbeResult } from '../../../../lambda/core/probe/types.ts';

const ID = 'i-0123456789abcdef0';

/** An OpenSSH 9.x offer with chacha20 and ETM MACs (what Terrapin needs); strict KEX switchable. */
function offer(strict: boolean, extra: Partial<OfferedAlgorithms> = {}): OfferedAlgorithms {
  return {
    kex: ['curve25519-sha256', 'ext-info-s', ...(strict ? ['kex-strict-s-v00@openssh.com'] : [])],
    hostKey: ['ssh-ed25519'],
    cipher: ['chacha20-poly1305@openssh.com', 'aes128-ctr'],
    mac: ['umac-64-etm@openssh.com', 'hmac-sha2-256'],
    compression: ['none'],
    ...extra,
  };
}

function probe(ident: string, serverAlgorithms?: OfferedAlgorithms): ProbeResult {
  const software = ident.replace(/^SSH-2\.0-/, '').split(' ')[0]!;
  return {
    target: { host: '10.0.1.25', port: 22 },
    outcome: 'ok',
    phases: { totalMs: 10 },
    ident,
    software,
    ...(serverAlgorithms ? { serverAlgorithms } : {}),
  };
}

/** "affected CVE…" / "possible CVE…" for each advisory the finding names, read back from its detail. */
function claims(p: ProbeResult): string[] {
  const detail = outdatedOpenSsh(ID, p)?.detail ?? '';
  const [affected = '', possible = ''] = detail.includes('may be affected by')
    ? [detail.split('may be affected by')[0]!, detail.split('may be affected by')[1]!]
    : [detail, ''];
  const cves = (text: string) => [...text.matchAll(/CVE-\d{4}-\d+/g)].map((m) => m[0]);
  return [...cves(affected).map((c) => `affected ${c}`), ...cves(possible).map((c) => `possible ${c}`)];
}

// Upstream ranges from the release notes (exclusive upper bound = first fixed release):
// CVE-2024-6387 8.5p1..9.8p1 · CVE-2025-26466 9.5p1..9.9p2 · CVE-2023-48795 ..9.6p1 ·
// CVE-2021-41617 6.2p1..8.8p1 · CVE-2025-32728 7.4p1..10.0p1.
describe('advisoriesFor: upstream ranges and their boundaries', () => {
  const CASES: Array<[string, string[]]> = [
    ['OpenSSH_6.1p1', ['CVE-2023-48795']],
    ['OpenSSH_6.2p1', ['CVE-2023-48795', 'CVE-2021-41617']],
    ['OpenSSH_7.3p1', ['CVE-2023-48795', 'CVE-2021-41617']],
    ['OpenSSH_7.4p1', ['CVE-2023-48795', 'CVE-2021-41617', 'CVE-2025-32728']],
    ['OpenSSH_8.4p1', ['CVE-2023-48795', 'CVE-2021-41617', 'CVE-2025-32728']],
    ['OpenSSH_8.5p1', ['CVE-2024-6387', 'CVE-2023-48795', 'CVE-2021-41617', 'CVE-2025-32728']],
    ['OpenSSH_8.7p1', ['CVE-2024-6387', 'CVE-2023-48795', 'CVE-2021-41617', 'CVE-2025-32728']],
    ['OpenSSH_8.8p1', ['CVE-2024-6387', 'CVE-2023-48795', 'CVE-2025-32728']],
    ['OpenSSH_9.3p2', ['CVE-2024-6387', 'CVE-2023-48795', 'CVE-2025-32728']],
    ['OpenSSH_9.4p1', ['CVE-2024-6387', 'CVE-2023-48795', 'CVE-2025-32728']],
    ['OpenSSH_9.5p1', ['CVE-2024-6387', 'CVE-2025-26466', 'CVE-2023-48795', 'CVE-2025-32728']],
    ['OpenSSH_9.6p1', ['CVE-2024-6387', 'CVE-2025-26466', 'CVE-2025-32728']],
    ['OpenSSH_9.7p1', ['CVE-2024-6387', 'CVE-2025-26466', 'CVE-2025-32728']],
    ['OpenSSH_9.8p1', ['CVE-2025-26466', 'CVE-2025-32728']],
    ['OpenSSH_9.9p1', ['CVE-2025-26466', 'CVE-2025-32728']],
    ['OpenSSH_9.9p2', ['CVE-2025-32728']],
    ['OpenSSH_10.0p1', []],
    ['OpenSSH_10.0p2', []],
    ['OpenSSH_10.5p1', []],
    ['OpenSSH_for_Windows_8.1', ['CVE-2023-48795', 'CVE-2021-41617', 'CVE-2025-32728']],
  ];
  for (const [software, cves] of CASES) {
    it(`${software} → ${cves.join(', ') || 'none'}`, () => {
      const v = parseOpenSshVersion(software);
      assert.ok(v);
      assert.deepEqual(
        advisoriesFor(v)
          .map((a) => a.cve)
          .sort(),
        [...cves].sort(),
      );
    });
  }
  it('does not parse non-OpenSSH software', () => {
    assert.equal(parseOpenSshVersion('dropbear_2022.83'), undefined);
    assert.equal(parseOpenSshVersion(undefined), undefined);
  });
});

describe('distroPackage', () => {
  it('reads Debian and Ubuntu package revisions, epoch 1 restored', () => {
    assert.deepEqual(distroPackage('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3', 'OpenSSH_9.2p1'), {
      distro: 'debian',
      upstream: '9.2p1',
      version: '1:9.2p1-2+deb12u3',
    });
    assert.deepEqual(distroPackage('SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10', 'OpenSSH_8.9p1'), {
      distro: 'ubuntu',
      upstream: '8.9p1',
      version: '1:8.9p1-3ubuntu0.10',
    });
  });
  it('no package from a bare ident (DebianBanner no), another vendor, or a non-OpenSSH server', () => {
    assert.equal(distroPackage('SSH-2.0-OpenSSH_9.2p1', 'OpenSSH_9.2p1'), undefined);
    assert.equal(distroPackage('SSH-2.0-OpenSSH_9.6 FreeBSD-20240701', 'OpenSSH_9.6'), undefined);
    assert.equal(distroPackage('SSH-2.0-dropbear_2022.83 Debian-1', 'dropbear_2022.83'), undefined);
  });
});

describe('outdatedOpenSsh: what each advisory claims, from which evidence', () => {
  // Every expectation below is read off the vendors' advisories by hand (DSA-5724-1, DSA-5586-1,
  // USN-6859-1, USN-6560-1, USN-7270-1, the Debian tracker for CVE-2025-32728), not off the table.
  const CASES: Array<[string, ProbeResult, string[]]> = [
    // CVE-2024-6387 (regreSSHion)
    [
      'regreSSHion: bare 9.7p1 is hedged',
      probe('SSH-2.0-OpenSSH_9.7p1', offer(true)),
      ['possible CVE-2024-6387', 'possible CVE-2025-26466', 'possible CVE-2025-32728'],
    ],
    [
      'regreSSHion: bare 9.2p1 (DebianBanner no) is hedged, never asserted',
      probe('SSH-2.0-OpenSSH_9.2p1', offer(true)),
      ['possible CVE-2024-6387', 'possible CVE-2025-32728'],
    ],
    [
      'regreSSHion: Debian 12 one revision before DSA-5724-1',
      probe('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2', offer(true)),
      ['affected CVE-2024-6387', 'affected CVE-2025-32728'],
    ],
    [
      'regreSSHion: Debian 12 exactly at DSA-5724-1 (deb12u3)',
      probe('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3', offer(true)),
      ['affected CVE-2025-32728'],
    ],
    [
      'every fix: Debian 12 at deb12u6 and later (u10 sorts after u6)',
      probe('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10', offer(true)),
      [],
    ],
    [
      'regreSSHion: Ubuntu 22.04 before USN-6859-1',
      probe('SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.9', offer(true)),
      ['affected CVE-2024-6387', 'possible CVE-2025-32728'],
    ],
    [
      'regreSSHion: Ubuntu 22.04 at USN-6859-1 (0.10 sorts after 0.9)',
      probe('SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10', offer(true)),
      ['possible CVE-2025-32728'],
    ],
    // CVE-2025-26466 (PING DoS)
    [
      'PING DoS + regreSSHion: Ubuntu 24.04 between the two USNs',
      probe('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5', offer(true)),
      ['affected CVE-2025-26466', 'possible CVE-2025-32728'],
    ],
    [
      'PING DoS: Ubuntu 24.04 at USN-7270-1',
      probe('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.8', offer(true)),
      ['possible CVE-2025-32728'],
    ],
    [
      'PING DoS: upstream 9.9p2 is past it',
      probe('SSH-2.0-OpenSSH_9.9p2', offer(true)),
      ['possible CVE-2025-32728'],
    ],
    // CVE-2023-48795 (Terrapin): the KEXINIT decides whenever it was recorded.
    [
      'Terrapin: 8.4p1 with strict KEX in its KEXINIT (a backport) → no Terrapin claim',
      probe('SSH-2.0-OpenSSH_8.4p1', offer(true)),
      ['possible CVE-2021-41617', 'possible CVE-2025-32728'],
    ],
    [
      'Terrapin: 8.4p1 without strict KEX, offering chacha20 → asserted',
      probe('SSH-2.0-OpenSSH_8.4p1', offer(false)),
      ['affected CVE-2023-48795', 'possible CVE-2021-41617', 'possible CVE-2025-32728'],
    ],
    [
      'Terrapin: no strict KEX but neither chacha20 nor an ETM MAC → not exploitable, no claim',
      probe('SSH-2.0-OpenSSH_8.4p1', offer(false, { cipher: ['aes128-ctr'], mac: ['hmac-sha2-256'] })),
      ['possible CVE-2021-41617', 'possible CVE-2025-32728'],
    ],
    [
      'Terrapin: Debian 12 package fixed by DSA-5586-1 yet no strict KEX on the wire → the wire wins',
      probe('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3', offer(false)),
      ['affected CVE-2023-48795', 'affected CVE-2025-32728'],
    ],
    [
      'Terrapin: no KEXINIT recorded, Debian 11 before DSA-5586-1',
      probe('SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u2'),
      ['affected CVE-2023-48795', 'affected CVE-2021-41617', 'possible CVE-2025-32728'],
    ],
    [
      'Terrapin + CVE-2021-41617: no KEXINIT recorded, Debian 11 at DSA-5586-1',
      probe('SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u3'),
      ['possible CVE-2025-32728'],
    ],
    [
      'Terrapin: no KEXINIT recorded, Ubuntu 20.04 at USN-6560-1',
      probe('SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.10'),
      ['possible CVE-2021-41617', 'possible CVE-2025-32728'],
    ],
    [
      'Terrapin: no KEXINIT recorded, bare version → hedged',
      probe('SSH-2.0-OpenSSH_9.3p1'),
      ['possible CVE-2024-6387', 'possible CVE-2023-48795', 'possible CVE-2025-32728'],
    ],
    // CVE-2021-41617 (AuthorizedKeysCommand groups)
    [
      'CVE-2021-41617: 8.7p1 is the last affected release',
      probe('SSH-2.0-OpenSSH_8.7p1', offer(true)),
      ['possible CVE-2024-6387', 'possible CVE-2021-41617', 'possible CVE-2025-32728'],
    ],
    [
      'CVE-2021-41617: 8.8p1 is fixed',
      probe('SSH-2.0-OpenSSH_8.8p1', offer(true)),
      ['possible CVE-2024-6387', 'possible CVE-2025-32728'],
    ],
    // CVE-2025-32728 (DisableForwarding)
    [
      'DisableForwarding: Debian 12 one revision before the fix (deb12u5)',
      probe('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u5', offer(true)),
      ['affected CVE-2025-32728'],
    ],
    [
      'DisableForwarding: 7.3p1 predates the directive',
      probe('SSH-2.0-OpenSSH_7.3p1', offer(true)),
      ['possible CVE-2021-41617'],
    ],
    ['nothing at all for 10.0p2', probe('SSH-2.0-OpenSSH_10.0p2', offer(true)), []],
  ];
  for (const [name, p, expected] of CASES) {
    it(name, () => assert.deepEqual(claims(p).sort(), [...expected].sort()));
  }

  it('says why, in the words of the evidence', () => {
    const terrapin = outdatedOpenSsh(ID, probe('SSH-2.0-OpenSSH_8.4p1', offer(false)))!.detail;
    assert.match(
      terrapin,
      /CVE-2023-48795 \(Terrapin, medium, fixed upstream in 9\.6p1\): the server's KEXINIT lacks kex-strict-s-v00@openssh\.com and offers chacha20-poly1305@openssh\.com, umac-64-etm@openssh\.com/,
    );
    const debian = outdatedOpenSsh(ID, probe('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2', offer(true)))!.detail;
    assert.match(
      debian,
      /^OpenSSH_9\.2p1 \(Debian-2\+deb12u2\) affected by CVE-2024-6387 \(regreSSHion, critical/,
    );
    assert.match(
      debian,
      /package 1:9\.2p1-2\+deb12u2 is older than the fixed 1:9\.2p1-2\+deb12u3 \(DSA-5724-1\)/,
    );
    const bare = outdatedOpenSsh(ID, probe('SSH-2.0-OpenSSH_9.2p1', offer(true)))!.detail;
    assert.match(bare, /^OpenSSH_9\.2p1 may be affected by/);
    assert.doesNotMatch(bare, /(^|; and )affected by/);
  });

  it('no finding for software that is not OpenSSH', () => {
    assert.equal(outdatedOpenSsh(ID, probe('SSH-2.0-dropbear_2022.83')), undefined);
  });
});

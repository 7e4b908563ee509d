// Hostile and careless inventories through the real CLI (`port22 check|analyze --inventory`): each is one
// line on stderr and exit 2, or, where the input is valid, never a raw control byte on the terminal.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type CliRun, port22, REPO, withInstances, withInventoryCopy } from './port22.ts';

const FLEET = `${REPO}test/fixtures/inventories/fleet`;
type Instances = { Reservations: { Instances: Record<string, unknown>[] }[] };
const first = (doc: Instances) => doc.Reservations[0]!.Instances[0]!;

/** Exit 2, nothing on stdout, exactly one line on stderr matching `message`, no control byte in it. */
function assertOneLineError(r: CliRun, message: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^port22: [^\n]*\n$/);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr.slice(0, -1), /[^\x20-\x7e\u00a0-\uffff]/, 'a raw control byte');
}

const check = (dir: string) => port22('check', '--inventory', dir, '--no-probe');
const analyze = (dir: string) => port22('analyze', '--inventory', dir);

describe('inventory values checked at the edge: one line, exit 2', () => {
  it('the same instance id twice names both places', () => {
    const r = withInstances(FLEET, (doc) => doc.Reservations.push({ Instances: [{ ...first(doc) }] }), check);
    assertOneLineError(
      r,
      /describe-instances\.json: Reservations\[5\]\.Instances\[0\]\.InstanceId: i-0a0a0a0a0a0a0a0a0 appears twice \(first at Reservations\[0\]\.Instances\[0\]\.InstanceId\)/,
    );
  });

  it('a security group listed twice names both places', () => {
    const r = withInventoryCopy(
      FLEET,
      (dir) => {
        const file = join(dir, 'describe-security-groups.json');
        const doc = JSON.parse(readFileSync(file, 'utf8'));
        doc.SecurityGroups.push(doc.SecurityGroups[0]);
        writeFileSync(file, JSON.stringify(doc));
      },
      analyze,
    );
    assertOneLineError(
      r,
      /describe-security-groups\.json: SecurityGroups\[\d+\]\.GroupId: sg-\w+ appears twice \(first at SecurityGroups\[0\]\.GroupId\)/,
    );
  });

  for (const [name, address] of [
    ['a host name is never resolved', 'localhost'],
    ['an octet out of range', '10.20.1.999'],
  ] as const) {
    it(`PrivateIpAddress: ${name} (${address})`, () => {
      const r = withInstances(
        FLEET,
        (doc) => Object.assign(first(doc), { PrivateIpAddress: address }),
        check,
      );
      assertOneLineError(
        r,
        new RegExp(
          `PrivateIpAddress: i-0a0a0a0a0a0a0a0a0: expected an IPv4 address, got "${address.replace(/\./g, '\\.')}"`,
        ),
      );
    });
  }

  it('an instance id carrying CR LF and a Bcc header is not an id', () => {
    const r = withInstances(
      FLEET,
      (doc) => Object.assign(first(doc), { InstanceId: 'i-0a0a0a0a0a0a0a0a0\r\nBcc: victim@example.com' }),
      check,
    );
    assertOneLineError(
      r,
      /InstanceId: expected an id like i-0123456789abcdef0 .*got "i-0a0a0a0a0a0a0a0a0\\r\\nBcc/,
    );
  });

  for (const [prefix, path, value] of [
    ['sg', 'SecurityGroups[0].GroupId', 'sg-1'],
    ['subnet', 'SubnetId', 'subnet-0A1A2A3A4A5A6A7A8'],
    ['vpc', 'VpcId', 'my-vpc'],
  ] as const) {
    it(`${path} ${JSON.stringify(value)} is not a ${prefix}- id`, () => {
      const r = withInstances(
        FLEET,
        (doc) =>
          Object.assign(
            first(doc),
            prefix === 'sg' ? { SecurityGroups: [{ GroupId: value }] } : { [path]: value },
          ),
        check,
      );
      const where = path.replace(/[[\].]/g, '\\$&');
      assertOneLineError(
        r,
        new RegExp(
          `Instances\\[0\\]\\.${where}: .*expected an id like ${prefix}-0123456789abcdef0.*got "${value}"`,
        ),
      );
    });
  }

  it('a Name tag of 256 characters (the AWS cap) is read; 257 is one line', () => {
    const tag = (n: number) => (doc: Instances) =>
      Object.assign(first(doc), { Tags: [{ Key: 'Name', Value: 'n'.repeat(n) }] });
    assert.notEqual(withInstances(FLEET, tag(256), check).status, 2);
    assertOneLineError(withInstances(FLEET, tag(257), check), /Tags\[0\]\.Value: longer than 256 characters/);
  });

  it('a 100 MB tag is one line, not a 3 GB failure in the printer', () => {
    const r = withInstances(
      FLEET,
      (doc) =>
        Object.assign(first(doc), { Tags: [{ Key: 'port22:group', Value: 'x'.repeat(100 * 1024 * 1024) }] }),
      check,
    );
    assertOneLineError(r, /Tags\[0\]\.Value: longer than 256 characters/);
  });
});

describe('inventory files: one line, exit 2', () => {
  const withFile = (file: string, write: (path: string) => void) =>
    withInventoryCopy(FLEET, (dir) => write(join(dir, file)), check);
  const subnets = () => readFileSync(join(FLEET, 'describe-subnets.json'), 'utf8');

  it('UTF-16 with a byte order mark (PowerShell 5 `>`) says so, without NUL bytes', () => {
    const r = withFile('describe-subnets.json', (p) =>
      writeFileSync(p, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(subnets(), 'utf16le')])),
    );
    assertOneLineError(r, /^port22: describe-subnets\.json: UTF-16 text; save it as UTF-8/);
  });

  it('UTF-16 without a byte order mark says so too', () => {
    const r = withFile('describe-subnets.json', (p) => writeFileSync(p, Buffer.from(subnets(), 'utf16le')));
    assertOneLineError(r, /^port22: describe-subnets\.json: UTF-16 text/);
  });

  it('UTF-8 with a byte order mark is read (RFC 8259 §8.1 lets a parser ignore it)', () => {
    const r = withFile('describe-subnets.json', (p) => writeFileSync(p, `\ufeff${subnets()}`));
    assert.notEqual(r.status, 2, r.stderr);
  });

  it('bytes that are not UTF-8', () => {
    const r = withFile('describe-subnets.json', (p) =>
      writeFileSync(
        p,
        Buffer.concat([Buffer.from('{"Subnets": ["'), Buffer.from([0xc3, 0x28]), Buffer.from('"]}')]),
      ),
    );
    assertOneLineError(r, /^port22: describe-subnets\.json: not UTF-8 text$/m);
  });

  it('a directory where a file should be is named', () => {
    const r = withFile('describe-subnets.json', (p) => {
      rmSync(p);
      mkdirSync(p);
    });
    assertOneLineError(r, /^port22: describe-subnets\.json: a directory where a file should be$/m);
  });

  it('a directory where a per-resource file should be is named', () => {
    const r = withFile('prefix-list-entries/pl-0a1b2c3d4e5f60718.json', (p) => {
      rmSync(p);
      mkdirSync(p);
    });
    assertOneLineError(
      r,
      /prefix-list-entries\/pl-0a1b2c3d4e5f60718\.json: a directory where a file should be$/m,
    );
  });

  it('a file where a per-resource directory should be is named', () => {
    const r = withFile('prefix-list-entries', (p) => {
      rmSync(p, { recursive: true });
      writeFileSync(p, '{}');
    });
    assertOneLineError(r, /^port22: prefix-list-entries: a file where a directory should be$/m);
  });
});

describe('a hostile Name tag reaches the terminal escaped', () => {
  it('port22 check: no ESC, BEL, C1 or bidi override in the output', () => {
    const name = 'web\u001b]0;owned\u0007\u001b[2J\u009b31m\u202e-1';
    const r = withInstances(
      FLEET,
      (doc) => Object.assign(first(doc), { Tags: [{ Key: 'Name', Value: name }] }),
      check,
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /web\\x1b\]0;owned\\x07\\x1b\[2J\\x9b31m\\u\{202e\}-1/);
    for (const raw of ['\u001b', '\u0007', '\u009b', '\u202e']) assert.equal(r.stdout.includes(raw), false);
  });
});

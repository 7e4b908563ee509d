import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileStateStore } from '../../../../lambda/adapters/local/file-state-store.ts';
import { AT, group, instance } from '../state-records.ts';

describe('FileStateStore', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'port22-file-state-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  let n = 0;
  const fresh = () => join(root, `store-${n++}`);

  describe('conditional put', () => {
    // [stored version, or none; expected version given to put; result]
    const cases: [number | undefined, number, 'ok' | 'conflict'][] = [
      [undefined, 0, 'ok'],
      [undefined, 1, 'conflict'],
      [1, 1, 'ok'],
      [1, 0, 'conflict'],
      [2, 1, 'conflict'],
      [1, 2, 'conflict'],
    ];
    for (const [stored, expected, result] of cases) {
      it(`stored ${stored ?? 'none'}, expected ${expected} → ${result}`, async () => {
        const store = new FileStateStore(fresh());
        for (let v = 0; v < (stored ?? 0); v++)
          assert.equal(await store.put(instance('i-1', { consecutiveFailures: v }), v), 'ok');
        const wrote = await store.put(instance('i-1', { consecutiveFailures: 99 }), expected);
        assert.equal(wrote, result);
        const back = (await store.get(['i-1'])).get('i-1');
        if (result === 'ok') {
          assert.equal(back?.version, expected + 1);
          assert.equal(back?.consecutiveFailures, 99);
        } else {
          // A conflict leaves the stored record as it was.
          assert.equal(back?.version, stored);
          assert.notEqual(back?.consecutiveFailures, 99);
        }
      });
    }

    it('stores the version after the write, whatever version the record carried', async () => {
      const store = new FileStateStore(fresh());
      assert.equal(await store.put(instance('i-1', { version: 41 }), 0), 'ok');
      assert.equal((await store.get(['i-1'])).get('i-1')?.version, 1);
    });
  });

  it('a record written by one store is read back by another on the same directory', async () => {
    const dir = fresh();
    const written = instance('i-0123456789abcdef0', {
      diagnosis: 'SSHD_NOT_LISTENING',
      consecutiveFailures: 2,
      failingSince: AT,
      hostKey: 'SHA256:abc',
      authMethods: ['publickey'],
    });
    assert.equal(await new FileStateStore(dir).put(written, 0), 'ok');
    const read = await new FileStateStore(dir).get(['i-0123456789abcdef0', 'i-absent']);
    assert.deepEqual([...read.keys()], ['i-0123456789abcdef0']);
    assert.deepEqual(read.get('i-0123456789abcdef0'), { ...written, version: 1 });
  });

  it('keeps groups apart from instances, even under the same name', async () => {
    const dir = fresh();
    const store = new FileStateStore(dir);
    assert.equal(await store.putGroup(group('web', { belowMinimum: true, healthy: 0 }), 0), 'ok');
    assert.equal(await store.put(instance('web'), 0), 'ok');
    assert.equal(await store.putGroup(group('web'), 0), 'conflict');
    assert.equal(await store.putGroup(group('web', { healthy: 1 }), 1), 'ok');
    const groups = await new FileStateStore(dir).getGroups(['web', 'db']);
    assert.deepEqual([...groups.keys()], ['web']);
    assert.equal(groups.get('web')?.healthy, 1);
    assert.equal(groups.get('web')?.version, 2);
    assert.equal((await store.get(['web'])).get('web')?.version, 1);
    assert.deepEqual((await readdir(dir)).sort(), ['groups', 'instances']);
  });

  it('a group name that is not a safe file name stays inside the directory', async () => {
    const dir = fresh();
    const store = new FileStateStore(dir);
    assert.equal(await store.putGroup(group('../escape/web tier'), 0), 'ok');
    const sha256 = createHash('sha256').update('../escape/web tier').digest('hex');
    assert.deepEqual(await readdir(join(dir, 'groups')), [`sha256-${sha256}.json`]);
    assert.equal((await store.getGroups(['../escape/web tier'])).get('../escape/web tier')?.version, 1);
  });

  it('a directory that does not exist yet reads as empty, and the first write creates it', async () => {
    const dir = join(fresh(), 'not', 'yet');
    const store = new FileStateStore(dir);
    assert.equal((await store.get(['i-1'])).size, 0);
    assert.equal((await store.getGroups(['web'])).size, 0);
    assert.equal(await store.put(instance('i-1'), 0), 'ok');
    assert.deepEqual(await readdir(join(dir, 'instances')), ['i-1.json']);
  });

  it('leaves no temporary file behind', async () => {
    const dir = fresh();
    const store = new FileStateStore(dir);
    await store.put(instance('i-1'), 0);
    await store.put(instance('i-1'), 1);
    assert.deepEqual(await readdir(join(dir, 'instances')), ['i-1.json']);
    assert.equal(JSON.parse(await readFile(join(dir, 'instances', 'i-1.json'), 'utf8')).version, 2);
  });

  describe('a corrupt file is a clear error naming it', () => {
    const cases: [string, string, RegExp][] = [
      ['truncated JSON', '{"instanceId": "i-1", "vers', /: not a port22 state record: .*JSON/],
      ['not an object', '[1, 2]', /: not a port22 state record: no whole-number "version"$/],
      ['no version', '{"instanceId": "i-1"}', /: not a port22 state record: no whole-number "version"$/],
      ['a fractional version', '{"version": 1.5}', /: not a port22 state record: no whole-number "version"$/],
    ];
    for (const [name, content, message] of cases) {
      it(name, async () => {
        const dir = fresh();
        await mkdir(join(dir, 'instances'), { recursive: true });
        const file = join(dir, 'instances', 'i-1.json');
        await writeFile(file, content);
        const store = new FileStateStore(dir);
        for (const call of [() => store.get(['i-1']), () => store.put(instance('i-1'), 0)]) {
          await assert.rejects(call(), (e: Error) => {
            assert.ok(e.message.startsWith(`${file}: `), e.message);
            assert.match(e.message, message);
            assert.doesNotMatch(e.message, /\n/);
            return true;
          });
        }
        assert.equal(await readFile(file, 'utf8'), content, 'the file is left for the user to look at');
      });
    }
  });

  describe('file names: bounded and safe, readable when they can be', () => {
    // ext4, XFS and APFS cap a file name at 255 bytes: a 256-character tag as a name gave ENAMETOOLONG.
    const keys: [string, string][] = [
      ['a 256-character port22:group tag (AWS caps tag values at 256)', 'g'.repeat(256)],
      ['a name 255 bytes long in UTF-8 and more once percent-encoded', 'ü'.repeat(127)],
      ['path characters', '../../etc/passwd'],
      ['a leading dot', '.hidden'],
      ['a hostile name', 'web\u001b]0;x\u0007\r\nBcc: a@b'],
    ];
    for (const [name, key] of keys) {
      it(`${name}: round trip, one file under groups/, its name at most 255 bytes`, async () => {
        const dir = fresh();
        const store = new FileStateStore(dir);
        assert.equal(await store.putGroup(group(key), 0), 'ok');
        assert.equal((await store.getGroups([key])).get(key)?.version, 1);
        const files = await readdir(join(dir, 'groups'));
        assert.equal(files.length, 1);
        assert.ok(Buffer.byteLength(files[0]!) <= 255, files[0]);
        assert.match(files[0]!, /^[A-Za-z0-9_-][A-Za-z0-9._-]*\.json$/);
      });
    }

    it('an instance id and a short group name keep their own names', async () => {
      const dir = fresh();
      const store = new FileStateStore(dir);
      await store.put(instance('i-0abc1234def567890'), 0);
      await store.putGroup(group('web-tier'), 0);
      assert.deepEqual(await readdir(join(dir, 'instances')), ['i-0abc1234def567890.json']);
      assert.deepEqual(await readdir(join(dir, 'groups')), ['web-tier.json']);
    });
  });

  it('two writes at once of one record never share a temporary file (both finish, no ENOENT)', async () => {
    const dir = fresh();
    const a = new FileStateStore(dir);
    const b = new FileStateStore(dir);
    const results = await Promise.all([a.put(instance('i-1'), 0), b.put(instance('i-1'), 0)]);
    // Not serialised (the DynamoDB store is): both see version 0, and both writes land whole.
    assert.deepEqual(results, ['ok', 'ok']);
    assert.equal((await a.get(['i-1'])).get('i-1')?.version, 1);
    assert.deepEqual(await readdir(join(dir, 'instances')), ['i-1.json'], 'no temporary file left behind');
  });
});

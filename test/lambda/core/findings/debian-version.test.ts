import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareDebianVersions } from '../../../../lambda/core/findings/debian-version.ts';

describe('compareDebianVersions (Debian Policy §5.6.12)', () => {
  // Each pair sorts a < b. The first five are the policy's own examples: "~~ < ~~a < ~ < (empty) < a",
  // written as upstream versions so each is a valid version string.
  const ASCENDING: Array<[string, string]> = [
    ['1.0~~', '1.0~~a'],
    ['1.0~~a', '1.0~'],
    ['1.0~', '1.0'],
    ['1.0', '1.0a'],
    ['1.0~rc1', '1.0'],
    // Letters sort before non-letters; digits compare numerically, not as text.
    ['1.0a', '1.0+'],
    ['1.9', '1.10'],
    ['1.010', '1.11'],
    // An epoch outweighs everything after it.
    ['9.9p1-1', '1:8.0p1-1'],
    // An absent revision is 0.
    ['9.2p1', '9.2p1-1'],
    // The versions this project compares.
    ['1:9.2p1-2+deb12u2', '1:9.2p1-2+deb12u3'],
    ['1:9.2p1-2', '1:9.2p1-2+deb12u3'],
    ['1:9.2p1-2+deb12u3', '1:9.2p1-2+deb12u10'],
    ['1:8.9p1-3ubuntu0.9', '1:8.9p1-3ubuntu0.10'],
    ['1:9.6p1-3ubuntu13.3', '1:9.6p1-3ubuntu13.8'],
    ['1:8.9p1-3ubuntu0.10', '1:8.9p1-3ubuntu0.10.1'],
  ];
  for (const [a, b] of ASCENDING) {
    it(`${a} < ${b}`, () => {
      assert.ok(compareDebianVersions(a, b) < 0);
      assert.ok(compareDebianVersions(b, a) > 0);
    });
  }
  it('equal versions, including an explicit zero epoch and leading zeros', () => {
    assert.equal(compareDebianVersions('1:9.2p1-2+deb12u3', '1:9.2p1-2+deb12u3'), 0);
    assert.equal(compareDebianVersions('0:1.0-1', '1.0-1'), 0);
    assert.equal(compareDebianVersions('1.01', '1.1'), 0);
  });
  it('refuses what is not a version', () => {
    assert.throws(() => compareDebianVersions('', '1.0'), /not a Debian version/);
    assert.throws(() => compareDebianVersions('1.0', 'x:1.0'), /not a Debian version/);
  });
});

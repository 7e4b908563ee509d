import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keygenName } from '../../../../lambda/core/probe/host-key-type.ts';

// Public keys made with ssh-keygen (OpenSSH 9.2) and the size and type `ssh-keygen -lf` printed for each.
const KEYS = [
  {
    // ssh-keygen -lf: 1024 SHA256:k8yfkbAj/6z3TTTb5Al6HYE/rG7mC3593WVOUZShTRE (RSA)
    blob: 'AAAAB3NzaC1yc2EAAAADAQABAAAAgQCycsmlk3vkm+oXMkK6s6/m6qAgpnRRPHf8l7UzYEMlkMVxxBaxGV706a/xte2jCtNQCAE0mPHoHu8lE3j7P02KsKGB+rZfBMrJ7Fa2pnyqhOX7Ky77BrvzuRVflk9j1qMlCaIHXWnyzjV387VhqdZCRnJKlUBaCNprmoUDdjlZZw==',
    keygen: '1024 RSA',
  },
  {
    // ssh-keygen -lf: 2047 SHA256:ygqJ5PnM49P6oZBfWX41OKsRYNU27x7xrEqwVjcPPbM (RSA)
    blob: 'AAAAB3NzaC1yc2EAAAADAQABAAABAE1Em4W63+g/lrOciGnyw3im4bL9OinrkcHBSnPEhVwZ1v9EA/m5hoERYOoQhI5hCwGM/NYpU8cjTRncb6QmcoqUVLVU2jmDAOnrG6/kGQidepM3pPr5ZQcWTkd5sMBl/NjE+sXjqri9KmR1NGX3PRv0eUPRdZeKzU17URcKmxf2WI8m02yCk5V+oJ1g6TgN7t+xCUerK6urRgxC24c49eydUa1OXPkTI0HZ5MPwfH37N9wnNly9t5LK6mq5x+cFaD0eLUnQSdhzgdnMVEfh8nCLfCtsZEU6Us/fu0TWhvlIZsXf3aV0wtTk4RZT6VmPMUsh8j3w4DRddicDRGQi2iE=',
    keygen: '2047 RSA',
  },
  {
    // ssh-keygen -lf: 1024 SHA256:Xpo4NgoqBpd9l1rSihrnAJ6Mgnjq1qmCJ6ZubiLtCkc (DSA)
    blob: 'AAAAB3NzaC1kc3MAAACBAMmWyYOSvaP7WWLF0xlmSPtj9i9Et8s5/pa3iXzUNK8idSsHsV6A+4Q30OMKOXXVlirIqBNvgnfAmrdhW0Gr6VhFvAGumqCN0qP8iiv+zN5h3YdSdKyYtJ8U72U1v30z/VVb11rtKQdYN/BiItrOPcrYJF6hR4LPeCk8LFw3CJ51AAAAFQCYBA1bWNzX0YKby9EyLgVBm/1vkwAAAIArnly5SnqDwS05D23GuLJs9StFd39uVkpsvp8Gf+33sgC9yywCKjIMueetTckJsA4tq5RqT/FFt2xSUDs00cR5/xOmRhzx853mmbDgjhF4NlplVZG4ObJDAL6Z2S5OdVzSbi94XYqSky4toyu9fCnNnjbpc3YfC9898+7zyOt1QgAAAIAIYB2z2G4ouz5ceirVjV9fexpY71M5kemSEKSwpJ67UyudgLyAXyphDGLXbE7Tf8EPo4okR9mOY2pnJB6gDKvVGEcSEP89D46zl/qT20cVohfPbdKbd3FT9+rnwzYxOFg1LflWilFi8TLprkdzmPwJ5+UD8jsle8VjQaeJqyVXBA==',
    keygen: '1024 DSA',
  },
  {
    // ssh-keygen -lf: 521 SHA256:Ej+6kFHkXjqNN5b3daXIZENIEUCl6yck0z/6dGVk4xc (ECDSA)
    blob: 'AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBABM8A03a3JGcc1OqUXjGqxNJ30MhkR3jcxV37YRk+bZ9lg6iZ5bESGgzTdHf3MVHSlBskQ+okDJRXugb9b0SLT6AQDWA9Fwb0pYNxws9LOKKe7X5ZAJtE04pimNx/RxD22x+amAK2y/3yxY1imhcUI7kNGqgfF29RDtS24U0F3xW+Ryew==',
    keygen: '521 ECDSA',
  },
  {
    // ssh-keygen -lf: 256 SHA256:V9FY348N0tV/Wsw3dTmzNGG/snXlMG2IkaV+XGuReJE (ED25519)
    blob: 'AAAAC3NzaC1lZDI1NTE5AAAAIMKrZO9ArYn1MvPeU195KI8NKP8DgGQsVxDXdY3k4d6v',
    keygen: '256 ED25519',
  },
];

describe('keygenName: host key types as ssh-keygen -l names them', () => {
  for (const k of KEYS) {
    it(`${k.keygen}`, () => {
      const named = keygenName(Buffer.from(k.blob, 'base64'));
      assert.equal(`${named?.bits} ${named?.type}`, k.keygen);
    });
  }

  it('names the blob type separately from the type (ssh-rsa → RSA)', () => {
    assert.equal(keygenName(Buffer.from(KEYS[0]!.blob, 'base64'))?.keyType, 'ssh-rsa');
  });

  it('a truncated RSA blob has a type but no size', () => {
    const blob = Buffer.from(KEYS[0]!.blob, 'base64').subarray(0, 30);
    assert.deepEqual(keygenName(blob), { keyType: 'ssh-rsa', type: 'RSA' });
  });

  it('a type OpenSSH does not know is not named', () => {
    const name = Buffer.from('x-unknown-key');
    const blob = Buffer.concat([Buffer.from([0, 0, 0, name.length]), name]);
    assert.equal(keygenName(blob), undefined);
  });
});

import { describe, expect, it } from 'vitest';
import { checkPassword } from './password-policy.js';
import { hashPassword, verifyPassword } from './passwords.js';

describe('password policy', () => {
  it('accepts a long, uncommon password', () => {
    expect(checkPassword('quiet-harbour-lantern-42')).toBeUndefined();
  });

  it('refuses fewer than 12 characters, counting characters not bytes', () => {
    expect(checkPassword('short-pass1')?.reason).toBe('too_short');
    expect(checkPassword('ééééééééééé')?.reason).toBe('too_short'); // 11 characters, 22 bytes
  });

  it('refuses common passwords whatever their case, and one repeated character', () => {
    expect(checkPassword('Password1234')?.reason).toBe('too_common');
    expect(checkPassword('QWERTYUIOP12')?.reason).toBe('too_common');
    expect(checkPassword('aaaaaaaaaaaaaaaa')?.reason).toBe('too_common');
  });

  it('refuses a password containing the email name', () => {
    expect(checkPassword('margaret-rules-2026', 'margaret@example.com')?.reason).toBe('contains_email');
  });

  it('refuses absurdly long passwords (hashing cost)', () => {
    expect(checkPassword('x'.repeat(300) + 'y')?.reason).toBe('too_long');
  });
});

describe('argon2id hashing', () => {
  it('hashes with argon2id and verifies only the right password', async () => {
    const stored = await hashPassword('quiet-harbour-lantern-42');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(stored, 'quiet-harbour-lantern-42')).toBe(true);
    expect(await verifyPassword(stored, 'quiet-harbour-lantern-43')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
  });

  it('salts: the same password gives different hashes', async () => {
    expect(await hashPassword('quiet-harbour-lantern-42')).not.toBe(await hashPassword('quiet-harbour-lantern-42'));
  });
});

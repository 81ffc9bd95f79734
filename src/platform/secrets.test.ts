import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';
import { SecretDecryptError, createSecretBox, deriveKeyId, loadSecretBox, parseSecretKeys } from './secrets.js';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const b64A = keyA.toString('base64');
const b64B = keyB.toString('base64');

function capture() {
  const lines: { level: string; msg: string; [key: string]: unknown }[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line));
      }
      callback();
    },
  });
  return { lines, raw, log: createLogger({ level: 'debug', destination }) };
}

function tempDir() {
  return mkdtempSync(path.join(tmpdir(), 'vigil-secrets-'));
}

function decryptError(run: () => unknown): SecretDecryptError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretDecryptError);
    return error as SecretDecryptError;
  }
  throw new Error('expected a SecretDecryptError');
}

/** Fragments of a key's text that must never show up in a message. */
function keyFragments(...keys: string[]): string[] {
  return keys.flatMap((key) => [key, key.slice(0, 12), key.slice(-12), key.slice(10, 22)]);
}

describe('createSecretBox', () => {
  const box = createSecretBox([{ id: 'A', key: keyA }]);

  it('round-trips a value in the documented compact form', () => {
    const sealed = box.encrypt('hunter2', 'camera:1:credentials');
    expect(sealed).toMatch(/^v1\.A\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('hunter2');
    expect(box.decrypt(sealed, 'camera:1:credentials')).toBe('hunter2');
    expect(box.keyId).toBe('A');
  });

  it('round-trips unicode and the empty string', () => {
    for (const plaintext of ['', 'pässwörd 🔐 日本語 \u0000 end', 'x'.repeat(10_000)]) {
      expect(box.decrypt(box.encrypt(plaintext))).toBe(plaintext);
      expect(box.decrypt(box.encrypt(plaintext, 'ctx'), 'ctx')).toBe(plaintext);
    }
  });

  it('uses a fresh IV for every encryption', () => {
    const first = box.encrypt('same');
    const second = box.encrypt('same');
    expect(first).not.toBe(second);
    expect(first.split('.')[2]).not.toBe(second.split('.')[2]);
  });

  it('refuses a sealed value with any character changed', () => {
    const sealed = box.encrypt('the camera password', 'camera:1:credentials');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    for (let i = 0; i < sealed.length; i++) {
      for (const replacement of [alphabet[(alphabet.indexOf(sealed[i]!) + 1) % alphabet.length]!, '.', '=']) {
        if (replacement === sealed[i]) continue;
        const tampered = sealed.slice(0, i) + replacement + sealed.slice(i + 1);
        const error = decryptError(() => box.decrypt(tampered, 'camera:1:credentials'));
        expect(error.message).not.toContain('the camera password');
      }
    }
  });

  it('refuses a truncated or extended value and other malformed strings', () => {
    const sealed = box.encrypt('value');
    for (const bad of [sealed.slice(0, -1), `${sealed}A`, sealed.slice(0, -30), '', 'v1.A', 'v1.A.x.y.z', 'plain text', 'v2.A.AAAA.BBBB']) {
      decryptError(() => box.decrypt(bad));
    }
    expect(decryptError(() => box.decrypt(`v2${sealed.slice(2)}`)).reason).toBe('unsupported-version');
    expect(decryptError(() => box.decrypt(null as unknown as string)).reason).toBe('malformed');
  });

  it('binds the context: a value copied to another record does not open', () => {
    const sealed = box.encrypt('secret', 'camera:1:credentials');
    const error = decryptError(() => box.decrypt(sealed, 'camera:2:credentials'));
    expect(error.reason).toBe('authentication-failed');
    decryptError(() => box.decrypt(sealed));
    decryptError(() => box.decrypt(box.encrypt('secret'), 'camera:1:credentials'));
  });

  it('names an unknown key id', () => {
    const sealed = createSecretBox([{ id: 'old1', key: keyB }]).encrypt('value');
    const error = decryptError(() => box.decrypt(sealed));
    expect(error.reason).toBe('unknown-key');
    expect(error.message).toBe('sealed with unknown key id "old1"');
  });

  it('refuses a known id over another key', () => {
    const sealed = createSecretBox([{ id: 'A', key: keyB }]).encrypt('value');
    expect(decryptError(() => box.decrypt(sealed)).reason).toBe('authentication-failed');
  });

  it('rotates: the first key seals, older keys still open', () => {
    const old = createSecretBox(parseSecretKeys(`A:${b64A}`));
    const sealedWithA = old.encrypt('value', 'ctx');
    const rotated = createSecretBox(parseSecretKeys(`B:${b64B},A:${b64A}`));
    expect(rotated.keyId).toBe('B');
    expect(rotated.decrypt(sealedWithA, 'ctx')).toBe('value');
    const resealed = rotated.encrypt(rotated.decrypt(sealedWithA, 'ctx'), 'ctx');
    expect(resealed.startsWith('v1.B.')).toBe(true);
    expect(createSecretBox(parseSecretKeys(`B:${b64B}`)).decrypt(resealed, 'ctx')).toBe('value');
    expect(decryptError(() => old.decrypt(resealed, 'ctx')).message).toBe('sealed with unknown key id "B"');
  });

  it('does not show its keys when inspected or serialized', () => {
    const shown = `${JSON.stringify(box)} ${String(Object.values(box))}`;
    for (const fragment of keyFragments(b64A, keyA.toString('hex'))) expect(shown).not.toContain(fragment);
  });

  it('refuses an empty key list and keys of the wrong size', () => {
    expect(() => createSecretBox([])).toThrow(/at least one key/);
    expect(() => createSecretBox([{ id: 'A', key: randomBytes(16) }])).toThrow(/32 bytes/);
  });
});

describe('parseSecretKeys', () => {
  it('reads a single base64 key with an id derived from its hash', () => {
    const [only, ...rest] = parseSecretKeys(` ${b64A}\n`);
    expect(rest).toEqual([]);
    expect(only!.key.equals(keyA)).toBe(true);
    expect(only!.id).toMatch(/^[0-9a-f]{8}$/);
    expect(only!.id).toBe(deriveKeyId(keyA));
  });

  it('reads an id:base64 list in order, and base64url keys', () => {
    const keys = parseSecretKeys(`new_2:${keyB.toString('base64url')}, old-1:${b64A}`);
    expect(keys.map((k) => k.id)).toEqual(['new_2', 'old-1']);
    expect(keys[0]!.key.equals(keyB)).toBe(true);
    expect(keys[1]!.key.equals(keyA)).toBe(true);
  });

  it('gives an entry without id its derived id, so a bare key can be rotated out', () => {
    const keys = parseSecretKeys(`B:${b64B},${b64A}`);
    expect(keys.map((k) => k.id)).toEqual(['B', deriveKeyId(keyA)]);
  });

  const short = randomBytes(16).toString('base64');
  const hex = randomBytes(32).toString('hex');
  const cases: [string, string, RegExp][] = [
    ['wrong length', short, /must decode to 32 bytes, got 16/],
    ['hex instead of base64', hex, /got 48 \(it looks like hex/],
    ['bad base64', `${b64A.slice(0, 20)}!*${b64A.slice(22)}`, /not base64/],
    ['bad base64 in a list', `A:${b64A},B:${b64B.slice(0, 30)} ${b64B.slice(30)}`, /entry 2: the key is not base64/],
    ['duplicate ids', `A:${b64A},A:${b64B}`, /entry 2: duplicate key id "A"/],
    ['a duplicate derived id', `${deriveKeyId(keyA)}:${b64B},${b64A}`, /duplicate key id/],
    ['bad id', `bad.id:${b64A}`, /entry 1: the key id must be/],
    ['an id too long', `${'x'.repeat(33)}:${b64A}`, /the key id must be/],
    ['an empty id', `:${b64A}`, /the key id must be/],
    ['a missing key', `A:`, /the key is missing/],
    ['an empty entry', `A:${b64A},`, /entry 2 is empty/],
    ['an empty value', '  ', /secret key is empty/],
  ];
  it.each(cases)('refuses %s without echoing key text', (_name, value, message) => {
    let thrown: unknown;
    try {
      parseSecretKeys(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    const text = (thrown as Error).message;
    expect(text).toMatch(message);
    for (const fragment of keyFragments(b64A, b64B, short, hex)) expect(text).not.toContain(fragment);
  });
});

describe('loadSecretBox', () => {
  it('uses VIGIL_SECRET_KEY when configured, and writes no file', async () => {
    const dataDir = tempDir();
    const { log, raw } = capture();
    const box = await loadSecretBox({ configured: `B:${b64B},A:${b64A}`, dataDir, mode: 'production', log });
    expect(box.keyId).toBe('B');
    expect(() => statSync(path.join(dataDir, 'secret-key'))).toThrow();
    expect(raw.some((line) => line.includes('"level":"error"'))).toBe(false);
    for (const fragment of keyFragments(b64A, b64B)) expect(raw.join('\n')).not.toContain(fragment);
  });

  it('says which setting is invalid, without its text', async () => {
    const { log } = capture();
    const value = `A:${b64A.slice(0, 30)}`;
    const attempt = loadSecretBox({ configured: value, dataDir: tempDir(), mode: 'development', log });
    await expect(attempt).rejects.toThrow(/^VIGIL_SECRET_KEY is invalid: secret key entry 1: the key must decode to 32 bytes/);
    await attempt.catch((error: Error) => expect(error.message).not.toContain(value.slice(2)));
  });

  it('generates DATA_DIR/secret-key (0600) on first start and reuses it on the next', async () => {
    const dataDir = path.join(tempDir(), 'nested', 'data');
    const first = capture();
    const box1 = await loadSecretBox({ configured: undefined, dataDir, mode: 'development', log: first.log });
    const file = path.join(dataDir, 'secret-key');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const content = readFileSync(file, 'utf8').trim();
    expect(parseSecretKeys(content)[0]!.id).toBe(box1.keyId);
    const sealed = box1.encrypt('camera password', 'camera:1:credentials');

    const warnings = first.lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('VIGIL_SECRET_KEY is not set');
    expect(warnings[0]!.msg).toContain(file);
    for (const fragment of keyFragments(content)) expect(first.raw.join('\n')).not.toContain(fragment);

    const second = capture();
    const box2 = await loadSecretBox({ configured: undefined, dataDir, mode: 'development', log: second.log });
    expect(box2.keyId).toBe(box1.keyId);
    expect(box2.decrypt(sealed, 'camera:1:credentials')).toBe('camera password');
    expect(readFileSync(file, 'utf8').trim()).toBe(content);
    expect(second.lines.filter((line) => line.level === 'warn' || line.level === 'error')).toEqual([]);
    for (const fragment of keyFragments(content)) expect(second.raw.join('\n')).not.toContain(fragment);
  });

  it('logs at error level in production, saying every node must share the key and the file must not be lost', async () => {
    const dataDir = tempDir();
    for (const attempt of ['generated', 'reused']) {
      const { lines, raw, log } = capture();
      await loadSecretBox({ configured: undefined, dataDir, mode: 'production', log });
      const errors = lines.filter((line) => line.level === 'error');
      expect(errors, attempt).toHaveLength(1);
      expect(errors[0]!.msg).toMatch(/every node must share the same VIGIL_SECRET_KEY/i);
      expect(errors[0]!.msg).toMatch(/losing this file loses every stored secret/i);
      const content = readFileSync(path.join(dataDir, 'secret-key'), 'utf8').trim();
      for (const fragment of keyFragments(content)) expect(raw.join('\n')).not.toContain(fragment);
    }
  });

  it('gives two processes starting together the same key', async () => {
    const dataDir = tempDir();
    const boxes = await Promise.all(
      Array.from({ length: 8 }, () => loadSecretBox({ configured: undefined, dataDir, mode: 'test', log: capture().log })),
    );
    const sealed = boxes[0]!.encrypt('shared');
    for (const box of boxes) expect(box.decrypt(sealed)).toBe('shared');
  });

  it('reads an existing key file in the id:base64 form, and warns when others can read it', async () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'secret-key');
    writeFileSync(file, `B:${b64B},A:${b64A}\n`, { mode: 0o644 });
    const { lines, log } = capture();
    const box = await loadSecretBox({ configured: undefined, dataDir, mode: 'development', log });
    expect(box.keyId).toBe('B');
    if (process.platform !== 'win32') expect(lines.some((line) => line.level === 'warn' && line.msg.includes('chmod 600'))).toBe(true);
  });

  it('refuses an invalid key file, naming the file', async () => {
    const dataDir = tempDir();
    writeFileSync(path.join(dataDir, 'secret-key'), 'not a key\n', { mode: 0o600 });
    await expect(loadSecretBox({ configured: undefined, dataDir, mode: 'development', log: capture().log })).rejects.toThrow(
      /secret-key is invalid: secret key: the key is not base64/,
    );
  });
});

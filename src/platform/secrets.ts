// Secrets at rest (camera credentials, provider API keys): AES-256-GCM under VIGIL_SECRET_KEY, or
// under a key generated into DATA_DIR/secret-key. Sealed values name their key, so keys can rotate:
// the first key encrypts, every listed key decrypts. No message or log line carries key material.
import { createCipheriv, createDecipheriv, createHash, createSecretKey, hkdfSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from './log.js';

export interface SecretBox {
  /** The id of the key new values are sealed with. */
  readonly keyId: string;
  /** Seals `plaintext`; `context` (e.g. `camera:<id>:credentials`) must be given again to open it. */
  encrypt(plaintext: string, context?: string): string;
  /** Opens a value sealed by `encrypt`; throws SecretDecryptError. */
  decrypt(sealed: string, context?: string): string;
  /** A 32-byte key for `purpose` (HKDF-SHA256 of the sealing key): the same on every node that shares the secret key. */
  deriveKey(purpose: string): Buffer;
}

export interface SecretKey {
  id: string;
  key: Buffer;
}

export type SecretDecryptReason = 'malformed' | 'unsupported-version' | 'unknown-key' | 'authentication-failed';

export class SecretDecryptError extends Error {
  constructor(
    readonly reason: SecretDecryptReason,
    message: string,
  ) {
    super(message);
    this.name = 'SecretDecryptError';
  }
}

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** File under DATA_DIR holding the generated key when VIGIL_SECRET_KEY is unset. */
export const SECRET_KEY_FILE = 'secret-key';

/** The id a key gets when none is written: the first 8 hex digits of its SHA-256. */
export function deriveKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Reads VIGIL_SECRET_KEY's form: one base64 key, or `id:base64,id2:base64,…` (an entry without
 * `id:` gets its derived id). Errors name the entry by position, never by its text.
 */
export function parseSecretKeys(value: string): SecretKey[] {
  const trimmed = value.trim();
  if (trimmed === '') throw new Error('secret key is empty: expected base64 of 32 bytes, or id:base64,…');
  const entries = trimmed.split(',');
  const many = entries.length > 1;
  const keys: SecretKey[] = [];
  entries.forEach((raw, index) => {
    const where = many || raw.includes(':') ? `secret key entry ${index + 1}` : 'secret key';
    const entry = raw.trim();
    if (entry === '') throw new Error(`${where} is empty`);
    const colon = entry.indexOf(':');
    const encoded = (colon === -1 ? entry : entry.slice(colon + 1)).trim();
    const key = decodeKey(encoded, where);
    const id = colon === -1 ? deriveKeyId(key) : entry.slice(0, colon).trim();
    // The id is not echoed: a malformed one may be a pasted fragment of a key.
    if (!KEY_ID.test(id)) throw new Error(`${where}: the key id must be 1-32 characters of A-Z, a-z, 0-9, _ or -`);
    if (keys.some((k) => k.id === id)) throw new Error(`${where}: duplicate key id "${id}"`);
    keys.push({ id, key });
  });
  return keys;
}

function decodeKey(encoded: string, where: string): Buffer {
  if (encoded === '') throw new Error(`${where}: the key is missing`);
  if (!BASE64.test(encoded)) throw new Error(`${where}: the key is not base64`);
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== KEY_BYTES) {
    const hint = /^[0-9a-f]{64}$/i.test(encoded) ? ' (it looks like hex; write the 32 bytes in base64)' : '';
    throw new Error(`${where}: the key must decode to ${KEY_BYTES} bytes, got ${key.length}${hint}`);
  }
  return key;
}

/** A box over `keys`: the first seals, all open. Pure; the keys are copied. */
export function createSecretBox(keys: readonly SecretKey[]): SecretBox {
  const first = keys[0];
  if (!first) throw new Error('a secret box needs at least one key');
  const byId = new Map<string, KeyObject>();
  for (const [index, { id, key }] of keys.entries()) {
    if (!KEY_ID.test(id)) throw new Error(`secret key entry ${index + 1}: the key id must be 1-32 characters of A-Z, a-z, 0-9, _ or -`);
    if (byId.has(id)) throw new Error(`secret key entry ${index + 1}: duplicate key id "${id}"`);
    if (key.length !== KEY_BYTES) throw new Error(`secret key "${id}" must be ${KEY_BYTES} bytes, got ${key.length}`);
    byId.set(id, createSecretKey(Buffer.from(key)));
  }
  const sealingId = first.id;
  const sealingKey = byId.get(sealingId);
  if (!sealingKey) throw new Error('unreachable: the first key is in the map');

  const sealingBytes = Buffer.from(first.key);
  return Object.freeze({
    keyId: sealingId,
    deriveKey: (purpose: string) => Buffer.from(hkdfSync('sha256', sealingBytes, 'vigil', purpose, KEY_BYTES)),
    encrypt(plaintext: string, context = ''): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', sealingKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}.${sealingId}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    decrypt(sealed: string, context = ''): string {
      if (typeof sealed !== 'string') throw new SecretDecryptError('malformed', 'sealed value is not a string');
      const parts = sealed.split('.');
      if (parts.length !== 4) throw new SecretDecryptError('malformed', 'sealed value is malformed: expected v1.<keyId>.<iv>.<data>');
      const [version, id, ivText, bodyText] = parts as [string, string, string, string];
      if (version !== VERSION) {
        const shown = /^v\d{1,4}$/.test(version) ? ` "${version}"` : '';
        throw new SecretDecryptError('unsupported-version', `sealed value has an unsupported format version${shown}`);
      }
      if (!KEY_ID.test(id)) throw new SecretDecryptError('malformed', 'sealed value is malformed: bad key id');
      const key = byId.get(id);
      if (!key) throw new SecretDecryptError('unknown-key', `sealed with unknown key id "${id}"`);
      const iv = decodeBase64Url(ivText);
      if (!iv || iv.length !== IV_BYTES) throw new SecretDecryptError('malformed', 'sealed value is malformed: bad IV');
      const body = decodeBase64Url(bodyText);
      if (!body || body.length < TAG_BYTES) throw new SecretDecryptError('malformed', 'sealed value is malformed: bad ciphertext');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretDecryptError(
          'authentication-failed',
          `sealed value with key id "${id}" failed authentication: it was altered, or belongs to another context`,
        );
      }
    },
  });
}

/** Strict base64url: only its alphabet, and only the canonical spelling of the bytes. */
function decodeBase64Url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Unused low bits in the last character would let two spellings open to the same value.
  return bytes.toString('base64url') === text ? bytes : undefined;
}

export interface LoadSecretBoxOptions {
  /** VIGIL_SECRET_KEY, when set. */
  configured: string | undefined;
  dataDir: string;
  mode: 'development' | 'production' | 'test';
  log: Logger;
}

/** The box of the running service: VIGIL_SECRET_KEY, else DATA_DIR/secret-key (created on first start). */
export async function loadSecretBox(options: LoadSecretBoxOptions): Promise<SecretBox> {
  const { configured, dataDir, mode, log } = options;
  if (configured !== undefined) {
    const box = createSecretBox(parseWithSource(configured, 'VIGIL_SECRET_KEY'));
    log.debug({ keyId: box.keyId }, 'secrets at rest: using the keys of VIGIL_SECRET_KEY');
    return box;
  }

  const file = path.join(path.resolve(dataDir), SECRET_KEY_FILE);
  const { text, created } = await readOrCreateKeyFile(file);
  const box = createSecretBox(parseWithSource(text, file));
  if (!created) await warnIfOpen(file, log);
  if (mode === 'production') {
    log.error(
      { file, keyId: box.keyId, created },
      `VIGIL_SECRET_KEY is not set in production: secrets at rest are encrypted with a key ${created ? 'just generated into' : 'read from'} ${file}. ` +
        'Every node must share the same VIGIL_SECRET_KEY: set it to the content of this file on all of them. ' +
        'Losing this file loses every stored secret (camera credentials, provider API keys); back it up.',
    );
  } else if (created) {
    log.warn(
      { file, keyId: box.keyId },
      `VIGIL_SECRET_KEY is not set: generated a new key into ${file} to encrypt secrets at rest. ` +
        'Losing this file loses every stored secret; set VIGIL_SECRET_KEY in production and on every node.',
    );
  } else {
    log.info({ file, keyId: box.keyId }, `VIGIL_SECRET_KEY is not set: secrets at rest use the key in ${file}`);
  }
  return box;
}

function parseWithSource(value: string, source: string): SecretKey[] {
  try {
    return parseSecretKeys(value);
  } catch (error) {
    throw new Error(`${source} is invalid: ${(error as Error).message}`);
  }
}

async function readOrCreateKeyFile(file: string): Promise<{ text: string; created: boolean }> {
  const existing = await readKeyFile(file);
  if (existing !== undefined) return { text: existing, created: false };

  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const text = randomBytes(KEY_BYTES).toString('base64');
  let handle;
  try {
    // 'wx': of two processes starting together, one creates the file and the other reads it.
    handle = await open(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const theirs = await readKeyFile(file);
    if (theirs === undefined) throw new Error(`${file} vanished while being read`);
    return { text: theirs, created: false };
  }
  try {
    await handle.chmod(0o600); // the umask could only narrow it, but say it plainly
    await handle.writeFile(`${text}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { text, created: true };
}

/** The file's content, waiting briefly if another process has created it but not yet written it. */
async function readKeyFile(file: string): Promise<string | undefined> {
  for (let attempt = 0; ; attempt++) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    if (text.trim() !== '') return text;
    if (attempt >= 20) throw new Error(`${file} is empty: delete it to generate a new key, or set VIGIL_SECRET_KEY`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function warnIfOpen(file: string, log: Logger): Promise<void> {
  if (process.platform === 'win32') return;
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) {
    log.warn({ file, mode: (mode & 0o777).toString(8) }, `${file} is readable by other users; run chmod 600 on it`);
  }
}

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase } from '../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../test/helpers/databases.js';
import { createAudit } from '../../platform/audit.js';
import type { Database } from '../../platform/db/database.js';
import { migrate } from '../../platform/db/migrate.js';
import { createMetrics } from '../../platform/metrics.js';
import { createSecretBox } from '../../platform/secrets.js';
import { createTokenKeys } from './tokens.js';
import { SYSTEM } from './users.service.js';
import type { Schema } from '../../platform/db/schema.js';

const settings = { issuer: 'vigil', audience: 'vigil-api', ttlS: 900, clockSkewS: 0 };
const secrets = createSecretBox([{ id: 'k1', key: Buffer.alloc(32, 1) }]);
const pem = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

describe('signing keys', () => {
  let testDb: TestDatabase;
  let database: Database;
  let db: Kysely<Schema>;
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-keys-'));

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase(testDb);
    await migrate(database, pino({ level: 'silent' }));
    db = database.db;
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const keys = (configuredKeys?: string) =>
    createTokenKeys({ db, secrets, settings, configuredKeys, audit: createAudit({ metrics: createMetrics({ defaultMetrics: false }) }) });

  it('signs with the first configured key, named by its thumbprint, and verifies with the others during a rotation', async () => {
    const [oldPem, newPem] = [pem(), pem()];
    const before = keys(oldPem);
    await before.init();
    const oldToken = (await before.sign('user-1', 'session-1')).token;
    const oldKid = kidOf(oldToken);
    expect(oldKid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(before.jwks().keys.map((k) => k.kid)).toContain(oldKid);
    expect(JSON.stringify(before.jwks())).not.toMatch(/"d":/);

    // The new key first, the old one kept after it: old tokens still verify, new ones use the new key.
    const during = keys(`${newPem}\n${oldPem}`);
    await during.init();
    await expect(during.verify(oldToken)).resolves.toMatchObject({ sub: 'user-1', sid: 'session-1' });
    const newToken = (await during.sign('user-1', 'session-2')).token;
    expect(kidOf(newToken)).not.toBe(oldKid);
    expect(during.list().find((k) => k.signing)).toMatchObject({ kid: kidOf(newToken), source: 'configuration' });

    // Once the old key is dropped from configuration, its tokens are refused as unknown.
    const after = keys(newPem);
    await after.init();
    await expect(after.verify(oldToken)).rejects.toMatchObject({ code: 'ACCESS_TOKEN_INVALID', details: { reason: 'unknown_kid' } });
    await expect(after.verify(newToken)).resolves.toMatchObject({ sid: 'session-2' });
  });

  it('reads the keys from a file, and takes \\n-escaped PEM from an environment variable', async () => {
    const text = pem();
    const file = path.join(dir, 'jwt.pem');
    writeFileSync(file, text, { mode: 0o600 });
    const fromFile = keys(file);
    await fromFile.init();
    const escaped = keys(text.replaceAll('\n', '\\n'));
    await escaped.init();
    const token = (await fromFile.sign('u', 's')).token;
    await expect(escaped.verify(token)).resolves.toMatchObject({ sub: 'u' });
  });

  it('explains a bad configured key without quoting it', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(keys(rsa).init()).rejects.toThrow('VIGIL_JWT_PRIVATE_KEY: key 1 is not an Ed25519 private key in PKCS#8 PEM');
    await expect(keys('/no/such/file.pem').init()).rejects.toThrow(/neither PEM text nor a readable file \(ENOENT\)/);
    await expect(keys('-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----').init()).rejects.toThrow(/holds no/);
  });

  it('refuses to rotate keys that come from configuration', async () => {
    const configured = keys(pem());
    await configured.init();
    await expect(configured.rotate({ ...SYSTEM, id: 'cli' })).rejects.toThrow(/rotate by putting the new key first/);
  });

  it('rotates database keys: the retired key keeps verifying its tokens, and the rotation is audited', async () => {
    const stored = keys();
    await stored.init();
    const oldToken = (await stored.sign('u', 's')).token;
    const { kid, retired } = await stored.rotate({ ...SYSTEM, id: 'cli' });
    expect(retired).toContain(kidOf(oldToken));
    const newToken = (await stored.sign('u', 's')).token;
    expect(kidOf(newToken)).toBe(kid);
    await expect(stored.verify(oldToken)).resolves.toMatchObject({ sub: 'u' });
    // Another process that loaded the keys before the rotation learns the new kid when it meets it.
    const other = keys();
    await other.init();
    await expect(other.verify(newToken)).resolves.toMatchObject({ sub: 'u' });
    const audit = await sql<{ resource_id: string; actor_id: string }>`
      select resource_id, actor_id from audit_events where action = 'auth.signing_key_rotate'`.execute(db);
    expect(audit.rows).toEqual([{ resource_id: kid, actor_id: 'cli' }]);
  });
});

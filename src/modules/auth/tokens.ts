// Access tokens: EdDSA JWTs with a `kid`. Signing keys live in the database with their private half
// sealed by the secrets key, so every process of one deployment signs and verifies alike; retired
// keys keep verifying. Or they come from configuration (VIGIL_JWT_PRIVATE_KEY: PKCS#8 PEM, the
// first signs, the rest verify), and then the database's keys only verify. Public keys are served
// as a JWKS.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JWK, JWTPayload } from 'jose';
import { SignJWT, calculateJwkThumbprint, errors, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import type { Kysely } from 'kysely';
import { LOCKS, lockTransaction } from '../../platform/db/locks.js';
import { AppError } from '../../platform/errors.js';
import { uuidv7 } from '../../platform/ids.js';
import { KeyErrors, TokenErrors } from './auth.errors.js';
import type { Audit } from '../../platform/audit.js';
import { byActor } from '../../platform/audit.js';
import type { SecretBox } from '../../platform/secrets.js';
import { signingKeysRepo } from './signing-keys.repo.js';
import type { Actor } from './users.service.js';
import type { Schema } from '../../platform/db/schema.js';

export interface AccessClaims {
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlS: number;
  clockSkewS: number;
}

type KeyMaterial = Awaited<ReturnType<typeof importJWK>>;
type Key = { kid: string; verify: KeyMaterial; sign?: KeyMaterial; publicJwk: JWK; retired: boolean };

const PEM_BLOCK = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/g;

/**
 * Reads VIGIL_JWT_PRIVATE_KEY: PEM text, or the path of a file holding it; one or more Ed25519
 * PKCS#8 keys, the first signing. The kid of each is its RFC 7638 thumbprint. Errors never quote the key.
 */
export async function parseConfiguredKeys(value: string): Promise<Key[]> {
  let text = value.replaceAll('\\n', '\n');
  if (!text.includes('-----BEGIN')) {
    try {
      text = readFileSync(value.trim(), 'utf8');
    } catch (error) {
      throw new Error(
        `VIGIL_JWT_PRIVATE_KEY is neither PEM text nor a readable file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new Error('VIGIL_JWT_PRIVATE_KEY holds no "-----BEGIN PRIVATE KEY-----" block (PKCS#8 PEM)');
  const keys: Key[] = [];
  for (const [index, pem] of blocks.entries()) {
    let privateJwk: JWK;
    let publicJwk: JWK;
    try {
      const privateKey = createPrivateKey(pem);
      if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('not Ed25519');
      privateJwk = await exportJWK(privateKey);
      publicJwk = await exportJWK(createPublicKey(privateKey));
    } catch {
      throw new Error(`VIGIL_JWT_PRIVATE_KEY: key ${index + 1} is not an Ed25519 private key in PKCS#8 PEM`);
    }
    const kid = await calculateJwkThumbprint(publicJwk);
    const published = { ...publicJwk, kid, alg: 'EdDSA', use: 'sig' };
    keys.push({
      kid,
      verify: await importJWK(published, 'EdDSA'),
      ...(index === 0 ? { sign: await importJWK({ ...privateJwk, alg: 'EdDSA' }, 'EdDSA') } : {}),
      publicJwk: published,
      retired: index > 0,
    });
  }
  return keys;
}

export function createTokenKeys(deps: {
  db: Kysely<Schema>;
  secrets: SecretBox;
  settings: TokenSettings;
  /** VIGIL_JWT_PRIVATE_KEY, when set. */
  configuredKeys?: string | undefined;
  audit?: Audit;
}) {
  const { db, secrets, settings } = deps;
  let keys = new Map<string, Key>();
  let current: Key | undefined;
  let configured: Key[] = [];

  async function load(): Promise<void> {
    const rows = await signingKeysRepo.all(db);
    const next = new Map<string, Key>();
    let signer: Key | undefined = configured[0];
    for (const key of configured) next.set(key.kid, key);
    for (const row of rows) {
      if (next.has(row.kid)) continue;
      const key: Key = {
        kid: row.kid,
        verify: await importJWK(row.public_jwk, 'EdDSA'),
        publicJwk: row.public_jwk,
        retired: row.retired_at !== null,
      };
      if (!key.retired && !signer && configured.length === 0) {
        key.sign = await importJWK(JSON.parse(secrets.decrypt(row.private_jwk_sealed, `signing-key:${row.kid}`)) as JWK, 'EdDSA');
        signer = key;
      }
      next.set(row.kid, key);
    }
    keys = next;
    current = signer;
  }

  async function create(tx: Kysely<Schema>): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const kid = uuidv7();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
    const privateJwk = await exportJWK(privateKey);
    await signingKeysRepo.insert(tx, {
      kid,
      alg: 'EdDSA',
      public_jwk: JSON.stringify(publicJwk) as unknown as JWK,
      private_jwk_sealed: secrets.encrypt(JSON.stringify(privateJwk), `signing-key:${kid}`),
      created_at: new Date(),
      retired_at: null,
    });
    return kid;
  }

  return {
    /** Loads the keys, creating the first one on a fresh database (once, whatever the number of processes). */
    async init(): Promise<void> {
      if (deps.configuredKeys !== undefined) {
        configured = await parseConfiguredKeys(deps.configuredKeys);
        return load();
      }
      await db.transaction().execute(async (tx) => {
        await lockTransaction(tx, LOCKS.signingKeys);
        if (!(await signingKeysRepo.hasActive(tx))) await create(tx);
      });
      await load();
    },

    /**
     * Retires the signing key and makes a new one; the retired one still verifies. Other processes
     * keep signing with the key they loaded (still valid) until they restart or meet a token of the new one.
     */
    async rotate(actor: Actor): Promise<{ kid: string; retired: string[] }> {
      if (configured.length > 0 || deps.configuredKeys !== undefined) throw KeyErrors.configured();
      const retired = await db.transaction().execute(async (tx) => {
        await lockTransaction(tx, LOCKS.signingKeys);
        const old = await signingKeysRepo.retireActive(tx, new Date());
        const kid = await create(tx);
        await deps.audit?.write(tx, {
          ...byActor(actor),
          action: 'auth.signing_key_rotate',
          resourceType: 'signing_key',
          resourceId: kid,
          before: { kids: old },
          after: { kid },
          result: 'success',
        });
        return old;
      });
      await load();
      return { kid: current!.kid, retired };
    },

    /** The keys as operators see them: newest first, which one signs. */
    list(): { kid: string; signing: boolean; retired: boolean; source: 'database' | 'configuration' }[] {
      return [...keys.values()].map((k) => ({
        kid: k.kid,
        signing: k === current,
        retired: k !== current && k.retired,
        source: configured.includes(k) ? 'configuration' : 'database',
      }));
    },

    async sign(subject: string, sessionId: string): Promise<{ token: string; expiresIn: number }> {
      if (!current?.sign) throw new Error('token keys are not initialised');
      const token = await new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: 'EdDSA', kid: current.kid, typ: 'JWT' })
        .setSubject(subject)
        .setJti(uuidv7())
        .setIssuedAt()
        .setExpirationTime(`${settings.ttlS}s`)
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .sign(current.sign);
      return { token, expiresIn: settings.ttlS };
    },

    /** Verifies signature, issuer, audience and expiry (with the configured skew); throws 401 with a clear code. */
    async verify(token: string): Promise<AccessClaims> {
      let payload: JWTPayload;
      // A failure to read the keys (the database busy or away) is not the token's fault: it is
      // thrown as it is (503 for an unavailable database), never turned into a 401.
      let loadFailure: { error: unknown } | undefined;
      try {
        ({ payload } = await jwtVerify(
          token,
          async (header) => {
            let key = header.kid ? keys.get(header.kid) : undefined;
            if (!key && header.kid) {
              // Another process may have rotated.
              await load().catch((error: unknown) => {
                loadFailure = { error };
                throw error;
              });
              key = keys.get(header.kid);
            }
            if (!key) throw TokenErrors.invalid('unknown_kid');
            return key.verify;
          },
          { issuer: settings.issuer, audience: settings.audience, clockTolerance: settings.clockSkewS, algorithms: ['EdDSA'] },
        ));
      } catch (error) {
        if (loadFailure) throw loadFailure.error;
        if (error instanceof AppError) throw error;
        if (error instanceof errors.JWTExpired) throw TokenErrors.expired();
        if (error instanceof errors.JWTClaimValidationFailed) {
          throw TokenErrors.invalid(error.claim === 'aud' ? 'audience' : error.claim === 'iss' ? 'issuer' : 'claims');
        }
        if (error instanceof errors.JWSSignatureVerificationFailed) throw TokenErrors.invalid('signature');
        throw TokenErrors.invalid('malformed');
      }
      const { sub, sid, jti, iat, exp } = payload;
      if (
        typeof sub !== 'string' ||
        typeof sid !== 'string' ||
        typeof jti !== 'string' ||
        typeof iat !== 'number' ||
        typeof exp !== 'number'
      ) {
        throw TokenErrors.invalid('claims');
      }
      return { sub, sid, jti, iat, exp };
    },

    jwks(): { keys: JWK[] } {
      return { keys: [...keys.values()].map((k) => k.publicJwk) };
    },
  };
}

export type TokenKeys = ReturnType<typeof createTokenKeys>;

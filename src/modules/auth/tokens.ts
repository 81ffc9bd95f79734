// Access tokens: EdDSA JWTs with a `kid`. Signing keys live in the database with their private half
// sealed by the secrets key, so every process of one deployment signs and verifies alike; retired
// keys keep verifying. Public keys are served as a JWKS.
import type { JWK, JWTPayload } from 'jose';
import { SignJWT, errors, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { AppError } from '../../platform/errors.js';
import { uuidv7 } from '../../platform/ids.js';
import type { SecretBox } from '../../platform/secrets.js';

export interface SigningKeysTables {
  signing_keys: {
    kid: string;
    alg: 'EdDSA';
    public_jwk: JWK;
    private_jwk_sealed: string;
    created_at: Date;
    retired_at: Date | null;
  };
}

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

/** pg_advisory_xact_lock key for creating the first signing key: "vigil-sk". */
const KEY_LOCK = '8532197547340001131';

export const TokenErrors = {
  expired: () => new AppError(401, 'ACCESS_TOKEN_EXPIRED', 'the access token has expired; refresh it'),
  invalid: (reason: 'malformed' | 'signature' | 'audience' | 'issuer' | 'unknown_kid' | 'claims') =>
    new AppError(401, 'ACCESS_TOKEN_INVALID', `the access token is not valid (${reason.replace('_', ' ')})`, { reason }),
} as const;

type KeyMaterial = Awaited<ReturnType<typeof importJWK>>;
type Key = { kid: string; verify: KeyMaterial; sign?: KeyMaterial; publicJwk: JWK; retired: boolean };

export function createTokenKeys(deps: { db: Kysely<SigningKeysTables>; secrets: SecretBox; settings: TokenSettings }) {
  const { db, secrets, settings } = deps;
  let keys = new Map<string, Key>();
  let current: Key | undefined;

  async function load(): Promise<void> {
    const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
    const next = new Map<string, Key>();
    let signer: Key | undefined;
    for (const row of rows) {
      const key: Key = {
        kid: row.kid,
        verify: await importJWK(row.public_jwk, 'EdDSA'),
        publicJwk: row.public_jwk,
        retired: row.retired_at !== null,
      };
      if (!key.retired && !signer) {
        key.sign = await importJWK(JSON.parse(secrets.decrypt(row.private_jwk_sealed, `signing-key:${row.kid}`)) as JWK, 'EdDSA');
        signer = key;
      }
      next.set(row.kid, key);
    }
    keys = next;
    current = signer;
  }

  async function create(tx: Kysely<SigningKeysTables>): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const kid = uuidv7();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
    const privateJwk = await exportJWK(privateKey);
    await tx
      .insertInto('signing_keys')
      .values({
        kid,
        alg: 'EdDSA',
        public_jwk: JSON.stringify(publicJwk) as unknown as JWK,
        private_jwk_sealed: secrets.encrypt(JSON.stringify(privateJwk), `signing-key:${kid}`),
        created_at: new Date(),
        retired_at: null,
      })
      .execute();
  }

  return {
    /** Loads the keys, creating the first one on a fresh database (once, whatever the number of processes). */
    async init(): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await sql`select pg_advisory_xact_lock(${KEY_LOCK})`.execute(tx);
        const active = await tx.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).executeTakeFirst();
        if (!active) await create(tx);
      });
      await load();
    },

    /** Retires the signing key and makes a new one; the retired one still verifies. */
    async rotate(): Promise<string> {
      await db.transaction().execute(async (tx) => {
        await sql`select pg_advisory_xact_lock(${KEY_LOCK})`.execute(tx);
        await tx.updateTable('signing_keys').set({ retired_at: new Date() }).where('retired_at', 'is', null).execute();
        await create(tx);
      });
      await load();
      return current!.kid;
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
      try {
        ({ payload } = await jwtVerify(
          token,
          async (header) => {
            let key = header.kid ? keys.get(header.kid) : undefined;
            if (!key && header.kid) {
              await load(); // another process may have rotated
              key = keys.get(header.kid);
            }
            if (!key) throw TokenErrors.invalid('unknown_kid');
            return key.verify;
          },
          { issuer: settings.issuer, audience: settings.audience, clockTolerance: settings.clockSkewS, algorithms: ['EdDSA'] },
        ));
      } catch (error) {
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

// Named PostgreSQL advisory locks. Every lock Vigil takes is named here; its 64-bit key is derived
// from the name in one place (the first 8 bytes of SHA-256 of "vigil:<name>", as a signed integer),
// never picked by hand, so two locks cannot collide by a typing slip. Advisory locks are
// cluster-wide on a database: processes sharing it serialise on them.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { RawSession } from './database.js';
import type { Schema } from './schema.js';

/** What each lock serialises. */
export const LOCKS = {
  /** Applying migrations (a session lock: migrations run several transactions). */
  migrations: 'migrations',
  /** Creating the first admin on an empty database. */
  firstAdmin: 'first-admin',
  /** Creating or rotating the key that signs access tokens. */
  signingKeys: 'signing-keys',
  /** Changes to the shape of the org tree (parents), so that cycle and depth checks hold until commit. */
  orgStructure: 'org-structure',
} as const;

export type LockName = (typeof LOCKS)[keyof typeof LOCKS] | `job:${string}`;

const keys = new Map<string, string>();

/** The lock's key, as the decimal text PostgreSQL takes for a bigint. */
export function lockKey(name: LockName): string {
  let key = keys.get(name);
  if (key === undefined) {
    key = createHash('sha256').update(`vigil:${name}`).digest().readBigInt64BE(0).toString();
    keys.set(name, key);
  }
  return key;
}

/** Waits for the lock, held until the transaction ends (commit, rollback or a dropped connection). */
export async function lockTransaction(tx: Kysely<Schema>, name: LockName): Promise<void> {
  await sql`select pg_advisory_xact_lock(${lockKey(name)}::bigint)`.execute(tx);
}

/** Takes the lock for the rest of the transaction if no one holds it; false, at once, if someone does. */
export async function tryLockTransaction(tx: Kysely<Schema>, name: LockName): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${lockKey(name)}::bigint) as locked`.execute(tx);
  return rows[0]?.locked === true;
}

/** Waits for the lock on a pinned session, runs `fn`, and releases the lock whatever happens. */
export async function withSessionLock<T>(session: RawSession, name: LockName, fn: () => Promise<T>): Promise<T> {
  const key = lockKey(name);
  await session.query('select pg_advisory_lock($1::bigint)', [key]);
  try {
    return await fn();
  } finally {
    await session.query('select pg_advisory_unlock($1::bigint)', [key]);
  }
}

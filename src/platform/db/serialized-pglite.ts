// Kysely's PGliteDriver hands the same connection to every caller and keeps the open transaction
// on it, so a query from one request could run inside another request's transaction. PGlite runs
// one query at a time anyway: we hand the connection to one holder at a time, as Kysely's own
// SQLite driver does, which keeps transactions isolated.
import type { AbortableOperationOptions, DatabaseConnection, Dialect, Driver, Kysely, QueryCompiler, TransactionSettings } from 'kysely';
import { PGliteDialect } from 'kysely';
import type { PGliteDialectConfig } from 'kysely';

class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#tail;
    this.#tail = previous.then(() => next);
    await previous;
    return release;
  }
}

class SerializedDriver implements Driver {
  readonly #inner: Driver;
  readonly #mutex = new Mutex();
  #release: (() => void) | undefined;

  constructor(inner: Driver) {
    this.#inner = inner;
  }

  init(options?: AbortableOperationOptions): Promise<void> {
    return this.#inner.init(options);
  }

  async acquireConnection(options?: AbortableOperationOptions): Promise<DatabaseConnection> {
    const release = await this.#mutex.lock();
    this.#release = release;
    try {
      return await this.#inner.acquireConnection(options);
    } catch (error) {
      this.#release = undefined;
      release();
      throw error;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.#inner.releaseConnection(connection);
    } finally {
      const release = this.#release;
      this.#release = undefined;
      release?.();
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(connection);
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#inner.savepoint?.(connection, name, compile);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#inner.rollbackToSavepoint?.(connection, name, compile);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#inner.releaseSavepoint?.(connection, name, compile);
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}

export class SerializedPGliteDialect implements Dialect {
  readonly #inner: PGliteDialect;

  constructor(config: PGliteDialectConfig) {
    this.#inner = new PGliteDialect(config);
  }

  createDriver(): Driver {
    return new SerializedDriver(this.#inner.createDriver());
  }

  createAdapter() {
    return this.#inner.createAdapter();
  }

  createQueryCompiler() {
    return this.#inner.createQueryCompiler();
  }

  createIntrospector(db: Kysely<unknown>) {
    return this.#inner.createIntrospector(db);
  }
}

import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.js';

export interface MigrationRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: Date;
}

export function createOpsRepo(db: Kysely<Schema>) {
  return {
    listMigrations(afterVersion: number | undefined, limit: number): Promise<MigrationRow[]> {
      let query = db.selectFrom('schema_migrations').selectAll().orderBy('version').limit(limit);
      if (afterVersion !== undefined) query = query.where('version', '>', afterVersion);
      return query.execute();
    },
    findMigration(version: number): Promise<MigrationRow | undefined> {
      return db.selectFrom('schema_migrations').selectAll().where('version', '=', version).executeTakeFirst();
    },
  };
}

export type OpsRepo = ReturnType<typeof createOpsRepo>;

// The grant scope on a real database (PGlite, or PostgreSQL with DATABASE_URL): the repository's
// tree of a date (in force, or scheduled to start later, never ended), and the snapshot built on it.
import type { Kysely } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase } from '../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../test/helpers/databases.js';
import type { Database } from '../../platform/db/database.js';
import { migrate } from '../../platform/db/migrate.js';
import type { Schema } from '../../platform/db/schema.js';
import { orgRepo } from './org-units.repo.js';
import { createOrgScope } from './scope.js';
import type { Version } from './timeline.js';
import { versionOf as version } from '../../../test/helpers/org-versions.js';

describe('org scope on the database', () => {
  let testDb: TestDatabase;
  let database: Database;
  let db: Kysely<Schema>;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase(testDb);
    await migrate(database, pino({ level: 'silent' }));
    db = database.db;
    const timelines: Record<string, Version[]> = {
      ROOT: [version('2026-01-01', null, null)],
      R1: [version('2026-01-01', null, 'ROOT')],
      R2: [version('2026-01-01', null, 'ROOT')],
      // S1 moves from R1 to R2 on 1 June.
      S1: [version('2026-01-01', '2026-06-01', 'R1'), version('2026-06-01', null, 'R2')],
      // LATER starts on 1 July, under R1, then moves under R2 in August.
      LATER: [version('2026-07-01', '2026-08-01', 'R1'), version('2026-08-01', null, 'R2')],
      // GONE ended on 1 March (its row ends; the unit is kept by its history).
      GONE: [version('2026-01-01', '2026-03-01', 'R1')],
    };
    await db.transaction().execute(async (trx) => {
      for (const code of Object.keys(timelines)) await orgRepo.insertUnit(trx, code);
      for (const [code, timeline] of Object.entries(timelines)) await orgRepo.replaceTimeline(trx, code, timeline);
    });
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  const treeOn = async (date: string) =>
    Object.fromEntries((await orgRepo.scopeTreeOn(db, date)).map((r) => [r.code, r.parent_code] as const));

  it('gives each unit its parent in force on the date', async () => {
    expect(await treeOn('2026-02-01')).toEqual({ ROOT: null, R1: 'ROOT', R2: 'ROOT', S1: 'R1', GONE: 'R1', LATER: 'R1' });
    expect((await treeOn('2026-06-01')).S1).toBe('R2');
    expect((await treeOn('2026-05-31')).S1).toBe('R1');
  });

  it('places a unit not in force yet by its first future version, and leaves out units that ended', async () => {
    const june = await treeOn('2026-06-15');
    expect(june.LATER).toBe('R1');
    expect('GONE' in june).toBe(false);
    expect((await treeOn('2026-03-01')).GONE).toBeUndefined();
    expect((await treeOn('2026-02-28')).GONE).toBe('R1');
    expect((await treeOn('2026-09-01')).LATER).toBe('R2');
  });

  it('answers "within" and subtrees from the tree of today, and reloads after invalidate or a new day', async () => {
    let today = '2026-05-01';
    const scope = createOrgScope({ db, today: () => today });
    let snapshot = await scope.snapshot();
    expect(snapshot.isWithin('S1', 'R1')).toBe(true);
    expect(snapshot.isWithin('S1', 'R2')).toBe(false);
    expect(snapshot.isWithin('S1', 'ROOT')).toBe(true);
    expect(snapshot.has('GONE')).toBe(false);
    expect(snapshot.has('LATER')).toBe(true);
    expect([...snapshot.subtreeOf(['R1'])].sort()).toEqual(['LATER', 'R1', 'S1']);
    // Asked again, the snapshot answers the subtree it made, which no caller can change.
    expect(snapshot.subtreeOf(['R1'])).toBe(snapshot.subtreeOf(['R1']));
    expect(Object.isFrozen(snapshot.subtreeOf(['R1']))).toBe(true);
    expect([...snapshot.subtreeOf(['R1', 'R2'])].sort()).toEqual(['LATER', 'R1', 'R2', 'S1']);
    expect(await scope.snapshot()).toBe(snapshot);

    today = '2026-06-02';
    snapshot = await scope.snapshot();
    expect(snapshot.date).toBe('2026-06-02');
    expect(snapshot.isWithin('S1', 'R2')).toBe(true);
    expect([...snapshot.subtreeOf(['R1'])].sort()).toEqual(['LATER', 'R1']);

    await orgRepo.replaceTimeline(db, 'LATER', [version('2026-07-01', null, 'R2')]);
    expect((await scope.snapshot()).isWithin('LATER', 'R1')).toBe(true);
    scope.invalidate();
    expect((await scope.snapshot()).isWithin('LATER', 'R2')).toBe(true);
  });
});

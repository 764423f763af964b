import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import * as m0001 from './migrations/0001-init.js';
import * as m0002 from './migrations/0002-feeds.js';
import * as m0003 from './migrations/0003-matching.js';
import * as m0004f from './migrations/0004-feed-advisory-rows-hash.js';
import * as m0005 from './migrations/0005-match-schedule.js';
import * as m0006 from './migrations/0006-findings-write-path.js';
import * as m0007 from './migrations/0007-findings-opened-in-row.js';

/** Migrations are listed here (not read from disk) so the compiled build and tests see the same set. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-init': m0001,
  '0002-feeds': m0002,
  '0003-matching': m0003,
  '0004-feed-advisory-rows-hash': m0004f,
  '0005-match-schedule': m0005,
  '0006-findings-write-path': m0006,
  '0007-findings-opened-in-row': m0007,
};

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};

/** Applies every migration not yet applied; returns their names. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  return run((m) => m.migrateToLatest(), db);
}

/** Applies the migrations not yet applied up to and including `name` (migration tests start from an older schema). */
export async function migrateTo(db: Kysely<unknown>, name: string): Promise<string[]> {
  return run((m) => m.migrateTo(name), db);
}

async function run(step: (m: Migrator) => Promise<MigrationResultSet>, db: Kysely<unknown>): Promise<string[]> {
  const { error, results } = await step(new Migrator({ db, provider }));
  if (error !== undefined) {
    throw new Error(`database migration failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export async function isMigrated(db: Kysely<unknown>): Promise<boolean> {
  const migrator = new Migrator({ db, provider });
  const list = await migrator.getMigrations();
  return list.every((m) => m.executedAt !== undefined);
}

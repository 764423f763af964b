import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as m0001 from './migrations/0001-init.js';
import * as m0002 from './migrations/0002-feeds.js';
import * as m0003 from './migrations/0003-matching.js';
import * as m0004f from './migrations/0004-feed-advisory-rows-hash.js';
import * as m0005 from './migrations/0005-match-schedule.js';
import * as m0006 from './migrations/0006-findings-write-path.js';

/** Migrations are listed here (not read from disk) so the compiled build and tests see the same set. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-init': m0001,
  '0002-feeds': m0002,
  '0003-matching': m0003,
  '0004-feed-advisory-rows-hash': m0004f,
  '0005-match-schedule': m0005,
  '0006-findings-write-path': m0006,
};

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};

export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
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

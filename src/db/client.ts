/**
 * Opens the one PostgreSQL schema Mamori uses, on either backend:
 * - a PostgreSQL server (`postgres://…`) through node-postgres, or
 * - an embedded PGlite database in a data directory (or in memory for tests).
 * Both go through Kysely's PostgresDialect, so every query is the same SQL.
 */
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { createPglitePool } from './pglite-pool.js';
import { migrateToLatest } from './migrate.js';
import type { DB } from './schema.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  readonly kind: DatabaseKind;
  readonly db: Kysely<DB>;
  /** Where it lives, with no password: a directory, `memory`, or the URL's host/db. */
  readonly location: string;
  close(): Promise<void>;
}

export type DatabaseTarget = { url: string } | { dataDir: string } | { memory: true };

const INT8_OID = 20;
const NUMERIC_OID = 1700;

export async function openDatabase(target: DatabaseTarget, opts: { migrate?: boolean } = {}): Promise<Database> {
  let database: Database;
  if ('url' in target) {
    const pool = new pg.Pool({ connectionString: target.url, max: 10 });
    pool.on('error', () => {
      /* idle client errors surface on the next query */
    });
    const u = new URL(target.url);
    database = {
      kind: 'postgres',
      db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }),
      location: `${u.hostname}:${u.port || '5432'}${u.pathname}`,
      close: async function (this: Database) {
        await this.db.destroy();
      },
    };
  } else {
    const dataDir = 'dataDir' in target ? target.dataDir : undefined;
    // Same types as node-postgres: int8 and numeric as strings (no precision loss).
    const pglite = await PGlite.create({
      ...(dataDir === undefined ? {} : { dataDir }),
      parsers: { [INT8_OID]: (v: string) => v, [NUMERIC_OID]: (v: string) => v },
    });
    const pool = createPglitePool(pglite);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    database = {
      kind: 'pglite',
      db,
      location: dataDir ?? 'memory',
      close: async () => {
        await db.destroy();
        await pglite.close();
      },
    };
  }
  if (opts.migrate !== false) {
    try {
      await migrateToLatest(database.db as Kysely<unknown>);
    } catch (e) {
      await database.close();
      throw e;
    }
  }
  return database;
}

export async function ping(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db);
}

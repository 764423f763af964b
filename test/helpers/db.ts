/**
 * One fresh database per test file: in-memory PGlite by default, or a new
 * database on the PostgreSQL server named by MAMORI_TEST_DATABASE_URL (CI).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/client.js';

export const TEST_PG_URL = process.env.MAMORI_TEST_DATABASE_URL;

export interface TestDatabase extends Database {
  /** A URL other processes can use to reach the same database (only on PostgreSQL). */
  readonly url: string | undefined;
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Creates an empty PostgreSQL database and returns its URL (only with MAMORI_TEST_DATABASE_URL). */
export async function createScratchPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (TEST_PG_URL === undefined) throw new Error('MAMORI_TEST_DATABASE_URL is not set');
  const name = `mamori_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
  };
}

/** `migrate: false` leaves it empty (for migration tests). */
export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (TEST_PG_URL === undefined) {
    const database = await openDatabase({ memory: true }, opts);
    return Object.assign(database, { url: undefined });
  }
  const scratch = await createScratchPgDatabase();
  const database = await openDatabase({ url: scratch.url }, opts);
  return {
    kind: database.kind,
    db: database.db,
    location: database.location,
    url: scratch.url,
    close: async () => {
      await database.close();
      await scratch.drop();
    },
  };
}

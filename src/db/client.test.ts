import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { isMigrated, migrateToLatest } from './migrate.js';
import type { Kysely } from 'kysely';

describe('database', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.close();
  });

  it('applies every migration to an empty database, and a second run is a no-op', async () => {
    expect(await isMigrated(t.db as Kysely<unknown>)).toBe(true);
    expect(await migrateToLatest(t.db as Kysely<unknown>)).toEqual([]);
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public' order by table_name`.execute(t.db);
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['hosts', 'host_packages', 'inventories', 'package_changes', 'registration_keys', 'users']),
    );
  });

  it('returns int8 as a string on both backends', async () => {
    const r = await sql<{ n: unknown }>`select 9007199254740993::int8 as n`.execute(t.db);
    expect(r.rows[0]?.n).toBe('9007199254740993');
  });

  it('keeps a transaction isolated from concurrent queries on the same database', async () => {
    await t.db.schema.createTable('tx_probe').addColumn('v', 'integer').execute();
    const inTx = t.db.transaction().execute(async (tx) => {
      await sql`insert into tx_probe (v) values (1)`.execute(tx);
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('roll back');
    });
    const outside = sql<{ n: number }>`select count(*)::int as n from tx_probe`.execute(t.db);
    await expect(inTx).rejects.toThrow('roll back');
    expect((await outside).rows[0]?.n).toBe(0);
    const after = await sql<{ n: number }>`select count(*)::int as n from tx_probe`.execute(t.db);
    expect(after.rows[0]?.n).toBe(0);
  });
});

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

  it('makes time-ordered finding ids (UUID version 7 carrying the current Unix milliseconds)', async () => {
    const r = await sql<{ u: string; ms: string }>`
      select mamori_uuid_v7()::text as u, (extract(epoch from clock_timestamp()) * 1000)::bigint as ms from generate_series(1, 200)`.execute(t.db);
    for (const { u, ms } of r.rows) {
      expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const stamp = parseInt(u.replaceAll('-', '').slice(0, 12), 16);
      expect(Math.abs(stamp - Number(ms))).toBeLessThan(1000);
    }
    expect(new Set(r.rows.map((x) => x.u)).size).toBe(200);
    const def = await sql<{ d: string }>`select column_default as d from information_schema.columns where table_name = 'findings' and column_name = 'id'`.execute(t.db);
    expect(def.rows[0]?.d).toBe('mamori_uuid_v7()');
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

/** A scratch PostgreSQL database for one bench run, on MAMORI_BENCH_DATABASE_URL (default: the local server). */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const BENCH_DATABASE_URL = process.env.MAMORI_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ScratchDatabase {
  url: string;
  /** A connection to the server's maintenance database (not the scratch one). */
  admin: pg.Client;
  /** Drops the database (even with connections left open) and closes `admin`. */
  drop(): Promise<void>;
}

export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `mamori_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const u = new URL(BENCH_DATABASE_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    admin,
    drop: async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

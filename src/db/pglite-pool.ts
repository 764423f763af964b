/**
 * Makes an embedded PGlite database look like the small part of a `pg.Pool`
 * that Kysely's PostgresDialect uses, so both storage backends share one
 * dialect, one query compiler and one migration path.
 *
 * PGlite is a single connection: `connect()` hands it out exclusively (a FIFO
 * mutex) so a Kysely transaction never interleaves with another query.
 */
import type { PGlite } from '@electric-sql/pglite';

interface QueryResultLike {
  command: string | undefined;
  rowCount: number;
  rows: unknown[];
}

export interface PoolClientLike {
  query(sql: string, params: readonly unknown[]): Promise<QueryResultLike>;
  release(destroy?: boolean): void;
}

export interface PoolLike {
  connect(): Promise<PoolClientLike>;
  end(): Promise<void>;
}

function commandOf(sql: string): string | undefined {
  const m = /^\s*([a-zA-Z]+)/.exec(sql);
  return m?.[1]?.toUpperCase();
}

export function createPglitePool(db: PGlite): PoolLike {
  let tail: Promise<void> = Promise.resolve();
  let ended = false;

  const query = async (sql: string, params: readonly unknown[]): Promise<QueryResultLike> => {
    const r = await db.query(sql, params as unknown[]);
    return { command: commandOf(sql), rowCount: r.affectedRows ?? 0, rows: r.rows };
  };

  return {
    async connect() {
      if (ended) throw new Error('database is closed');
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const previous = tail;
      tail = tail.then(() => held);
      await previous;
      let released = false;
      return {
        query,
        release: () => {
          if (!released) {
            released = true;
            release();
          }
        },
      };
    },
    async end() {
      ended = true;
      await tail;
    },
  };
}

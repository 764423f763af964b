/**
 * Makes an embedded PGlite database look like the small part of a `pg.Pool`
 * that Kysely's PostgresDialect uses, so both storage backends share one
 * dialect, one query compiler and one migration path.
 *
 * PGlite is a single connection: `connect()` hands it out exclusively (a FIFO
 * mutex) so a Kysely transaction never interleaves with another query.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

type Command = 'UPDATE' | 'DELETE' | 'INSERT' | 'SELECT' | 'MERGE' | 'COMMIT' | 'ROLLBACK';

interface QueryResultLike {
  command: Command;
  rowCount: number;
  rows: unknown[];
}

/** The statement's command tag, as node-postgres reports it (Kysely reads it for affected-row counts). */
function commandOf(sql: string): Command {
  const m = /^\s*([a-zA-Z]+)/.exec(sql);
  return (m?.[1]?.toUpperCase() ?? 'SELECT') as Command;
}

export function createPglitePool(db: PGlite): PostgresPool {
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
        // No cursor support: Kysely's streaming is not used with PGlite.
        query: query as PostgresPoolClient['query'],
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

/**
 * Durable matching jobs. Any server process claims the oldest pending job with
 * FOR UPDATE SKIP LOCKED (the same statement works on PGlite), so several
 * processes on one PostgreSQL share the work and never process a job twice;
 * a job whose process died is taken over when its lease runs out.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema.js';

export type MatchJob =
  | { id: string; kind: 'host'; hostId: string; inventoryId: string | null; full: boolean; attempts: number }
  | { id: string; kind: 'keys'; fromId: string; toId: string; attempts: number }
  | { id: string; kind: 'full'; attempts: number };

export class MatchJobsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async enqueueHost(hostId: string, inventoryId: string | null, full: boolean): Promise<void> {
    await this.db.insertInto('match_jobs').values({ kind: 'host', host_id: hostId, payload: JSON.stringify({ inventoryId, full }), locked_by: null, locked_until: null, finished_at: null, error: null }).execute();
  }

  /** Turns feed key changes not yet seen into one job; false when there were none. */
  async enqueueFeedChanges(): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const cursor = await tx.selectFrom('match_cursors').select('last_id').where('name', '=', 'feed_key_changes').forUpdate().executeTakeFirstOrThrow();
      const max = await tx
        .selectFrom('feed_key_changes')
        .select((eb) => eb.fn.max('id').as('max'))
        .where('id', '>', cursor.last_id)
        .executeTakeFirst();
      const top = max?.max ?? null;
      if (top === null) return false;
      const fromId = (BigInt(cursor.last_id) + 1n).toString();
      await tx.insertInto('match_jobs').values({ kind: 'keys', host_id: null, payload: JSON.stringify({ fromId, toId: top }), locked_by: null, locked_until: null, finished_at: null, error: null }).execute();
      await tx.updateTable('match_cursors').set({ last_id: top }).where('name', '=', 'feed_key_changes').execute();
      return true;
    });
  }

  async claim(worker: string, leaseMs: number): Promise<MatchJob | undefined> {
    const r = await sql<{ id: string; kind: 'host' | 'keys' | 'full'; host_id: string | null; payload: Record<string, unknown>; attempts: number }>`
      update match_jobs set state = 'running', attempts = attempts + 1, locked_by = ${worker},
             locked_until = now() + ${`${leaseMs} milliseconds`}::interval
      where id = (
        select id from match_jobs
        where state = 'pending' or (state = 'running' and locked_until < now())
        order by id limit 1
        for update skip locked)
      returning id, kind, host_id, payload, attempts`.execute(this.db);
    const j = r.rows[0];
    if (j === undefined) return undefined;
    const p = j.payload;
    switch (j.kind) {
      case 'host':
        return { id: j.id, kind: 'host', hostId: j.host_id!, inventoryId: typeof p.inventoryId === 'string' ? p.inventoryId : null, full: p.full === true, attempts: j.attempts };
      case 'keys':
        return { id: j.id, kind: 'keys', fromId: String(p.fromId), toId: String(p.toId), attempts: j.attempts };
      case 'full':
        return { id: j.id, kind: 'full', attempts: j.attempts };
    }
  }

  async complete(id: string, worker: string): Promise<void> {
    // locked_by stays: which process did the job.
    await this.db.updateTable('match_jobs').set({ state: 'done', finished_at: sql<Date>`now()`, locked_until: null }).where('id', '=', id).where('locked_by', '=', worker).execute();
  }

  /** Back to pending for another try, or failed for good after `maxAttempts`. */
  async fail(id: string, worker: string, error: string, maxAttempts: number): Promise<void> {
    await sql`
      update match_jobs set state = case when attempts >= ${maxAttempts} then 'failed' else 'pending' end,
             error = ${error}, locked_by = null, locked_until = null,
             finished_at = case when attempts >= ${maxAttempts} then now() else null end
      where id = ${id} and locked_by = ${worker}`.execute(this.db);
  }
}

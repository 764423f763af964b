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
  /** One slice of a full reconciliation: the hosts after `after` (by id); the next slice is queued when it completes. */
  | { id: string; kind: 'full'; after: string | null; attempts: number };

/** What a completed job leaves behind: the next slice of a reconciliation. */
export interface FollowUp {
  kind: 'full';
  after: string;
}

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

  /**
   * Queues a full reconciliation when `intervalMs` has passed since the last one was
   * queued (the schedule row's lock makes this happen once across processes) and none
   * is still pending or running. True when it queued one.
   */
  async enqueueReconciliationIfDue(intervalMs: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const due = await tx
        .selectFrom('match_schedule')
        .select(sql<boolean>`last_queued_at + ${`${intervalMs} milliseconds`}::interval <= now()`.as('due'))
        .where('name', '=', 'full_reconciliation')
        .forUpdate()
        .executeTakeFirst();
      if (due?.due !== true) return false;
      const busy = await tx.selectFrom('match_jobs').select('id').where('kind', '=', 'full').where('state', 'in', ['pending', 'running']).executeTakeFirst();
      if (busy === undefined) await this.insertFull(tx, null);
      // A reconciliation still under way counts as this period's.
      await tx.updateTable('match_schedule').set({ last_queued_at: sql<Date>`now()` }).where('name', '=', 'full_reconciliation').execute();
      return busy === undefined;
    });
  }

  /** Queues a full reconciliation now (`mamori match --reconcile`, POST /api/v1/match/reconcile). */
  async enqueueReconciliation(): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await this.insertFull(tx, null);
      await tx.updateTable('match_schedule').set({ last_queued_at: sql<Date>`now()` }).where('name', '=', 'full_reconciliation').execute();
    });
  }

  private async insertFull(db: Kysely<DB>, after: string | null): Promise<void> {
    await db.insertInto('match_jobs').values({ kind: 'full', host_id: null, payload: JSON.stringify({ after }), locked_by: null, locked_until: null, finished_at: null, error: null }).execute();
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
        return { id: j.id, kind: 'full', after: typeof p.after === 'string' ? p.after : null, attempts: j.attempts };
    }
  }

  /**
   * Marks the job done and queues its follow-up in the same transaction, only while
   * this worker still holds it: a worker whose lease ran out and was taken over
   * leaves both to the one that took it.
   */
  async complete(id: string, worker: string, followUp?: FollowUp): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      // locked_by stays: which process did the job.
      const done = await tx.updateTable('match_jobs').set({ state: 'done', finished_at: sql<Date>`now()`, locked_until: null }).where('id', '=', id).where('locked_by', '=', worker).where('state', '=', 'running').executeTakeFirst();
      if (followUp !== undefined && done.numUpdatedRows > 0n) await this.insertFull(tx, followUp.after);
    });
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

/**
 * match_schedule: when each periodic matching task (the full reconciliation) was
 * last queued. A worker queues the next one when its interval has passed, holding
 * this row's lock, so several server processes queue it once. Starting from the
 * migration's time means an install reconciles first one interval after it begins.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('match_schedule')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('last_queued_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`insert into match_schedule (name, last_queued_at) values ('full_reconciliation', now())`.execute(db);
}

/**
 * Cheaper finding writes (a feed update can open or change a million findings):
 * - finding ids are time-ordered (UUID version 7, RFC 9562: 48-bit Unix milliseconds, then
 *   random bits), so new findings land at the right edge of the primary key and of the
 *   open-findings index instead of on random pages. PostgreSQL 18 has `uuidv7()`; until
 *   then this SQL function builds one from `gen_random_uuid()` (overwriting the time and
 *   version bits). Existing ids stay as they are.
 * - `findings_host_package_idx (host_id, package_name)` goes: the identity key
 *   `(host_id, vulnerability, package_name, arch)` already finds a host's findings, and
 *   every index is written on every new finding.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function mamori_uuid_v7() returns uuid language sql volatile as $$
      select encode(
        set_bit(set_bit(
          overlay(uuid_send(gen_random_uuid())
                  placing substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
                  from 1 for 6),
          52, 1), 53, 1),
        'hex')::uuid
    $$`.execute(db);
  await sql`alter table findings alter column id set default mamori_uuid_v7()`.execute(db);
  await sql`drop index findings_host_package_idx`.execute(db);
}

/**
 * Cheaper finding writes, part two (a feed update can open a million findings at once):
 * - A finding's opening is kept in its own row instead of an `opened` history event: the
 *   row already has the time (`first_seen_at`); it gains the cause (`opened_cause`), and the
 *   version it was opened at is the `from_version` of its first later event (every later
 *   event records the version it moved from), or its `installed_version` when there is none.
 *   The history API shows the opening as before. About four in five event rows were
 *   `opened` events, each with two index entries and a foreign-key check.
 * - The identity key is reordered to (host, package, arch, vulnerability): matching reads a
 *   host's findings of the packages a report or feed update touched, which the old order
 *   (host, vulnerability, …) could only answer by walking all of the host's entries.
 * - `findings_vulnerability_idx` keys on the vulnerability alone: its readers (a
 *   vulnerability's affected hosts, the fleet list filtered by vulnerability) never needed the
 *   host in it. With equal keys PostgreSQL keeps one entry with a list of row pointers, and new
 *   rows, appended to the table, go to the end of that list: a seventh of the size (32 MB
 *   instead of 216 MB for 4.3 M findings), and inserts touch the end of each vulnerability's
 *   entries instead of a random page each.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table findings add column opened_cause text`.execute(db);
  await sql`
    update findings f set opened_cause = e.cause
    from finding_events e where e.finding_id = f.id and e.kind = 'opened'`.execute(db);
  // Findings whose opening event is missing (none are expected): say so rather than invent one.
  await sql`update findings set opened_cause = 'unknown' where opened_cause is null`.execute(db);
  await sql`alter table findings alter column opened_cause set not null`.execute(db);
  await sql`delete from finding_events where kind = 'opened'`.execute(db);
  await sql`alter table finding_events drop constraint finding_events_kind_check`.execute(db);
  await sql`alter table finding_events add constraint finding_events_kind_check check (kind in ('updated', 'resolved', 'reopened'))`.execute(db);

  await sql`alter table findings drop constraint findings_identity_key`.execute(db);
  await sql`alter table findings add constraint findings_identity_key unique (host_id, package_name, arch, vulnerability)`.execute(db);
  await sql`drop index findings_vulnerability_idx`.execute(db);
  await sql`create index findings_vulnerability_idx on findings (vulnerability)`.execute(db);
}

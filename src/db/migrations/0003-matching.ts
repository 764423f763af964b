import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // What a host is matched against, and how the last match went.
  await db.schema
    .alterTable('hosts')
    .addColumn('match_distro', 'text')
    .addColumn('match_release', 'text')
    .addColumn('match_status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`match_status in ('pending', 'ok', 'unsupported')`))
    .addColumn('match_note', 'text')
    .addColumn('end_of_life', 'text')
    .addColumn('reboot_required', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('last_matched_at', 'timestamptz')
    .addColumn('finding_counts', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('hosts_match_target_idx').on('hosts').columns(['match_distro', 'match_release']).execute();

  await db.schema
    .createTable('findings')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('host_id', 'uuid', (c) => c.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('vulnerability', 'text', (c) => c.notNull())
    .addColumn('package_name', 'text', (c) => c.notNull())
    .addColumn('arch', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'resolved')`))
    .addColumn('source_package', 'text', (c) => c.notNull())
    .addColumn('installed_version', 'text', (c) => c.notNull())
    .addColumn('fixed_version', 'text')
    .addColumn('fix_state', 'text', (c) => c.notNull().check(sql`fix_state in ('fixed', 'unfixed', 'will_not_fix', 'fix_deferred')`))
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('severity_label', 'text')
    .addColumn('advisories', sql`text[]`, (c) => c.notNull())
    .addColumn('sources', sql`text[]`, (c) => c.notNull())
    .addColumn('explanation', 'jsonb', (c) => c.notNull())
    .addColumn('remediation', 'text')
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_changed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('resolution', 'text', (c) => c.check(sql`resolution in ('fixed', 'removed', 'not_affected')`))
    .addUniqueConstraint('findings_identity_key', ['host_id', 'vulnerability', 'package_name', 'arch'])
    .execute();
  await db.schema.createIndex('findings_host_package_idx').on('findings').columns(['host_id', 'package_name']).execute();
  await db.schema.createIndex('findings_vulnerability_idx').on('findings').columns(['vulnerability', 'host_id']).execute();
  await db.schema.createIndex('findings_open_idx').on('findings').columns(['state', 'severity', 'id']).execute();

  await db.schema
    .createTable('finding_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('finding_id', 'uuid', (c) => c.notNull().references('findings.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('opened', 'updated', 'resolved', 'reopened')`))
    .addColumn('from_version', 'text')
    .addColumn('to_version', 'text')
    .addColumn('resolution', 'text')
    .addColumn('cause', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('finding_events_finding_idx').on('finding_events').columns(['finding_id', 'id']).execute();

  // Durable matching work, claimed with FOR UPDATE SKIP LOCKED by any server process.
  await db.schema
    .createTable('match_jobs')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('host', 'keys', 'full')`))
    .addColumn('host_id', 'uuid', (c) => c.references('hosts.id').onDelete('cascade'))
    .addColumn('payload', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending').check(sql`state in ('pending', 'running', 'done', 'failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('error', 'text')
    .execute();
  await sql`create index match_jobs_todo_idx on match_jobs (id) where state in ('pending', 'running')`.execute(db);

  // How far feed key changes have been turned into match jobs.
  await db.schema
    .createTable('match_cursors')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('last_id', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into match_cursors (name, last_id) values ('feed_key_changes', 0)`.execute(db);
}

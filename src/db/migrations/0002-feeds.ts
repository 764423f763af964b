/**
 * The vulnerability knowledge base: normalized advisories and affected-package rows per
 * feed source, per-CVE enrichments per source (NVD, KEV, EPSS: never merged), per-source
 * sync and import bookkeeping, and the change log matching consumes to re-match
 * incrementally. See src/feeds/import/README.md for the import semantics.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per (source, advisory id). Dates are kept as the source wrote them (ISO 8601,
  // date-only for some sources). content_hash covers every column: a re-import that brings
  // the same advisory does not rewrite the row.
  await db.schema
    .createTable('advisories')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('cves', sql`text[]`, (c) => c.notNull())
    .addColumn('related_ids', sql`text[]`, (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('description', 'text')
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('severity_vendor', 'text')
    .addColumn('cvss', 'jsonb', (c) => c.notNull())
    .addColumn('published', 'text')
    .addColumn('modified', 'text')
    .addColumn('withdrawn', 'text')
    .addColumn('references', 'jsonb', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('advisories_pkey', ['source', 'id'])
    .execute();
  await sql`create index advisories_cves_idx on advisories using gin (cves)`.execute(db);

  // One row per AffectedPackage. row_hash is a digest of the row's content (advisory id
  // included): identical rows from two files of one import are stored once, and an
  // unchanged row survives a re-import untouched.
  await db.schema
    .createTable('affected_packages')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('advisory_id', 'text', (c) => c.notNull())
    .addColumn('row_hash', 'text', (c) => c.notNull())
    .addColumn('distro', 'text', (c) => c.notNull())
    .addColumn('release', 'text', (c) => c.notNull())
    .addColumn('channel', 'text')
    .addColumn('package_name', 'text', (c) => c.notNull())
    .addColumn('binary_names', sql`text[]`)
    .addColumn('module_stream', 'text')
    .addColumn('arch', 'text')
    .addColumn('scheme', 'text', (c) => c.notNull().check(sql`scheme in ('rpm', 'dpkg', 'apk')`))
    .addColumn('ranges', 'jsonb', (c) => c.notNull())
    .addColumn('versions', sql`text[]`, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text')
    .addColumn('severity_vendor', 'text')
    .addColumn('note', 'text')
    .addPrimaryKeyConstraint('affected_packages_pkey', ['source', 'advisory_id', 'row_hash'])
    .execute();
  // Matching looks rows up by the host's distro, release and package name.
  await db.schema
    .createIndex('affected_packages_match_idx')
    .on('affected_packages')
    .columns(['distro', 'release', 'package_name'])
    .execute();

  // Per-CVE facts, one row per (cve, kind); kind is the source (nvd, kev, epss).
  await db.schema
    .createTable('cve_enrichments')
    .addColumn('cve', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('nvd', 'kev', 'epss')`))
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('cve_enrichments_pkey', ['cve', 'kind'])
    .execute();
  await db.schema.createIndex('cve_enrichments_kind_idx').on('cve_enrichments').columns(['kind', 'cve']).execute();

  // Per source: sync state (validators, claim) and the last import's outcome and counts.
  await db.schema
    .createTable('feed_sources')
    .addColumn('source_id', 'text', (c) => c.primaryKey())
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('last_success_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('validators', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('claimed_until', 'timestamptz')
    .addColumn('claimed_by', 'text')
    .addColumn('advisories', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('affected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enrichments', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('problems', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('newest_record_at', 'timestamptz')
    .addColumn('last_import_id', 'bigint')
    .execute();

  await db.schema
    .createTable('feed_imports')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull().check(sql`origin in ('files', 'bundle')`))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('ok', 'failed')`))
    .addColumn('files', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('advisories', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('affected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enrichments', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('changed_keys', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('problem_count', 'integer', (c) => c.notNull().defaultTo(0))
    // The first problems only (see FEED_PROBLEMS_STORED); problem_count is the total.
    .addColumn('problems', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('feed_imports_source_idx').on('feed_imports').columns(['source_id', 'id']).execute();

  // Content hash of every (distro, release, package) key's rows per source, to tell which
  // keys a re-import changed.
  await db.schema
    .createTable('feed_key_hashes')
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('distro', 'text', (c) => c.notNull())
    .addColumn('release', 'text', (c) => c.notNull())
    .addColumn('package_name', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('feed_key_hashes_pkey', ['source_id', 'distro', 'release', 'package_name'])
    .execute();

  // Keys whose advisory data changed (added, removed or modified rows), in commit order
  // per import: matching reads `id > its cursor`.
  await db.schema
    .createTable('feed_key_changes')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('distro', 'text', (c) => c.notNull())
    .addColumn('release', 'text', (c) => c.notNull())
    .addColumn('package_name', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('import_id', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('feed_key_changes_import_idx').on('feed_key_changes').column('import_id').execute();
}

/**
 * advisories.rows_hash: digest of an advisory's affected rows (their row_hash values,
 * sorted, comma-joined, md5). With content_hash it tells a re-import that an advisory and
 * all its rows are unchanged without reading or rewriting them. Null until computed.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table advisories add column if not exists rows_hash text`.execute(db);
}

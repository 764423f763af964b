/**
 * The vulnerability knowledge base in SQL: advisories, affected-package rows, per-CVE
 * enrichments, and per-source bookkeeping (sync state, claims, import history, key
 * hashes and key changes).
 *
 * An import of one source runs in one transaction: records are written in batches to
 * temporary staging tables (`feed_stage_*`, dropped at commit), then `applyAdvisories` /
 * `applyEnrichments` make the source's rows equal to the staged ones with the fewest
 * writes (rows that did not change are not touched), and `updateKeyHashes` records the
 * (distro, release, package) keys whose rows changed.
 */
import { hash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Advisory, AffectedPackage, CveEnrichment, CvssScore, Reference, Severity } from '../../domain/advisory.js';
import type { DB } from '../schema.js';

export interface UrlValidatorsRow {
  etag: string | null;
  lastModified: string | null;
}

export interface FeedSourceRecord {
  sourceId: string;
  lastAttemptAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  validators: Record<string, UrlValidatorsRow>;
  claimedUntil: Date | null;
  claimedBy: string | null;
  advisories: number;
  affected: number;
  enrichments: number;
  problems: number;
  newestRecordAt: Date | null;
  lastImportId: string | null;
}

export interface StoredProblem {
  record: string;
  message: string;
  file?: string;
}

export interface ImportRecord {
  id: string;
  sourceId: string;
  origin: 'files' | 'bundle';
  startedAt: Date;
  finishedAt: Date | null;
  status: 'ok' | 'failed';
  files: number;
  advisories: number;
  affected: number;
  enrichments: number;
  changedKeys: number;
  problemCount: number;
  problems: StoredProblem[];
  error: string | null;
}

export interface KeyChange {
  id: string;
  sourceId: string;
  distro: string;
  release: string;
  packageName: string;
  changedAt: Date;
  importId: string;
}

export interface ApplyResult {
  /** Rows inserted, updated or deleted: 0 means the source's data is exactly as before. */
  written: number;
  advisories: number;
  affected: number;
  enrichments: number;
}

// --- value encoding ---------------------------------------------------------------------

/** PostgreSQL text and jsonb cannot hold NUL characters. */
function clean(s: string): string;
function clean(s: string | null): string | null;
function clean(s: string | null): string | null {
  return s !== null && s.includes('\0') ? s.replaceAll('\0', '') : s;
}

const JSON_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g;

function json(v: unknown): string {
  const s = JSON.stringify(v);
  return s.includes('\\u0000') ? s.replace(JSON_NUL, '$1') : s;
}

const NEEDS_ESCAPE = /["\\]/;
/** Elements an array literal may hold unquoted (most ids, hashes, names and versions). */
const BARE = /^[A-Za-z0-9_.:+~^-]+$/;

/**
 * A PostgreSQL array literal for text[], built here rather than by the driver (one string
 * per column instead of one escaped value per element), so ragged arrays (each row's
 * CVE list) can pass through unnest as text too.
 */
function textArrayLiteral(values: readonly (string | null)[] | null): string | null {
  if (values === null) return null;
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i] as string | null;
    if (v === null) {
      out += 'NULL';
      continue;
    }
    if (BARE.test(v) && !(v.length === 4 && /^null$/i.test(v))) {
      out += v;
      continue;
    }
    const c = clean(v);
    out += NEEDS_ESCAPE.test(c) ? `"${c.replace(/[\\"]/g, (x) => `\\${x}`)}"` : `"${c}"`;
  }
  return `${out}}`;
}

/** One column for `unnest`: a single text parameter holding the whole array. */
const lit = (values: readonly (string | null)[]): string => textArrayLiteral(values)!;

function digest(s: string): string {
  return hash('md5', s, 'base64url');
}

/** Sortable version key of a record date: ISO UTC when it parses, '' (oldest) otherwise. */
export function versionKey(date: string | null | undefined): string {
  if (date === null || date === undefined) return '';
  const ms = Date.parse(date.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

/*
 * Content hashes serialize every field in a fixed order, nested objects as arrays of their
 * fields: the same value hashes the same whether it came from a parser or back from jsonb
 * (which reorders object keys).
 */
function advisoryContent(a: Advisory): string {
  return JSON.stringify([
    a.id, a.cves, a.relatedIds, a.title, a.description, a.severity.normalized, a.severity.vendor,
    a.cvss.map((c) => [c.version, c.vector, c.baseScore, c.source]),
    a.published, a.modified, a.withdrawn,
    a.references.map((r) => [r.type, r.url]),
  ]);
}

function affectedContent(p: AffectedPackage): string {
  return JSON.stringify([
    p.advisoryId, p.distro, p.release, p.channel, p.packageName, p.binaryNames, p.moduleStream, p.arch, p.scheme,
    p.ranges.map((r) => [r.introduced ?? null, r.fixed ?? null, r.lastAffected ?? null]),
    p.versions, p.status, p.severity?.normalized ?? null, p.severity?.vendor ?? null, p.note,
  ]);
}

/** The content hash stored with an advisory (what key hashes and re-imports compare). */
export function advisoryHash(a: Advisory): string {
  return digest(advisoryContent(a));
}

/** What `rows_hash` holds: the md5 (hex) of an advisory's sorted row hashes, comma-joined. */
export function rowsHashOf(rowHashes: readonly string[]): string {
  return hash('md5', [...rowHashes].sort().join(','), 'hex');
}

export function affectedHash(p: AffectedPackage): string {
  return digest(affectedContent(p));
}

// --- rows to domain -----------------------------------------------------------------------

interface AdvisoryRowShape {
  source: string;
  id: string;
  cves: string[];
  related_ids: string[];
  title: string | null;
  description: string | null;
  severity: string;
  severity_vendor: string | null;
  cvss: unknown;
  published: string | null;
  modified: string | null;
  withdrawn: string | null;
  references: unknown;
}

function toAdvisory(r: AdvisoryRowShape): Advisory {
  return {
    id: r.id,
    source: r.source,
    cves: r.cves,
    relatedIds: r.related_ids,
    title: r.title,
    description: r.description,
    severity: { vendor: r.severity_vendor, normalized: r.severity as Severity },
    cvss: r.cvss as CvssScore[],
    published: r.published,
    modified: r.modified,
    withdrawn: r.withdrawn,
    references: r.references as Reference[],
  };
}

/** An affected_packages row as selected. */
export interface AffectedRowShape {
  source: string;
  advisory_id: string;
  distro: string;
  release: string;
  channel: string | null;
  package_name: string;
  binary_names: string[] | null;
  module_stream: string | null;
  arch: string | null;
  scheme: string;
  ranges: unknown;
  versions: string[];
  status: string;
  severity: string | null;
  severity_vendor: string | null;
  note: string | null;
}

/**
 * jsonb does not keep key order; put range keys back in the domain's order. Assigned one
 * by one, not spread from temporary objects: matching reads ranges for every package of
 * every host, and the spread-built ones were about twice as slow to read in V8.
 */
function orderRanges(ranges: unknown): AffectedPackage['ranges'] {
  return (ranges as AffectedPackage['ranges']).map((r) => {
    const out: AffectedPackage['ranges'][number] = {};
    if (r.introduced !== undefined) out.introduced = r.introduced;
    if (r.fixed !== undefined) out.fixed = r.fixed;
    if (r.lastAffected !== undefined) out.lastAffected = r.lastAffected;
    return out;
  });
}

export function toAffected(r: AffectedRowShape): AffectedPackage {
  return {
    source: r.source,
    advisoryId: r.advisory_id,
    distro: r.distro as AffectedPackage['distro'],
    release: r.release,
    channel: r.channel,
    packageName: r.package_name,
    binaryNames: r.binary_names,
    moduleStream: r.module_stream,
    arch: r.arch,
    scheme: r.scheme as AffectedPackage['scheme'],
    ranges: orderRanges(r.ranges),
    versions: r.versions,
    status: r.status as AffectedPackage['status'],
    severity: r.severity === null ? null : { vendor: r.severity_vendor, normalized: r.severity as Severity },
    note: r.note,
  };
}

// --- the repository -------------------------------------------------------------------------

export class FeedsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Serializes imports of one source (across processes on PostgreSQL) until the transaction ends. */
  async lockSource(sourceId: string): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtext(${`mamori.feed:${sourceId}`}))`.execute(this.db);
  }

  /**
   * Serializes writers of feed_key_changes until the transaction ends, so change ids
   * become visible in id order and a consumer's `id > cursor` never skips one.
   */
  async lockKeyChanges(): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtext('mamori.feed_key_changes'))`.execute(this.db);
  }

  // Staging ------------------------------------------------------------------------------

  /** Creates the staging tables for this transaction. */
  async createStaging(): Promise<void> {
    await sql`
      create temporary table feed_stage_advisories (
        id text primary key, version text not null, cves text[] not null, related_ids text[] not null,
        title text, description text, severity text not null, severity_vendor text, cvss jsonb not null,
        published text, modified text, withdrawn text, refs jsonb not null, content_hash text not null, rows_hash text
      ) on commit drop`.execute(this.db);
    await sql`
      create temporary table feed_stage_affected (
        advisory_id text not null, adv_version text not null, row_hash text not null, distro text not null,
        release text not null, channel text, package_name text not null, binary_names text[], module_stream text,
        arch text, scheme text not null, ranges jsonb not null, versions text[] not null, status text not null,
        severity text, severity_vendor text, note text
      ) on commit drop`.execute(this.db);
    // Advisories a re-import found unchanged (content and rows): kept as stored, nothing staged.
    await sql`create temporary table feed_stage_kept (id text primary key, version text not null) on commit drop`.execute(this.db);
    await sql`
      create temporary table feed_stage_enrichments (
        cve text primary key, version text not null, data jsonb not null, updated_at timestamptz
      ) on commit drop`.execute(this.db);
  }

  /** True when the source has no advisories and no affected rows (its first import can skip staging). */
  async sourceIsEmpty(sourceId: string): Promise<boolean> {
    const r = await sql<{ any: boolean }>`
      select exists (select 1 from advisories where source = ${sourceId})
          or exists (select 1 from affected_packages where source = ${sourceId}) as any`.execute(this.db);
    return r.rows[0]?.any !== true;
  }

  /** `content_hash:rows_hash` of every stored advisory of the source (what a re-import compares against). */
  async storedAdvisoryHashes(sourceId: string): Promise<Map<string, string>> {
    const r = await sql<{ id: string; h: string }>`
      select id, content_hash || ':' || coalesce(rows_hash, '') as h from advisories where source = ${sourceId}`.execute(this.db);
    return new Map(r.rows.map((x) => [x.id, x.h]));
  }

  /** Marks advisories as unchanged: they keep their stored row and rows. */
  async stageKept(items: readonly { id: string; version: string }[]): Promise<void> {
    for (let i = 0; i < items.length; i += 10_000) {
      const chunk = items.slice(i, i + 10_000);
      await sql`
        insert into feed_stage_kept (id, version)
        select * from unnest(${lit(chunk.map((x) => x.id))}::text[], ${lit(chunk.map((x) => x.version))}::text[])
        on conflict (id) do update set version = excluded.version`.execute(this.db);
    }
  }

  /**
   * An advisory staged as kept meets another copy: it is staged in full instead, its stored
   * rows copied to the staging rows with `version` (for a merge) or dropped (`copyRows` false:
   * a newer copy replaces them).
   */
  async unkeep(sourceId: string, id: string, version: string, copyRows: boolean): Promise<void> {
    await sql`delete from feed_stage_kept where id = ${id}`.execute(this.db);
    if (!copyRows) return;
    await sql`
      insert into feed_stage_affected (advisory_id, adv_version, row_hash, distro, release, channel, package_name, binary_names,
                                       module_stream, arch, scheme, ranges, versions, status, severity, severity_vendor, note)
      select advisory_id, ${version}, row_hash, distro, release, channel, package_name, binary_names, module_stream, arch,
             scheme, ranges, versions, status, severity, severity_vendor, note
      from affected_packages where source = ${sourceId} and advisory_id = ${id}`.execute(this.db);
  }

  /**
   * Writes advisories (each id at most once per call) with their version key and hashes
   * (`rowsHash` null: computed from the stored rows when applied); a staged id is replaced.
   * With `direct`, they go straight to the source's rows (a first import), with a plain
   * INSERT when the caller knows none of them is stored yet (`mayExist` false).
   */
  async stageAdvisories(
    items: readonly { advisory: Advisory; version: string; contentHash: string; rowsHash: string | null }[],
    direct?: string,
    mayExist = true,
  ): Promise<void> {
    for (let i = 0; i < items.length; i += 2000) {
      const chunk = items.slice(i, i + 2000);
      const a = chunk.map((x) => x.advisory);
      const select = sql`
        select u.id, u.version, u.cves::text[], u.related::text[], u.title, u.description, u.severity, u.severity_vendor,
               u.cvss::jsonb, u.published, u.modified, u.withdrawn, u.refs::jsonb, u.content_hash, u.rows_hash
        from unnest(${lit(a.map((x) => clean(x.id)))}::text[], ${lit(chunk.map((x) => x.version))}::text[],
                    ${lit(a.map((x) => textArrayLiteral(x.cves)))}::text[], ${lit(a.map((x) => textArrayLiteral(x.relatedIds)))}::text[],
                    ${lit(a.map((x) => clean(x.title)))}::text[], ${lit(a.map((x) => clean(x.description)))}::text[],
                    ${lit(a.map((x) => x.severity.normalized))}::text[], ${lit(a.map((x) => clean(x.severity.vendor)))}::text[],
                    ${lit(a.map((x) => json(x.cvss)))}::text[], ${lit(a.map((x) => clean(x.published)))}::text[],
                    ${lit(a.map((x) => clean(x.modified)))}::text[], ${lit(a.map((x) => clean(x.withdrawn)))}::text[],
                    ${lit(a.map((x) => json(x.references)))}::text[], ${lit(chunk.map((x) => x.contentHash))}::text[],
                    ${lit(chunk.map((x) => x.rowsHash))}::text[])
          as u(id, version, cves, related, title, description, severity, severity_vendor, cvss, published, modified,
               withdrawn, refs, content_hash, rows_hash)`;
      if (direct !== undefined) {
        const upsert = sql`
          on conflict (source, id) do update set
            cves = excluded.cves, related_ids = excluded.related_ids, title = excluded.title,
            description = excluded.description, severity = excluded.severity, severity_vendor = excluded.severity_vendor,
            cvss = excluded.cvss, published = excluded.published, modified = excluded.modified,
            withdrawn = excluded.withdrawn, "references" = excluded."references", content_hash = excluded.content_hash,
            rows_hash = excluded.rows_hash`;
        await sql`
          insert into advisories (source, id, cves, related_ids, title, description, severity, severity_vendor, cvss,
                                  published, modified, withdrawn, "references", content_hash, rows_hash)
          select ${direct}, s.id, s.cves, s.related, s.title, s.description, s.severity, s.severity_vendor, s.cvss,
                 s.published, s.modified, s.withdrawn, s.refs, s.content_hash, s.rows_hash
          from (${select}) as s(id, version, cves, related, title, description, severity, severity_vendor, cvss, published,
                                modified, withdrawn, refs, content_hash, rows_hash)
          ${mayExist ? upsert : sql``}`.execute(this.db);
        continue;
      }
      await sql`
        insert into feed_stage_advisories (id, version, cves, related_ids, title, description, severity, severity_vendor,
                                           cvss, published, modified, withdrawn, refs, content_hash, rows_hash)
        ${select}
        on conflict (id) do update set
          version = excluded.version, cves = excluded.cves, related_ids = excluded.related_ids, title = excluded.title,
          description = excluded.description, severity = excluded.severity, severity_vendor = excluded.severity_vendor,
          cvss = excluded.cvss, published = excluded.published, modified = excluded.modified,
          withdrawn = excluded.withdrawn, refs = excluded.refs, content_hash = excluded.content_hash,
          rows_hash = excluded.rows_hash`.execute(this.db);
    }
  }

  /** Staged advisories by id (to merge a second copy of one); with `direct`, the source's stored ones. */
  async stagedAdvisories(ids: readonly string[], direct?: string): Promise<Map<string, Advisory>> {
    if (ids.length === 0) return new Map();
    const r =
      direct === undefined
        ? await sql<AdvisoryRowShape>`
            select '' as source, id, cves, related_ids, title, description, severity, severity_vendor, cvss, published,
                   modified, withdrawn, refs as "references"
            from feed_stage_advisories where id = any(${lit(ids)}::text[])`.execute(this.db)
        : await sql<AdvisoryRowShape>`
            select source, id, cves, related_ids, title, description, severity, severity_vendor, cvss, published,
                   modified, withdrawn, "references"
            from advisories where source = ${direct} and id = any(${lit(ids)}::text[])`.execute(this.db);
    return new Map(r.rows.map((row) => [row.id, toAdvisory(row)]));
  }

  /** Row hashes the source stores for these advisories (a first import merging a second copy skips rows it has). */
  async storedRowHashes(sourceId: string, advisoryIds: readonly string[]): Promise<Set<string>> {
    if (advisoryIds.length === 0) return new Set();
    const r = await sql<{ k: string }>`
      select advisory_id || ' ' || row_hash as k from affected_packages
      where source = ${sourceId} and advisory_id = any(${lit(advisoryIds)}::text[])`.execute(this.db);
    return new Set(r.rows.map((x) => x.k));
  }

  /** Removes the rows of these advisories from the source (a first import met a newer copy of one). */
  async deleteAffectedOf(sourceId: string, advisoryIds: readonly string[]): Promise<void> {
    await sql`delete from affected_packages where source = ${sourceId} and advisory_id = any(${lit(advisoryIds)}::text[])`.execute(this.db);
  }

  /**
   * Writes affected rows with their row hash, each tagged with the version of the advisory
   * copy it came from. With `direct`, straight to the source's rows: the caller guarantees
   * they are not stored yet (a plain INSERT, much cheaper than ON CONFLICT), unless
   * `mayRepeat`.
   */
  async stageAffected(
    items: readonly { row: AffectedPackage; version: string; hash: string }[],
    direct?: string,
    mayRepeat = false,
  ): Promise<void> {
    for (let i = 0; i < items.length; i += 10_000) {
      const chunk = items.slice(i, i + 10_000);
      const r = chunk.map((x) => x.row);
      const target =
        direct === undefined
          ? sql`insert into feed_stage_affected (advisory_id, adv_version, row_hash, distro, release, channel, package_name,
                                                 binary_names, module_stream, arch, scheme, ranges, versions, status, severity,
                                                 severity_vendor, note)`
          : sql`insert into affected_packages (source, advisory_id, row_hash, distro, release, channel, package_name,
                                               binary_names, module_stream, arch, scheme, ranges, versions, status, severity,
                                               severity_vendor, note)`;
      await sql`
        ${target}
        select ${direct === undefined ? sql`u.advisory_id, u.adv_version` : sql`${direct}::text, u.advisory_id`}, u.row_hash, u.distro,
               u.release, u.channel, u.package_name, u.binary_names::text[], u.module_stream, u.arch, u.scheme, u.ranges::jsonb,
               u.versions::text[], u.status, u.severity, u.severity_vendor, u.note
        from unnest(${lit(r.map((x) => clean(x.advisoryId)))}::text[], ${lit(chunk.map((x) => x.version))}::text[],
                    ${lit(chunk.map((x) => x.hash))}::text[], ${lit(r.map((x) => x.distro))}::text[], ${lit(r.map((x) => clean(x.release)))}::text[],
                    ${lit(r.map((x) => clean(x.channel)))}::text[], ${lit(r.map((x) => clean(x.packageName)))}::text[],
                    ${lit(r.map((x) => textArrayLiteral(x.binaryNames)))}::text[], ${lit(r.map((x) => clean(x.moduleStream)))}::text[],
                    ${lit(r.map((x) => clean(x.arch)))}::text[], ${lit(r.map((x) => x.scheme))}::text[], ${lit(r.map((x) => json(x.ranges)))}::text[],
                    ${lit(r.map((x) => textArrayLiteral(x.versions)))}::text[], ${lit(r.map((x) => x.status))}::text[],
                    ${lit(r.map((x) => x.severity?.normalized ?? null))}::text[], ${lit(r.map((x) => clean(x.severity?.vendor ?? null)))}::text[],
                    ${lit(r.map((x) => clean(x.note)))}::text[])
          as u(advisory_id, adv_version, row_hash, distro, release, channel, package_name, binary_names, module_stream,
               arch, scheme, ranges, versions, status, severity, severity_vendor, note)
        ${direct !== undefined && mayRepeat ? sql`on conflict (source, advisory_id, row_hash) do nothing` : sql``}`.execute(this.db);
    }
  }

  /**
   * Writes enrichments (each CVE at most once per call); a CVE staged before keeps the copy
   * with the higher version (the later one on a tie). `updatedAt` null = the import's time.
   */
  async stageEnrichments(items: readonly { enrichment: CveEnrichment; version: string; updatedAt: Date | null }[]): Promise<void> {
    for (let i = 0; i < items.length; i += 5000) {
      const chunk = items.slice(i, i + 5000);
      await sql`
        insert into feed_stage_enrichments (cve, version, data, updated_at)
        select u.cve, u.version, u.data::jsonb, u.updated_at
        from unnest(${lit(chunk.map((x) => clean(x.enrichment.cve)))}::text[], ${lit(chunk.map((x) => x.version))}::text[],
                    ${lit(chunk.map((x) => json(x.enrichment)))}::text[], ${lit(chunk.map((x) => x.updatedAt?.toISOString() ?? null))}::timestamptz[])
          as u(cve, version, data, updated_at)
        on conflict (cve) do update set version = excluded.version, data = excluded.data, updated_at = excluded.updated_at
        where excluded.version >= feed_stage_enrichments.version`.execute(this.db);
    }
  }

  // Applying staged data ---------------------------------------------------------------------

  /**
   * Makes the source's advisories and affected rows exactly the staged ones (plus the kept
   * ones, untouched). Of an advisory staged from several copies, only the rows of the copies
   * with the winning version are kept. `direct`: everything was written already (a first
   * import), only the rows hashes of merged advisories are left to compute.
   */
  async applyAdvisories(sourceId: string, direct = false): Promise<ApplyResult> {
    let written = 0;
    const count = (r: { numAffectedRows?: bigint }): void => {
      written += Number(r.numAffectedRows ?? 0n);
    };
    if (direct) {
      await this.fillRowsHashes(sourceId);
      const c = await this.countAdvisories(sourceId);
      return { ...c, written: c.advisories + c.affected };
    }
    await sql`analyze feed_stage_advisories`.execute(this.db);
    await sql`analyze feed_stage_affected`.execute(this.db);
    await sql`analyze feed_stage_kept`.execute(this.db);
    count(
      await sql`
        delete from advisories a
        using (
          select id from advisories where source = ${sourceId}
          except (select id from feed_stage_advisories union all select id from feed_stage_kept)
        ) gone
        where a.source = ${sourceId} and a.id = gone.id`.execute(this.db),
    );
    count(
      await sql`
        insert into advisories (source, id, cves, related_ids, title, description, severity, severity_vendor, cvss,
                                published, modified, withdrawn, "references", content_hash, rows_hash)
        select ${sourceId}, id, cves, related_ids, title, description, severity, severity_vendor, cvss, published,
               modified, withdrawn, refs, content_hash, rows_hash
        from feed_stage_advisories
        on conflict (source, id) do update set
          cves = excluded.cves, related_ids = excluded.related_ids, title = excluded.title,
          description = excluded.description, severity = excluded.severity, severity_vendor = excluded.severity_vendor,
          cvss = excluded.cvss, published = excluded.published, modified = excluded.modified,
          withdrawn = excluded.withdrawn, "references" = excluded."references", content_hash = excluded.content_hash,
          rows_hash = coalesce(excluded.rows_hash, advisories.rows_hash)
        where advisories.content_hash <> excluded.content_hash
           or (excluded.rows_hash is not null and advisories.rows_hash is distinct from excluded.rows_hash)`.execute(this.db),
    );
    count(
      await sql`
        delete from affected_packages p
        using (
          select advisory_id, row_hash from affected_packages x
          where x.source = ${sourceId} and not exists (select 1 from feed_stage_kept k where k.id = x.advisory_id)
          except
          select s.advisory_id, s.row_hash from feed_stage_affected s
          join feed_stage_advisories a on a.id = s.advisory_id and a.version = s.adv_version
        ) gone
        where p.source = ${sourceId} and p.advisory_id = gone.advisory_id and p.row_hash = gone.row_hash`.execute(this.db),
    );
    count(
      await sql`
        insert into affected_packages (source, advisory_id, row_hash, distro, release, channel, package_name, binary_names,
                                       module_stream, arch, scheme, ranges, versions, status, severity, severity_vendor, note)
        select ${sourceId}, s.advisory_id, s.row_hash, s.distro, s.release, s.channel, s.package_name, s.binary_names,
               s.module_stream, s.arch, s.scheme, s.ranges, s.versions, s.status, s.severity, s.severity_vendor, s.note
        from feed_stage_affected s
        join feed_stage_advisories a on a.id = s.advisory_id and a.version = s.adv_version
        on conflict (source, advisory_id, row_hash) do nothing`.execute(this.db),
    );
    await this.fillRowsHashes(sourceId);
    if (written === 0) return this.countAdvisories(sourceId);
    // PGlite has no autovacuum, and on PostgreSQL it lags a big import: refresh the planner's statistics.
    if (written > 1000) await sql`analyze advisories, affected_packages`.execute(this.db);
    return { ...(await this.countAdvisories(sourceId)), written };
  }

  /**
   * rows_hash of the advisories staged without one (merged from several copies, or from a
   * bundle) and of any that have none, from their stored rows; written only where it differs.
   */
  private async fillRowsHashes(sourceId: string): Promise<void> {
    await sql`
      update advisories a set rows_hash = h.rows_hash
      from (
        select x.id, coalesce(
          (select md5(string_agg(p.row_hash, ',' order by p.row_hash collate "C"))
           from affected_packages p where p.source = ${sourceId} and p.advisory_id = x.id), md5('')) as rows_hash
        from (select id from advisories where source = ${sourceId} and rows_hash is null
              union select id from feed_stage_advisories where rows_hash is null) x
      ) h
      where a.source = ${sourceId} and a.id = h.id and a.rows_hash is distinct from h.rows_hash`.execute(this.db);
  }

  private async countAdvisories(sourceId: string): Promise<ApplyResult> {
    const counts = await sql<{ advisories: string; affected: string }>`
      select (select count(*) from advisories where source = ${sourceId}) as advisories,
             (select count(*) from affected_packages where source = ${sourceId}) as affected`.execute(this.db);
    return { written: 0, advisories: Number(counts.rows[0]!.advisories), affected: Number(counts.rows[0]!.affected), enrichments: 0 };
  }

  /** Makes the enrichments of `kind` exactly the staged ones; unchanged rows keep their updated_at. */
  async applyEnrichments(kind: CveEnrichment['kind'], now: Date): Promise<ApplyResult> {
    let written = 0;
    const del = await sql`
      delete from cve_enrichments e
      using (select cve from cve_enrichments where kind = ${kind} except select cve from feed_stage_enrichments) gone
      where e.kind = ${kind} and e.cve = gone.cve`.execute(this.db);
    written += Number(del.numAffectedRows ?? 0n);
    const ins = await sql`
      insert into cve_enrichments (cve, kind, data, updated_at)
      select cve, ${kind}, data, coalesce(updated_at, ${now}::timestamptz) from feed_stage_enrichments
      on conflict (cve, kind) do update set data = excluded.data, updated_at = excluded.updated_at
      where cve_enrichments.data <> excluded.data`.execute(this.db);
    written += Number(ins.numAffectedRows ?? 0n);
    if (written > 1000) await sql`analyze cve_enrichments`.execute(this.db);
    const n = await sql<{ n: string }>`select count(*) as n from cve_enrichments where kind = ${kind}`.execute(this.db);
    return { written, advisories: 0, affected: 0, enrichments: Number(n.rows[0]!.n) };
  }

  /**
   * Recomputes the content hash of every (distro, release, package) key of the source
   * (its rows and their advisories), writes a change row for each key whose hash differs
   * from the stored one (added, removed or modified), and stores the new hashes.
   * Returns the number of changed keys.
   */
  async updateKeyHashes(sourceId: string, importId: string, at: Date): Promise<number> {
    await sql`
      create temporary table feed_stage_keys on commit drop as
      select distro, release, package_name,
             lpad(to_hex(bit_xor(('x' || substr(h, 1, 16))::bit(64)::bigint)), 16, '0') ||
             lpad(to_hex(bit_xor(('x' || substr(h, 17, 16))::bit(64)::bigint)), 16, '0') || '.' || count(*) as hash
      from (
        -- one digest per row and its advisory; XOR-ed per key (rows are distinct, so none cancel out), no sort needed
        select p.distro, p.release, p.package_name, md5(p.advisory_id || ' ' || p.row_hash || ' ' || a.content_hash) as h
        from affected_packages p
        join advisories a on a.source = p.source and a.id = p.advisory_id
        where p.source = ${sourceId}
      ) r
      group by distro, release, package_name`.execute(this.db);
    await sql`analyze feed_stage_keys`.execute(this.db);
    const changes = await sql`
      insert into feed_key_changes (source_id, distro, release, package_name, changed_at, import_id)
      select ${sourceId}, coalesce(k.distro, h.distro), coalesce(k.release, h.release),
             coalesce(k.package_name, h.package_name), ${at}::timestamptz, ${importId}::bigint
      from feed_stage_keys k
      full join (select * from feed_key_hashes where source_id = ${sourceId}) h
        on h.distro = k.distro and h.release = k.release and h.package_name = k.package_name
      where k.hash is distinct from h.hash
      order by 2, 3, 4`.execute(this.db);
    await sql`
      delete from feed_key_hashes h
      using (
        select distro, release, package_name from feed_key_hashes where source_id = ${sourceId}
        except
        select distro, release, package_name from feed_stage_keys
      ) gone
      where h.source_id = ${sourceId} and h.distro = gone.distro and h.release = gone.release
        and h.package_name = gone.package_name`.execute(this.db);
    await sql`
      insert into feed_key_hashes (source_id, distro, release, package_name, hash)
      select ${sourceId}, distro, release, package_name, hash from feed_stage_keys
      on conflict (source_id, distro, release, package_name) do update set hash = excluded.hash
      where feed_key_hashes.hash <> excluded.hash`.execute(this.db);
    await sql`drop table feed_stage_keys`.execute(this.db);
    return Number(changes.numAffectedRows ?? 0n);
  }

  // Import history and source state ---------------------------------------------------------

  async insertImport(i: { sourceId: string; origin: 'files' | 'bundle'; startedAt: Date }): Promise<string> {
    const r = await this.db
      .insertInto('feed_imports')
      .values({ source_id: i.sourceId, origin: i.origin, started_at: i.startedAt, finished_at: null, status: 'ok', problems: '[]', error: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }

  async finishImport(
    id: string,
    f: { finishedAt: Date; files: number; advisories: number; affected: number; enrichments: number; changedKeys: number; problemCount: number; problems: StoredProblem[] },
  ): Promise<void> {
    await this.db
      .updateTable('feed_imports')
      .set({
        finished_at: f.finishedAt,
        files: f.files,
        advisories: f.advisories,
        affected: f.affected,
        enrichments: f.enrichments,
        changed_keys: f.changedKeys,
        problem_count: f.problemCount,
        problems: json(f.problems),
      })
      .where('id', '=', id)
      .execute();
  }

  /** A failed import: its history row and the source's last attempt and error (outside the rolled-back transaction). */
  async recordFailedImport(f: {
    sourceId: string;
    origin: 'files' | 'bundle';
    startedAt: Date;
    finishedAt: Date;
    files: number;
    problemCount: number;
    problems: StoredProblem[];
    error: string;
  }): Promise<string> {
    const r = await this.db
      .insertInto('feed_imports')
      .values({
        source_id: f.sourceId,
        origin: f.origin,
        started_at: f.startedAt,
        finished_at: f.finishedAt,
        status: 'failed',
        files: f.files,
        problem_count: f.problemCount,
        problems: json(f.problems),
        error: clean(f.error),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.db
      .insertInto('feed_sources')
      .values({ source_id: f.sourceId, last_attempt_at: f.finishedAt, last_error: clean(f.error), validators: '{}' })
      .onConflict((oc) => oc.column('source_id').doUpdateSet({ last_attempt_at: f.finishedAt, last_error: clean(f.error) }))
      .execute();
    return r.id;
  }

  /** A successful import: the source's counts, data age and last success. */
  async recordImportSuccess(s: {
    sourceId: string;
    at: Date;
    importId: string;
    advisories: number;
    affected: number;
    enrichments: number;
    problems: number;
    newestRecordAt: Date | null;
  }): Promise<void> {
    const values = {
      last_attempt_at: s.at,
      last_success_at: s.at,
      last_error: null,
      advisories: s.advisories,
      affected: s.affected,
      enrichments: s.enrichments,
      problems: s.problems,
      newest_record_at: s.newestRecordAt,
      last_import_id: s.importId,
    };
    await this.db
      .insertInto('feed_sources')
      .values({ source_id: s.sourceId, validators: '{}', ...values })
      .onConflict((oc) => oc.column('source_id').doUpdateSet(values))
      .execute();
  }

  /** Restores sync state carried by a bundle (validators, last success, data age). */
  async restoreSourceState(sourceId: string, s: { validators: Record<string, UrlValidatorsRow>; lastSuccessAt: Date | null; newestRecordAt: Date | null }): Promise<void> {
    await this.db
      .updateTable('feed_sources')
      .set({ validators: json(s.validators), last_success_at: s.lastSuccessAt, newest_record_at: s.newestRecordAt })
      .where('source_id', '=', sourceId)
      .execute();
  }

  async findSource(sourceId: string): Promise<FeedSourceRecord | undefined> {
    const r = await this.db.selectFrom('feed_sources').selectAll().where('source_id', '=', sourceId).executeTakeFirst();
    return r && toSourceRecord(r);
  }

  async listSources(): Promise<FeedSourceRecord[]> {
    const rows = await this.db.selectFrom('feed_sources').selectAll().orderBy('source_id').execute();
    return rows.map(toSourceRecord);
  }

  async listImports(opts: { sourceId?: string; limit: number }): Promise<ImportRecord[]> {
    let q = this.db.selectFrom('feed_imports').selectAll();
    if (opts.sourceId !== undefined) q = q.where('source_id', '=', opts.sourceId);
    const rows = await q.orderBy('id', 'desc').limit(opts.limit).execute();
    return rows.map((r) => ({
      id: r.id,
      sourceId: r.source_id,
      origin: r.origin,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      status: r.status,
      files: r.files,
      advisories: r.advisories,
      affected: r.affected,
      enrichments: r.enrichments,
      changedKeys: r.changed_keys,
      problemCount: r.problem_count,
      problems: r.problems,
      error: r.error,
    }));
  }

  // Sync claims ---------------------------------------------------------------------------------

  /** Takes the source's claim when it is free or its lease ran out; true when taken. */
  async claim(sourceId: string, by: string, now: Date, until: Date): Promise<boolean> {
    await this.db.insertInto('feed_sources').values({ source_id: sourceId, validators: '{}' }).onConflict((oc) => oc.column('source_id').doNothing()).execute();
    const r = await this.db
      .updateTable('feed_sources')
      .set({ claimed_until: until, claimed_by: by, last_attempt_at: now })
      .where('source_id', '=', sourceId)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Records a sync's outcome; releases the claim when `by` still holds it. */
  async finishSync(
    sourceId: string,
    by: string,
    outcome: { ok: true; at: Date; validators: Record<string, UrlValidatorsRow> } | { ok: false; at: Date; error: string },
  ): Promise<void> {
    const set = outcome.ok
      ? { last_attempt_at: outcome.at, last_success_at: outcome.at, last_error: null, validators: json(outcome.validators) }
      : { last_attempt_at: outcome.at, last_error: clean(outcome.error) };
    await this.db
      .insertInto('feed_sources')
      .values({ source_id: sourceId, validators: '{}', ...set })
      .onConflict((oc) => oc.column('source_id').doUpdateSet(set))
      .execute();
    await this.db
      .updateTable('feed_sources')
      .set({ claimed_until: null, claimed_by: null })
      .where('source_id', '=', sourceId)
      .where('claimed_by', '=', by)
      .execute();
  }

  // Reading the store (bundles, matching) ------------------------------------------------------

  /** The source ids with advisories, or (for enrichment kinds) enrichments, stored. */
  async storedSourceIds(): Promise<string[]> {
    const r = await sql<{ id: string }>`
      select distinct source as id from advisories
      union select distinct kind as id from cve_enrichments
      union select source_id as id from feed_sources
      order by id`.execute(this.db);
    return r.rows.map((x) => x.id);
  }

  async advisoriesPage(sourceId: string, after: string | null, limit: number): Promise<Advisory[]> {
    let q = this.db.selectFrom('advisories').selectAll().where('source', '=', sourceId);
    if (after !== null) q = q.where('id', '>', after);
    const rows = await q.orderBy('id').limit(limit).execute();
    return rows.map((r) => toAdvisory(r));
  }

  async affectedPage(sourceId: string, after: { advisoryId: string; rowHash: string } | null, limit: number): Promise<(AffectedPackage & { rowHash: string })[]> {
    let q = this.db.selectFrom('affected_packages').selectAll().where('source', '=', sourceId);
    if (after !== null) q = q.where(sql<boolean>`(advisory_id, row_hash) > (${after.advisoryId}, ${after.rowHash})`);
    const rows = await q.orderBy('advisory_id').orderBy('row_hash').limit(limit).execute();
    return rows.map((r) => ({ ...toAffected(r), rowHash: r.row_hash }));
  }

  async enrichmentsPage(kind: CveEnrichment['kind'], after: string | null, limit: number): Promise<{ enrichment: CveEnrichment; updatedAt: Date }[]> {
    let q = this.db.selectFrom('cve_enrichments').selectAll().where('kind', '=', kind);
    if (after !== null) q = q.where('cve', '>', after);
    const rows = await q.orderBy('cve').limit(limit).execute();
    return rows.map((r) => ({ enrichment: r.data as CveEnrichment, updatedAt: r.updated_at }));
  }

  /** Affected rows of one (distro, release, package) key, all sources (what matching reads). */
  async affectedByKey(distro: string, release: string, packageName: string): Promise<AffectedPackage[]> {
    const rows = await this.db
      .selectFrom('affected_packages')
      .selectAll()
      .where('distro', '=', distro)
      .where('release', '=', release)
      .where('package_name', '=', packageName)
      .orderBy('source')
      .orderBy('advisory_id')
      .orderBy('row_hash')
      .execute();
    return rows.map(toAffected);
  }

  /** Key changes after `afterId` (a consumer's cursor), oldest first. */
  async keyChangesAfter(afterId: string, limit: number): Promise<KeyChange[]> {
    const rows = await this.db
      .selectFrom('feed_key_changes')
      .selectAll()
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      sourceId: r.source_id,
      distro: r.distro,
      release: r.release,
      packageName: r.package_name,
      changedAt: r.changed_at,
      importId: r.import_id,
    }));
  }
}

function toSourceRecord(r: {
  source_id: string;
  last_attempt_at: Date | null;
  last_success_at: Date | null;
  last_error: string | null;
  validators: Record<string, UrlValidatorsRow>;
  claimed_until: Date | null;
  claimed_by: string | null;
  advisories: number;
  affected: number;
  enrichments: number;
  problems: number;
  newest_record_at: Date | null;
  last_import_id: string | null;
}): FeedSourceRecord {
  return {
    sourceId: r.source_id,
    lastAttemptAt: r.last_attempt_at,
    lastSuccessAt: r.last_success_at,
    lastError: r.last_error,
    validators: r.validators,
    claimedUntil: r.claimed_until,
    claimedBy: r.claimed_by,
    advisories: r.advisories,
    affected: r.affected,
    enrichments: r.enrichments,
    problems: r.problems,
    newestRecordAt: r.newest_record_at,
    lastImportId: r.last_import_id,
  };
}

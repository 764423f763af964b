/**
 * The read side of findings: per host, fleet-wide (keyset by severity rank then id, one
 * index range scan of findings(state, severity, id) per severity and state), one finding
 * with its history, the per-CVE enrichments of a page, and what is known about one
 * vulnerability id (advisories citing it, their affected rows, open findings).
 */
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Severity } from '../../domain/advisory.js';
import type { FixState } from '../../matching/types.js';
import type { DB } from '../schema.js';

/** Normalized severities, highest first: the index of one is its rank. */
export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'];

export type FindingStateFilter = 'open' | 'resolved' | 'all';

export interface FindingRecord {
  id: string;
  hostId: string;
  hostname: string;
  vulnerability: string;
  package: string;
  arch: string;
  state: 'open' | 'resolved';
  sourcePackage: string;
  installedVersion: string;
  fixedVersion: string | null;
  fixState: FixState;
  severity: string;
  severityLabel: string | null;
  advisories: string[];
  sources: string[];
  explanation: unknown[];
  remediation: string | null;
  firstSeenAt: Date;
  lastChangedAt: Date;
  resolvedAt: Date | null;
  resolution: 'fixed' | 'removed' | 'not_affected' | null;
}

export interface FindingFilter {
  state: FindingStateFilter;
  /** Only these severities (all when absent). */
  severities?: readonly Severity[];
  fixStates?: readonly FixState[];
  /** true: only vulnerabilities in the KEV catalog; false: only those not in it. */
  kev?: boolean;
  /** Exact installed (binary) or source package name. */
  package?: string;
  /** Installed or source package name contains this (case-insensitive). */
  search?: string;
  hostId?: string;
  vulnerability?: string;
}

export interface FindingEventRecord {
  kind: 'opened' | 'updated' | 'resolved' | 'reopened';
  at: Date;
  fromVersion: string | null;
  toVersion: string | null;
  resolution: string | null;
  cause: string;
}

export interface EnrichmentRecord {
  cve: string;
  kind: 'nvd' | 'kev' | 'epss';
  data: unknown;
}

export interface AdvisoryRecord {
  source: string;
  id: string;
  cves: string[];
  title: string | null;
  description: string | null;
  severity: string;
  severityVendor: string | null;
  cvss: unknown[];
  published: string | null;
  modified: string | null;
  withdrawn: string | null;
  references: unknown[];
}

export interface AffectedRecord {
  source: string;
  advisoryId: string;
  distro: string;
  release: string;
  channel: string | null;
  packageName: string;
  moduleStream: string | null;
  arch: string | null;
  ranges: unknown[];
  status: string;
  severity: string | null;
  severityVendor: string | null;
}

export interface AffectedFindingRecord {
  findingId: string;
  hostId: string;
  hostname: string;
  package: string;
  arch: string;
  installedVersion: string;
  fixedVersion: string | null;
  fixState: FixState;
  severity: string;
}

const rankSql = sql<number>`case f.severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 when 'low' then 3 when 'negligible' then 4 else 5 end`;

function likePattern(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The filter's conditions on `findings f`, except state and severity (the index prefix, set per scan). */
function conditions(filter: FindingFilter): RawBuilder<unknown>[] {
  const c: RawBuilder<unknown>[] = [];
  if (filter.hostId !== undefined) c.push(sql`f.host_id = ${filter.hostId}::uuid`);
  if (filter.vulnerability !== undefined) c.push(sql`f.vulnerability = ${filter.vulnerability}`);
  if (filter.package !== undefined) c.push(sql`(f.package_name = ${filter.package} or f.source_package = ${filter.package})`);
  if (filter.search !== undefined && filter.search !== '') {
    const like = likePattern(filter.search);
    c.push(sql`(f.package_name ilike ${like} or f.source_package ilike ${like})`);
  }
  if (filter.fixStates !== undefined) c.push(sql`f.fix_state = any(${[...filter.fixStates]}::text[])`);
  if (filter.kev !== undefined) {
    c.push(sql`${sql.raw(filter.kev ? '' : 'not ')}exists (select 1 from cve_enrichments e where e.cve = f.vulnerability and e.kind = 'kev')`);
  }
  return c;
}

const and = (c: readonly RawBuilder<unknown>[]): RawBuilder<SqlBool> => (c.length === 0 ? sql<SqlBool>`true` : sql<SqlBool>`${sql.join(c, sql` and `)}`);

function toRecord(r: {
  id: string;
  host_id: string;
  hostname: string;
  vulnerability: string;
  package_name: string;
  arch: string;
  state: 'open' | 'resolved';
  source_package: string;
  installed_version: string;
  fixed_version: string | null;
  fix_state: FixState;
  severity: string;
  severity_label: string | null;
  advisories: string[];
  sources: string[];
  explanation: unknown[];
  remediation: string | null;
  first_seen_at: Date;
  last_changed_at: Date;
  resolved_at: Date | null;
  resolution: 'fixed' | 'removed' | 'not_affected' | null;
}): FindingRecord {
  return {
    id: r.id,
    hostId: r.host_id,
    hostname: r.hostname,
    vulnerability: r.vulnerability,
    package: r.package_name,
    arch: r.arch,
    state: r.state,
    sourcePackage: r.source_package,
    installedVersion: r.installed_version,
    fixedVersion: r.fixed_version,
    fixState: r.fix_state,
    severity: r.severity,
    severityLabel: r.severity_label,
    advisories: r.advisories,
    sources: r.sources,
    explanation: r.explanation,
    remediation: r.remediation,
    firstSeenAt: r.first_seen_at,
    lastChangedAt: r.last_changed_at,
    resolvedAt: r.resolved_at,
    resolution: r.resolution,
  };
}

export class FindingsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  private select() {
    return this.db
      .selectFrom('findings as f')
      .innerJoin('hosts as h', 'h.id', 'f.host_id')
      .select([
        'f.id',
        'f.host_id',
        'h.hostname',
        'f.vulnerability',
        'f.package_name',
        'f.arch',
        'f.state',
        'f.source_package',
        'f.installed_version',
        'f.fixed_version',
        'f.fix_state',
        'f.severity',
        'f.severity_label',
        'f.advisories',
        'f.sources',
        'f.explanation',
        'f.remediation',
        'f.first_seen_at',
        'f.last_changed_at',
        'f.resolved_at',
        'f.resolution',
      ]);
  }

  /**
   * Fleet-wide findings ordered by severity rank (critical first), then id, after the
   * keyset `after`. Each (severity, state) is one range scan of findings(state, severity, id)
   * in id order, so a page reads about `limit` index entries however large the fleet;
   * severities are visited in rank order and stop once the page is full.
   */
  async listFleet(filter: FindingFilter, after: { rank: number; id: string } | null, limit: number): Promise<FindingRecord[]> {
    const states: ('open' | 'resolved')[] = filter.state === 'all' ? ['open', 'resolved'] : [filter.state];
    const extra = conditions(filter);
    const out: FindingRecord[] = [];
    for (const [rank, severity] of SEVERITY_ORDER.entries()) {
      if (out.length >= limit) break;
      if (after !== null && rank < after.rank) continue;
      if (filter.severities !== undefined && !filter.severities.includes(severity)) continue;
      const afterId = after !== null && rank === after.rank ? after.id : null;
      const want = limit - out.length;
      const found: FindingRecord[] = [];
      for (const state of states) {
        const rows = await this.select()
          .where('f.state', '=', state)
          .where('f.severity', '=', severity)
          .$if(afterId !== null, (q) => q.where('f.id', '>', afterId!))
          .where(and(extra))
          .orderBy('f.id')
          .limit(want)
          .execute();
        found.push(...rows.map(toRecord));
      }
      // uuids compare as their lower-case hex text does in PostgreSQL (byte order)
      found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      out.push(...found.slice(0, want));
    }
    return out;
  }

  /** A host's findings ordered by severity rank, vulnerability, package and arch (its identity), after the keyset `after`. */
  async listHost(
    hostId: string,
    filter: Omit<FindingFilter, 'hostId'>,
    after: { rank: number; vulnerability: string; package: string; arch: string } | null,
    limit: number,
  ): Promise<FindingRecord[]> {
    const c = conditions({ ...filter, hostId });
    if (filter.state !== 'all') c.push(sql`f.state = ${filter.state}`);
    if (filter.severities !== undefined) c.push(sql`f.severity = any(${[...filter.severities]}::text[])`);
    if (after !== null) c.push(sql`(${rankSql}, f.vulnerability, f.package_name, f.arch) > (${after.rank}::int, ${after.vulnerability}, ${after.package}, ${after.arch})`);
    const rows = await this.select()
      .where(and(c))
      .orderBy(rankSql)
      .orderBy('f.vulnerability')
      .orderBy('f.package_name')
      .orderBy('f.arch')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  async findById(id: string): Promise<FindingRecord | undefined> {
    const r = await this.select().where('f.id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : toRecord(r);
  }

  /**
   * A finding's history, oldest first: its opening, from the finding row (the version it
   * opened at is where its first later event moved from, or what is installed when nothing
   * happened since), then its stored events. Empty for an unknown finding.
   */
  async events(findingId: string): Promise<FindingEventRecord[]> {
    const finding = await this.db
      .selectFrom('findings')
      .select(['first_seen_at', 'opened_cause', 'installed_version'])
      .where('id', '=', findingId)
      .executeTakeFirst();
    if (finding === undefined) return [];
    const rows = await this.db
      .selectFrom('finding_events')
      .select(['kind', 'at', 'from_version', 'to_version', 'resolution', 'cause'])
      .where('finding_id', '=', findingId)
      .orderBy('id')
      .execute();
    const opened: FindingEventRecord = {
      kind: 'opened',
      at: finding.first_seen_at,
      fromVersion: null,
      toVersion: rows[0]?.from_version ?? finding.installed_version,
      resolution: null,
      cause: finding.opened_cause,
    };
    return [opened, ...rows.map((r) => ({ kind: r.kind, at: r.at, fromVersion: r.from_version, toVersion: r.to_version, resolution: r.resolution, cause: r.cause }))];
  }

  /** Installed packages and advisories of the host's open findings that have a fix. */
  async fixable(hostId: string): Promise<{ packages: string[]; advisories: string[] }> {
    const r = await sql<{ packages: string[] | null; advisories: string[] | null }>`
      select array_agg(distinct f.package_name order by f.package_name) as packages,
             (select array_agg(distinct a order by a)
                from findings f2, unnest(f2.advisories) a
               where f2.host_id = ${hostId}::uuid and f2.state = 'open' and f2.fix_state = 'fixed') as advisories
      from findings f
      where f.host_id = ${hostId}::uuid and f.state = 'open' and f.fix_state = 'fixed'`.execute(this.db);
    return { packages: r.rows[0]?.packages ?? [], advisories: r.rows[0]?.advisories ?? [] };
  }

  /**
   * What the finding lists show per vulnerability: KEV presence, EPSS score, NVD's CVSS
   * list (only those parts of the documents, not their references or descriptions).
   */
  async listEnrichments(cves: readonly string[]): Promise<EnrichmentRecord[]> {
    if (cves.length === 0) return [];
    const r = await sql<EnrichmentRecord>`
      select cve, kind,
             case kind when 'nvd' then jsonb_build_object('cvss', data->'cvss')
                       when 'epss' then jsonb_build_object('score', data->'score', 'percentile', data->'percentile', 'date', data->'date')
                       else '{}'::jsonb end as data
      from cve_enrichments
      where cve = any(${[...new Set(cves)]}::text[])`.execute(this.db);
    return r.rows;
  }

  /** Every enrichment document of one CVE, whole. */
  async enrichmentsOf(cve: string): Promise<EnrichmentRecord[]> {
    return this.db.selectFrom('cve_enrichments').select(['cve', 'kind', 'data']).where('cve', '=', cve).orderBy('kind').execute();
  }

  /**
   * Advisories that cite `id` among their CVEs (GIN index on cves) or are `id` themselves.
   * The latter walks the distinct sources through the primary key (source, id) rather
   * than scanning the table: there are few sources.
   */
  async advisoriesCiting(id: string): Promise<AdvisoryRecord[]> {
    const r = await sql<{
      source: string; id: string; cves: string[]; title: string | null; description: string | null; severity: string;
      severity_vendor: string | null; cvss: unknown[]; published: string | null; modified: string | null; withdrawn: string | null; references: unknown[];
    }>`
      with recursive sources(source) as (
        select min(source) from advisories
        union all
        select (select min(a.source) from advisories a where a.source > s.source) from sources s where s.source is not null
      ), hits as (
        select a.source, a.id from advisories a where a.cves @> array[${id}]::text[]
        union
        select a.source, a.id from sources s join advisories a on a.source = s.source and a.id = ${id}
      )
      select a.source, a.id, a.cves, a.title, a.description, a.severity, a.severity_vendor, a.cvss, a.published,
             a.modified, a.withdrawn, a."references"
      from hits join advisories a on a.source = hits.source and a.id = hits.id
      order by a.source, a.id`.execute(this.db);
    return r.rows.map((a) => ({
      source: a.source,
      id: a.id,
      cves: a.cves,
      title: a.title,
      description: a.description,
      severity: a.severity,
      severityVendor: a.severity_vendor,
      cvss: a.cvss,
      published: a.published,
      modified: a.modified,
      withdrawn: a.withdrawn,
      references: a.references,
    }));
  }

  /** Affected-package rows of these advisories. */
  async affectedOf(advisories: readonly { source: string; id: string }[]): Promise<AffectedRecord[]> {
    if (advisories.length === 0) return [];
    const r = await sql<{
      source: string; advisory_id: string; distro: string; release: string; channel: string | null; package_name: string;
      module_stream: string | null; arch: string | null; ranges: unknown[]; status: string; severity: string | null; severity_vendor: string | null;
    }>`
      select ap.source, ap.advisory_id, ap.distro, ap.release, ap.channel, ap.package_name, ap.module_stream, ap.arch,
             ap.ranges, ap.status, ap.severity, ap.severity_vendor
      from unnest(${advisories.map((a) => a.source)}::text[], ${advisories.map((a) => a.id)}::text[]) as k(source, id)
      join affected_packages ap on ap.source = k.source and ap.advisory_id = k.id
      order by ap.distro, ap.release, ap.package_name, ap.channel nulls first, ap.module_stream nulls first, ap.source, ap.advisory_id, ap.row_hash`.execute(
      this.db,
    );
    return r.rows.map((x) => ({
      source: x.source,
      advisoryId: x.advisory_id,
      distro: x.distro,
      release: x.release,
      channel: x.channel,
      packageName: x.package_name,
      moduleStream: x.module_stream,
      arch: x.arch,
      ranges: x.ranges,
      status: x.status,
      severity: x.severity,
      severityVendor: x.severity_vendor,
    }));
  }

  /**
   * Open findings for `id`: findings of that vulnerability, and, when `id` is an advisory,
   * findings of the CVEs it cites that it covers. Ordered by hostname; at most `limit`.
   */
  async openFindingsFor(id: string, citedCves: readonly string[], limit: number): Promise<{ items: AffectedFindingRecord[]; findings: number; hosts: number }> {
    const where = sql<SqlBool>`f.state = 'open' and (f.vulnerability = ${id}
      or (f.vulnerability = any(${[...citedCves]}::text[]) and ${id} = any(f.advisories)))`;
    const rows = await this.db
      .selectFrom('findings as f')
      .innerJoin('hosts as h', 'h.id', 'f.host_id')
      .select(['f.id', 'f.host_id', 'h.hostname', 'f.package_name', 'f.arch', 'f.installed_version', 'f.fixed_version', 'f.fix_state', 'f.severity'])
      .where(where)
      .orderBy('h.hostname')
      .orderBy('f.host_id')
      .orderBy('f.package_name')
      .orderBy('f.arch')
      .orderBy('f.id')
      .limit(limit)
      .execute();
    const counts = await this.db
      .selectFrom('findings as f')
      .select((eb) => [eb.fn.countAll<string>().as('findings'), sql<string>`count(distinct f.host_id)`.as('hosts')])
      .where(where)
      .executeTakeFirstOrThrow();
    return {
      items: rows.map((r) => ({
        findingId: r.id,
        hostId: r.host_id,
        hostname: r.hostname,
        package: r.package_name,
        arch: r.arch,
        installedVersion: r.installed_version,
        fixedVersion: r.fixed_version,
        fixState: r.fix_state,
        severity: r.severity,
      })),
      findings: Number(counts.findings),
      hosts: Number(counts.hosts),
    };
  }

  /** Whether any finding (open or resolved) names this vulnerability. */
  async anyFindingFor(vulnerability: string): Promise<boolean> {
    const r = await this.db.selectFrom('findings').select('id').where('vulnerability', '=', vulnerability).limit(1).executeTakeFirst();
    return r !== undefined;
  }
}

/** What matching reads (advisory rows, host packages) and writes (findings, their history, host match state). */
import { sql, type Kysely } from 'kysely';
import type { Severity } from '../../domain/advisory.js';
import type { FindingChange, StoredFinding } from '../../matching/reconcile.js';
import type { MatchPackage, MatchableRow } from '../../matching/types.js';
import type { DB, HostRow } from '../schema.js';
import { toAffected, type AffectedRowShape } from './feeds.repository.js';

interface RowRecord extends AffectedRowShape {
  cves: string[] | null;
  advisory_severity: string | null;
  advisory_severity_vendor: string | null;
  withdrawn: string | null;
}

/**
 * One object literal with every field: matching reads each row's fields for every
 * package of every host, and rows built as `{...affected, cves, …}` were 5× slower
 * to read (V8 keeps such objects in a slower shape).
 */
function toRow(r: RowRecord): MatchableRow {
  const a = toAffected(r);
  return {
    source: a.source,
    advisoryId: a.advisoryId,
    distro: a.distro,
    release: a.release,
    channel: a.channel,
    packageName: a.packageName,
    binaryNames: a.binaryNames,
    moduleStream: a.moduleStream,
    arch: a.arch,
    scheme: a.scheme,
    ranges: a.ranges,
    versions: a.versions,
    status: a.status,
    severity: a.severity,
    note: a.note,
    cves: r.cves ?? [],
    advisorySeverity: (r.advisory_severity ?? 'unknown') as Severity,
    advisorySeverityLabel: r.advisory_severity_vendor,
    withdrawn: r.withdrawn !== null,
  };
}

export interface HostMatchState {
  distro: string | null;
  release: string | null;
  status: 'ok' | 'unsupported';
  note: string | null;
  endOfLife: string | null;
  rebootRequired: boolean | undefined;
  /** Open findings by severity. */
  counts: Record<string, number>;
  at: Date;
}

/**
 * The columns of a finding as written, named as `Finding`'s fields: each statement below sends
 * its rows as one JSON document, read back by `jsonb_to_recordset` with these column types.
 * One JSON.stringify costs this process about half what 14 PostgreSQL array parameters did
 * (measured: 3.5 against 6 µs a row), and arrays (advisories, sources) and the explanation
 * need no encoding of their own.
 */
const FINDING_COLUMNS = sql.raw(`"sourcePackage" text, "installedVersion" text, "fixedVersion" text, "fixState" text, severity text,
  "severityLabel" text, advisories text[], sources text[], explanation jsonb, remediation text`);

export class MatchingRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Advisory rows of one distribution release, for the given package names (all names when null). */
  async rows(distro: string, release: string, names: readonly string[] | null): Promise<MatchableRow[]> {
    if (names !== null && names.length === 0) return [];
    const r = await sql<RowRecord>`
      select ap.source, ap.advisory_id, ap.distro, ap.release, ap.channel, ap.package_name, ap.binary_names,
             ap.module_stream, ap.arch, ap.scheme, ap.ranges, ap.versions, ap.status, ap.severity, ap.severity_vendor, ap.note,
             a.cves, a.severity as advisory_severity, a.severity_vendor as advisory_severity_vendor, a.withdrawn
      from affected_packages ap
      left join advisories a on a.source = ap.source and a.id = ap.advisory_id
      where ap.distro = ${distro} and ap.release = ${release}
        ${names === null ? sql`` : sql`and ap.package_name = any(${names}::text[])`}`.execute(this.db);
    return r.rows.map(toRow);
  }

  /**
   * Lets this transaction commit without waiting for its WAL to reach the disk
   * (`synchronous_commit = off`, for this transaction only). For match batches: what they
   * write is recomputed from the stored packages and advisories, and the job that ran them
   * completes in a synchronous commit afterwards, which flushes their WAL too. A crash in
   * between loses at most the batches of a job that is not done, and the job runs again.
   */
  async commitWithoutFlush(): Promise<void> {
    await sql`set local synchronous_commit = off`.execute(this.db);
  }

  /** Reads and locks these hosts' rows until the transaction ends (in id order, so concurrent batches cannot deadlock). */
  async lockHosts(hostIds: readonly string[]): Promise<HostRow[]> {
    if (hostIds.length === 0) return [];
    return this.db.selectFrom('hosts').selectAll().where('id', 'in', hostIds).orderBy('id').forUpdate().execute();
  }

  /**
   * Packages of these hosts, by host: all of them (`names` null), or those whose
   * binary name is in `names`, plus every kernel package when `withKernels`.
   */
  async packagesOf(hostIds: readonly string[], names: readonly string[] | null, withKernels = false): Promise<Map<string, MatchPackage[]>> {
    const out = new Map<string, MatchPackage[]>();
    if (hostIds.length === 0 || (names !== null && names.length === 0 && !withKernels)) return out;
    const r = await sql<{ host_id: string; j: string }>`
      select host_id, json_agg(json_build_array(name, arch, evr, source_name, source_version, modularity_label, unparsed_reason))::text as j
      from host_packages
      where host_id = any(${hostIds}::uuid[])
        ${names === null ? sql`` : sql`and (name = any(${names}::text[]) ${withKernels ? sql`or name like 'kernel%' or name like 'linux-%'` : sql``})`}
      group by host_id`.execute(this.db);
    for (const row of r.rows) {
      const rows = JSON.parse(row.j) as [string, string, string, string | null, string | null, string | null, string | null][];
      out.set(
        row.host_id,
        rows.map((x) => ({ name: x[0], arch: x[1], evr: x[2], sourceName: x[3], sourceVersion: x[4], modularityLabel: x[5], unparsedReason: x[6] })),
      );
    }
    return out;
  }

  /** Binary package names changed by one inventory (added, removed or new version). */
  async changedPackageNames(inventoryId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('package_changes').select('name').distinct().where('inventory_id', '=', inventoryId).execute();
    return rows.map((r) => r.name);
  }

  /** Stored findings of these hosts, by host, for these binary package names (all when null). */
  async findingsOf(hostIds: readonly string[], packageNames: readonly string[] | null): Promise<Map<string, StoredFinding[]>> {
    const out = new Map<string, StoredFinding[]>();
    if (hostIds.length === 0 || (packageNames !== null && packageNames.length === 0)) return out;
    const r = await sql<{ host_id: string; j: string }>`
      select h.id as host_id, f.j
      from unnest(${hostIds}::uuid[]) as h(id)
      cross join lateral (
        select json_agg(json_build_array(id, vulnerability, package_name, arch, state, installed_version, fixed_version,
                                         fix_state, advisories, sources, severity))::text as j
        from findings
        where host_id = h.id
          ${packageNames === null ? sql`` : sql`and package_name = any(${packageNames}::text[])`}
      ) as f
      where f.j is not null`.execute(this.db);
    for (const row of r.rows) {
      const rows = JSON.parse(row.j) as [string, string, string, string, 'open' | 'resolved', string, string | null, StoredFinding['fixState'], string[], string[], Severity][];
      out.set(
        row.host_id,
        rows.map((x) => ({
          id: x[0],
          vulnerability: x[1],
          package: x[2],
          arch: x[3],
          state: x[4],
          installedVersion: x[5],
          fixedVersion: x[6],
          fixState: x[7],
          advisories: x[8],
          sources: x[9],
          severity: x[10],
        })),
      );
    }
    return out;
  }

  /**
   * Writes the changes of many hosts: a handful of set-based statements, whatever their number.
   * An opening is recorded in the finding row (`first_seen_at`, `opened_cause`); every later
   * transition is a `finding_events` row.
   */
  async applyChanges(changes: readonly (FindingChange & { hostId: string })[], at: Date, cause: string): Promise<void> {
    if (changes.length === 0) return;
    type Event = { finding_id: string; kind: 'updated' | 'resolved' | 'reopened'; from_version: string | null; to_version: string | null; resolution: string | null };
    const events: Event[] = [];
    const opened = changes.filter((c): c is Extract<FindingChange, { kind: 'open' }> & { hostId: string } => c.kind === 'open');
    if (opened.length > 0) {
      await sql`
        insert into findings (host_id, vulnerability, package_name, arch, state, source_package, installed_version, fixed_version,
                              fix_state, severity, severity_label, advisories, sources, explanation, remediation, first_seen_at, opened_cause, last_changed_at)
        select u."hostId", u.vulnerability, u.package, u.arch, 'open', u."sourcePackage", u."installedVersion", u."fixedVersion",
               u."fixState", u.severity, u."severityLabel", u.advisories, u.sources, u.explanation, u.remediation, ${at}::timestamptz, ${cause}, ${at}::timestamptz
        from jsonb_to_recordset(${JSON.stringify(opened.map((c) => ({ ...c.finding, hostId: c.hostId })))}::jsonb)
             as u("hostId" uuid, vulnerability text, package text, arch text, ${FINDING_COLUMNS})`.execute(this.db);
    }
    const resolved = changes.filter((c): c is Extract<FindingChange, { kind: 'resolve' }> & { hostId: string } => c.kind === 'resolve');
    if (resolved.length > 0) {
      await sql`
        update findings f set state = 'resolved', resolved_at = ${at}::timestamptz, resolution = u.resolution, last_changed_at = ${at}::timestamptz
        from unnest(${resolved.map((c) => c.id)}::uuid[], ${resolved.map((c) => c.resolution)}::text[]) as u(id, resolution)
        where f.id = u.id`.execute(this.db);
      for (const c of resolved) events.push({ finding_id: c.id, kind: 'resolved', from_version: c.fromVersion, to_version: c.toVersion, resolution: c.resolution });
    }
    const updated = changes.filter((c): c is Extract<FindingChange, { kind: 'update' | 'reopen' }> & { hostId: string } => c.kind === 'update' || c.kind === 'reopen');
    if (updated.length > 0) {
      await sql`
        update findings f set state = 'open', source_package = u."sourcePackage", installed_version = u."installedVersion",
               fixed_version = u."fixedVersion", fix_state = u."fixState", severity = u.severity, severity_label = u."severityLabel",
               advisories = u.advisories, sources = u.sources, explanation = u.explanation, remediation = u.remediation,
               last_changed_at = ${at}::timestamptz,
               resolved_at = case when u.reopen then null else f.resolved_at end,
               resolution = case when u.reopen then null else f.resolution end
        from jsonb_to_recordset(${JSON.stringify(updated.map((c) => ({ ...c.finding, id: c.id, reopen: c.kind === 'reopen' })))}::jsonb)
             as u(id uuid, reopen boolean, ${FINDING_COLUMNS})
        where f.id = u.id`.execute(this.db);
      for (const c of updated) {
        events.push({ finding_id: c.id, kind: c.kind === 'reopen' ? 'reopened' : 'updated', from_version: c.fromVersion, to_version: c.finding.installedVersion, resolution: null });
      }
    }
    if (events.length === 0) return;
    const col = <T>(f: (e: Event) => T): T[] => events.map(f);
    await sql`
      insert into finding_events (finding_id, at, kind, from_version, to_version, resolution, cause)
      select u.finding_id, ${at}::timestamptz, u.kind, u.from_version, u.to_version, u.resolution, ${cause}
      from unnest(${col((e) => e.finding_id)}::uuid[], ${col((e) => e.kind)}::text[], ${col((e) => e.from_version)}::text[],
                  ${col((e) => e.to_version)}::text[], ${col((e) => e.resolution)}::text[]) as u(finding_id, kind, from_version, to_version, resolution)`.execute(this.db);
  }

  /** Stores how the match of these hosts went, with their open findings counted by severity. */
  async saveHostMatches(states: readonly (HostMatchState & { hostId: string })[]): Promise<void> {
    if (states.length === 0) return;
    const ids = states.map((s) => s.hostId);
    const col = <T>(f: (s: (typeof states)[number]) => T): T[] => states.map(f);
    await sql`
      update hosts h set match_distro = u.distro, match_release = u.release, match_status = u.status, match_note = u.note,
             end_of_life = u.end_of_life, last_matched_at = u.at, finding_counts = u.counts,
             reboot_required = coalesce(u.reboot_required, h.reboot_required)
      from unnest(${ids}::uuid[], ${col((s) => s.distro)}::text[], ${col((s) => s.release)}::text[], ${col((s) => s.status)}::text[],
                  ${col((s) => s.note)}::text[], ${col((s) => s.endOfLife)}::text[], ${col((s) => s.at)}::timestamptz[],
                  ${col((s) => JSON.stringify(s.counts))}::jsonb[], ${col((s) => s.rebootRequired ?? null)}::boolean[])
           as u(id, distro, release, status, note, end_of_life, at, counts, reboot_required)
      where h.id = u.id`.execute(this.db);
  }

  async hostsWithPackages(distro: string, release: string, names: readonly string[]): Promise<{ hostId: string; packageNames: string[] }[]> {
    const r = await sql<{ host_id: string; names: string[] }>`
      select hp.host_id, array_agg(distinct hp.name) as names
      from host_packages hp join hosts h on h.id = hp.host_id
      where h.match_distro = ${distro} and h.match_release = ${release}
        and (hp.name = any(${names}::text[]) or hp.source_name = any(${names}::text[]))
      group by hp.host_id order by hp.host_id`.execute(this.db);
    return r.rows.map((x) => ({ hostId: x.host_id, packageNames: x.names }));
  }

  /** Host ids in id order after `after` (all from the start when null), at most `limit`. */
  async hostIdsAfter(after: string | null, limit: number): Promise<string[]> {
    let q = this.db.selectFrom('hosts').select('id').orderBy('id').limit(limit);
    if (after !== null) q = q.where('id', '>', after);
    return (await q.execute()).map((r) => r.id);
  }

  /** Feed keys changed in an id range of feed_key_changes, grouped by distribution release. */
  async feedKeyChanges(fromId: string, toId: string): Promise<Map<string, { distro: string; release: string; names: string[] }>> {
    const rows = await this.db
      .selectFrom('feed_key_changes')
      .select(['distro', 'release', 'package_name'])
      .distinct()
      .where('id', '>=', fromId)
      .where('id', '<=', toId)
      .execute();
    const out = new Map<string, { distro: string; release: string; names: string[] }>();
    for (const r of rows) {
      const k = `${r.distro}\u0000${r.release}`;
      const g = out.get(k) ?? { distro: r.distro, release: r.release, names: [] };
      g.names.push(r.package_name);
      out.set(k, g);
    }
    return out;
  }
}

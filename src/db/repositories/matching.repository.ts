/** What matching reads (advisory rows, host packages) and writes (findings, their history, host match state). */
import { sql, type Kysely } from 'kysely';
import type { AffectedRange, AffectedStatus, DistroId, Severity } from '../../domain/advisory.js';
import type { FindingChange, StoredFinding } from '../../matching/reconcile.js';
import type { MatchPackage, MatchableRow } from '../../matching/types.js';
import type { DB, HostRow } from '../schema.js';

interface RowRecord {
  source: string;
  advisory_id: string;
  distro: string;
  release: string;
  channel: string | null;
  package_name: string;
  binary_names: string[] | null;
  module_stream: string | null;
  arch: string | null;
  scheme: 'rpm' | 'dpkg' | 'apk';
  ranges: AffectedRange[];
  versions: string[];
  status: string;
  severity: string | null;
  severity_vendor: string | null;
  note: string | null;
  cves: string[] | null;
  advisory_severity: string | null;
  advisory_severity_vendor: string | null;
  withdrawn: string | null;
}

function toRow(r: RowRecord): MatchableRow {
  return {
    source: r.source,
    advisoryId: r.advisory_id,
    distro: r.distro as DistroId,
    release: r.release,
    channel: r.channel,
    packageName: r.package_name,
    binaryNames: r.binary_names,
    moduleStream: r.module_stream,
    arch: r.arch,
    scheme: r.scheme,
    ranges: r.ranges,
    versions: r.versions,
    status: r.status as AffectedStatus,
    severity: r.severity === null ? null : { normalized: r.severity as Severity, vendor: r.severity_vendor },
    note: r.note,
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
  at: Date;
}

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

  async lockHost(hostId: string): Promise<HostRow | undefined> {
    return this.db.selectFrom('hosts').selectAll().where('id', '=', hostId).forUpdate().executeTakeFirst();
  }

  /** The host's packages whose binary name is in `names` (all when null). */
  async packages(hostId: string, names: readonly string[] | null): Promise<MatchPackage[]> {
    if (names !== null && names.length === 0) return [];
    const r = await sql<{ j: string }>`
      select coalesce(json_agg(json_build_array(name, arch, evr, source_name, source_version, modularity_label, unparsed_reason))::text, '[]') as j
      from host_packages
      where host_id = ${hostId}
        ${names === null ? sql`` : sql`and name = any(${names}::text[])`}`.execute(this.db);
    const rows = JSON.parse(r.rows[0]?.j ?? '[]') as [string, string, string, string | null, string | null, string | null, string | null][];
    return rows.map((x) => ({ name: x[0], arch: x[1], evr: x[2], sourceName: x[3], sourceVersion: x[4], modularityLabel: x[5], unparsedReason: x[6] }));
  }

  /** Binary package names changed by one inventory (added, removed or new version). */
  async changedPackageNames(inventoryId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('package_changes').select('name').distinct().where('inventory_id', '=', inventoryId).execute();
    return rows.map((r) => r.name);
  }

  /** Stored findings of a host for these binary package names (all when null). */
  async findings(hostId: string, packageNames: readonly string[] | null): Promise<StoredFinding[]> {
    let q = this.db
      .selectFrom('findings')
      .select(['id', 'vulnerability', 'package_name', 'arch', 'state', 'installed_version', 'fixed_version', 'fix_state', 'advisories', 'sources', 'severity'])
      .where('host_id', '=', hostId);
    if (packageNames !== null) {
      if (packageNames.length === 0) return [];
      q = q.where('package_name', '=', sql<string>`any(${packageNames as string[]}::text[])`);
    }
    const rows = await q.execute();
    return rows.map((r) => ({
      id: r.id,
      vulnerability: r.vulnerability,
      package: r.package_name,
      arch: r.arch,
      state: r.state,
      installedVersion: r.installed_version,
      fixedVersion: r.fixed_version,
      fixState: r.fix_state,
      advisories: r.advisories,
      sources: r.sources,
      severity: r.severity as Severity,
    }));
  }

  async applyChanges(hostId: string, changes: readonly FindingChange[], at: Date, cause: string): Promise<void> {
    if (changes.length === 0) return;
    const opened = changes.filter((c) => c.kind === 'open');
    const events: { finding_id: string; kind: 'opened' | 'updated' | 'resolved' | 'reopened'; from_version: string | null; to_version: string | null; resolution: string | null }[] = [];
    if (opened.length > 0) {
      const col = <T>(f: (c: (typeof opened)[number]) => T): T[] => opened.map(f);
      const ids = await sql<{ id: string; installed_version: string }>`
        insert into findings (host_id, vulnerability, package_name, arch, state, source_package, installed_version, fixed_version,
                              fix_state, severity, severity_label, advisories, sources, explanation, remediation, first_seen_at, last_changed_at)
        select ${hostId}::uuid, u.vulnerability, u.package_name, u.arch, 'open', u.source_package, u.installed_version, u.fixed_version,
               u.fix_state, u.severity, u.severity_label, array(select jsonb_array_elements_text(u.advisories)),
               array(select jsonb_array_elements_text(u.sources)), u.explanation, u.remediation, ${at}::timestamptz, ${at}::timestamptz
        from unnest(${col((c) => c.finding.vulnerability)}::text[], ${col((c) => c.finding.package)}::text[], ${col((c) => c.finding.arch)}::text[],
                    ${col((c) => c.finding.sourcePackage)}::text[], ${col((c) => c.finding.installedVersion)}::text[],
                    ${col((c) => c.finding.fixedVersion)}::text[], ${col((c) => c.finding.fixState)}::text[], ${col((c) => c.finding.severity)}::text[],
                    ${col((c) => c.finding.severityLabel)}::text[], ${col((c) => JSON.stringify(c.finding.advisories))}::jsonb[],
                    ${col((c) => JSON.stringify(c.finding.sources))}::jsonb[], ${col((c) => JSON.stringify(c.finding.explanation))}::jsonb[],
                    ${col((c) => c.finding.remediation)}::text[])
             as u(vulnerability, package_name, arch, source_package, installed_version, fixed_version, fix_state, severity, severity_label,
                  advisories, sources, explanation, remediation)
        returning id, installed_version`.execute(this.db);
      for (const r of ids.rows) events.push({ finding_id: r.id, kind: 'opened', from_version: null, to_version: r.installed_version, resolution: null });
    }
    for (const c of changes) {
      if (c.kind === 'open') continue;
      if (c.kind === 'resolve') {
        await this.db
          .updateTable('findings')
          .set({ state: 'resolved', resolved_at: at, resolution: c.resolution, last_changed_at: at })
          .where('id', '=', c.id)
          .execute();
        events.push({ finding_id: c.id, kind: 'resolved', from_version: c.fromVersion, to_version: c.toVersion, resolution: c.resolution });
        continue;
      }
      const f = c.finding;
      await this.db
        .updateTable('findings')
        .set({
          state: 'open',
          source_package: f.sourcePackage,
          installed_version: f.installedVersion,
          fixed_version: f.fixedVersion,
          fix_state: f.fixState,
          severity: f.severity,
          severity_label: f.severityLabel,
          advisories: f.advisories,
          sources: f.sources,
          explanation: JSON.stringify(f.explanation),
          remediation: f.remediation,
          last_changed_at: at,
          ...(c.kind === 'reopen' ? { resolved_at: null, resolution: null } : {}),
        })
        .where('id', '=', c.id)
        .execute();
      events.push({ finding_id: c.id, kind: c.kind === 'reopen' ? 'reopened' : 'updated', from_version: c.fromVersion, to_version: f.installedVersion, resolution: null });
    }
    await this.db
      .insertInto('finding_events')
      .values(events.map((e) => ({ ...e, at, cause })))
      .execute();
  }

  async saveHostMatch(hostId: string, s: HostMatchState): Promise<void> {
    const counts = await this.db
      .selectFrom('findings')
      .select(['severity', (eb) => eb.fn.countAll<string>().as('n')])
      .where('host_id', '=', hostId)
      .where('state', '=', 'open')
      .groupBy('severity')
      .execute();
    const byseverity: Record<string, number> = {};
    for (const c of counts) byseverity[c.severity] = Number(c.n);
    await this.db
      .updateTable('hosts')
      .set({
        match_distro: s.distro,
        match_release: s.release,
        match_status: s.status,
        match_note: s.note,
        end_of_life: s.endOfLife,
        last_matched_at: s.at,
        finding_counts: JSON.stringify(byseverity),
        ...(s.rebootRequired === undefined ? {} : { reboot_required: s.rebootRequired }),
      })
      .where('id', '=', hostId)
      .execute();
  }

  /** Hosts matched against this release that have a package (binary or source) among `names`, with those packages' binary names. */
  async hostsWithPackages(distro: string, release: string, names: readonly string[]): Promise<{ hostId: string; packageNames: string[] }[]> {
    const r = await sql<{ host_id: string; names: string[] }>`
      select hp.host_id, array_agg(distinct hp.name) as names
      from host_packages hp join hosts h on h.id = hp.host_id
      where h.match_distro = ${distro} and h.match_release = ${release}
        and (hp.name = any(${names}::text[]) or hp.source_name = any(${names}::text[]))
      group by hp.host_id order by hp.host_id`.execute(this.db);
    return r.rows.map((x) => ({ hostId: x.host_id, packageNames: x.names }));
  }

  async allHostIds(): Promise<string[]> {
    return (await this.db.selectFrom('hosts').select('id').orderBy('id').execute()).map((r) => r.id);
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

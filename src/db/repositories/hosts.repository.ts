import { sql, type Kysely } from 'kysely';
import type { DB, HostRow, PackageChangeKind } from '../schema.js';

export interface HostIdentity {
  machineId: string;
  hostname: string;
}

export interface StoredPackage {
  manager: 'rpm' | 'dpkg' | 'apk';
  name: string;
  arch: string;
  evr: string;
  epoch: string | null;
  version: string;
  release: string | null;
  sourceName: string | null;
  sourceVersion: string | null;
  vendor: string | null;
  modularityLabel: string | null;
  unparsedReason: string | null;
}

export interface PackageChange {
  kind: PackageChangeKind;
  manager: 'rpm' | 'dpkg' | 'apk';
  name: string;
  arch: string;
  oldEvr: string | null;
  newEvr: string | null;
  sourceName: string | null;
}

export interface HostFacts {
  hostname: string;
  fqdn: string | null;
  arch: string | null;
  kernelRelease: string | null;
  kernelVersion: string | null;
  osId: string;
  osVersionId: string;
  osCodename: string | null;
  osName: string;
  osPrettyName: string;
}

export interface HostListFilter {
  search?: string;
  limit: number;
  /** Keyset cursor: hostname and id of the last row of the previous page. */
  after?: { hostname: string; id: string };
}

export class HostsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async findById(id: string): Promise<HostRow | undefined> {
    return this.db.selectFrom('hosts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Reads the host and locks its row until the transaction ends (serialises reports of one host). */
  async lockById(id: string): Promise<HostRow | undefined> {
    return this.db.selectFrom('hosts').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async findByIdentity(identity: HostIdentity): Promise<HostRow | undefined> {
    return this.db
      .selectFrom('hosts')
      .selectAll()
      .where('machine_id', '=', identity.machineId)
      .where('hostname', '=', identity.hostname)
      .executeTakeFirst();
  }

  async insert(identity: HostIdentity, fields: { fqdn: string | null; registrationKeyId: string | null }): Promise<HostRow> {
    return this.db
      .insertInto('hosts')
      .values({
        machine_id: identity.machineId,
        hostname: identity.hostname,
        fqdn: fields.fqdn,
        registration_key_id: fields.registrationKeyId,
        arch: null,
        kernel_release: null,
        kernel_version: null,
        os_id: null,
        os_version_id: null,
        os_codename: null,
        os_name: null,
        os_pretty_name: null,
        last_report_at: null,
        last_change_at: null,
        current_inventory_id: null,
        package_set_sha256: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async list(filter: HostListFilter): Promise<HostRow[]> {
    let q = this.db.selectFrom('hosts').selectAll();
    if (filter.search !== undefined && filter.search !== '') {
      const like = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) => eb.or([eb('hostname', 'ilike', like), eb('fqdn', 'ilike', like), eb('os_pretty_name', 'ilike', like)]));
    }
    if (filter.after !== undefined) {
      const { hostname, id } = filter.after;
      q = q.where((eb) => eb.or([eb('hostname', '>', hostname), eb.and([eb('hostname', '=', hostname), eb('id', '>', id)])]));
    }
    return q.orderBy('hostname').orderBy('id').limit(filter.limit).execute();
  }

  // Credentials -------------------------------------------------------------

  /** Revokes the host's other credentials and stores a new one (one live credential per host). */
  async replaceCredential(hostId: string, tokenHash: string, at: Date): Promise<void> {
    await this.db.updateTable('host_credentials').set({ revoked_at: at }).where('host_id', '=', hostId).where('revoked_at', 'is', null).execute();
    await this.db.insertInto('host_credentials').values({ host_id: hostId, token_hash: tokenHash, revoked_at: null }).execute();
  }

  async findHostIdByCredential(tokenHash: string): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('host_credentials')
      .select('host_id')
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return r?.host_id;
  }

  // Packages and inventories ---------------------------------------------------

  /**
   * The host's whole package set. Aggregated to one JSON text in the database:
   * parsing one JSON document is several times cheaper for the server than
   * 1,500 rows of 12 columns, and ingest reads this on every changed report.
   */
  async listPackages(hostId: string): Promise<StoredPackage[]> {
    const r = await sql<{ j: string }>`
      select coalesce(json_agg(json_build_array(manager, name, arch, evr, epoch, version, release, source_name,
                                                source_version, vendor, modularity_label, unparsed_reason))::text, '[]') as j
      from host_packages where host_id = ${hostId}`.execute(this.db);
    const rows = JSON.parse(r.rows[0]?.j ?? '[]') as [
      StoredPackage['manager'], string, string, string, string | null, string, string | null,
      string | null, string | null, string | null, string | null, string | null,
    ][];
    return rows.map((x) => ({
      manager: x[0],
      name: x[1],
      arch: x[2],
      evr: x[3],
      epoch: x[4],
      version: x[5],
      release: x[6],
      sourceName: x[7],
      sourceVersion: x[8],
      vendor: x[9],
      modularityLabel: x[10],
      unparsedReason: x[11],
    }));
  }

  async searchPackages(
    hostId: string,
    opts: { search?: string; limit: number; after?: { name: string; arch: string; evr: string } },
  ): Promise<(StoredPackage & { firstSeenAt: Date })[]> {
    let q = this.db.selectFrom('host_packages').selectAll().where('host_id', '=', hostId);
    if (opts.search !== undefined && opts.search !== '') {
      const like = `%${opts.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) => eb.or([eb('name', 'ilike', like), eb('source_name', 'ilike', like)]));
    }
    if (opts.after !== undefined) {
      const a = opts.after;
      q = q.where(sql<boolean>`(name, arch, evr) > (${a.name}, ${a.arch}, ${a.evr})`);
    }
    const rows = await q.orderBy('name').orderBy('arch').orderBy('evr').limit(opts.limit).execute();
    return rows.map((r) => ({
      manager: r.manager,
      name: r.name,
      arch: r.arch,
      evr: r.evr,
      epoch: r.epoch,
      version: r.version,
      release: r.release,
      sourceName: r.source_name,
      sourceVersion: r.source_version,
      vendor: r.vendor,
      modularityLabel: r.modularity_label,
      unparsedReason: r.unparsed_reason,
      firstSeenAt: r.first_seen_at,
    }));
  }

  async deletePackages(hostId: string, keys: readonly Pick<StoredPackage, 'manager' | 'name' | 'arch' | 'evr'>[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      await sql`
        delete from host_packages
        where host_id = ${hostId}
          and (manager, name, arch, evr) in (
            select * from unnest(
              ${chunk.map((k) => k.manager)}::text[], ${chunk.map((k) => k.name)}::text[],
              ${chunk.map((k) => k.arch)}::text[], ${chunk.map((k) => k.evr)}::text[]))`.execute(this.db);
    }
  }

  /**
   * Inserts (or updates) package rows in one statement per 5,000 rows, passing
   * one array per column (`unnest`) rather than a parameter per value.
   */
  async insertPackages(hostId: string, packages: readonly StoredPackage[], firstSeenAt: Date): Promise<void> {
    for (let i = 0; i < packages.length; i += 5000) {
      const chunk = packages.slice(i, i + 5000);
      const col = <K extends keyof StoredPackage>(k: K): StoredPackage[K][] => chunk.map((p) => p[k]);
      await sql`
        insert into host_packages (host_id, manager, name, arch, evr, epoch, version, release, source_name,
                                   source_version, vendor, modularity_label, unparsed_reason, first_seen_at)
        select ${hostId}::uuid, u.*, ${firstSeenAt}::timestamptz
        from unnest(${col('manager')}::text[], ${col('name')}::text[], ${col('arch')}::text[], ${col('evr')}::text[],
                    ${col('epoch')}::text[], ${col('version')}::text[], ${col('release')}::text[], ${col('sourceName')}::text[],
                    ${col('sourceVersion')}::text[], ${col('vendor')}::text[], ${col('modularityLabel')}::text[],
                    ${col('unparsedReason')}::text[]) as u
        on conflict (host_id, manager, name, arch, evr) do update set
          epoch = excluded.epoch, version = excluded.version, release = excluded.release,
          source_name = excluded.source_name, source_version = excluded.source_version, vendor = excluded.vendor,
          modularity_label = excluded.modularity_label, unparsed_reason = excluded.unparsed_reason`.execute(this.db);
    }
  }

  async insertInventory(inv: {
    hostId: string;
    receivedAt: Date;
    collectedAt: Date | null;
    source: 'agent' | 'upload' | 'vuls';
    agentVersion: string | null;
    docSha256: string;
    osId: string;
    osVersionId: string;
    kernelRelease: string | null;
    packageCount: number;
    added: number;
    removed: number;
    changed: number;
    unparsed: number;
    warnings: string[];
  }): Promise<string> {
    const r = await this.db
      .insertInto('inventories')
      .values({
        host_id: inv.hostId,
        received_at: inv.receivedAt,
        collected_at: inv.collectedAt,
        source: inv.source,
        agent_version: inv.agentVersion,
        doc_sha256: inv.docSha256,
        os_id: inv.osId,
        os_version_id: inv.osVersionId,
        kernel_release: inv.kernelRelease,
        package_count: inv.packageCount,
        added_count: inv.added,
        removed_count: inv.removed,
        changed_count: inv.changed,
        unparsed_count: inv.unparsed,
        warnings: JSON.stringify(inv.warnings),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }

  async insertChanges(hostId: string, inventoryId: string, changes: readonly PackageChange[]): Promise<void> {
    for (let i = 0; i < changes.length; i += 5000) {
      const chunk = changes.slice(i, i + 5000);
      const col = <K extends keyof PackageChange>(k: K): PackageChange[K][] => chunk.map((c) => c[k]);
      await sql`
        insert into package_changes (inventory_id, host_id, kind, manager, name, arch, old_evr, new_evr, source_name)
        select ${inventoryId}::uuid, ${hostId}::uuid, u.*
        from unnest(${col('kind')}::text[], ${col('manager')}::text[], ${col('name')}::text[], ${col('arch')}::text[],
                    ${col('oldEvr')}::text[], ${col('newEvr')}::text[], ${col('sourceName')}::text[]) as u`.execute(this.db);
    }
  }

  async updateAfterReport(
    hostId: string,
    u: {
      facts: HostFacts;
      receivedAt: Date;
      changed: boolean;
      inventoryId: string;
      packageCount: number;
      unparsedCount: number;
      packageSetSha256: string;
    },
  ): Promise<void> {
    await this.db
      .updateTable('hosts')
      .set({
        hostname: u.facts.hostname,
        fqdn: u.facts.fqdn,
        arch: u.facts.arch,
        kernel_release: u.facts.kernelRelease,
        kernel_version: u.facts.kernelVersion,
        os_id: u.facts.osId,
        os_version_id: u.facts.osVersionId,
        os_codename: u.facts.osCodename,
        os_name: u.facts.osName,
        os_pretty_name: u.facts.osPrettyName,
        last_report_at: u.receivedAt,
        current_inventory_id: u.inventoryId,
        package_count: u.packageCount,
        unparsed_count: u.unparsedCount,
        package_set_sha256: u.packageSetSha256,
        ...(u.changed ? { last_change_at: u.receivedAt } : {}),
      })
      .where('id', '=', hostId)
      .execute();
  }

  async listInventories(hostId: string, limit: number): Promise<{
    id: string; receivedAt: Date; collectedAt: Date | null; source: string; packageCount: number;
    added: number; removed: number; changed: number; unparsed: number;
  }[]> {
    const rows = await this.db
      .selectFrom('inventories')
      .select(['id', 'received_at', 'collected_at', 'source', 'package_count', 'added_count', 'removed_count', 'changed_count', 'unparsed_count'])
      .where('host_id', '=', hostId)
      .orderBy('received_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      receivedAt: r.received_at,
      collectedAt: r.collected_at,
      source: r.source,
      packageCount: r.package_count,
      added: r.added_count,
      removed: r.removed_count,
      changed: r.changed_count,
      unparsed: r.unparsed_count,
    }));
  }
}

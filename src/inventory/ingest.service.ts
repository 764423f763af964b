/**
 * Stores a host's inventory: parse (pure), flag versions that do not parse in
 * their scheme, then in one transaction replace the host's package set by the
 * new one, writing only the difference and a change log that matching uses to
 * re-match only what changed.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Repositories } from '../db/repositories/index.js';
import type { HostFacts, StoredPackage } from '../db/repositories/hosts.repository.js';
import type { HostRow } from '../db/schema.js';
import type { InventorySource, ParsedInventory } from '../domain/inventory.js';
import { validateVersion } from '../versioning/index.js';
import { diffInventories } from './diff.js';
import { parseInventoryJson } from './parse-document.js';

export interface IngestSummary {
  hostId: string;
  inventoryId: string;
  receivedAt: Date;
  packages: number;
  added: number;
  removed: number;
  changed: number;
  unparsed: number;
  warnings: string[];
}

export function toStoredPackages(inv: ParsedInventory): StoredPackage[] {
  return inv.packages.map((p) => {
    const v = validateVersion(p.manager, p.evr);
    return {
      manager: p.manager,
      name: p.name,
      arch: p.arch ?? '',
      evr: p.evr,
      epoch: p.epoch,
      version: p.version,
      release: p.release,
      sourceName: p.sourceName,
      sourceVersion: p.sourceVersion,
      vendor: p.vendor,
      modularityLabel: p.modularityLabel,
      unparsedReason: p.unparsedReason ?? (v.ok ? null : v.reason),
    };
  });
}

/** A fingerprint of a package set, independent of order. */
export function packageSetSha256(packages: readonly StoredPackage[]): string {
  const lines = packages.map((p) =>
    [p.manager, p.name, p.arch, p.evr, p.epoch, p.version, p.release, p.sourceName, p.sourceVersion, p.vendor, p.modularityLabel, p.unparsedReason]
      .map((v) => (v === null ? '\u0001' : v))
      .join('\u0000'),
  );
  lines.sort();
  return sha256Hex(lines.join('\n'));
}

function factsOf(inv: ParsedInventory): HostFacts {
  return {
    hostname: inv.host.hostname,
    fqdn: inv.host.fqdn,
    arch: inv.host.arch,
    kernelRelease: inv.host.kernelRelease,
    kernelVersion: inv.host.kernelVersion,
    osId: inv.os.id,
    osVersionId: inv.os.versionId,
    osCodename: inv.os.codename,
    osName: inv.os.name,
    osPrettyName: inv.os.prettyName,
  };
}

export class IngestService {
  constructor(
    private readonly repos: Pick<Repositories, 'hosts' | 'matchJobs' | 'transaction'>,
    private readonly clock: Clock,
    /** Called after a report that queued matching work has committed. */
    private readonly afterCommit: () => void = () => undefined,
  ) {}

  /** An agent's report: the host is the credential's, and the document must describe it. */
  async ingestAgentReport(hostId: string, document: unknown, rawSha256: string): Promise<IngestSummary> {
    const inv = parseInventoryJson(document, 'agent');
    return this.store(inv, rawSha256, { hostId });
  }

  /** A person's upload or `mamori inventory import` (agent document or Vuls scan result): creates the host if new. */
  async ingestUpload(document: unknown, rawSha256: string, opts: { hostname?: string } = {}): Promise<IngestSummary> {
    const inv = parseInventoryJson(document, 'upload');
    if (opts.hostname !== undefined && opts.hostname !== '') inv.host.hostname = opts.hostname;
    return this.store(inv, rawSha256, { identity: { machineId: inv.host.machineId ?? '', hostname: inv.host.hostname } });
  }

  private async store(
    inv: ParsedInventory,
    docSha256: string,
    target: { hostId: string } | { identity: { machineId: string; hostname: string } },
  ): Promise<IngestSummary> {
    const next = toStoredPackages(inv);
    const unparsed = next.reduce((n, p) => n + (p.unparsedReason === null ? 0 : 1), 0);
    const nextSetSha = packageSetSha256(next);
    const receivedAt = this.clock.now();
    const facts = factsOf(inv);
    const source: InventorySource = inv.source;

    const summary = await this.repos.transaction(async (tx) => {
      let hostId: string;
      let storedSetSha: string | null;
      let before: HostRow | undefined;
      if ('hostId' in target) {
        const host = await tx.hosts.lockById(target.hostId);
        if (host === undefined) throw new AppError('ERR_UNAUTHENTICATED', 'the host of this credential no longer exists');
        const docMachineId = inv.host.machineId ?? '';
        const sameMachine = host.machine_id !== '' && docMachineId !== '' ? host.machine_id === docMachineId : host.hostname === inv.host.hostname;
        if (!sameMachine) {
          throw new AppError('ERR_INVENTORY_HOST_MISMATCH', `this credential belongs to host ${host.hostname}; the inventory describes ${inv.host.hostname}`, {
            details: { hostId: host.id },
          });
        }
        hostId = host.id;
        storedSetSha = host.package_set_sha256;
        before = host;
      } else {
        const existing = await tx.hosts.findByIdentity(target.identity);
        const host = existing ?? (await tx.hosts.insert(target.identity, { fqdn: inv.host.fqdn, registrationKeyId: null }));
        hostId = host.id;
        before = await tx.hosts.lockById(host.id);
        storedSetSha = before?.package_set_sha256 ?? null;
      }

      // Most reports repeat the last one: then there is nothing to read or diff.
      const unchanged = storedSetSha === nextSetSha;
      const diff = unchanged ? { upserts: [], deletes: [], changes: [] } : diffInventories(await tx.hosts.listPackages(hostId), next);
      if (diff.deletes.length > 0) await tx.hosts.deletePackages(hostId, diff.deletes);
      if (diff.upserts.length > 0) await tx.hosts.insertPackages(hostId, diff.upserts, receivedAt);

      const counts = { added: 0, removed: 0, changed: 0 };
      for (const c of diff.changes) counts[c.kind]++;
      const inventoryId = await tx.hosts.insertInventory({
        hostId,
        receivedAt,
        collectedAt: inv.collectedAt,
        source: source === 'agent' || source === 'vuls' ? source : 'upload',
        agentVersion: null,
        docSha256,
        osId: inv.os.id,
        osVersionId: inv.os.versionId,
        kernelRelease: inv.host.kernelRelease,
        packageCount: next.length,
        ...counts,
        unparsed,
        warnings: inv.warnings,
      });
      if (diff.changes.length > 0) await tx.hosts.insertChanges(hostId, inventoryId, diff.changes);
      await tx.hosts.updateAfterReport(hostId, {
        facts,
        receivedAt,
        changed: diff.changes.length > 0 || storedSetSha === null,
        inventoryId,
        packageCount: next.length,
        unparsedCount: unparsed,
        packageSetSha256: nextSetSha,
      });
      // Matching runs as a durable job committed with the report: a crash after the reply loses neither.
      const osOrKernelChanged =
        before === undefined ||
        before.last_matched_at === null ||
        before.os_id !== inv.os.id ||
        before.os_version_id !== inv.os.versionId ||
        before.kernel_release !== inv.host.kernelRelease;
      if (diff.changes.length > 0 || osOrKernelChanged) await tx.matchJobs.enqueueHost(hostId, inventoryId, osOrKernelChanged);
      return { hostId, inventoryId, receivedAt, packages: next.length, ...counts, unparsed, warnings: inv.warnings };
    });
    this.afterCommit();
    return summary;
  }
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Matching against the stored advisory data: one host (after a report), the
 * hosts having packages whose advisory data changed (after a feed import), all
 * hosts (periodic full reconciliation), or a document without storing it
 * (`mamori match --inventory`). Each host is matched in one transaction with
 * its row locked, so concurrent jobs of one host serialise.
 */
import type { Clock } from '../clock.js';
import type { Repositories } from '../db/repositories/index.js';
import type { HostRow } from '../db/schema.js';
import type { OsInfo } from '../domain/inventory.js';
import { toStoredPackages } from '../inventory/ingest.service.js';
import { parseInventoryJson } from '../inventory/parse-document.js';
import { driverFor } from './drivers/index.js';
import { isKernelPackage } from './kernel.js';
import { matchHost } from './match.js';
import { reconcileFindings } from './reconcile.js';
import { resolveTarget } from './release.js';
import type { Finding, MatchTarget, MatchableRow } from './types.js';

export interface HostMatchSummary {
  hostId: string;
  status: 'ok' | 'unsupported';
  opened: number;
  resolved: number;
  reopened: number;
  updated: number;
}

/**
 * Advisory rows by package name, loaded on demand and kept for one job. Loads
 * through the caller's repositories (its transaction: the embedded database
 * has a single connection, so a query outside an open transaction would wait
 * for it forever).
 */
class RowCache {
  private readonly byName = new Map<string, MatchableRow[]>();
  private readonly loaded = new Set<string>();
  constructor(
    readonly distro: string,
    readonly release: string,
  ) {}
  async get(repos: Pick<Repositories, 'matching'>, names: readonly string[]): Promise<Map<string, MatchableRow[]>> {
    const missing = [...new Set(names)].filter((n) => !this.loaded.has(n));
    if (missing.length > 0) {
      for (const r of await repos.matching.rows(this.distro, this.release, missing)) {
        const list = this.byName.get(r.packageName);
        if (list === undefined) this.byName.set(r.packageName, [r]);
        else list.push(r);
      }
      for (const n of missing) this.loaded.add(n);
    }
    const out = new Map<string, MatchableRow[]>();
    for (const n of names) {
      const rows = this.byName.get(n);
      if (rows !== undefined) out.set(n, rows);
    }
    return out;
  }
}

function osOf(h: HostRow): OsInfo | null {
  if (h.os_id === null) return null;
  return { id: h.os_id, idLike: [], versionId: h.os_version_id ?? '', codename: h.os_codename, name: h.os_name ?? '', prettyName: h.os_pretty_name ?? '' };
}

export interface DocumentMatch {
  os: { id: string; versionId: string; prettyName: string; matchedAs: { distro: string; release: string } | null; endOfLife: string | null; supported: boolean; note: string | null };
  rebootRequired: boolean;
  remediation: string | null;
  findings: Finding[];
  problems: string[];
}

export class MatchService {
  constructor(
    private readonly repos: Pick<Repositories, 'matching' | 'matchJobs' | 'transaction'>,
    private readonly clock: Clock,
  ) {}

  /**
   * Matches one host: `'all'` of its packages, or only the packages with these
   * binary names (what a report changed, or what a feed update touched).
   */
  async matchStoredHost(hostId: string, scope: 'all' | readonly string[], cause: string, cache?: RowCache): Promise<HostMatchSummary> {
    return this.repos.transaction(async (tx) => {
      const host = await tx.matching.lockHost(hostId);
      const summary: HostMatchSummary = { hostId, status: 'ok', opened: 0, resolved: 0, reopened: 0, updated: 0 };
      if (host === undefined) return summary;
      const now = this.clock.now();
      const os = osOf(host);
      const t = os === null ? { supported: false as const, reason: 'no inventory yet' } : resolveTarget(os);
      if (!t.supported) {
        await tx.matching.saveHostMatch(hostId, { distro: null, release: null, status: 'unsupported', note: t.reason, endOfLife: null, rebootRequired: false, at: now });
        return { ...summary, status: 'unsupported' };
      }
      const target = t.target;
      const rows = cache !== undefined && cache.distro === target.distro && cache.release === target.release ? cache : new RowCache(target.distro, target.release);
      let packages = await tx.matching.packages(hostId, scope === 'all' ? null : scope);
      // Which kernel runs decides which kernel packages count: match a kernel package only with all of them.
      if (scope !== 'all' && scope.some((n) => isKernelPackage(target.scheme, n))) {
        const kernels = (await tx.matching.packages(hostId, null)).filter((p) => isKernelPackage(target.scheme, p.name));
        const have = new Set(packages.map((p) => `${p.name}\u0000${p.arch}\u0000${p.evr}`));
        packages = [...packages, ...kernels.filter((p) => !have.has(`${p.name}\u0000${p.arch}\u0000${p.evr}`))];
      }
      const driver = driverFor(target.family);
      const rowsByName = await rows.get(tx, packages.flatMap((p) => driver.keys(p).map((k) => k.name)));
      const result = matchHost({ target, kernelRelease: host.kernel_release, packages }, rowsByName);
      const stored = await tx.matching.findings(hostId, scope === 'all' ? null : [...new Set([...scope, ...packages.map((p) => p.name)])]);
      const installed = new Map(packages.map((p) => [`${p.name}\u0000${p.arch}`, p.evr] as const));
      const changes = reconcileFindings(stored, result.findings, installed);
      await tx.matching.applyChanges(hostId, changes, now, cause);
      await tx.matching.saveHostMatch(hostId, {
        distro: target.distro,
        release: target.release,
        status: 'ok',
        note: null,
        endOfLife: target.endOfLife,
        rebootRequired: scope === 'all' ? result.rebootRequired : undefined,
        at: now,
      });
      for (const c of changes) {
        if (c.kind === 'open') summary.opened++;
        else if (c.kind === 'resolve') summary.resolved++;
        else if (c.kind === 'reopen') summary.reopened++;
        else summary.updated++;
      }
      return summary;
    });
  }

  /** After a report: only what it changed, or everything when the OS or kernel changed (or on first report). */
  async matchInventory(hostId: string, inventoryId: string | null, full: boolean): Promise<HostMatchSummary> {
    if (full || inventoryId === null) return this.matchStoredHost(hostId, 'all', `inventory ${inventoryId ?? ''}`.trim());
    const names = await this.repos.matching.changedPackageNames(inventoryId);
    return this.matchStoredHost(hostId, names, `inventory ${inventoryId}`);
  }

  /** After a feed import: the hosts that have packages under the changed (release, package) keys. */
  async matchFeedChanges(fromId: string, toId: string): Promise<HostMatchSummary[]> {
    const out: HostMatchSummary[] = [];
    for (const group of (await this.repos.matching.feedKeyChanges(fromId, toId)).values()) {
      const cache = new RowCache(group.distro, group.release);
      for (const h of await this.repos.matching.hostsWithPackages(group.distro, group.release, group.names)) {
        out.push(await this.matchStoredHost(h.hostId, h.packageNames, 'feed update', cache));
      }
    }
    return out;
  }

  /** Periodic full reconciliation: every host, every package. Must equal what incremental matching left. */
  async reconcileAll(): Promise<HostMatchSummary[]> {
    const caches = new Map<string, RowCache>();
    const out: HostMatchSummary[] = [];
    for (const hostId of await this.repos.matching.allHostIds()) {
      const host = await this.repos.matching.lockHost(hostId);
      const key = `${host?.match_distro ?? ''}\u0000${host?.match_release ?? ''}`;
      let cache = caches.get(key);
      if (cache === undefined && host?.match_distro !== undefined && host.match_distro !== null && host.match_release !== null) {
        cache = new RowCache(host.match_distro, host.match_release);
        caches.set(key, cache);
      }
      out.push(await this.matchStoredHost(hostId, 'all', 'reconciliation', cache));
    }
    return out;
  }

  /** `mamori match --inventory`: an agent document or Vuls result against the local data, nothing stored. */
  async matchDocument(document: unknown): Promise<DocumentMatch> {
    const inv = parseInventoryJson(document, 'upload');
    const t = resolveTarget(inv.os);
    const os = { id: inv.os.id, versionId: inv.os.versionId, prettyName: inv.os.prettyName };
    if (!t.supported) {
      return { os: { ...os, matchedAs: null, endOfLife: null, supported: false, note: t.reason }, rebootRequired: false, remediation: null, findings: [], problems: [] };
    }
    const target: MatchTarget = t.target;
    const packages = toStoredPackages(inv);
    const driver = driverFor(target.family);
    const rows = await new RowCache(target.distro, target.release).get(this.repos, packages.flatMap((p) => driver.keys(p).map((k) => k.name)));
    const r = matchHost({ target, kernelRelease: inv.host.kernelRelease, packages }, rows);
    return {
      os: { ...os, matchedAs: { distro: target.distro, release: target.release }, endOfLife: target.endOfLife, supported: true, note: null },
      rebootRequired: r.rebootRequired,
      remediation: r.remediation,
      findings: r.findings,
      problems: r.problems,
    };
  }
}

/**
 * Matching against the stored advisory data: one host (after a report), the
 * hosts having packages whose advisory data changed (after a feed import), all
 * hosts (periodic full reconciliation), or a document without storing it
 * (`mamori match --inventory`). Each host is matched in one transaction with
 * its row locked, so concurrent jobs of one host serialise.
 */
import type { Clock } from '../clock.js';
import type { Repositories } from '../db/repositories/index.js';
import type { HostMatchState } from '../db/repositories/matching.repository.js';
import type { HostRow } from '../db/schema.js';
import type { OsInfo } from '../domain/inventory.js';
import { toStoredPackages } from '../inventory/ingest.service.js';
import { parseInventoryJson } from '../inventory/parse-document.js';
import { driverFor } from './drivers/index.js';
import { isTargetKernelPackage } from './kernel.js';
import { matchHost } from './match.js';
import { reconcileFindings, type FindingChange } from './reconcile.js';
import { hostKeysSeeing, resolveTarget } from './release.js';
import type { Finding, MatchTarget, MatchableRow } from './types.js';

/** Hosts matched per transaction by feed updates and reconciliation (10: two concurrent batches of 20 peaked at 510 MB RSS, of 10 at 442 MB, equally fast). */
const BATCH = 10;
/** Hosts per full-reconciliation job (about 15 s at 25 ms a host, well inside a job's lease). */
export const RECONCILE_SLICE = 500;

export interface HostScope {
  hostId: string;
  scope: 'all' | readonly string[];
  /**
   * The installed packages changed (a report), so which kernel counts as running may have
   * changed too: a scope touching a kernel package then re-evaluates every kernel package.
   * A feed update leaves the packages, and so the running kernel, as they were.
   */
  packagesChanged?: boolean;
}

export interface MatchServiceOptions {
  /**
   * Batches matched at once by feed updates and reconciliations, each in its own
   * transaction: with 2 this process matches one batch while PostgreSQL writes
   * another. 1 on the embedded database, which has one connection.
   */
  batchConcurrency?: number;
}

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
  /** Names loaded or being loaded, with the load that brings them (batches may run concurrently). */
  private readonly loads = new Map<string, Promise<void>>();
  constructor(
    readonly distro: string,
    readonly release: string,
  ) {}
  async get(repos: Pick<Repositories, 'matching'>, names: readonly string[]): Promise<Map<string, MatchableRow[]>> {
    const missing = [...new Set(names)].filter((n) => !this.loads.has(n));
    if (missing.length > 0) {
      const load = repos.matching.rows(this.distro, this.release, missing).then((rows) => {
        for (const r of rows) {
          const list = this.byName.get(r.packageName);
          if (list === undefined) this.byName.set(r.packageName, [r]);
          else list.push(r);
        }
      });
      for (const n of missing) this.loads.set(n, load);
      load.catch(() => {
        // a failed load is retried by the next batch that needs these names
        for (const n of missing) if (this.loads.get(n) === load) this.loads.delete(n);
      });
    }
    await Promise.all(new Set(names.flatMap((n) => this.loads.get(n) ?? [])));
    const out = new Map<string, MatchableRow[]>();
    for (const n of names) {
      const rows = this.byName.get(n);
      if (rows !== undefined) out.set(n, rows);
    }
    return out;
  }
}

/**
 * The rows of every (distribution, release) key of a target, by package name, through one
 * cache per key (shared by the hosts of a job). Most targets have one key; a SUSE host may
 * have several (SLED and SLES for SAP also see the SLES modules of their service pack).
 */
async function rowsOfTarget(
  repos: Pick<Repositories, 'matching'>,
  target: MatchTarget,
  names: readonly string[],
  caches: Map<string, RowCache>,
): Promise<Map<string, MatchableRow[]>> {
  const maps: Map<string, MatchableRow[]>[] = [];
  const seen = new Set<string>();
  for (const k of target.keys) {
    const key = `${k.distro}\u0000${k.release}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let cache = caches.get(key);
    if (cache === undefined) {
      cache = new RowCache(k.distro, k.release);
      caches.set(key, cache);
    }
    maps.push(await cache.get(repos, names));
  }
  if (maps.length === 1) return maps[0]!;
  const out = new Map<string, MatchableRow[]>();
  for (const m of maps) for (const [name, rows] of m) out.set(name, [...(out.get(name) ?? []), ...rows]);
  return out;
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
  /** Batches of hosts matched at once by feed updates and reconciliations (see `MatchServiceOptions`). */
  private readonly concurrency: number;

  constructor(
    private readonly repos: Pick<Repositories, 'matching' | 'matchJobs' | 'transaction'>,
    private readonly clock: Clock,
    opts: MatchServiceOptions = {},
  ) {
    this.concurrency = Math.max(1, opts.batchConcurrency ?? 1);
  }

  /** Runs the batches, `concurrency` at a time, and returns their summaries in batch order. */
  private async runBatches(batches: readonly HostScope[][], cause: string, caches: Map<string, RowCache>): Promise<HostMatchSummary[]> {
    const results: HostMatchSummary[][] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < batches.length) {
        const i = next++;
        results[i] = await this.matchStoredHosts(batches[i]!, cause, caches);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batches.length) }, lane));
    return results.flat();
  }

  /**
   * Matches one host: `'all'` of its packages, or only the packages with these
   * binary names (what a report changed, or what a feed update touched).
   */
  async matchStoredHost(hostId: string, scope: 'all' | readonly string[], cause: string): Promise<HostMatchSummary> {
    const [summary] = await this.matchStoredHosts([{ hostId, scope }], cause, new Map());
    return summary ?? { hostId, status: 'ok', opened: 0, resolved: 0, reopened: 0, updated: 0 };
  }

  /**
   * Matches a batch of hosts in one transaction with their rows locked (so
   * concurrent jobs of one host serialise), reading and writing with a few
   * set-based statements for the whole batch.
   */
  async matchStoredHosts(batch: readonly HostScope[], cause: string, caches: Map<string, RowCache>): Promise<HostMatchSummary[]> {
    return this.repos.transaction(async (tx) => {
      await tx.matching.commitWithoutFlush();
      const now = this.clock.now();
      const scopes = new Map(batch.map((b) => [b.hostId, b.scope] as const));
      const hosts = await tx.matching.lockHosts([...scopes.keys()]);
      const summaries: HostMatchSummary[] = [];
      const states: (HostMatchState & { hostId: string })[] = [];
      const targets = new Map<string, MatchTarget>();
      for (const host of hosts) {
        const os = osOf(host);
        const t = os === null ? { supported: false as const, reason: 'no inventory yet' } : resolveTarget(os);
        if (t.supported) {
          targets.set(host.id, t.target);
          continue;
        }
        states.push({ hostId: host.id, distro: null, release: null, status: 'unsupported', note: t.reason, endOfLife: null, rebootRequired: false, counts: host.finding_counts, at: now });
        summaries.push({ hostId: host.id, status: 'unsupported', opened: 0, resolved: 0, reopened: 0, updated: 0 });
      }

      // What to read: whole hosts, or the union of the partial scopes (filtered per host below).
      const whole = [...targets.keys()].filter((id) => scopes.get(id) === 'all');
      const partial = [...targets.keys()].filter((id) => scopes.get(id) !== 'all');
      const names = new Set<string>();
      let kernels = false;
      for (const id of partial) {
        for (const n of scopes.get(id) as readonly string[]) {
          names.add(n);
          if (isTargetKernelPackage(targets.get(id)!, n)) kernels = true;
        }
      }
      const packages = new Map([...(await tx.matching.packagesOf(whole, null)), ...(await tx.matching.packagesOf(partial, [...names], kernels))]);
      // Hosts whose report touched a kernel package: all their kernel packages are in scope.
      const kernelScope = new Map<string, string[]>();
      for (const b of batch) {
        const target = targets.get(b.hostId);
        if (b.scope === 'all' || b.packagesChanged !== true || target === undefined || !b.scope.some((n) => isTargetKernelPackage(target, n))) continue;
        const kernelNames = (packages.get(b.hostId) ?? []).filter((p) => isTargetKernelPackage(target, p.name)).map((p) => p.name);
        kernelScope.set(b.hostId, kernelNames);
        for (const n of kernelNames) names.add(n);
      }
      const stored = new Map([...(await tx.matching.findingsOf(whole, null)), ...(await tx.matching.findingsOf(partial, [...names]))]);

      const changes: (FindingChange & { hostId: string })[] = [];
      for (const [hostId, target] of targets) {
        const scope = scopes.get(hostId)!;
        const host = hosts.find((h) => h.id === hostId)!;
        let pkgs = packages.get(hostId) ?? [];
        let mine = stored.get(hostId) ?? [];
        let only: Set<string> | undefined;
        if (scope !== 'all') {
          // Which kernel runs decides which kernel packages count: they come along, but only the scope is evaluated.
          only = new Set([...scope, ...(kernelScope.get(hostId) ?? [])]);
          pkgs = pkgs.filter((p) => only!.has(p.name) || isTargetKernelPackage(target, p.name));
          mine = mine.filter((f) => only!.has(f.package));
        }
        const driver = driverFor(target.family);
        const evaluated = only === undefined ? pkgs : pkgs.filter((p) => only.has(p.name));
        const rowsByName = await rowsOfTarget(tx, target, evaluated.flatMap((p) => driver.keys(p).map((k) => k.name)), caches);
        const result = matchHost({ target, kernelRelease: host.kernel_release, packages: pkgs, ...(only === undefined ? {} : { only }) }, rowsByName);
        const installed = new Map(evaluated.map((p) => [`${p.name}\u0000${p.arch}`, p.evr] as const));
        const summary: HostMatchSummary = { hostId, status: 'ok', opened: 0, resolved: 0, reopened: 0, updated: 0 };
        // Open findings by severity, kept up to date from the changes (no recount).
        const tally = new Map(Object.entries(host.finding_counts));
        const bump = (severity: string, d: number): void => {
          tally.set(severity, (tally.get(severity) ?? 0) + d);
        };
        const before = new Map(mine.map((f) => [f.id, f] as const));
        for (const c of reconcileFindings(mine, result.findings, installed)) {
          changes.push({ ...c, hostId });
          if (c.kind === 'open') {
            summary.opened++;
            bump(c.finding.severity, 1);
          } else if (c.kind === 'resolve') {
            summary.resolved++;
            bump(before.get(c.id)!.severity, -1);
          } else if (c.kind === 'reopen') {
            summary.reopened++;
            bump(c.finding.severity, 1);
          } else {
            summary.updated++;
            bump(before.get(c.id)!.severity, -1);
            bump(c.finding.severity, 1);
          }
        }
        summaries.push(summary);
        states.push({
          hostId,
          distro: target.distro,
          release: target.release,
          status: 'ok',
          note: null,
          endOfLife: target.endOfLife,
          rebootRequired: scope === 'all' ? result.rebootRequired : undefined,
          counts: Object.fromEntries([...tally].filter(([, n]) => n !== 0)),
          at: now,
        });
      }
      await tx.matching.applyChanges(changes, now, cause);
      await tx.matching.saveHostMatches(states);
      return summaries;
    });
  }

  /** After a report: only what it changed, or everything when the OS or kernel changed (or on first report). */
  async matchInventory(hostId: string, inventoryId: string | null, full: boolean): Promise<HostMatchSummary> {
    if (full || inventoryId === null) return this.matchStoredHost(hostId, 'all', `inventory ${inventoryId ?? ''}`.trim());
    const names = await this.repos.matching.changedPackageNames(inventoryId);
    const [summary] = await this.matchStoredHosts([{ hostId, scope: names, packagesChanged: true }], `inventory ${inventoryId}`, new Map());
    return summary ?? { hostId, status: 'ok', opened: 0, resolved: 0, reopened: 0, updated: 0 };
  }

  /**
   * After a feed import: the hosts that have packages under the changed (release, package)
   * keys, in batches. Hosts matched as another release key that sees this one are included
   * (SLED and SLES for SAP hosts see the SLES modules: `hostKeysSeeing`).
   */
  async matchFeedChanges(fromId: string, toId: string): Promise<HostMatchSummary[]> {
    const out: HostMatchSummary[] = [];
    for (const group of (await this.repos.matching.feedKeyChanges(fromId, toId)).values()) {
      const caches = new Map<string, RowCache>();
      const hosts: { hostId: string; packageNames: string[] }[] = [];
      for (const k of hostKeysSeeing(group.distro, group.release)) hosts.push(...(await this.repos.matching.hostsWithPackages(k.distro, k.release, group.names)));
      const batches: HostScope[][] = [];
      for (let i = 0; i < hosts.length; i += BATCH) batches.push(hosts.slice(i, i + BATCH).map((h) => ({ hostId: h.hostId, scope: h.packageNames })));
      out.push(...(await this.runBatches(batches, 'feed update', caches)));
    }
    return out;
  }

  /**
   * Full reconciliation, one slice: every package of up to `limit` hosts after
   * `after` (host id order). `next` is where the following slice starts, null
   * after the last. The periodic job runs one slice per job so that a long
   * reconciliation never outlives a job lease and reports are matched between slices.
   */
  async reconcileSlice(after: string | null, limit = RECONCILE_SLICE): Promise<{ summaries: HostMatchSummary[]; next: string | null }> {
    const caches = new Map<string, RowCache>();
    const ids = await this.repos.matching.hostIdsAfter(after, limit);
    const batches: HostScope[][] = [];
    for (let i = 0; i < ids.length; i += BATCH) batches.push(ids.slice(i, i + BATCH).map((hostId) => ({ hostId, scope: 'all' as const })));
    const summaries = await this.runBatches(batches, 'reconciliation', caches);
    return { summaries, next: ids.length < limit ? null : (ids.at(-1) ?? null) };
  }

  /** Queues a full reconciliation for the match workers (it also restarts the periodic interval). */
  async queueReconciliation(): Promise<void> {
    await this.repos.matchJobs.enqueueReconciliation();
  }

  /** Every host, every package, slice after slice. Must equal what incremental matching left. */
  async reconcileAll(): Promise<HostMatchSummary[]> {
    const out: HostMatchSummary[] = [];
    let after: string | null = null;
    do {
      const slice = await this.reconcileSlice(after);
      out.push(...slice.summaries);
      after = slice.next;
    } while (after !== null);
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
    const rows = await rowsOfTarget(this.repos, target, packages.flatMap((p) => driver.keys(p).map((k) => k.name)), new Map());
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

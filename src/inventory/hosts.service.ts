/** The read side of hosts: list with sync state, detail, packages, report history. */
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { HostsRepository, StoredPackage } from '../db/repositories/hosts.repository.js';
import type { HostRow } from '../db/schema.js';

export type SyncState = 'never' | 'ok' | 'stale';

export interface HostSummary {
  id: string;
  hostname: string;
  fqdn: string | null;
  machineId: string;
  os: { id: string; versionId: string; codename: string | null; name: string; prettyName: string } | null;
  arch: string | null;
  kernel: { release: string | null; version: string | null };
  packageCount: number;
  unparsedCount: number;
  registeredAt: Date;
  lastReportAt: Date | null;
  lastChangeAt: Date | null;
  syncState: SyncState;
  stale: boolean;
  /** When the host's findings were last brought up to date, null before its first match. */
  lastMatchedAt: Date | null;
  matchStatus: 'pending' | 'ok' | 'unsupported';
  /** Why the host is not matched (unsupported OS), null otherwise. */
  matchNote: string | null;
  /** End of security support of the host's release (YYYY-MM-DD), null when unknown. */
  endOfLife: string | null;
  endOfLifeReached: boolean;
  rebootRequired: boolean;
  /** Open findings per severity. */
  findingCounts: FindingCounts;
}

export interface FindingCounts {
  critical: number;
  high: number;
  medium: number;
  low: number;
  negligible: number;
  unknown: number;
}

function findingCounts(stored: Record<string, number>): FindingCounts {
  const n = (k: keyof FindingCounts): number => (typeof stored[k] === 'number' ? stored[k] : 0);
  return { critical: n('critical'), high: n('high'), medium: n('medium'), low: n('low'), negligible: n('negligible'), unknown: n('unknown') };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, n: number): string[] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'string')) return v;
  } catch {
    /* fall through */
  }
  throw new AppError('ERR_VALIDATION', 'invalid pagination cursor');
}

export class HostsService {
  constructor(
    private readonly hosts: Pick<HostsRepository, 'findById' | 'list' | 'searchPackages' | 'listInventories'>,
    private readonly clock: Clock,
    /** A host that has not reported for this long is stale (非同期). */
    private readonly staleAfterMs: number,
  ) {}

  summarize(h: HostRow): HostSummary {
    const syncState: SyncState =
      h.last_report_at === null ? 'never' : this.clock.now().getTime() - h.last_report_at.getTime() > this.staleAfterMs ? 'stale' : 'ok';
    return {
      id: h.id,
      hostname: h.hostname,
      fqdn: h.fqdn,
      machineId: h.machine_id,
      os:
        h.os_id === null
          ? null
          : { id: h.os_id, versionId: h.os_version_id ?? '', codename: h.os_codename, name: h.os_name ?? '', prettyName: h.os_pretty_name ?? '' },
      arch: h.arch,
      kernel: { release: h.kernel_release, version: h.kernel_version },
      packageCount: h.package_count,
      unparsedCount: h.unparsed_count,
      registeredAt: h.created_at,
      lastReportAt: h.last_report_at,
      lastChangeAt: h.last_change_at,
      syncState,
      stale: syncState !== 'ok',
      lastMatchedAt: h.last_matched_at,
      matchStatus: h.match_status,
      matchNote: h.match_note,
      endOfLife: h.end_of_life,
      endOfLifeReached: h.end_of_life !== null && this.clock.now().toISOString().slice(0, 10) > h.end_of_life,
      rebootRequired: h.reboot_required,
      findingCounts: findingCounts(h.finding_counts),
    };
  }

  async list(opts: { search?: string; limit: number; cursor?: string }): Promise<Page<HostSummary>> {
    const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor, 2);
    const rows = await this.hosts.list({
      limit: opts.limit + 1,
      ...(opts.search === undefined ? {} : { search: opts.search }),
      ...(after === undefined ? {} : { after: { hostname: after[0]!, id: after[1]! } }),
    });
    const page = rows.slice(0, opts.limit);
    const last = page.at(-1);
    return {
      items: page.map((h) => this.summarize(h)),
      nextCursor: rows.length > opts.limit && last !== undefined ? encodeCursor([last.hostname, last.id]) : null,
    };
  }

  async get(id: string): Promise<HostSummary> {
    const h = await this.hosts.findById(id);
    if (h === undefined) throw new AppError('ERR_NOT_FOUND', `no host with id ${id}`);
    return this.summarize(h);
  }

  async packages(id: string, opts: { search?: string; limit: number; cursor?: string }): Promise<Page<StoredPackage & { firstSeenAt: Date }>> {
    await this.get(id);
    const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor, 3);
    const rows = await this.hosts.searchPackages(id, {
      limit: opts.limit + 1,
      ...(opts.search === undefined ? {} : { search: opts.search }),
      ...(after === undefined ? {} : { after: { name: after[0]!, arch: after[1]!, evr: after[2]! } }),
    });
    const page = rows.slice(0, opts.limit);
    const last = page.at(-1);
    return { items: page, nextCursor: rows.length > opts.limit && last !== undefined ? encodeCursor([last.name, last.arch, last.evr]) : null };
  }

  async reports(id: string, limit: number): ReturnType<HostsRepository['listInventories']> {
    await this.get(id);
    return this.hosts.listInventories(id, limit);
  }
}

/**
 * Collects the normalized records of one source's import and writes them to the staging
 * tables in batches, so memory stays bounded however many files the source has.
 *
 * Records are keyed by (source, id) for advisories and by CVE for enrichments, not by
 * file. When one id comes more than once (AlmaLinux publishes an ALSA that covers two
 * releases in both release folders; Alpine secdb lists one CVE per release file):
 * - the copy with the latest `modified` wins, with its affected rows only;
 * - copies with the same `modified` (or none) are merged: the union of their rows, CVEs,
 *   related ids, references and CVSS scores, the highest severity;
 * - an older copy is ignored (reported as a problem, so nothing disappears silently).
 * Enrichments: the copy with the latest date (NVD lastModified, KEV dateAdded, EPSS
 * score date) wins; the later file on a tie.
 */
import type { Advisory, AffectedPackage, CveEnrichment, FeedParseResult } from '../../domain/advisory.js';
import { advisoryHash, affectedHash, rowsHashOf, versionKey, type FeedsRepository } from '../../db/repositories/feeds.repository.js';
import { compareIds } from '../shared/ids.js';
import { severityRank } from '../shared/severity.js';
import type { SourceKind } from './formats.js';

/** How many problems an import stores (the count is kept in full). */
export const FEED_PROBLEMS_STORED = 1000;

export interface ImportProblem {
  record: string;
  message: string;
  file?: string;
}

export class ProblemLog {
  count = 0;
  readonly list: ImportProblem[] = [];

  add(file: string | null, record: string, message: string): void {
    this.count++;
    if (this.list.length < FEED_PROBLEMS_STORED) this.list.push(file === null ? { record, message } : { record, message, file });
  }
}

type StagingRepo = Pick<
  FeedsRepository,
  'stageAdvisories' | 'stagedAdvisories' | 'stageAffected' | 'stageEnrichments' | 'deleteAffectedOf' | 'stageKept' | 'unkeep'
>;

const ADVISORY_BATCH = 1000;
const ROW_BATCH = 20_000;
const ENRICHMENT_BATCH = 5000;
const KEPT_BATCH = 10_000;

function enrichmentDate(e: CveEnrichment): string | null {
  switch (e.kind) {
    case 'nvd':
      return e.lastModified ?? e.published;
    case 'kev':
      return e.dateAdded;
    case 'epss':
      return e.date;
  }
}

function unionSorted(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort(compareIds);
}

function unionBy<T>(a: readonly T[], b: readonly T[], key: (x: T) => string): T[] {
  const seen = new Set(a.map(key));
  const out = [...a];
  for (const x of b) {
    const k = key(x);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(x);
    }
  }
  return out;
}

/** Two copies of one advisory with the same `modified`. */
export function mergeAdvisories(a: Advisory, b: Advisory): Advisory {
  return {
    ...a,
    cves: unionSorted(a.cves, b.cves),
    relatedIds: unionSorted(a.relatedIds, b.relatedIds),
    title: a.title ?? b.title,
    description: a.description ?? b.description,
    severity: severityRank(b.severity.normalized) > severityRank(a.severity.normalized) ? b.severity : a.severity,
    cvss: unionBy(a.cvss, b.cvss, (s) => `${s.version}|${s.vector}|${s.source}`),
    published: a.published ?? b.published,
    withdrawn: a.withdrawn ?? b.withdrawn,
    references: unionBy(a.references, b.references, (r) => `${r.type}|${r.url}`),
  };
}

type PendingAdvisory = { advisory: Advisory; version: string; contentHash: string; rowsHash: string | null };
type PendingRow = { row: AffectedPackage; version: string; hash: string };

export class RecordSink {
  /** Winning version per advisory id (or CVE) so far. */
  private readonly versions = new Map<string, string>();
  private readonly advisories = new Map<string, PendingAdvisory>();
  private rows: PendingRow[] = [];
  /** Direct mode: rows that may already be stored (second copies, bundles), written with ON CONFLICT DO NOTHING. */
  private repeatRows: PendingRow[] = [];
  /** Advisories found unchanged (content and rows) against the stored ones: nothing of theirs is written. */
  private readonly kept = new Set<string>();
  /** Direct mode: advisory ids already written to the table. */
  private readonly written = new Set<string>();
  private pendingKept: { id: string; version: string }[] = [];
  private readonly enrichments = new Map<string, { enrichment: CveEnrichment; version: string; updatedAt: Date | null }>();
  private newestMs: number | null = null;
  /** Advisories and enrichments taken (each copy counts). */
  records = 0;

  /**
   * `direct`: the source holds nothing yet, so advisories and rows go straight to its
   * tables instead of through staging (a first import writes everything once).
   * `stored`: `content_hash:rows_hash` per stored advisory, for a re-import to skip the
   * unchanged ones (`FeedsRepository.storedAdvisoryHashes`).
   */
  constructor(
    private readonly repo: StagingRepo,
    readonly sourceId: string,
    readonly kind: SourceKind,
    readonly problems: ProblemLog,
    private readonly direct = false,
    private readonly stored: ReadonlyMap<string, string> = new Map(),
  ) {}

  private get target(): string | undefined {
    return this.direct ? this.sourceId : undefined;
  }

  get newestRecordAt(): Date | null {
    return this.newestMs === null ? null : new Date(this.newestMs);
  }

  private seeDate(version: string): void {
    if (version === '') return;
    const ms = Date.parse(version);
    if (this.newestMs === null || ms > this.newestMs) this.newestMs = ms;
  }

  /** One parsed document: its records (of this source) and its problems. */
  async addResult(result: FeedParseResult, file: string): Promise<void> {
    for (const p of result.problems) this.problems.add(file, p.record, p.message);
    if (this.kind === 'enrichments') {
      if (result.advisories.length > 0) {
        this.problems.add(file, '-', `${result.advisories.length} advisories in an enrichment source (${this.sourceId}); skipped`);
      }
      await this.addEnrichments(result.enrichments.map((enrichment) => ({ enrichment, updatedAt: null })), file);
      return;
    }
    if (result.enrichments.length > 0) {
      this.problems.add(file, '-', `${result.enrichments.length} enrichments in an advisory source (${this.sourceId}); skipped`);
    }
    const rowsOf = new Map<string, AffectedPackage[]>();
    for (const row of result.affected) {
      const list = rowsOf.get(row.advisoryId);
      if (list === undefined) rowsOf.set(row.advisoryId, [row]);
      else list.push(row);
    }
    const taken = new Set<string>();
    for (const a of result.advisories) {
      const all = rowsOf.get(a.id) ?? [];
      taken.add(a.id);
      if (a.source !== this.sourceId) {
        this.problems.add(file, a.id, `belongs to source ${a.source}, not ${this.sourceId}; skipped with its ${all.length} affected rows`);
        continue;
      }
      this.records++;
      // This copy's rows, each once.
      const rows: PendingRow[] = [];
      const hashes = new Set<string>();
      const version = versionKey(a.modified);
      for (const row of all) {
        if (row.source !== this.sourceId) {
          this.problems.add(file, a.id, `affected row of ${row.packageName} belongs to source ${row.source}; skipped`);
          continue;
        }
        const hash = affectedHash(row);
        if (hashes.has(hash)) continue;
        hashes.add(hash);
        rows.push({ row, version, hash });
      }
      await this.addCopy(a, version, rows, file);
    }
    for (const [id, rows] of rowsOf) {
      if (!taken.has(id)) this.problems.add(file, id, `${rows.length} affected rows name an advisory the document does not have; skipped`);
    }
    await this.maybeFlush();
  }

  /** One copy of an advisory with its (distinct) rows. */
  private async addCopy(a: Advisory, version: string, rows: PendingRow[], file: string): Promise<void> {
    const prev = this.versions.get(a.id);
    if (prev !== undefined && version < prev) {
      this.problems.add(file, a.id, `an older copy (modified ${a.modified ?? 'unknown'}) than one already read; ignored`);
      return;
    }
    this.versions.set(a.id, version);
    this.seeDate(versionKey(a.modified ?? a.published));

    if (prev === undefined) {
      const contentHash = advisoryHash(a);
      const rowsHash = rowsHashOf(rows.map((r) => r.hash));
      if (!this.direct && this.stored.get(a.id) === `${contentHash}:${rowsHash}`) {
        this.kept.add(a.id);
        this.pendingKept.push({ id: a.id, version });
        return;
      }
      this.advisories.set(a.id, { advisory: a, version, contentHash, rowsHash });
      for (const r of rows) this.rows.push(r);
      return;
    }

    if (version > prev) {
      // A newer copy replaces the older one and its rows.
      if (this.kept.has(a.id)) await this.unkeep(a.id, version, false);
      if (this.direct) {
        this.rows = this.rows.filter((r) => r.row.advisoryId !== a.id);
        this.repeatRows = this.repeatRows.filter((r) => r.row.advisoryId !== a.id);
        await this.drain();
        await this.repo.deleteAffectedOf(this.sourceId, [a.id]);
      }
      this.advisories.set(a.id, { advisory: a, version, contentHash: advisoryHash(a), rowsHash: rowsHashOf(rows.map((r) => r.hash)) });
      for (const r of rows) this.rows.push(r);
      return;
    }

    // The same version again: merged with what was read before (rows hash recomputed when applied).
    let other = this.advisories.get(a.id)?.advisory;
    if (other === undefined) {
      const wasKept = this.kept.has(a.id);
      await this.drain();
      const fromStore = wasKept || this.direct;
      other = (await this.repo.stagedAdvisories([a.id], fromStore ? this.sourceId : undefined)).get(a.id);
      if (wasKept) await this.unkeep(a.id, version, true);
    }
    const merged = other === undefined ? a : mergeAdvisories({ ...other, source: a.source }, a);
    this.advisories.set(a.id, { advisory: merged, version, contentHash: advisoryHash(merged), rowsHash: null });
    for (const r of rows) (this.direct ? this.repeatRows : this.rows).push(r);
  }

  /** A kept advisory meets another copy: staged in full from now on. */
  private async unkeep(id: string, version: string, copyRows: boolean): Promise<void> {
    this.kept.delete(id);
    const before = this.pendingKept.length;
    this.pendingKept = this.pendingKept.filter((k) => k.id !== id);
    await this.drain();
    if (this.pendingKept.length === before || copyRows) await this.repo.unkeep(this.sourceId, id, version, copyRows);
  }

  /** Advisories already normalized (bundles): one copy per id expected. */
  async addAdvisories(advisories: readonly Advisory[], file: string): Promise<void> {
    for (const a of advisories) {
      if (a.source !== this.sourceId) {
        this.problems.add(file, a.id, `belongs to source ${a.source}, not ${this.sourceId}; skipped`);
        continue;
      }
      const version = versionKey(a.modified);
      if (this.versions.has(a.id)) {
        this.problems.add(file, a.id, 'listed twice; the later copy was skipped');
        continue;
      }
      this.records++;
      this.versions.set(a.id, version);
      this.seeDate(versionKey(a.modified ?? a.published));
      this.advisories.set(a.id, { advisory: a, version, contentHash: advisoryHash(a), rowsHash: null });
    }
    await this.maybeFlush();
  }

  /** Affected rows of advisories added before with `addAdvisories`. */
  async addAffected(rows: readonly AffectedPackage[], file: string): Promise<void> {
    for (const row of rows) {
      const version = this.versions.get(row.advisoryId);
      if (row.source !== this.sourceId || version === undefined) {
        this.problems.add(file, row.advisoryId, `affected row of ${row.packageName} has no advisory of source ${this.sourceId}; skipped`);
        continue;
      }
      (this.direct ? this.repeatRows : this.rows).push({ row, version, hash: affectedHash(row) });
    }
    await this.maybeFlush();
  }

  async addEnrichments(items: readonly { enrichment: CveEnrichment; updatedAt: Date | null }[], file: string): Promise<void> {
    for (const { enrichment, updatedAt } of items) {
      if (enrichment.kind !== this.sourceId) {
        this.problems.add(file, enrichment.cve, `a ${enrichment.kind} enrichment in source ${this.sourceId}; skipped`);
        continue;
      }
      this.records++;
      const version = versionKey(enrichmentDate(enrichment));
      this.seeDate(version);
      const prev = this.versions.get(enrichment.cve);
      if (prev !== undefined && version < prev) continue;
      this.versions.set(enrichment.cve, version);
      this.enrichments.set(enrichment.cve, { enrichment, version, updatedAt });
    }
    await this.maybeFlush();
  }

  private async maybeFlush(): Promise<void> {
    if (
      this.advisories.size >= ADVISORY_BATCH ||
      this.rows.length + this.repeatRows.length >= ROW_BATCH ||
      this.enrichments.size >= ENRICHMENT_BATCH ||
      this.pendingKept.length >= KEPT_BATCH
    ) {
      await this.sendPending();
    }
  }

  /**
   * Sends a batch to the database without waiting for it, so the next files are parsed
   * while it is written; at most one batch is in flight (memory stays bounded).
   */
  private async send(write: () => Promise<void>): Promise<void> {
    await this.drain();
    const p = write();
    // Awaited by the next send or drain; this only keeps it from counting as unhandled meanwhile.
    p.catch(() => undefined);
    this.inflight = p;
  }

  /** Waits for the batch in flight (and throws its error). */
  async drain(): Promise<void> {
    const p = this.inflight;
    this.inflight = null;
    if (p !== null) await p;
  }

  private inflight: Promise<void> | null = null;

  /** Writes what is pending to the staging tables and waits until it is written. */
  async flush(): Promise<void> {
    await this.sendPending();
    await this.drain();
  }

  private async sendPending(): Promise<void> {
    if (this.advisories.size > 0) {
      const batch = [...this.advisories.values()];
      this.advisories.clear();
      if (this.direct) {
        // Ids written before (a merged or newer copy) are updated; new ones take a plain insert.
        const again = batch.filter((a) => this.written.has(a.advisory.id));
        const fresh = again.length === 0 ? batch : batch.filter((a) => !this.written.has(a.advisory.id));
        for (const a of fresh) this.written.add(a.advisory.id);
        if (fresh.length > 0) await this.send(() => this.repo.stageAdvisories(fresh, this.sourceId, false));
        if (again.length > 0) await this.send(() => this.repo.stageAdvisories(again, this.sourceId, true));
      } else {
        await this.send(() => this.repo.stageAdvisories(batch));
      }
    }
    if (this.rows.length > 0) {
      const batch = this.rows;
      this.rows = [];
      await this.send(() => this.repo.stageAffected(batch, this.target));
    }
    if (this.repeatRows.length > 0) {
      const batch = this.repeatRows;
      this.repeatRows = [];
      await this.send(() => this.repo.stageAffected(batch, this.target, true));
    }
    if (this.pendingKept.length > 0) {
      const batch = this.pendingKept;
      this.pendingKept = [];
      await this.send(() => this.repo.stageKept(batch));
    }
    if (this.enrichments.size > 0) {
      const batch = [...this.enrichments.values()];
      this.enrichments.clear();
      await this.send(() => this.repo.stageEnrichments(batch));
    }
  }
}

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
import { versionKey, type FeedsRepository } from '../../db/repositories/feeds.repository.js';
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

type StagingRepo = Pick<FeedsRepository, 'stageAdvisories' | 'stagedAdvisories' | 'stageAffected' | 'stageEnrichments'>;

const ADVISORY_BATCH = 1000;
const ROW_BATCH = 10_000;
const ENRICHMENT_BATCH = 5000;

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

export class RecordSink {
  /** Winning version per advisory id (or CVE) so far. */
  private readonly versions = new Map<string, string>();
  private readonly advisories = new Map<string, { advisory: Advisory; version: string }>();
  private rows: { row: AffectedPackage; version: string }[] = [];
  private readonly enrichments = new Map<string, { enrichment: CveEnrichment; version: string; updatedAt: Date | null }>();
  private newestMs: number | null = null;
  /** Advisories and enrichments taken (each copy counts). */
  records = 0;

  constructor(
    private readonly repo: StagingRepo,
    readonly sourceId: string,
    readonly kind: SourceKind,
    readonly problems: ProblemLog,
  ) {}

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
    // Copies with the same version as one already staged (not pending) are merged with it: fetch those at once.
    const toFetch: string[] = [];
    for (const a of result.advisories) {
      const prev = this.versions.get(a.id);
      if (prev !== undefined && prev === versionKey(a.modified) && !this.advisories.has(a.id)) toFetch.push(a.id);
    }
    const staged = await this.repo.stagedAdvisories(toFetch);

    const taken = new Set<string>();
    for (const a of result.advisories) {
      const rows = rowsOf.get(a.id) ?? [];
      if (a.source !== this.sourceId) {
        this.problems.add(file, a.id, `belongs to source ${a.source}, not ${this.sourceId}; skipped with its ${rows.length} affected rows`);
        taken.add(a.id);
        continue;
      }
      taken.add(a.id);
      this.records++;
      const version = versionKey(a.modified);
      const prev = this.versions.get(a.id);
      if (prev !== undefined && version < prev) {
        this.problems.add(file, a.id, `an older copy (modified ${a.modified ?? 'unknown'}) than one already read; ignored`);
        continue;
      }
      let advisory = a;
      if (prev === version) {
        const other = this.advisories.get(a.id)?.advisory ?? staged.get(a.id);
        if (other !== undefined) advisory = mergeAdvisories({ ...other, source: a.source }, a);
      }
      this.versions.set(a.id, version);
      this.seeDate(versionKey(a.modified ?? a.published));
      this.advisories.set(a.id, { advisory, version });
      for (const row of rows) {
        if (row.source !== this.sourceId) {
          this.problems.add(file, a.id, `affected row of ${row.packageName} belongs to source ${row.source}; skipped`);
          continue;
        }
        this.rows.push({ row, version });
      }
    }
    for (const [id, rows] of rowsOf) {
      if (!taken.has(id)) this.problems.add(file, id, `${rows.length} affected rows name an advisory the document does not have; skipped`);
    }
    await this.maybeFlush();
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
      this.advisories.set(a.id, { advisory: a, version });
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
      this.rows.push({ row, version });
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
    if (this.advisories.size >= ADVISORY_BATCH || this.rows.length >= ROW_BATCH || this.enrichments.size >= ENRICHMENT_BATCH) await this.flush();
  }

  /** Writes what is pending to the staging tables. */
  async flush(): Promise<void> {
    if (this.advisories.size > 0) {
      const batch = [...this.advisories.values()];
      this.advisories.clear();
      await this.repo.stageAdvisories(batch);
    }
    if (this.rows.length > 0) {
      const batch = this.rows;
      this.rows = [];
      await this.repo.stageAffected(batch);
    }
    if (this.enrichments.size > 0) {
      const batch = [...this.enrichments.values()];
      this.enrichments.clear();
      await this.repo.stageEnrichments(batch);
    }
  }
}

/**
 * Imports feed files into the knowledge base: `importFiles` (the seam sync uses, one
 * source) and `importPaths` (`mamori feeds import PATH…`: any mix of files, directories
 * and archives, grouped by source by their content). See ./README.md for the semantics.
 */
import type { Clock } from '../../clock.js';
import type { FeedSourceRecord, FeedsRepository, ImportRecord } from '../../db/repositories/feeds.repository.js';
import { AppError, isAppError, type ErrorCode } from '../../errors.js';
import type { FeedStateStore, ImportFiles, ImportSummary } from '../sync-types.js';
import { readMembersOrStreams, streamBytes, DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './archive.js';
import { DbFeedStateStore } from './feed-state-store.js';
import { defaultFormatOf, detectHead, SOURCES, sourceKindOf, type FeedFormat } from './formats.js';
import { ProblemLog, RecordSink, type ImportProblem } from './record-sink.js';

export interface FeedImportRepos {
  feeds: FeedsRepository;
  transaction<T>(fn: (repos: { feeds: FeedsRepository }) => Promise<T>): Promise<T>;
}

/** What one source's import did. `problems` holds the first FEED_PROBLEMS_STORED; `problemCount` is the total. */
export interface FeedImportSummary extends ImportSummary {
  kind: 'advisories' | 'enrichments';
  problems: ImportProblem[];
  problemCount: number;
  /** Files (or archive members) read. */
  files: number;
  /** Records read (advisories and enrichments, every copy). */
  records: number;
  importId: string;
  newestRecordAt: Date | null;
  /** False when the source's rows are exactly as before. */
  changed: boolean;
}

export type SourceImportResult =
  | { sourceId: string; ok: true; summary: FeedImportSummary }
  | { sourceId: string; ok: false; files: number; error: { code: ErrorCode; message: string } };

export interface ImportPathsResult {
  sources: SourceImportResult[];
  /** Files not imported, and why (unknown format, nested archive…). */
  skipped: { file: string; reason: string }[];
}

export interface SourceInput {
  path: string;
  /** Only these entries of an archive. */
  entries?: ReadonlySet<string>;
}

export interface FeedSourceStatus extends FeedSourceRecord {
  kind: 'advisories' | 'enrichments' | null;
}

export interface FeedImportOptions {
  limits?: Partial<ArchiveLimits>;
  claimLeaseMs?: number;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A parser's error, said about the file it came from. */
function fileError(file: string, format: FeedFormat, e: unknown): AppError {
  if (isAppError(e)) {
    return new AppError(e.code, `${file}: ${e.message}`, { cause: e, details: { ...e.details, file } });
  }
  return new AppError('ERR_FEED_INVALID', `${file}: failed to parse ${format.name} document: ${errorText(e)}`, { cause: e, details: { file } });
}

export class FeedImportService {
  readonly state: FeedStateStore;
  private readonly limits: Partial<ArchiveLimits>;
  private readonly maxEntryBytes: number;

  constructor(
    private readonly repos: FeedImportRepos,
    private readonly clock: Clock,
    opts: FeedImportOptions = {},
  ) {
    this.state = new DbFeedStateStore(repos.feeds, opts.claimLeaseMs);
    this.limits = opts.limits ?? {};
    this.maxEntryBytes = this.limits.maxEntryBytes ?? DEFAULT_ARCHIVE_LIMITS.maxEntryBytes;
  }

  /**
   * `ImportFiles` (sync-types.ts): the files (directories, archives) of one source, in one
   * transaction, replacing the source's previous data; on failure the previous data stays
   * and the error is recorded in feed_sources / feed_imports, then thrown.
   */
  readonly importFiles: ImportFiles = (sourceId, paths) => this.importSource(sourceId, paths.map((path) => ({ path })));

  async importSource(sourceId: string, inputs: readonly SourceInput[]): Promise<FeedImportSummary> {
    const kind = sourceKindOf(sourceId);
    if (kind === undefined) {
      throw new AppError('ERR_VALIDATION', `unknown feed source "${sourceId}" (known: ${Object.keys(SOURCES).join(', ')})`);
    }
    if (inputs.length === 0) throw new AppError('ERR_VALIDATION', `no files given to import into ${sourceId}`);
    const fallback = defaultFormatOf(sourceId)!;
    return this.runImport(sourceId, 'files', async (sink) => {
      let files = 0;
      for (const input of inputs) {
        const opts = input.entries === undefined ? { limits: this.limits } : { limits: this.limits, entries: input.entries };
        for await (const item of readMembersOrStreams(input.path, opts)) {
          if (item.kind === 'skip') {
            sink.problems.add(item.name, '-', `not imported: ${item.reason}`);
            continue;
          }
          files++;
          const d = item.kind === 'member' ? detectHead(item.data, item.data) : detectHead(item.head, null);
          let format: FeedFormat;
          if ('skip' in d) {
            // Not recognizable: a truncated or broken download of this source. Its parser says what is wrong.
            format = fallback;
          } else if (d.sourceId !== sourceId) {
            sink.problems.add(item.name, '-', `is ${d.format.name} of source ${d.sourceId}, not ${sourceId}; not imported`);
            continue;
          } else {
            format = d.format;
          }
          let result;
          try {
            if (item.kind === 'member') result = format.parse(item.data, item.name);
            else if (format.parseStream !== undefined) result = await format.parseStream(item.open(), item.name);
            else result = format.parse(await streamBytes(item, this.maxEntryBytes), item.name);
          } catch (e) {
            throw fileError(item.name, format, e);
          }
          await sink.addResult(result, item.name);
        }
      }
      if (files === 0) {
        throw new AppError('ERR_FEED_INVALID', `no feed files found in ${inputs.map((i) => i.path).join(', ')}; the previous data of ${sourceId} is kept`);
      }
      return files;
    });
  }

  /**
   * `mamori feeds import PATH…`: reads every file (directories recursively, archives
   * entry by entry), detects its source by content, then imports each source found as
   * `importFiles` does. One source failing does not stop the others. Unsafe or unreadable
   * archives refuse the whole call before anything is written.
   */
  async importPaths(paths: readonly string[]): Promise<ImportPathsResult> {
    if (paths.length === 0) throw new AppError('ERR_VALIDATION', 'no paths given');
    const groups = new Map<string, Map<string, Set<string> | null>>();
    const skipped: { file: string; reason: string }[] = [];
    for (const path of paths) {
      for await (const item of readMembersOrStreams(path, { limits: this.limits })) {
        if (item.kind === 'skip') {
          skipped.push({ file: item.name, reason: item.reason });
          continue;
        }
        const d = item.kind === 'member' ? detectHead(item.data, item.data) : detectHead(item.head, null);
        if ('skip' in d) {
          skipped.push({ file: item.name, reason: d.skip });
          continue;
        }
        let group = groups.get(d.sourceId);
        if (group === undefined) {
          group = new Map();
          groups.set(d.sourceId, group);
        }
        if (item.entry === null) group.set(item.path, null);
        else {
          let entries = group.get(item.path);
          if (entries === undefined || entries === null) {
            entries = new Set();
            group.set(item.path, entries);
          }
          entries.add(item.entry);
        }
      }
    }
    const sources: SourceImportResult[] = [];
    for (const sourceId of [...groups.keys()].sort()) {
      const inputs = [...groups.get(sourceId)!].map(([path, entries]): SourceInput => (entries === null ? { path } : { path, entries }));
      try {
        sources.push({ sourceId, ok: true, summary: await this.importSource(sourceId, inputs) });
      } catch (e) {
        const err = isAppError(e) ? e : new AppError('ERR_INTERNAL', errorText(e), { cause: e });
        sources.push({ sourceId, ok: false, files: inputs.length, error: { code: err.code, message: err.message } });
      }
    }
    return { sources, skipped };
  }

  /**
   * Runs one source's import in one transaction: `produce` feeds the sink and returns the
   * number of files read; then the source's rows are made equal to what was staged, the
   * changed keys recorded, and the history and counts written. `finish` runs last inside
   * the transaction (bundles restore sync state there).
   */
  async runImport(
    sourceId: string,
    origin: 'files' | 'bundle',
    produce: (sink: RecordSink) => Promise<number>,
    finish?: (feeds: FeedsRepository) => Promise<void>,
  ): Promise<FeedImportSummary> {
    const kind = sourceKindOf(sourceId);
    if (kind === undefined) throw new AppError('ERR_VALIDATION', `unknown feed source "${sourceId}"`);
    const startedAt = this.clock.now();
    const problems = new ProblemLog();
    let files = 0;
    try {
      return await this.repos.transaction(async ({ feeds }) => {
        await feeds.lockSource(sourceId);
        const importId = await feeds.insertImport({ sourceId, origin, startedAt });
        await feeds.createStaging();
        // A first import writes straight to the tables; a re-import compares with what is stored.
        const direct = kind === 'advisories' && (await feeds.sourceIsEmpty(sourceId));
        const stored = kind === 'advisories' && !direct ? await feeds.storedAdvisoryHashes(sourceId) : new Map<string, string>();
        const sink = new RecordSink(feeds, sourceId, kind, problems, direct, stored);
        files = await produce(sink);
        await sink.flush();
        const now = this.clock.now();
        const applied = kind === 'advisories' ? await feeds.applyAdvisories(sourceId, direct) : await feeds.applyEnrichments(sourceId as 'nvd' | 'kev' | 'epss', now);
        let changedKeys = 0;
        if (kind === 'advisories' && applied.written > 0) {
          await feeds.lockKeyChanges();
          changedKeys = await feeds.updateKeyHashes(sourceId, importId, now);
        }
        const finishedAt = this.clock.now();
        await feeds.finishImport(importId, {
          finishedAt,
          files,
          advisories: applied.advisories,
          affected: applied.affected,
          enrichments: applied.enrichments,
          changedKeys,
          problemCount: problems.count,
          problems: problems.list,
        });
        await feeds.recordImportSuccess({
          sourceId,
          at: finishedAt,
          importId,
          advisories: applied.advisories,
          affected: applied.affected,
          enrichments: applied.enrichments,
          problems: problems.count,
          newestRecordAt: sink.newestRecordAt,
        });
        if (finish !== undefined) await finish(feeds);
        return {
          sourceId,
          kind,
          advisories: applied.advisories,
          affected: applied.affected,
          enrichments: applied.enrichments,
          problems: problems.list,
          problemCount: problems.count,
          changedKeys,
          files,
          records: sink.records,
          importId,
          newestRecordAt: sink.newestRecordAt,
          changed: applied.written > 0,
        };
      });
    } catch (e) {
      const err = isAppError(e) ? e : new AppError('ERR_INTERNAL', `import of ${sourceId} failed: ${errorText(e)}`, { cause: e });
      try {
        await this.repos.feeds.recordFailedImport({
          sourceId,
          origin,
          startedAt,
          finishedAt: this.clock.now(),
          files,
          problemCount: problems.count,
          problems: problems.list,
          error: `${err.code}: ${err.message}`,
        });
      } catch {
        /* the database itself failed: the original error says more */
      }
      throw err;
    }
  }

  async listSources(): Promise<FeedSourceStatus[]> {
    const rows = await this.repos.feeds.listSources();
    return rows.map((r) => ({ ...r, kind: sourceKindOf(r.sourceId) ?? null }));
  }

  listImports(opts: { sourceId?: string; limit: number }): Promise<ImportRecord[]> {
    return this.repos.feeds.listImports(opts);
  }
}

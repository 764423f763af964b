/**
 * Online sync of the feeds: for each planned source, claim it, download its
 * files (conditionally) into a staging directory, hand them to the importer,
 * and record the outcome. One source failing does not stop the others; staging
 * files are always removed. Archives (OSV `all.zip`, OVAL `.bz2`, EPSS `.gz`)
 * are handed over as downloaded: the importer reads them member by member with
 * the safety checks of `feeds/import/archive.ts` (traversal, links, bombs).
 *
 * A source with several URLs (Alpine secdb per branch, Red Hat OVAL per major)
 * is imported as a whole, because an import replaces the source's data: when
 * every URL answers 304 the source is not modified; once one URL changed, the
 * URLs that answered 304 are downloaded again without validators. A change in
 * the set of URLs (a new release in the fleet) counts as a change.
 *
 * Never two syncs of one source at once: `FeedStateStore.claim` across
 * processes, and a set of the sources syncing in this process.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { readCaFile, type FeedSyncSettings } from './fetch/config.js';
import { createHttpFetcher, redactUrl, type DownloadResult, type Fetcher, type HttpFetcherOptions } from './fetch/http.js';
import { fetchNvdPages } from './fetch/nvd.js';
import { catalogEntry, planSources, SOURCE_IDS, type FleetRelease, type PlannedDownload, type PlannedSource, type SourcePlan } from './sources.js';
import type { FeedStateStore, ImportFiles, ImportSummary, UrlValidators } from './sync-types.js';

/** A pino-compatible logger (Fastify's `app.log` fits). */
export interface SyncLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export const silentLogger: SyncLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export type SourceOutcome = 'imported' | 'not_modified' | 'busy' | 'skipped' | 'error';

export interface SourceSyncResult {
  sourceId: string;
  outcome: SourceOutcome;
  startedAt: Date;
  finishedAt: Date;
  /** What each URL answered (NVD: one entry per page). */
  downloads: { url: string; status: 'ok' | 'not_modified'; bytes: number }[];
  /** Files handed to the importer. */
  files: number;
  import: ImportSummary | null;
  /** Why it failed (`error`) or was left alone (`busy`, `skipped`). */
  message: string | null;
}

export interface NvdSyncOptions {
  /**
   * Fetch only CVEs modified since the last success (minus `overlapMs`). Needs an
   * importer that merges NVD records into the stored ones instead of replacing
   * them; off, a sync downloads the whole NVD (about 150 pages).
   */
  incremental?: boolean;
  overlapMs?: number;
  /**
   * Without `incremental`: the whole NVD at most this often (default 20 h), unless the
   * sync names `nvd` explicitly. NVD asks clients not to fetch everything repeatedly.
   */
  minFullIntervalMs?: number;
  requestDelayMs?: number;
  pageSize?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface SyncFeedsOptions {
  /** Only these source ids (default: every planned source). */
  sources?: readonly string[];
  plan: SourcePlan | (() => Promise<SourcePlan>);
  state: FeedStateStore;
  importFiles: ImportFiles;
  fetcher: Fetcher;
  clock: Clock;
  log: SyncLogger;
  /** Parent of the per-source staging directories (created if missing). */
  stagingDir: string;
  nvd?: NvdSyncOptions;
  /** Stops the sync: the current download fails, later sources are skipped. */
  signal?: AbortSignal;
}

/** Sources syncing in this process (the store's claim covers other processes). */
const syncing = new Set<string>();

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function slug(id: string): string {
  return id.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
}

/** Throws ERR_VALIDATION naming the known ids when one is not in the catalog. */
export function checkSourceIds(ids: readonly string[]): void {
  const unknown = ids.filter((id) => catalogEntry(id) === undefined);
  if (unknown.length > 0) {
    throw new AppError('ERR_VALIDATION', `unknown feed source ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${SOURCE_IDS.join(', ')}`, {
      details: { unknown, known: SOURCE_IDS },
    });
  }
}

type OkDownload = Extract<DownloadResult, { status: 'ok' }>;

interface FilesOutcome {
  notModified: boolean;
  validators: Record<string, UrlValidators>;
  ok: { download: PlannedDownload; result: OkDownload }[];
  log: SourceSyncResult['downloads'];
}

async function fetchFiles(
  downloads: readonly PlannedDownload[],
  previous: Record<string, UrlValidators>,
  dir: string,
  fetcher: Fetcher,
  signal: AbortSignal | undefined,
): Promise<FilesOutcome> {
  const urls = downloads.map((d) => d.url);
  const prevUrls = Object.keys(previous);
  let changed = prevUrls.length !== urls.length || !urls.every((u) => Object.hasOwn(previous, u));
  const ok = new Map<string, OkDownload>();
  const validators: Record<string, UrlValidators> = {};
  const log: SourceSyncResult['downloads'] = [];
  const get = (d: PlannedDownload, conditional: boolean): Promise<DownloadResult> =>
    fetcher.download({
      url: d.url,
      dest: join(dir, d.file),
      validators: conditional ? (previous[d.url] ?? null) : null,
      maxBytes: d.maxBytes,
      acceptGzip: d.acceptGzip,
      ...(signal === undefined ? {} : { signal }),
    });

  for (const d of downloads) {
    const r = await get(d, !changed);
    if (r.status === 'not-modified') {
      validators[d.url] = r.validators;
      log.push({ url: redactUrl(d.url), status: 'not_modified', bytes: 0 });
      continue;
    }
    changed = true;
    ok.set(d.url, r);
  }
  if (!changed) return { notModified: true, validators, ok: [], log };
  // Something changed: the import needs every file, so fetch the ones that answered 304.
  for (const d of downloads) {
    if (ok.has(d.url)) continue;
    const r = await get(d, false);
    if (r.status !== 'ok') throw new Error(`${redactUrl(d.url)} answered 304 to an unconditional request`);
    ok.set(d.url, r);
  }
  const results = downloads.map((d) => ({ download: d, result: ok.get(d.url)! }));
  return {
    notModified: false,
    validators: Object.fromEntries(results.map((x) => [x.download.url, x.result.validators])),
    ok: results,
    log: results.map((x) => ({ url: redactUrl(x.download.url), status: 'ok' as const, bytes: x.result.bytes })),
  };
}

async function syncOne(src: PlannedSource, opts: SyncFeedsOptions, startedAt: Date): Promise<SourceSyncResult> {
  const { state, clock, log } = opts;
  const base = { sourceId: src.id, startedAt, downloads: [] as SourceSyncResult['downloads'], files: 0, import: null, message: null };
  let dir: string | undefined;
  try {
    const prev = await state.get(src.id);
    await mkdir(opts.stagingDir, { recursive: true });
    dir = await mkdtemp(join(opts.stagingDir, `${slug(src.id)}-`));

    let paths: string[];
    let validators: Record<string, UrlValidators>;
    let downloads: SourceSyncResult['downloads'];
    if (src.fetch.kind === 'nvd-api') {
      const n = opts.nvd ?? {};
      const last = prev.lastSuccessAt;
      const window = n.incremental === true && last !== null ? { start: new Date(last.getTime() - (n.overlapMs ?? 3600_000)), end: startedAt } : null;
      const got = await fetchNvdPages({
        endpoint: src.fetch.endpoint,
        apiKey: src.fetch.apiKey,
        maxBytes: src.fetch.maxBytes,
        dir,
        window,
        fetcher: opts.fetcher,
        ...(n.pageSize === undefined ? {} : { pageSize: n.pageSize }),
        ...(n.requestDelayMs === undefined ? {} : { requestDelayMs: n.requestDelayMs }),
        ...(n.sleep === undefined ? {} : { sleep: n.sleep }),
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      });
      downloads = got.pages.map((p) => ({ url: redactUrl(p.url), status: 'ok' as const, bytes: p.bytes }));
      validators = {};
      if (window !== null && got.cves === 0) {
        await state.finish(src.id, { ok: true, at: startedAt, validators, notModified: true });
        log.info({ source: src.id }, 'feed sync: no CVE modified since the last sync');
        return { ...base, outcome: 'not_modified', finishedAt: clock.now(), downloads };
      }
      paths = got.pages.map((p) => p.path);
    } else {
      const got = await fetchFiles(src.fetch.downloads, prev.validators, dir, opts.fetcher, opts.signal);
      downloads = got.log;
      validators = got.validators;
      if (got.notModified) {
        await state.finish(src.id, { ok: true, at: startedAt, validators, notModified: true });
        log.info({ source: src.id, urls: downloads.length }, 'feed sync: not modified');
        return { ...base, outcome: 'not_modified', finishedAt: clock.now(), downloads };
      }
      // Archives (OSV all.zip, OVAL .bz2, EPSS .gz) go to the importer as downloaded: it reads
      // them member by member with the archive safety checks of feeds/import/archive.ts.
      paths = got.ok.map((x) => x.result.path);
    }

    const summary = await opts.importFiles(src.id, paths);
    await state.finish(src.id, { ok: true, at: startedAt, validators, notModified: false });
    log.info(
      {
        source: src.id,
        files: paths.length,
        advisories: summary.advisories,
        affected: summary.affected,
        enrichments: summary.enrichments,
        problems: summary.problems.length,
        changedKeys: summary.changedKeys,
      },
      'feed sync: imported',
    );
    return { ...base, outcome: 'imported', finishedAt: clock.now(), downloads, files: paths.length, import: summary };
  } catch (e) {
    const message = messageOf(e);
    log.error({ source: src.id, err: e }, `feed sync of ${src.id} failed: ${message}`);
    try {
      await state.finish(src.id, { ok: false, at: clock.now(), error: message });
    } catch (fe) {
      log.error({ source: src.id, err: fe }, `could not record the failed sync of ${src.id}`);
    }
    return { ...base, outcome: 'error', finishedAt: clock.now(), message };
  } finally {
    if (dir !== undefined) {
      await rm(dir, { recursive: true, force: true }).catch((e: unknown) => {
        log.warn({ source: src.id, err: e }, `could not remove the staging directory ${dir ?? ''}`);
      });
    }
  }
}

/** Why the whole NVD is not downloaded again now, or null. */
async function nvdFullTooSoon(src: PlannedSource, opts: SyncFeedsOptions, now: Date): Promise<string | null> {
  const n = opts.nvd ?? {};
  if (src.fetch.kind !== 'nvd-api' || n.incremental === true || (opts.sources ?? []).includes(src.id)) return null;
  const last = (await opts.state.get(src.id)).lastSuccessAt;
  const minFull = n.minFullIntervalMs ?? 20 * 3600_000;
  if (last === null || now.getTime() - last.getTime() >= minFull) return null;
  return `the whole NVD was downloaded at ${last.toISOString()}; the next full download is due ${Math.round(minFull / 3600_000)} h after that (sync nvd explicitly to force it)`;
}

/** Syncs the planned sources one after another and returns one result per source. */
export async function syncFeeds(opts: SyncFeedsOptions): Promise<SourceSyncResult[]> {
  if (opts.sources !== undefined) checkSourceIds(opts.sources);
  const plan = typeof opts.plan === 'function' ? await opts.plan() : opts.plan;
  const wanted = opts.sources === undefined ? null : new Set(opts.sources);
  const results: SourceSyncResult[] = [];
  const skip = (sourceId: string, message: string): void => {
    const at = opts.clock.now();
    results.push({ sourceId, outcome: 'skipped', startedAt: at, finishedAt: at, downloads: [], files: 0, import: null, message });
  };
  for (const src of plan.sources) {
    if (wanted !== null && !wanted.has(src.id)) continue;
    if (opts.signal?.aborted === true) {
      skip(src.id, 'sync cancelled');
      continue;
    }
    const startedAt = opts.clock.now();
    try {
      const tooSoon = await nvdFullTooSoon(src, opts, startedAt);
      if (tooSoon !== null) {
        skip(src.id, tooSoon);
        continue;
      }
    } catch (e) {
      results.push({ sourceId: src.id, outcome: 'error', startedAt, finishedAt: opts.clock.now(), downloads: [], files: 0, import: null, message: `could not read the source's state: ${messageOf(e)}` });
      continue;
    }
    if (syncing.has(src.id)) {
      results.push({ sourceId: src.id, outcome: 'busy', startedAt, finishedAt: startedAt, downloads: [], files: 0, import: null, message: 'already syncing in this process' });
      continue;
    }
    syncing.add(src.id);
    try {
      let claimed: boolean;
      try {
        claimed = await opts.state.claim(src.id, startedAt);
      } catch (e) {
        opts.log.error({ source: src.id, err: e }, `could not claim ${src.id} for a sync`);
        results.push({ sourceId: src.id, outcome: 'error', startedAt, finishedAt: opts.clock.now(), downloads: [], files: 0, import: null, message: `could not claim the source: ${messageOf(e)}` });
        continue;
      }
      if (!claimed) {
        opts.log.info({ source: src.id }, 'feed sync: another sync holds the source');
        results.push({ sourceId: src.id, outcome: 'busy', startedAt, finishedAt: opts.clock.now(), downloads: [], files: 0, import: null, message: 'another sync holds the source' });
        continue;
      }
      results.push(await syncOne(src, opts, startedAt));
    } finally {
      syncing.delete(src.id);
    }
  }
  if (wanted !== null) {
    for (const id of opts.sources ?? []) {
      if (!plan.sources.some((s) => s.id === id)) skip(id, 'no host needs this source; add a release with MAMORI_FEED_EXTRA (e.g. almalinux:9)');
    }
  }
  return results;
}

export interface FeedSyncRunnerDeps {
  state: FeedStateStore;
  importFiles: ImportFiles;
  /** The fleet's (os-release ID, VERSION_ID) pairs (FleetRepository.releases). */
  fleetReleases: () => Promise<FleetRelease[]>;
  /** Read when a run starts (so a bad setting fails the sync, not the process). */
  settings: FeedSyncSettings | (() => FeedSyncSettings);
  stagingDir: string;
  clock: Clock;
  log: SyncLogger;
  /** Overrides for the HTTP client (tests shrink timeouts and backoff). */
  http?: Partial<Omit<HttpFetcherOptions, 'proxy' | 'caPem'>>;
  nvd?: NvdSyncOptions;
  /** Called after a run that imported something (wakes the match worker). */
  onImported?: () => void;
}

export interface FeedSyncRunner {
  plan(): Promise<SourcePlan>;
  /** `log` replaces the runner's logger for this run (a request's logger). */
  run(opts?: { sources?: readonly string[]; signal?: AbortSignal; log?: SyncLogger }): Promise<SourceSyncResult[]>;
}

/** The sync as the server and the CLI use it: plan from the fleet, a fresh HTTP client per run. */
export function createFeedSyncRunner(deps: FeedSyncRunnerDeps): FeedSyncRunner {
  const settings = (): FeedSyncSettings => (typeof deps.settings === 'function' ? deps.settings() : deps.settings);
  const plan = async (): Promise<SourcePlan> => planSources(await deps.fleetReleases(), settings().plan);
  return {
    plan,
    async run(opts = {}) {
      if (opts.sources !== undefined) checkSourceIds(opts.sources);
      const log = opts.log ?? deps.log;
      const s = settings();
      const caPem = s.caFile === null ? null : await readCaFile(s.caFile);
      const fetcher = createHttpFetcher({
        ...deps.http,
        proxy: s.proxy,
        caPem,
        onRetry: ({ url, attempt, delayMs, error }) => {
          log.warn({ url: redactUrl(url), attempt, delayMs, reason: error.reason, status: error.status }, `feed download failed (${error.message}); retrying in ${delayMs} ms`);
        },
      });
      try {
        const results = await syncFeeds({
          plan: async () => planSources(await deps.fleetReleases(), s.plan),
          state: deps.state,
          importFiles: deps.importFiles,
          fetcher,
          clock: deps.clock,
          log,
          stagingDir: deps.stagingDir,
          ...(opts.sources === undefined ? {} : { sources: opts.sources }),
          ...(opts.signal === undefined ? {} : { signal: opts.signal }),
          ...(deps.nvd === undefined ? {} : { nvd: deps.nvd }),
        });
        if (results.some((r) => r.outcome === 'imported')) deps.onImported?.();
        return results;
      } finally {
        await fetcher.close();
      }
    },
  };
}

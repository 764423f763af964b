/**
 * The seam between fetching feeds (src/feeds/fetch/, sources.ts, sync.ts) and
 * storing them (feed import service, repositories). Fetching writes upstream
 * bytes to files; importing reads files, whether they came from the network,
 * a local mirror, or an offline copy (`mamori feeds import PATH…`).
 */

/** Validators from the last successful download of one URL (conditional requests). */
export interface UrlValidators {
  etag: string | null;
  lastModified: string | null;
}

export interface SourceState {
  /** Per URL, what the last successful download returned. */
  validators: Record<string, UrlValidators>;
  lastSuccessAt: Date | null;
}

/** Persistent per-source sync bookkeeping, implemented over the database. */
export interface FeedStateStore {
  get(sourceId: string): Promise<SourceState>;
  /**
   * Claims the source for one sync (never two syncs of one source at once, also across
   * server processes). Returns false when another sync holds it.
   */
  claim(sourceId: string, now: Date): Promise<boolean>;
  /** Records the outcome and releases the claim. */
  finish(
    sourceId: string,
    outcome:
      | { ok: true; at: Date; validators: Record<string, UrlValidators>; notModified: boolean }
      | { ok: false; at: Date; error: string },
  ): Promise<void>;
}

export interface ImportSummary {
  sourceId: string;
  advisories: number;
  affected: number;
  enrichments: number;
  problems: { record: string; message: string }[];
  /** (distro, release, package) keys whose advisory data changed: what matching re-evaluates. */
  changedKeys: number;
}

/** Imports files of one source atomically (all or nothing), replacing that source's previous data. */
export type ImportFiles = (sourceId: string, paths: string[]) => Promise<ImportSummary>;

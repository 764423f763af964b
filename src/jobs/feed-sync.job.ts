/**
 * The feed sync schedule of `mamori serve`: a first run shortly after start (at a
 * random moment in the first minutes, so a fleet of restarted servers does not hit
 * the upstreams at once), then one run every `intervalHours` (±5 %), never two at
 * once. `intervalHours` 0 disables it (air-gapped servers import bundles instead).
 * `stop()` cancels a running sync (its current download fails, the rest is
 * skipped), waits for it to finish recording, and clears the timer.
 */
import type { SourceSyncResult, SyncLogger } from '../feeds/sync.js';

export const DEFAULT_FEED_SYNC_INTERVAL_HOURS = 6;

export interface FeedSyncJobOptions {
  run: (signal: AbortSignal) => Promise<SourceSyncResult[]>;
  /** Hours between runs; 0 (or less) disables the schedule. */
  intervalHours: number;
  log: SyncLogger;
  /** The first run starts at a random moment in this range after start. Default 30 s to 3 min. */
  firstRunMs?: { min: number; max: number };
  random?: () => number;
  /** Replaces `intervalHours` (tests). */
  intervalMs?: number;
}

export interface FeedSyncJob {
  readonly enabled: boolean;
  /** When the next run starts (null while one runs, or when disabled or stopped). */
  nextRunAt(): Date | null;
  stop(): Promise<void>;
}

/** Parses `--feed-sync-interval` / MAMORI_FEED_SYNC_INTERVAL_HOURS: hours ≥ 0, fractions allowed. */
export function parseIntervalHours(v: string, what = 'feed sync interval'): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`${what} must be a number of hours ≥ 0 (0 disables), not "${v}"`);
  return n;
}

export function startFeedSyncJob(opts: FeedSyncJobOptions): FeedSyncJob {
  if (!(opts.intervalHours > 0) && opts.intervalMs === undefined) {
    opts.log.info({}, 'feed sync schedule disabled');
    return { enabled: false, nextRunAt: () => null, stop: () => Promise.resolve() };
  }
  const random = opts.random ?? Math.random;
  const intervalMs = opts.intervalMs ?? opts.intervalHours * 3600_000;
  const first = opts.firstRunMs ?? { min: 30_000, max: 180_000 };
  const abort = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  let next: Date | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;

  const schedule = (ms: number): void => {
    if (stopped) return;
    next = new Date(Date.now() + ms);
    timer = setTimeout(tick, ms);
    timer.unref();
  };

  const tick = (): void => {
    timer = null;
    next = null;
    running = (async () => {
      const started = Date.now();
      try {
        const results = await opts.run(abort.signal);
        const count = (o: SourceSyncResult['outcome']): number => results.filter((r) => r.outcome === o).length;
        const failed = results.filter((r) => r.outcome === 'error').map((r) => r.sourceId);
        const summary = { imported: count('imported'), notModified: count('not_modified'), busy: count('busy'), skipped: count('skipped'), failed, ms: Date.now() - started };
        if (failed.length > 0) opts.log.warn(summary, `scheduled feed sync finished; failed: ${failed.join(', ')}`);
        else opts.log.info(summary, 'scheduled feed sync finished');
      } catch (e) {
        opts.log.error({ err: e }, `scheduled feed sync failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    })().finally(() => {
      running = null;
      schedule(Math.round(intervalMs * (0.95 + random() * 0.1)));
    });
  };

  const firstMs = Math.round(first.min + random() * Math.max(0, first.max - first.min));
  schedule(firstMs);
  opts.log.info({ firstRunInMs: firstMs, intervalMs }, `feed sync scheduled every ${+(intervalMs / 3600_000).toFixed(2)} h`);

  return {
    enabled: true,
    nextRunAt: () => next,
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      next = null;
      abort.abort();
      await running;
    },
  };
}

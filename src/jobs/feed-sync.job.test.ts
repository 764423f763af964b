import { describe, expect, it } from 'vitest';
import type { SourceSyncResult, SyncLogger } from '../feeds/sync.js';
import { parseIntervalHours, startFeedSyncJob } from './feed-sync.job.js';

function logger(): SyncLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (_o, m) => lines.push(`info ${m}`), warn: (_o, m) => lines.push(`warn ${m}`), error: (_o, m) => lines.push(`error ${m}`) };
}

const result = (sourceId: string, outcome: SourceSyncResult['outcome']): SourceSyncResult => ({
  sourceId,
  outcome,
  startedAt: new Date(0),
  finishedAt: new Date(0),
  downloads: [],
  files: 0,
  import: null,
  message: null,
});

describe('feed sync job', () => {
  it('is off with interval 0', async () => {
    const log = logger();
    let runs = 0;
    const job = startFeedSyncJob({ intervalHours: 0, log, run: () => Promise.resolve([result('kev', 'imported')]).finally(() => runs++) });
    expect(job.enabled).toBe(false);
    await new Promise((r) => setTimeout(r, 30));
    await job.stop();
    expect(runs).toBe(0);
    expect(log.lines).toEqual(['info feed sync schedule disabled']);
  });

  it('runs first after a jittered delay, then on the interval, one run at a time, and logs failures', async () => {
    const log = logger();
    const starts: number[] = [];
    let active = 0;
    let maxActive = 0;
    const t0 = Date.now();
    const job = startFeedSyncJob({
      intervalHours: 6,
      intervalMs: 40,
      firstRunMs: { min: 20, max: 30 },
      random: () => 0.5,
      log,
      run: async () => {
        starts.push(Date.now() - t0);
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 30)); // longer than nothing, shorter than the interval
        active--;
        return [result('kev', 'imported'), result('nvd', 'error')];
      },
    });
    expect(job.nextRunAt()).not.toBeNull();
    await new Promise((r) => setTimeout(r, 230));
    await job.stop();
    expect(starts.length).toBeGreaterThanOrEqual(2);
    expect(starts[0]).toBeGreaterThanOrEqual(20);
    // the interval counts from the end of a run: runs never overlap
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(30 + 38);
    expect(maxActive).toBe(1);
    expect(log.lines).toContain('warn scheduled feed sync finished; failed: nvd');
  });

  it('stop() aborts the running sync and waits for it', async () => {
    let sawAbort = false;
    let finished = false;
    const job = startFeedSyncJob({
      intervalHours: 1,
      firstRunMs: { min: 0, max: 0 },
      log: logger(),
      run: (signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            sawAbort = true;
            setTimeout(() => {
              finished = true;
              resolve([result('kev', 'error')]);
            }, 20);
          });
        }),
    });
    await new Promise((r) => setTimeout(r, 20));
    await job.stop();
    expect(sawAbort).toBe(true);
    expect(finished).toBe(true);
    expect(job.nextRunAt()).toBeNull();
  });

  it('parses intervals', () => {
    expect(parseIntervalHours('6')).toBe(6);
    expect(parseIntervalHours('0.5')).toBe(0.5);
    expect(parseIntervalHours('0')).toBe(0);
    expect(() => parseIntervalHours('-1')).toThrow(/≥ 0/);
    expect(() => parseIntervalHours('six')).toThrow();
  });
});

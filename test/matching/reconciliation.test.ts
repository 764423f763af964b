/**
 * The periodic full reconciliation: queued once per interval across processes,
 * run as slices of hosts (each its own job, the next queued as the previous one
 * completes), restoring findings that drifted from the advisory data. Hosts are
 * the real AlmaLinux 8 inventory under several names, the feed a real subset of
 * the AlmaLinux 8 OSV records.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { MatchJobsRepository } from '../../src/db/repositories/match-jobs.repository.js';
import { MatchWorker } from '../../src/jobs/match.worker.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { runCli, startServe } from '../helpers/cli.js';
import { HAS_SHARED_DATA, SHARED_DATA } from '../helpers/shared-data.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const ALSA8 = join(SHARED_DATA, 'osv/almalinux/almalinux8');

describe.skipIf(!HAS_SHARED_DATA)('full reconciliation', () => {
  let t: TestApp;
  let feedDir: string;
  const hostIds: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    // The ALSA 8 records about a few packages the host has: enough findings, a quick import.
    feedDir = mkdtempSync(join(tmpdir(), 'mamori-reconcile-'));
    for (const f of readdirSync(ALSA8)) {
      const text = readFileSync(join(ALSA8, f), 'utf8');
      if (/"name": ?"(bzip2|sudo|openssl|expat|libxml2)"/.test(text)) cpSync(join(ALSA8, f), join(feedDir, f));
    }
    const r = await t.ctx.deps.feeds.importPaths([feedDir]);
    expect(r.sources.map((s) => s.ok)).toEqual([true]);
    const base = JSON.parse(readFileSync(join(SHARED_DATA, 'inventories/vuls-scan-results/alma_8.json'), 'utf8')) as Record<string, unknown>;
    for (let i = 0; i < 5; i++) {
      const s = await t.ctx.deps.ingest.ingestUpload({ ...structuredClone(base), serverName: `alma8-${i}` }, 'test');
      hostIds.push(s.hostId);
    }
    await new MatchWorker(t.ctx.repos.matchJobs, t.ctx.deps.matching, silent).drain();
  });
  afterAll(async () => {
    await t.close();
    rmSync(feedDir, { recursive: true, force: true });
  });

  const fullJobs = () =>
    t.db.db.selectFrom('match_jobs').select(['state', 'payload', 'locked_by']).where('kind', '=', 'full').orderBy('id').execute();
  const backdate = (hours: number) =>
    sql`update match_schedule set last_queued_at = now() - ${`${hours} hours`}::interval where name = 'full_reconciliation'`.execute(t.db.db);
  const findings = () =>
    t.db.db
      .selectFrom('findings')
      .select(['host_id', 'vulnerability', 'package_name', 'arch', 'state', 'installed_version', 'fixed_version', 'fix_state', 'severity', 'resolution'])
      .orderBy('host_id')
      .orderBy('vulnerability')
      .orderBy('package_name')
      .execute();

  it('is queued once per interval, never while one is still pending, and once across processes', async () => {
    const jobs = t.ctx.repos.matchJobs;
    const day = 24 * 3600_000;
    await t.db.db.deleteFrom('match_jobs').where('kind', '=', 'full').execute();
    // The schedule starts at migration time: nothing is due yet.
    expect(await jobs.enqueueReconciliationIfDue(day)).toBe(false);
    await backdate(25);
    // Several processes (on PostgreSQL: separate connections) ask at once: one job.
    const other = t.db.url === undefined ? undefined : await openDatabase({ url: t.db.url });
    try {
      const repos = [jobs, new MatchJobsRepository((other ?? t.db).db)];
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => repos[i % 2]!.enqueueReconciliationIfDue(day)));
      expect(answers.filter(Boolean)).toHaveLength(1);
    } finally {
      await other?.close();
    }
    expect(await fullJobs()).toEqual([{ state: 'pending', payload: { after: null }, locked_by: null }]);
    // Due again while the previous one has not run: no second job.
    await backdate(25);
    expect(await jobs.enqueueReconciliationIfDue(day)).toBe(false);
    expect(await fullJobs()).toHaveLength(1);
    await t.db.db.deleteFrom('match_jobs').where('kind', '=', 'full').execute();
  });

  it('runs in slices of hosts, each a job queuing the next, and restores drifted findings', async () => {
    const truth = await findings();
    expect(truth.length).toBeGreaterThan(20);
    // Drift: a finding deleted, one closed behind matching's back, one with a wrong fixed version.
    const [a, b, c] = await t.db.db.selectFrom('findings').select('id').where('host_id', 'in', [hostIds[1]!, hostIds[3]!]).orderBy('id').limit(3).execute();
    await t.db.db.deleteFrom('findings').where('id', '=', a!.id).execute();
    await t.db.db.updateTable('findings').set({ state: 'resolved', resolution: 'fixed', resolved_at: new Date() }).where('id', '=', b!.id).execute();
    await t.db.db.updateTable('findings').set({ fixed_version: '0:0-0' }).where('id', '=', c!.id).execute();
    expect(await findings()).not.toEqual(truth);

    const res = await t.app.inject({ method: 'POST', url: '/api/v1/match/reconcile', headers: t.local });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ queued: true });
    const worker = new MatchWorker(t.ctx.repos.matchJobs, t.ctx.deps.matching, silent, { reconcileSlice: 2 });
    expect(await worker.drain()).toBe(3);

    const sorted = [...hostIds].sort();
    expect((await fullJobs()).map((j) => [j.state, j.payload, j.locked_by])).toEqual([
      ['done', { after: null }, worker.id],
      ['done', { after: sorted[1] }, worker.id],
      ['done', { after: sorted[3] }, worker.id],
    ]);
    expect(await findings()).toEqual(truth);
    const changed = await t.db.db.selectFrom('finding_events').select('kind').where('cause', '=', 'reconciliation').execute();
    const openedByIt = await t.db.db.selectFrom('findings').select('id').where('opened_cause', '=', 'reconciliation').execute();
    expect([...changed.map((e) => e.kind), ...openedByIt.map(() => 'opened')].sort()).toEqual(['opened', 'reopened', 'updated']);
  });

  it('leaves the next slice to whoever took over a job whose lease ran out', async () => {
    const jobs = t.ctx.repos.matchJobs;
    await jobs.enqueueReconciliation();
    const mine = await jobs.claim('worker-a', 1);
    expect(mine).toMatchObject({ kind: 'full', after: null });
    await new Promise((r) => setTimeout(r, 20));
    const theirs = await jobs.claim('worker-b', 60_000);
    expect(theirs?.id).toBe(mine?.id);
    await jobs.complete(mine!.id, 'worker-a', { kind: 'full', after: hostIds[0]! });
    expect((await fullJobs()).filter((j) => j.state !== 'done')).toEqual([{ state: 'running', payload: { after: null }, locked_by: 'worker-b' }]);
    await jobs.complete(theirs!.id, 'worker-b', { kind: 'full', after: hostIds[0]! });
    expect((await fullJobs()).filter((j) => j.state !== 'done')).toEqual([{ state: 'pending', payload: { after: hostIds[0] }, locked_by: null }]);
    await t.db.db.deleteFrom('match_jobs').where('kind', '=', 'full').execute();
  });

  it('needs an administrator', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/match/reconcile' });
    expect(res.statusCode).toBe(401);
    expect(await fullJobs()).toEqual([]);
  });
});

describe('mamori serve schedules the reconciliation', () => {
  it('queues and runs one when its interval has passed, and `mamori reconcile` queues one now', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mamori-reconcile-serve-'));
    // 0.0005 h = 1.8 s after the schedule's start (the migration).
    const server = await startServe(['--data-dir', dir, '--reconcile-interval', '0.0005']);
    try {
      const deadline = Date.now() + 20_000;
      while (!/full reconciliation done/.test(server.log()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(server.log()).toMatch(/full reconciliation done/);
      const r = await runCli(['--data-dir', dir, 'reconcile']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/full reconciliation queued/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad interval', async () => {
    const r = await runCli(['serve', '--reconcile-interval', 'daily']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/reconcile interval must be a number of hours/);
  });
});

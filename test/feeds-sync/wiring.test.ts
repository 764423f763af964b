/**
 * The sync as users reach it: POST /api/v1/feeds/sync and GET /api/v1/feeds/sync/plan
 * (inject on a real app), `mamori feeds sync` in-process and through a running
 * server's socket, and the schedule flags of `mamori serve`. Every URL points at a
 * loopback origin through MAMORI_FEED_MIRROR.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { runCli, startServe } from '../helpers/cli.js';
import { HAS_SHARED_DATA, SHARED_DATA } from '../helpers/shared-data.js';
import { pathOf, sendWithValidators, startOrigin, type TestOrigin } from './helpers.js';

describe.skipIf(!HAS_SHARED_DATA)(`feed sync wiring (shared data in ${SHARED_DATA})`, () => {
  let origin: TestOrigin;
  let kevJson: Buffer;
  let work: string;
  let env: Record<string, string>;
  const saved = new Map<string, string | undefined>();

  beforeAll(async () => {
    kevJson = await readFile(join(SHARED_DATA, 'kev/known_exploited_vulnerabilities.json'));
    origin = await startOrigin((req, res) => {
      if (pathOf(req) === '/mirror/kev/known_exploited_vulnerabilities.json') sendWithValidators(req, res, kevJson, '"kev"', 'application/json');
      else {
        res.writeHead(404);
        res.end();
      }
    });
    work = await mkdtemp(join(tmpdir(), 'mamori-sync-wiring-'));
    env = {
      MAMORI_FEED_MIRROR: `${origin.url}/mirror`,
      MAMORI_FEED_STAGING_DIR: join(work, 'staging'),
      MAMORI_FEED_EXTRA: 'almalinux:9',
      HTTP_PROXY: '',
      HTTPS_PROXY: '',
      http_proxy: '',
      https_proxy: '',
    };
    for (const [k, v] of Object.entries(env)) {
      saved.set(k, process.env[k]);
      process.env[k] = v;
    }
  });

  afterAll(async () => {
    for (const [k, v] of saved) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
    await origin.close();
    await rm(work, { recursive: true, force: true });
  });

  describe('HTTP API', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(async () => {
      await t.close();
    });

    it('syncs the named sources for an admin and answers one result per source', async () => {
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/feeds/sync', headers: t.local, payload: { sources: ['kev'] } });
      expect(r.statusCode).toBe(200);
      const body = r.json<{ results: { sourceId: string; outcome: string; import: { enrichments: number } | null; downloads: { url: string }[] }[] }>();
      expect(body.results.map((x) => [x.sourceId, x.outcome])).toEqual([['kev', 'imported']]);
      expect(body.results[0]?.import?.enrichments).toBeGreaterThan(1000);
      expect(body.results[0]?.downloads.map((d) => d.url)).toEqual([`${origin.url}/mirror/kev/known_exploited_vulnerabilities.json`]);
      expect(await readdir(join(work, 'staging'))).toEqual([]);

      const again = await t.app.inject({ method: 'POST', url: '/api/v1/feeds/sync', headers: t.local, payload: { sources: ['kev'] } });
      expect(again.json<{ results: { outcome: string }[] }>().results.map((x) => x.outcome)).toEqual(['not_modified']);
    });

    it('rejects unknown sources, and callers that are not signed in', async () => {
      const bad = await t.app.inject({ method: 'POST', url: '/api/v1/feeds/sync', headers: t.local, payload: { sources: ['osv:Gentoo'] } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ code: string; message: string }>()).toMatchObject({ code: 'ERR_VALIDATION', message: expect.stringMatching(/unknown feed source "osv:Gentoo"/) as unknown });
      const anon = await t.app.inject({ method: 'POST', url: '/api/v1/feeds/sync', payload: {} });
      expect(anon.statusCode).toBe(401);
    });

    it('shows the plan: sources, why, and the URLs to mirror', async () => {
      const r = await t.app.inject({ method: 'GET', url: '/api/v1/feeds/sync/plan', headers: t.local });
      expect(r.statusCode).toBe(200);
      const plan = r.json<{ sources: { id: string; neededBy: string[]; origin: string; urls: string[] }[] }>();
      expect(plan.sources.map((s) => s.id)).toEqual(['osv:AlmaLinux', 'nvd', 'kev', 'epss']);
      expect(plan.sources[0]).toMatchObject({ neededBy: ['almalinux 9 (extra)'], origin: 'mirror', urls: [`${origin.url}/mirror/osv/AlmaLinux/all.zip`] });
    });
  });

  describe('CLI', () => {
    it('mamori feeds sync in-process: prints a table, exits 1 when a source failed', async () => {
      const dataDir = join(work, 'data-cli');
      const ok = await runCli(['--data-dir', dataDir, 'feeds', 'sync', 'kev'], { env });
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^SOURCE\s+OUTCOME/);
      expect(ok.stdout).toMatch(/\nkev\s+imported\s/);

      const failed = await runCli(['--data-dir', dataDir, 'feeds', 'sync', 'epss'], { env });
      expect(failed.code).toBe(1);
      expect(failed.stdout).toMatch(/\nepss\s+error\s.*answered 404/);
      expect(failed.stderr).toMatch(/1 of 1 feed sources failed to sync: epss \(ERR_FEED_FETCH\)/);
    }, 120_000);

    it('mamori serve schedules the sync, feeds sync goes through its socket, and a bad interval is a usage error', async () => {
      const dataDir = join(work, 'data-serve');
      const server = await startServe(['--data-dir', dataDir, '--feed-sync-interval', '12'], { ...env, MAMORI_ADMIN_PASSWORD: 'correct horse battery' });
      try {
        expect(server.log()).toMatch(/feed sync scheduled every 12 h/);
        const r = await runCli(['--data-dir', dataDir, 'feeds', 'sync', 'kev', '--json'], { env });
        expect(r.code).toBe(0);
        expect((JSON.parse(r.stdout) as { outcome: string }[]).map((x) => x.outcome)).toEqual(['imported']);
        expect(server.log()).toMatch(/feed sync: imported/);
      } finally {
        server.child.kill('SIGTERM');
        expect(await server.exited).toBe(0);
      }
      const bad = await runCli(['--data-dir', dataDir, 'serve', '--feed-sync-interval', 'often'], { env });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/feed sync interval must be a number of hours/);
    }, 120_000);
  });
});

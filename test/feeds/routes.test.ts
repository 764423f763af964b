/**
 * The feeds API through `inject()` on a real app and database, and the `mamori feeds`
 * CLI as a spawned process on an embedded data directory.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { REPO, runCli } from '../helpers/cli.js';
import { HAS_SHARED_DATA, SHARED_DATA } from '../helpers/shared-data.js';

const KEV = join(SHARED_DATA, 'kev/known_exploited_vulnerabilities.json');
const EPSS = join(SHARED_DATA, 'epss');
const ROCKY = join(SHARED_DATA, 'osv/rocky');

describe.skipIf(!HAS_SHARED_DATA)('feeds API', () => {
  let t: TestApp;
  let tmp: string;

  beforeAll(async () => {
    t = await createTestApp();
    tmp = await mkdtemp(join(tmpdir(), 'mamori-feeds-api-'));
  });

  afterAll(async () => {
    await t.close();
    await rm(tmp, { recursive: true, force: true });
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = t.local) =>
    t.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

  it('needs a signed-in user to read and an admin (or the local CLI) to import', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/feeds' })).statusCode).toBe(401);
    const r = await post('/api/v1/feeds/import-paths', { paths: [KEV] }, {});
    expect(r.statusCode).toBe(401);
    expect(r.json()).toMatchObject({ code: 'ERR_UNAUTHENTICATED' });
    expect((await post('/api/v1/feeds/import-paths', { paths: [] })).json()).toMatchObject({ statusCode: 400, code: 'ERR_VALIDATION' });
  });

  it('imports server paths, reports per source, and shows status and history', async () => {
    const broken = join(tmp, 'nvd-page.json');
    await writeFile(broken, '{"resultsPerPage": 2000, "totalResults": 1, "format": "NVD_CVE", "vulnerabilities": [');
    const r = await post('/api/v1/feeds/import-paths', { paths: [KEV, EPSS, ROCKY, broken, join(SHARED_DATA, 'README.md')] });
    expect(r.statusCode).toBe(200);
    const body = r.json<{ sources: { sourceId: string; ok: boolean; summary: { enrichments: number; advisories: number } | null; error: { code: string } | null }[]; skipped: { file: string; reason: string }[] }>();
    expect(body.sources.map((s) => [s.sourceId, s.ok])).toEqual([
      ['epss', true],
      ['kev', true],
      ['nvd', false],
      ['osv:Rocky Linux', true],
    ]);
    expect(body.sources[1]?.summary).toMatchObject({ enrichments: 1404 });
    expect(body.sources[2]?.error).toMatchObject({ code: 'ERR_FEED_INVALID' });
    expect(body.skipped).toEqual([{ file: join(SHARED_DATA, 'README.md'), reason: 'unrecognized content (not a known feed format)' }]);

    const status = await t.app.inject({ method: 'GET', url: '/api/v1/feeds', headers: t.local });
    expect(status.statusCode).toBe(200);
    const items = status.json<{ items: { sourceId: string; counts: Record<string, number>; lastError: string | null; lastSuccessAt: string | null; dataAgeSeconds: number | null; newestRecordAt: string | null }[] }>().items;
    const kev = items.find((i) => i.sourceId === 'kev')!;
    expect(kev).toMatchObject({ counts: { advisories: 0, affected: 0, enrichments: 1404, problems: 0 }, lastError: null, lastSuccessAt: '2026-11-25T09:00:00.000Z' });
    // KEV's newest entry was added 2025-08-25: the data is about 15 months old on the test clock.
    expect(kev.newestRecordAt).toBe('2025-08-25T00:00:00.000Z');
    expect(kev.dataAgeSeconds).toBe((Date.parse('2026-11-25T09:00:00Z') - Date.parse('2025-08-25T00:00:00Z')) / 1000);
    const nvd = items.find((i) => i.sourceId === 'nvd')!;
    expect(nvd).toMatchObject({ lastSuccessAt: null, counts: { enrichments: 0 } });
    expect(nvd.lastError).toMatch(/^ERR_FEED_INVALID: .*nvd-page\.json/);

    const history = await t.app.inject({ method: 'GET', url: '/api/v1/feeds/imports?source=nvd', headers: t.local });
    expect(history.json<{ items: unknown[] }>().items).toMatchObject([{ sourceId: 'nvd', status: 'failed', origin: 'files' }]);
  });

  it('refuses unsafe archives with 422 before importing anything', async () => {
    const tgz = join(tmp, 'evil.tgz');
    // A tar header naming ../evil.json, gzipped.
    const h = Buffer.alloc(1024);
    h.write('../evil.json', 0);
    h.write('0000644\0', 100);
    h.write('00000000002\0', 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h.subarray(0, 512)) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    h.write('{}', 512);
    const { gzipSync } = await import('node:zlib');
    await writeFile(tgz, gzipSync(Buffer.concat([h, Buffer.alloc(1024)])));
    const r = await post('/api/v1/feeds/import-paths', { paths: [KEV, tgz] });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE', message: expect.stringMatching(/\.\.\/evil\.json/) as unknown });
  });

  it('exports a bundle to a server path and imports it back', async () => {
    const file = join(tmp, 'feeds.tar.gz');
    const ex = await post('/api/v1/feeds/export-bundle', { path: file });
    expect(ex.statusCode).toBe(200);
    expect(ex.json<{ sources: { sourceId: string }[] }>().sources.map((s) => s.sourceId)).toEqual(['epss', 'kev', 'osv:Rocky Linux']);
    expect((await post('/api/v1/feeds/export-bundle', { path: file })).json()).toMatchObject({ statusCode: 409, code: 'ERR_CONFLICT' });
    expect((await post('/api/v1/feeds/export-bundle', { path: file, overwrite: true })).statusCode).toBe(200);
    const im = await post('/api/v1/feeds/import-bundle', { path: file });
    expect(im.statusCode).toBe(200);
    expect(im.json<{ sources: { ok: boolean; summary: { changed: boolean } }[] }>().sources.map((s) => [s.ok, s.summary.changed])).toEqual([
      [true, false],
      [true, false],
      [true, false],
    ]);
    const bad = join(tmp, 'not-a-bundle.tar.gz');
    await writeFile(bad, await readFile(KEV));
    expect((await post('/api/v1/feeds/import-bundle', { path: bad })).json()).toMatchObject({ statusCode: 422, code: 'ERR_BUNDLE_INVALID' });
  });
});

describe.skipIf(!HAS_SHARED_DATA)('mamori feeds (CLI)', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mamori-feeds-cli-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('imports paths (relative to its working directory), shows status, exports a bundle', async () => {
    // runCli runs in the repository: a relative path there must reach the server resolved.
    const r = await runCli(['feeds', 'import', relative(REPO, EPSS), ROCKY, '--data-dir', dataDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^epss: 33 enrichments from 2 files; updated$/m);
    expect(r.stdout).toMatch(/^osv:Rocky Linux: 3 advisories, 5 affected rows from 3 files; 5 package keys changed$/m);

    const s = await runCli(['feeds', 'status', '--json', '--data-dir', dataDir]);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject([
      { sourceId: 'epss', counts: { enrichments: 33 } },
      { sourceId: 'osv:Rocky Linux', counts: { advisories: 3, affected: 5 } },
    ]);

    const broken = join(dataDir, 'kev.json');
    await writeFile(broken, (await readFile(KEV)).subarray(0, 5000));
    const f = await runCli(['feeds', 'import', broken, '--data-dir', dataDir]);
    expect(f.code).toBe(1);
    expect(f.stdout).toMatch(/^kev: FAILED, previous data kept: .*not valid JSON/m);
    expect(f.stderr).toMatch(/1 of 1 sources failed to import: kev \(ERR_FEED_INVALID\)/);

    const e = await runCli(['feeds', 'export-bundle', join(dataDir, 'b.tar.gz'), '--data-dir', dataDir]);
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/^wrote .*b\.tar\.gz \(\d+ bytes, sha256 [0-9a-f]{64}\)/);
  });
});

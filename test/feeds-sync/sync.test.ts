/**
 * syncFeeds against a real HTTP origin on 127.0.0.1 serving real feed files from the
 * shared data: conditional requests, retries, timeouts, caps, hostile archives, claims.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { createHttpFetcher, type Fetcher, type HttpFetcherOptions } from '../../src/feeds/fetch/http.js';
import { planSources, type FleetRelease, type PlanOptions } from '../../src/feeds/sources.js';
import { silentLogger, syncFeeds, type SyncFeedsOptions } from '../../src/feeds/sync.js';
import { HAS_SHARED_DATA, SHARED_DATA } from '../helpers/shared-data.js';
import { MemoryStateStore, pathOf, recordingImport, sendWithValidators, startOrigin, storeZip, zipDirectory, type TestOrigin } from './helpers.js';

const NO_PROXY = { httpProxy: '', httpsProxy: '', noProxy: '' };

let almaZip: Buffer;
let almaCount: number;
let kevJson: Buffer;
let epssGz: Buffer;
const nvdPage = (name: string): Promise<Buffer> => readFile(join(SHARED_DATA, 'nvd/api-responses', name));

let staging: string;
let origin: TestOrigin | undefined;
let fetcher: Fetcher | undefined;
let sleeps: number[];

function fastFetcher(extra: Partial<HttpFetcherOptions> = {}): Fetcher {
  fetcher = createHttpFetcher({
    proxy: NO_PROXY,
    retries: 3,
    backoffBaseMs: 8,
    backoffMaxMs: 40,
    sleep: (ms) => {
      sleeps.push(ms);
      return new Promise((r) => setTimeout(r, Math.min(ms, 5)));
    },
    ...extra,
  });
  return fetcher;
}

function options(o: { fleet?: FleetRelease[]; plan?: PlanOptions; sources?: string[]; state: MemoryStateStore; importFiles: SyncFeedsOptions['importFiles']; fetcher: Fetcher }): SyncFeedsOptions {
  if (origin === undefined) throw new Error('no origin');
  return {
    plan: planSources(o.fleet ?? [{ distro: 'almalinux', release: '9.4' }], { mirror: origin.url, ...o.plan }),
    ...(o.sources === undefined ? {} : { sources: o.sources }),
    state: o.state,
    importFiles: o.importFiles,
    fetcher: o.fetcher,
    clock: fixedClock('2026-11-25T09:00:00Z'),
    log: silentLogger,
    stagingDir: staging,
    nvd: { incremental: true, requestDelayMs: 0, pageSize: 2 },
  };
}

describe.skipIf(!HAS_SHARED_DATA)(`feed sync over HTTP (shared data in ${SHARED_DATA})`, () => {
  beforeAll(async () => {
    ({ zip: almaZip, count: almaCount } = await zipDirectory(join(SHARED_DATA, 'osv/almalinux/almalinux9')));
    kevJson = await readFile(join(SHARED_DATA, 'kev/known_exploited_vulnerabilities.json'));
    epssGz = gzipSync(await readFile(join(SHARED_DATA, 'epss/epss_scores-vunnel-sample.csv')));
  });

  beforeEach(async () => {
    staging = await mkdtemp(join(tmpdir(), 'mamori-sync-test-'));
    sleeps = [];
  });

  afterEach(async () => {
    await fetcher?.close();
    fetcher = undefined;
    await origin?.close();
    origin = undefined;
    await rm(staging, { recursive: true, force: true });
  });

  it('imports every source on the first sync, then sends validators and records not-modified', async () => {
    origin = await startOrigin((req, res) => {
      const p = pathOf(req);
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      if (p === '/osv/AlmaLinux/all.zip') { sendWithValidators(req, res, almaZip, '"alma-1"', 'application/zip'); return; }
      if (p === '/kev/known_exploited_vulnerabilities.json') { sendWithValidators(req, res, kevJson, '"kev-1"', 'application/json'); return; }
      if (p === '/epss/epss_scores-current.csv.gz') {
        res.writeHead(302, { location: '/epss/epss_scores-2025-02-20.csv.gz' });
        return res.end();
      }
      if (p === '/epss/epss_scores-2025-02-20.csv.gz') { sendWithValidators(req, res, epssGz, '"epss-1"', 'application/gzip'); return; }
      if (p === '/nvd/2.0') {
        const name = q.has('lastModStartDate')
          ? 'vuln-list-update-emptyResp.json'
          : q.get('startIndex') === '0'
            ? 'vuln-list-update-respPage1.json'
            : 'vuln-list-update-respPage2.json';
        void nvdPage(name).then((b) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(b);
        });
        return undefined;
      }
      res.writeHead(404);
      res.end();
      return undefined;
    });
    const state = new MemoryStateStore();
    const imp = recordingImport();
    const first = await syncFeeds(options({ state, importFiles: imp.importFiles, fetcher: fastFetcher() }));

    expect(first.map((r) => [r.sourceId, r.outcome, r.message])).toEqual([
      ['osv:AlmaLinux', 'imported', null],
      ['nvd', 'imported', null],
      ['kev', 'imported', null],
      ['epss', 'imported', null],
    ]);
    const bySource = new Map(imp.calls.map((c) => [c.sourceId, c]));
    // the zip goes to the importer as downloaded; every record in it is read and parsed
    expect(bySource.get('osv:AlmaLinux')).toMatchObject({ files: ['all.zip'], members: almaCount, advisories: almaCount });
    expect(bySource.get('kev')?.enrichments).toBe((JSON.parse(kevJson.toString('utf8')) as { vulnerabilities: unknown[] }).vulnerabilities.length);
    expect(bySource.get('epss')?.enrichments).toBeGreaterThan(0);
    expect(bySource.get('nvd')).toMatchObject({ files: ['nvd-000-0000000.json', 'nvd-000-0000002.json'], enrichments: 3 });
    expect(first.find((r) => r.sourceId === 'nvd')?.downloads).toHaveLength(2);
    expect(origin.requests.every((r) => r.headers['user-agent'] === 'mamori/0.1.0')).toBe(true);
    const nvdFull = origin.requests.filter((r) => r.url.startsWith('/nvd/'));
    expect(nvdFull.map((r) => new URL(r.url, 'http://x').searchParams.get('startIndex'))).toEqual(['0', '2']);
    expect(nvdFull.every((r) => !r.url.includes('lastModStartDate'))).toBe(true);
    expect(state.states.get('osv:AlmaLinux')?.validators).toEqual({
      [`${origin.url}/osv/AlmaLinux/all.zip`]: { etag: '"alma-1"', lastModified: 'Tue, 25 Nov 2025 10:00:00 GMT' },
    });
    expect(await readdir(staging)).toEqual([]);

    origin.requests.length = 0;
    const second = await syncFeeds(options({ state, importFiles: imp.importFiles, fetcher: fetcher! }));
    expect(second.map((r) => [r.sourceId, r.outcome])).toEqual([
      ['osv:AlmaLinux', 'not_modified'],
      ['nvd', 'not_modified'],
      ['kev', 'not_modified'],
      ['epss', 'not_modified'],
    ]);
    expect(imp.calls).toHaveLength(4);
    const zipReq = origin.requests.find((r) => r.url === '/osv/AlmaLinux/all.zip');
    expect(zipReq?.headers['if-none-match']).toBe('"alma-1"');
    expect(zipReq?.headers['if-modified-since']).toBe('Tue, 25 Nov 2025 10:00:00 GMT');
    const nvdInc = new URL(origin.requests.find((r) => r.url.startsWith('/nvd/'))?.url ?? '', 'http://x').searchParams;
    // incremental since the last success (minus an hour of overlap), up to now
    expect(nvdInc.get('lastModStartDate')).toBe('2026-11-25T08:00:00.000+00:00');
    expect(nvdInc.get('lastModEndDate')).toBe('2026-11-25T09:00:00.000+00:00');
    expect(state.finished.filter((f) => f.notModified === true).map((f) => f.sourceId)).toEqual(['osv:AlmaLinux', 'nvd', 'kev', 'epss']);
    expect(await readdir(staging)).toEqual([]);
  });

  it('waits as long as Retry-After says after a 429, then succeeds', async () => {
    let n = 0;
    origin = await startOrigin((req, res) => {
      if (n++ === 0) {
        res.writeHead(429, { 'retry-after': '2' });
        res.end();
        return;
      }
      sendWithValidators(req, res, kevJson, '"k"');
    });
    const imp = recordingImport();
    const [r] = await syncFeeds(options({ sources: ['kev'], state: new MemoryStateStore(), importFiles: imp.importFiles, fetcher: fastFetcher() }));
    expect(r?.outcome).toBe('imported');
    expect(origin.requests).toHaveLength(2);
    expect(sleeps).toEqual([2000]);
  });

  it('gives up when Retry-After asks for longer than it may wait', async () => {
    origin = await startOrigin((_req, res) => {
      res.writeHead(503, { 'retry-after': '3600' });
      res.end();
    });
    const [r] = await syncFeeds(options({ sources: ['kev'], state: new MemoryStateStore(), importFiles: recordingImport().importFiles, fetcher: fastFetcher({ maxRetryAfterMs: 60_000 }) }));
    expect(r?.outcome).toBe('error');
    expect(r?.message).toMatch(/answered 503; it asks to retry after 3600 s/);
    expect(origin.requests).toHaveLength(1);
  });

  it('retries 503 twice with growing jittered backoff, then succeeds', async () => {
    let n = 0;
    origin = await startOrigin((req, res) => {
      if (n++ < 2) {
        res.writeHead(503);
        res.end('busy');
        return;
      }
      sendWithValidators(req, res, kevJson, '"k"');
    });
    const [r] = await syncFeeds(options({ sources: ['kev'], state: new MemoryStateStore(), importFiles: recordingImport().importFiles, fetcher: fastFetcher() }));
    expect(r?.outcome).toBe('imported');
    expect(origin.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(4);
    expect(sleeps[0]).toBeLessThanOrEqual(8);
    expect(sleeps[1]).toBeGreaterThanOrEqual(8);
    expect(sleeps[1]).toBeLessThanOrEqual(16);
  });

  it('does not retry a 404', async () => {
    origin = await startOrigin((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    const state = new MemoryStateStore();
    const [r] = await syncFeeds(options({ sources: ['kev'], state, importFiles: recordingImport().importFiles, fetcher: fastFetcher() }));
    expect(r).toMatchObject({ outcome: 'error', message: `${origin.url}/kev/known_exploited_vulnerabilities.json answered 404` });
    expect(origin.requests).toHaveLength(1);
    expect(state.finished).toEqual([{ sourceId: 'kev', ok: false, error: r?.message }]);
    expect(state.claims.size).toBe(0);
  });

  it('sends mirror credentials as Basic auth, only to the mirror, and keeps them out of messages', async () => {
    origin = await startOrigin((req, res) => {
      if (pathOf(req).startsWith('/kev/')) {
        res.writeHead(302, { location: '/moved/kev.json' });
        res.end();
        return;
      }
      res.writeHead(403);
      res.end();
    });
    const mirror = origin.url.replace('http://', 'http://mirror%40corp:s3cr%3At@');
    const [r] = await syncFeeds({
      ...options({ sources: ['kev'], state: new MemoryStateStore(), importFiles: recordingImport().importFiles, fetcher: fastFetcher() }),
      plan: planSources([], { mirror }),
    });
    const basic = `Basic ${Buffer.from('mirror@corp:s3cr:t').toString('base64')}`;
    expect(origin.requests.map((x) => [x.url, x.headers.authorization])).toEqual([
      ['/kev/known_exploited_vulnerabilities.json', basic],
      ['/moved/kev.json', basic], // same origin: still the mirror
    ]);
    expect(r?.outcome).toBe('error');
    expect(r?.message).toBe(`${origin.url}/moved/kev.json answered 403`);
  });

  it('records a timeout on a hanging server and still syncs the next source', async () => {
    origin = await startOrigin((req, res) => {
      if (pathOf(req).startsWith('/kev/')) return; // accept, never answer
      sendWithValidators(req, res, epssGz, '"e"');
    });
    const state = new MemoryStateStore();
    const imp = recordingImport();
    const started = Date.now();
    const results = await syncFeeds(
      options({ sources: ['kev', 'epss'], state, importFiles: imp.importFiles, fetcher: fastFetcher({ headersTimeoutMs: 150, retries: 1 }) }),
    );
    expect(results.map((r) => [r.sourceId, r.outcome])).toEqual([
      ['kev', 'error'],
      ['epss', 'imported'],
    ]);
    expect(results[0]?.message).toMatch(/sent no response within 150 ms/);
    expect(origin.requests.filter((r) => r.url.startsWith('/kev/'))).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(state.finished.map((f) => [f.sourceId, f.ok])).toEqual([
      ['kev', false],
      ['epss', true],
    ]);
    expect(await readdir(staging)).toEqual([]);
  });

  it('stops a body that trickles past the overall attempt timeout, without retrying', async () => {
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const t = setInterval(() => res.write(' '), 20);
      res.on('close', () => { clearInterval(t); });
    });
    const [r] = await syncFeeds(
      options({ sources: ['kev'], state: new MemoryStateStore(), importFiles: recordingImport().importFiles, fetcher: fastFetcher({ attemptTimeoutMs: 300 }) }),
    );
    expect(r?.outcome).toBe('error');
    expect(r?.message).toMatch(/did not complete within 300 ms/);
    expect(origin.requests).toHaveLength(1); // not retried
  });

  it('refuses downloads over the size cap: by Content-Length, while streaming, and after gzip decoding', async () => {
    const big = Buffer.alloc(64 * 1024, 0x20);
    origin = await startOrigin((req, res) => {
      const p = pathOf(req);
      if (p.startsWith('/kev/')) {
        res.writeHead(200, { 'content-length': big.length });
        res.end(big);
      } else if (p.startsWith('/epss/')) {
        res.writeHead(200, { 'content-type': 'application/gzip' }); // chunked: no length up front
        res.write(big.subarray(0, 20_000));
        setTimeout(() => res.end(big.subarray(20_000)), 10);
      } else {
        const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20));
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bomb.length });
        res.end(bomb);
      }
    });
    const imp = recordingImport();
    const results = await syncFeeds(
      options({ plan: { maxBytes: 32 * 1024 }, sources: ['kev', 'epss', 'osv:AlmaLinux'], state: new MemoryStateStore(), importFiles: imp.importFiles, fetcher: fastFetcher() }),
    );
    expect(results.map((r) => [r.sourceId, r.outcome])).toEqual([
      ['osv:AlmaLinux', 'error'],
      ['kev', 'error'],
      ['epss', 'error'],
    ]);
    expect(results[0]?.message).toMatch(/exceeds the size limit of 32768 bytes/);
    expect(results[1]?.message).toMatch(/is 65536 bytes, over the size limit of 32768 bytes/);
    expect(results[2]?.message).toMatch(/exceeds the size limit of 32768 bytes/);
    expect(origin.requests).toHaveLength(3); // never retried
    expect(imp.calls).toEqual([]);
    expect(await readdir(staging)).toEqual([]);
  });

  it('refuses hostile zips (path traversal, symlink) through the import archive reader', async () => {
    const record = await readFile(join(SHARED_DATA, 'osv/almalinux/almalinux9', 'ALSA-2022_4587.json'));
    const zips: Record<string, Buffer> = {
      'AlmaLinux': storeZip([
        { name: 'ALSA-2022_4587.json', data: record },
        { name: '../../evil.json', data: record },
      ]),
      'Rocky%20Linux': storeZip([{ name: 'link.json', data: Buffer.from('/etc/passwd'), mode: 0o120777 }]),
    };
    origin = await startOrigin((req, res) => {
      const fam = pathOf(req).split('/')[2] ?? '';
      const z = zips[fam];
      if (z === undefined) {
        res.writeHead(404);
        res.end();
        return;
      }
      sendWithValidators(req, res, z, `"${fam}"`, 'application/zip');
    });
    const imp = recordingImport();
    const state = new MemoryStateStore();
    const results = await syncFeeds(
      options({
        fleet: [
          { distro: 'almalinux', release: '9' },
          { distro: 'rocky', release: '9.3' },
        ],
        sources: ['osv:AlmaLinux', 'osv:Rocky Linux'],
        state,
        importFiles: imp.importFiles,
        fetcher: fastFetcher(),
      }),
    );
    expect(results.map((r) => [r.sourceId, r.outcome])).toEqual([
      ['osv:AlmaLinux', 'error'],
      ['osv:Rocky Linux', 'error'],
    ]);
    expect(results[0]?.message).toMatch(/unsafe entry/);
    expect(results[1]?.message).toMatch(/symbolic link/);
    expect(imp.calls).toEqual([]);
    expect(existsSync(join(staging, '..', 'evil.json'))).toBe(false);
    expect(await readdir(staging)).toEqual([]);
    // a failure keeps the previous validators: the next sync downloads again
    expect(state.states.get('osv:AlmaLinux')?.validators).toEqual({});
  });

  it('imports a multi-file source whole: one changed URL brings the others again; all 304 is not modified', async () => {
    const files: Record<string, string> = {
      '/alpine-secdb/v3.11/main.json': '311-main.json',
      '/alpine-secdb/v3.11/community.json': '311-community.json',
      '/alpine-secdb/v3.12/main.json': '312-main.json',
      '/alpine-secdb/v3.12/community.json': '312-community.json',
    };
    const etags: Record<string, string> = Object.fromEntries(Object.keys(files).map((p) => [p, '"1"']));
    origin = await startOrigin((req, res) => {
      const p = pathOf(req);
      const f = files[p];
      if (f === undefined) {
        res.writeHead(404);
        res.end();
        return;
      }
      void readFile(join(SHARED_DATA, 'alpine/secdb-json', f)).then((b) => { sendWithValidators(req, res, b, etags[p]!, 'application/json'); });
    });
    const state = new MemoryStateStore();
    const imp = recordingImport();
    const o = () =>
      options({
        fleet: [{ distro: 'alpine', release: '3.11.6' }],
        plan: { extras: [{ distro: 'alpine', release: '3.12' }] },
        sources: ['alpine-secdb'],
        state,
        importFiles: imp.importFiles,
        fetcher: fetcher ?? fastFetcher(),
      });
    expect((await syncFeeds(o()))[0]?.outcome).toBe('imported');
    expect(imp.calls[0]?.files).toEqual(['v3.11-main.json', 'v3.11-community.json', 'v3.12-main.json', 'v3.12-community.json']);

    etags['/alpine-secdb/v3.12/main.json'] = '"2"';
    origin.requests.length = 0;
    const [second] = await syncFeeds(o());
    expect(second?.outcome).toBe('imported');
    expect(imp.calls[1]?.files).toEqual(['v3.11-main.json', 'v3.11-community.json', 'v3.12-main.json', 'v3.12-community.json']);
    // conditional until the first change, then unconditional for the two that had answered 304
    expect(origin.requests.map((r) => [r.url, r.headers['if-none-match'] ?? null])).toEqual([
      ['/alpine-secdb/v3.11/main.json', '"1"'],
      ['/alpine-secdb/v3.11/community.json', '"1"'],
      ['/alpine-secdb/v3.12/main.json', '"1"'],
      ['/alpine-secdb/v3.12/community.json', null],
      ['/alpine-secdb/v3.11/main.json', null],
      ['/alpine-secdb/v3.11/community.json', null],
    ]);

    const [third] = await syncFeeds(o());
    expect(third?.outcome).toBe('not_modified');
    expect(imp.calls).toHaveLength(2);

    // a release leaving the fleet changes the URL set: imported again, without it
    const [fourth] = await syncFeeds({ ...o(), plan: planSources([{ distro: 'alpine', release: '3.11.6' }], { mirror: origin.url }) });
    expect(fourth?.outcome).toBe('imported');
    expect(imp.calls[2]?.files).toEqual(['v3.11-main.json', 'v3.11-community.json']);
  });

  it('leaves a source another process holds, and never runs two syncs of one source in this process', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    origin = await startOrigin((req, res) => {
      void gate.then(() => { sendWithValidators(req, res, kevJson, '"k"'); });
    });
    const state = new MemoryStateStore();
    state.heldElsewhere.add('epss');
    const imp = recordingImport();
    const f = fastFetcher();
    const a = syncFeeds(options({ sources: ['kev', 'epss'], state, importFiles: imp.importFiles, fetcher: f }));
    await new Promise((r) => setTimeout(r, 50));
    // a second store that would grant the claim: the in-process guard still refuses
    const b = await syncFeeds(options({ sources: ['kev'], state: new MemoryStateStore(), importFiles: imp.importFiles, fetcher: f }));
    release();
    const ra = await a;
    expect(ra.map((r) => [r.sourceId, r.outcome])).toEqual([
      ['kev', 'imported'],
      ['epss', 'busy'],
    ]);
    expect(b.map((r) => [r.sourceId, r.outcome, r.message])).toEqual([['kev', 'busy', 'already syncing in this process']]);
    expect(origin.requests.filter((r) => r.url.startsWith('/epss/'))).toHaveLength(0);
  });

  it('reports requested sources the fleet does not need, and rejects unknown ids', async () => {
    origin = await startOrigin((req, res) => { sendWithValidators(req, res, kevJson, '"k"'); });
    const imp = recordingImport();
    const results = await syncFeeds(options({ sources: ['osv:Ubuntu', 'kev'], state: new MemoryStateStore(), importFiles: imp.importFiles, fetcher: fastFetcher() }));
    expect(results.map((r) => [r.sourceId, r.outcome])).toEqual([
      ['kev', 'imported'],
      ['osv:Ubuntu', 'skipped'],
    ]);
    await expect(syncFeeds(options({ sources: ['osv:Gentoo'], state: new MemoryStateStore(), importFiles: imp.importFiles, fetcher: fastFetcher() }))).rejects.toMatchObject({
      code: 'ERR_VALIDATION',
    });
  });

  it('downloads the whole NVD at most every 20 h unless asked for it by name (without incremental import)', async () => {
    origin = await startOrigin((_req, res) => {
      void nvdPage('vunnel-single-entry.json').then((b) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(b);
      });
    });
    const state = new MemoryStateStore();
    state.states.set('nvd', { validators: {}, lastSuccessAt: new Date('2026-11-25T07:00:00Z') });
    const imp = recordingImport();
    const base = options({ fleet: [], state, importFiles: imp.importFiles, fetcher: fastFetcher() });
    const plan = planSources([], { mirror: origin.url });
    const onlyNvd = { sources: plan.sources.filter((s) => s.id === 'nvd'), notes: [] };
    const scheduled = await syncFeeds({ ...base, plan: onlyNvd, nvd: { requestDelayMs: 0 } });
    expect(scheduled.map((r) => r.outcome)).toEqual(['skipped']);
    expect(scheduled[0]?.message).toMatch(/whole NVD was downloaded at 2026-11-25T07:00:00.000Z/);
    expect(origin.requests).toEqual([]);
    expect(state.claims.size).toBe(0);

    const asked = await syncFeeds({ ...base, plan: onlyNvd, sources: ['nvd'], nvd: { requestDelayMs: 0 } });
    expect(asked.map((r) => r.outcome)).toEqual(['imported']);
    expect(origin.requests.map((r) => new URL(r.url, 'http://x').searchParams.has('lastModStartDate'))).toEqual([false]);
    expect(imp.calls[0]?.enrichments).toBe(1);
  });

  it('cancels: the running download fails, later sources are skipped', async () => {
    origin = await startOrigin(() => undefined);
    const ac = new AbortController();
    const state = new MemoryStateStore();
    const p = syncFeeds({ ...options({ sources: ['kev', 'epss'], state, importFiles: recordingImport().importFiles, fetcher: fastFetcher() }), signal: ac.signal });
    setTimeout(() => { ac.abort(); }, 100);
    const results = await p;
    expect(results.map((r) => [r.sourceId, r.outcome])).toEqual([
      ['kev', 'error'],
      ['epss', 'skipped'],
    ]);
    expect(results[0]?.message).toMatch(/cancelled/);
    expect(state.claims.size).toBe(0);
  });
});

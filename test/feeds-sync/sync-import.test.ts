/**
 * syncFeeds with the real FeedImportService and its database-backed FeedStateStore
 * (PGlite, all migrations), against a loopback origin serving real shared data.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { FeedsRepository } from '../../src/db/repositories/feeds.repository.js';
import { FleetRepository } from '../../src/db/repositories/fleet.repository.js';
import { createHttpFetcher, type Fetcher } from '../../src/feeds/fetch/http.js';
import { FeedImportService } from '../../src/feeds/import/feed-import.service.js';
import { planSources } from '../../src/feeds/sources.js';
import { silentLogger, syncFeeds, type SyncFeedsOptions } from '../../src/feeds/sync.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { HAS_SHARED_DATA, SHARED_DATA } from '../helpers/shared-data.js';
import { pathOf, sendWithValidators, startOrigin, storeZip, zipDirectory, type TestOrigin } from './helpers.js';

describe.skipIf(!HAS_SHARED_DATA)(`feed sync into the knowledge base (shared data in ${SHARED_DATA})`, () => {
  let db: TestDatabase;
  let origin: TestOrigin;
  let fetcher: Fetcher;
  let staging: string;
  let service: FeedImportService;
  const clock = fixedClock('2026-11-25T09:00:00Z');
  const served: { zip: Buffer; etag: string } = { zip: Buffer.alloc(0), etag: '"1"' };
  let kevJson: Buffer;
  let zipIds: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    const repos = {
      feeds: new FeedsRepository(db.db),
      transaction: <T>(fn: (r: { feeds: FeedsRepository }) => Promise<T>): Promise<T> => db.db.transaction().execute((tx) => fn({ feeds: new FeedsRepository(tx) })),
    };
    service = new FeedImportService(repos, clock);
    const dir = join(SHARED_DATA, 'osv/almalinux/almalinux9');
    const { zip, count } = await zipDirectory(dir, 150);
    served.zip = zip;
    zipIds = count;
    kevJson = await readFile(join(SHARED_DATA, 'kev/known_exploited_vulnerabilities.json'));
    origin = await startOrigin((req, res) => {
      const p = pathOf(req);
      if (p === '/osv/AlmaLinux/all.zip') sendWithValidators(req, res, served.zip, served.etag, 'application/zip');
      else if (p === '/kev/known_exploited_vulnerabilities.json') sendWithValidators(req, res, kevJson, '"kev"', 'application/json');
      else {
        res.writeHead(404);
        res.end();
      }
    });
    fetcher = createHttpFetcher({ proxy: { httpProxy: '', httpsProxy: '', noProxy: '' }, retries: 0 });
    staging = await mkdtemp(join(tmpdir(), 'mamori-sync-db-'));
    // a reported AlmaLinux 9 host is what makes the plan include osv:AlmaLinux
    await sql`insert into hosts (hostname, machine_id, os_id, os_version_id) values ('alma01', 'm1', 'almalinux', '9.4'), ('web01', 'm2', 'debian', '12')`.execute(db.db);
  });

  afterAll(async () => {
    await fetcher.close();
    await origin.close();
    await db.close();
    await rm(staging, { recursive: true, force: true });
  });

  const opts = async (): Promise<SyncFeedsOptions> => ({
    plan: planSources(await new FleetRepository(db.db).releases(), { mirror: origin.url }),
    sources: ['osv:AlmaLinux', 'kev'],
    state: service.state,
    importFiles: service.importFiles,
    fetcher,
    clock,
    log: silentLogger,
    stagingDir: staging,
  });

  it('reads the fleet releases from the hosts table', async () => {
    expect(await new FleetRepository(db.db).releases()).toEqual([
      { distro: 'almalinux', release: '9.4' },
      { distro: 'debian', release: '12' },
    ]);
  });

  it('imports on the first sync, stores validators, and the second sync is a 304', async () => {
    const first = await syncFeeds(await opts());
    expect(first.map((r) => [r.sourceId, r.outcome, r.message])).toEqual([
      ['osv:AlmaLinux', 'imported', null],
      ['kev', 'imported', null],
    ]);
    const n = await sql<{ n: string }>`select count(distinct id) as n from advisories where source = 'osv:AlmaLinux'`.execute(db.db);
    expect(Number(n.rows[0]!.n)).toBeGreaterThan(0);
    expect(Number(n.rows[0]!.n)).toBeLessThanOrEqual(zipIds);
    expect(first[0]?.import?.advisories).toBe(Number(n.rows[0]!.n));
    const kev = await sql<{ n: string }>`select count(*) as n from cve_enrichments where kind = 'kev'`.execute(db.db);
    expect(Number(kev.rows[0]!.n)).toBe((JSON.parse(kevJson.toString('utf8')) as { vulnerabilities: unknown[] }).vulnerabilities.length);
    const src = await service.state.get('osv:AlmaLinux');
    expect(src.validators).toEqual({ [`${origin.url}/osv/AlmaLinux/all.zip`]: { etag: '"1"', lastModified: 'Tue, 25 Nov 2025 10:00:00 GMT' } });
    expect(src.lastSuccessAt?.toISOString()).toBe('2026-11-25T09:00:00.000Z');

    origin.requests.length = 0;
    const second = await syncFeeds(await opts());
    expect(second.map((r) => r.outcome)).toEqual(['not_modified', 'not_modified']);
    expect(origin.requests.map((r) => r.headers['if-none-match'])).toEqual(['"1"', '"kev"']);
    const claims = await sql<{ n: string }>`select count(*) as n from feed_sources where claimed_by is not null`.execute(db.db);
    expect(Number(claims.rows[0]!.n)).toBe(0);
    expect(await readdir(staging)).toEqual([]);
  });

  it('refuses a hostile archive and keeps the previous data and validators', async () => {
    const before = await sql<{ n: string }>`select count(*) as n from advisories where source = 'osv:AlmaLinux'`.execute(db.db);
    const record = await readFile(join(SHARED_DATA, 'osv/almalinux/almalinux9', 'ALSA-2022_4587.json'));
    served.zip = storeZip([
      { name: 'ALSA-2022_4587.json', data: record },
      { name: '/etc/cron.d/evil', data: record },
    ]);
    served.etag = '"2"';
    const [r] = await syncFeeds({ ...(await opts()), sources: ['osv:AlmaLinux'] });
    expect(r?.outcome).toBe('error');
    expect(r?.message).toMatch(/unsafe entry/);
    const after = await sql<{ n: string }>`select count(*) as n from advisories where source = 'osv:AlmaLinux'`.execute(db.db);
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    expect(Object.values((await service.state.get('osv:AlmaLinux')).validators)).toEqual([{ etag: '"1"', lastModified: 'Tue, 25 Nov 2025 10:00:00 GMT' }]);
    const row = await sql<{ last_error: string | null; claimed_by: string | null }>`select last_error, claimed_by from feed_sources where source_id = 'osv:AlmaLinux'`.execute(db.db);
    expect(row.rows[0]?.last_error).toMatch(/unsafe entry/);
    expect(row.rows[0]?.claimed_by).toBeNull();
  });

  it('does not sync a source another process holds the claim of', async () => {
    const until = new Date(clock.now().getTime() + 3600_000);
    await sql`update feed_sources set claimed_by = 'other-host:1:abcd', claimed_until = ${until} where source_id = 'kev'`.execute(db.db);
    origin.requests.length = 0;
    const [r] = await syncFeeds({ ...(await opts()), sources: ['kev'] });
    expect(r).toMatchObject({ outcome: 'busy', message: 'another sync holds the source' });
    expect(origin.requests).toEqual([]);
  });
});

/**
 * The feed import service on a real database (PGlite, or PostgreSQL with
 * MAMORI_TEST_DATABASE_URL): every shared feed file imports, golden counts per source,
 * re-imports change nothing, one changed fixed version is exactly one key change, a
 * broken file fails only its source, and the sync state store's claims.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';

/** `expect.stringMatching` typed as unknown (it is `any`). */
const matching = (re: RegExp): unknown => expect.stringMatching(re);
import { fixedClock } from '../../src/clock.js';
import { createRepositories } from '../../src/db/repositories/index.js';
import { isAppError } from '../../src/errors.js';
import { FeedImportService, type FeedImportSummary, type ImportPathsResult } from '../../src/feeds/import/feed-import.service.js';
import { FEED_PROBLEMS_STORED } from '../../src/feeds/import/record-sink.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { HAS_SHARED_DATA, SHARED_DATA } from '../helpers/shared-data.js';

const FEED_DIRS = ['osv', 'debian', 'alpine', 'nvd', 'kev', 'epss'].map((d) => join(SHARED_DATA, d));

/** Per source: [advisories, affected rows, enrichments, problems] after importing FEED_DIRS. */
const GOLDEN: Record<string, [number, number, number, number]> = {
  'alpine-secdb': [2403, 8251, 0, 126],
  'debian-dla': [2372, 2373, 0, 0],
  'debian-dsa': [3543, 4586, 0, 0],
  'debian-tracker': [7, 25, 0, 0],
  epss: [0, 0, 33, 0],
  kev: [0, 0, 1404, 0],
  nvd: [0, 0, 61, 0],
  'osv:AlmaLinux': [2591, 35266, 0, 5],
  'osv:Alpine': [1, 9, 0, 0],
  'osv:Debian': [6, 7, 0, 0],
  'osv:Red Hat': [2, 237, 0, 0],
  'osv:Rocky Linux': [3, 5, 0, 0],
  'osv:Ubuntu': [10, 52, 0, 0],
};

/** Files of FEED_DIRS that are not feed data, and why they are skipped. */
const SKIPPED: Record<string, RegExp> = {
  'debian/tracker-json/legacy-vulnerabilities-debian-7.json': /legacy per-release Debian JSON/,
  'debian/tracker-lists/CVE-list.sample.txt': /CVE list text is not supported/,
  'debian/tracker-lists/distributions.sample.json': /release table/,
  'kev/known_exploited_vulnerabilities.csv': /KEV CSV/,
  'kev/known_exploited_vulnerabilities_schema.json': /JSON Schema/,
};

function ok(r: ImportPathsResult, sourceId: string): FeedImportSummary {
  const s = r.sources.find((x) => x.sourceId === sourceId);
  if (s === undefined) throw new Error(`no result for ${sourceId}`);
  if (!s.ok) throw new Error(`${sourceId} failed: ${s.error.message}`);
  return s.summary;
}

describe.skipIf(!HAS_SHARED_DATA)('feed import service', () => {
  let db: TestDatabase;
  let svc: FeedImportService;
  let tmp: string;
  const clock = fixedClock('2026-11-25T09:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase();
    svc = new FeedImportService(createRepositories(db.db), clock);
    tmp = await mkdtemp(join(tmpdir(), 'mamori-feed-import-'));
  });

  afterAll(async () => {
    await db.close();
    await rm(tmp, { recursive: true, force: true });
  });

  const count = async (table: 'advisories' | 'affected_packages', source: string): Promise<number> => {
    const r = await db.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).where('source', '=', source).executeTakeFirstOrThrow();
    return Number(r.n);
  };
  const keyChanges = async (importId: string) =>
    db.db.selectFrom('feed_key_changes').select(['source_id', 'distro', 'release', 'package_name']).where('import_id', '=', importId).orderBy('id').execute();

  it('imports every file of the shared osv, debian, alpine, nvd, kev and epss data (golden counts per source)', async () => {
    const r = await svc.importPaths(FEED_DIRS);
    expect(r.sources.filter((s) => !s.ok)).toEqual([]);
    const got = Object.fromEntries(
      r.sources.map((s) => [s.sourceId, s.ok ? [s.summary.advisories, s.summary.affected, s.summary.enrichments, s.summary.problemCount] : null]),
    );
    expect(got).toEqual(GOLDEN);
    expect(Object.fromEntries(r.skipped.map((s) => [s.file.slice(SHARED_DATA.length + 1), s.reason]))).toEqual(
      Object.fromEntries(Object.entries(SKIPPED).map(([f, re]) => [f, matching(re)])),
    );
    // Every key of a first import is a change.
    const alma = ok(r, 'osv:AlmaLinux');
    expect(alma.files).toBe(2617);
    expect(alma.changedKeys).toBe(6725);
    expect(await keyChanges(alma.importId)).toHaveLength(6725);
    // What the database holds agrees with the summaries.
    expect(await count('advisories', 'osv:AlmaLinux')).toBe(2591);
    expect(await count('affected_packages', 'osv:AlmaLinux')).toBe(35266);
    const kev = await db.db.selectFrom('cve_enrichments').select(['cve', 'data']).where('kind', '=', 'kev').where('cve', '=', 'CVE-2021-3156').executeTakeFirstOrThrow();
    expect(kev.data).toMatchObject({ kind: 'kev', cve: 'CVE-2021-3156', vendorProject: 'Sudo' });
    // Status and history.
    const sources = await svc.listSources();
    expect(sources.map((s) => s.sourceId)).toEqual(Object.keys(GOLDEN));
    const almaState = sources.find((s) => s.sourceId === 'osv:AlmaLinux')!;
    expect(almaState).toMatchObject({ advisories: 2591, affected: 35266, problems: 5, lastError: null, kind: 'advisories' });
    expect(almaState.lastSuccessAt?.toISOString()).toBe('2026-11-25T09:00:00.000Z');
    expect(almaState.newestRecordAt?.toISOString()).toMatch(/^2026-/);
    const [history] = await svc.listImports({ sourceId: 'osv:AlmaLinux', limit: 1 });
    expect(history).toMatchObject({ status: 'ok', files: 2617, advisories: 2591, affected: 35266, changedKeys: 6725, problemCount: 5 });
    expect(history?.problems[0]).toMatchObject({ record: 'ALSA-2023:5989', file: matching(/ALSA-2023_5989\.json$/) });
  });

  it('stores one advisory per id: the same ALSA in two release folders is one advisory with the rows of both', async () => {
    // ALSA-2024:0265 (AlmaLinux 8 and 9 packages) ships byte-identical in almalinux8/ and almalinux9/.
    const rows = await db.db
      .selectFrom('affected_packages')
      .select(['release', (eb) => eb.fn.countAll<string>().as('n')])
      .where('source', '=', 'osv:AlmaLinux')
      .where('advisory_id', '=', 'ALSA-2024:0265')
      .groupBy('release')
      .orderBy('release')
      .execute();
    expect(rows.map((r) => r.release)).toEqual(['8', '9']);
    const adv = await db.db.selectFrom('advisories').selectAll().where('source', '=', 'osv:AlmaLinux').where('id', '=', 'ALSA-2024:0265').execute();
    expect(adv).toHaveLength(1);
    // Alpine: one advisory per CVE, rows from every release file.
    const alpine = await db.db.selectFrom('affected_packages').select('release').distinct().where('source', '=', 'alpine-secdb').where('advisory_id', '=', 'CVE-2018-6789').orderBy('release').execute();
    expect(alpine.length).toBeGreaterThan(1);
  });

  it('re-importing the same files records no key change and rewrites nothing', async () => {
    const before = await db.db.selectFrom('feed_key_changes').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const r = await svc.importPaths(FEED_DIRS);
    for (const s of r.sources) {
      expect(s.ok).toBe(true);
      if (s.ok) expect({ source: s.sourceId, changed: s.summary.changed, keys: s.summary.changedKeys }).toEqual({ source: s.sourceId, changed: false, keys: 0 });
    }
    const after = await db.db.selectFrom('feed_key_changes').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('a changed fixed version records exactly that (distro, release, package) key', async () => {
    // The AlmaLinux folders, linked file by file, with one record's first fixed version bumped.
    const dir = join(tmp, 'alma-changed');
    const almaRoot = join(SHARED_DATA, 'osv/almalinux');
    for (const release of ['almalinux8', 'almalinux9', 'almalinux10']) {
      const target = join(dir, release);
      await mkdir(target, { recursive: true });
      for (const f of await readdir(join(almaRoot, release))) await symlink(join(almaRoot, release, f), join(target, f));
    }
    const file = 'ALSA-2023_0202.json'; // java-11-openjdk, AlmaLinux 9 only
    const doc = JSON.parse(await readFile(join(almaRoot, 'almalinux9', file), 'utf8')) as {
      id: string;
      affected: { package: { name: string; ecosystem: string }; ranges: { events: Record<string, string>[] }[] }[];
    };
    const affected = doc.affected[0]!;
    const fixedEvent = affected.ranges[0]!.events.find((e) => e.fixed !== undefined)!;
    fixedEvent.fixed = `${fixedEvent.fixed!}.1`;
    await rm(join(dir, 'almalinux9', file));
    await writeFile(join(dir, 'almalinux9', file), JSON.stringify(doc));

    const summary = await svc.importFiles('osv:AlmaLinux', [dir]);
    expect(summary).toMatchObject({ advisories: 2591, affected: 35266, changedKeys: 1 });
    expect(await keyChanges((summary as FeedImportSummary).importId)).toEqual([
      { source_id: 'osv:AlmaLinux', distro: 'almalinux', release: '9', package_name: affected.package.name },
    ]);
    const row = await db.db
      .selectFrom('affected_packages')
      .select('ranges')
      .where('source', '=', 'osv:AlmaLinux')
      .where('advisory_id', '=', doc.id)
      .where('package_name', '=', affected.package.name)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row.ranges)).toContain(fixedEvent.fixed);
  });

  it('a broken file fails its source and keeps its data; another source in the same call imports', async () => {
    const dir = join(tmp, 'broken');
    await mkdir(dir, { recursive: true });
    const kev = await readFile(join(SHARED_DATA, 'kev/known_exploited_vulnerabilities.json'));
    await writeFile(join(dir, 'kev.json'), kev.subarray(0, 200_000)); // a truncated download
    await writeFile(
      join(dir, 'epss.csv'),
      '#model_version:v2025.03.14,score_date:2026-11-24T00:00:00+0000\ncve,epss,percentile\nCVE-2021-3156,0.9,0.99\nCVE-2021-4034,0.8,0.98\n',
    );
    const r = await svc.importPaths([dir]);
    const kevResult = r.sources.find((s) => s.sourceId === 'kev');
    expect(kevResult).toMatchObject({ ok: false, error: { code: 'ERR_FEED_INVALID', message: matching(/kev\.json: failed to parse CISA KEV catalog document: not valid JSON/) } });
    expect(ok(r, 'epss')).toMatchObject({ enrichments: 2 });
    // KEV kept the previous catalog and says why the last attempt failed.
    const n = await db.db.selectFrom('cve_enrichments').select((eb) => eb.fn.countAll<string>().as('n')).where('kind', '=', 'kev').executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1404);
    const state = (await svc.listSources()).find((s) => s.sourceId === 'kev')!;
    expect(state).toMatchObject({ enrichments: 1404, lastError: matching(/^ERR_FEED_INVALID: .*not valid JSON/) });
    const [last] = await svc.listImports({ sourceId: 'kev', limit: 1 });
    expect(last).toMatchObject({ status: 'failed', error: matching(/not valid JSON/) });
    // EPSS is now exactly the two rows given (a source is what its last import held).
    const epss = await db.db.selectFrom('cve_enrichments').select('cve').where('kind', '=', 'epss').orderBy('cve').execute();
    expect(epss.map((e) => e.cve)).toEqual(['CVE-2021-3156', 'CVE-2021-4034']);
  });

  it('imports archives holding several sources, each source from its own entries', async () => {
    const zip = new yazl.ZipFile();
    zip.addBuffer(await readFile(join(SHARED_DATA, 'osv/debian/DSA-5474-1.json')), 'osv/DSA-5474-1.json');
    zip.addBuffer(await readFile(join(SHARED_DATA, 'osv/rocky/RLSA-2024_3671.json')), 'osv/RLSA-2024_3671.json');
    zip.addBuffer(Buffer.from('# notes\n'), 'README.md');
    zip.end();
    const chunks: Buffer[] = [];
    for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
    const file = join(tmp, 'mixed.zip');
    await writeFile(file, Buffer.concat(chunks));
    const gz = join(tmp, 'alpine-v3.12-main.json.gz');
    await writeFile(gz, gzipSync(await readFile(join(SHARED_DATA, 'alpine/secdb-json/312-main.json'))));
    const r = await svc.importPaths([file, gz]);
    expect(r.sources.map((s) => [s.sourceId, s.ok ? s.summary.advisories : s.error.message])).toEqual([
      ['alpine-secdb', expect.any(Number) as unknown],
      ['osv:Debian', 1],
      ['osv:Rocky Linux', 1],
    ]);
    expect(r.skipped).toEqual([{ file: `${file}!README.md`, reason: 'unrecognized content (not a known feed format)' }]);
  });

  it('streams large files to streaming parsers: an OVAL stream read whole and read streamed store the same', async () => {
    const plain = join(SHARED_DATA, 'redhat/oval/rhel-7.oval.xml');
    const whole = (await svc.importFiles('redhat-oval', [plain])) as FeedImportSummary;
    expect(whole.advisories).toBeGreaterThan(0);
    expect(whole.affected).toBeGreaterThan(0);
    const gz = join(tmp, 'rhel-7.oval.xml.gz');
    await writeFile(gz, gzipSync(await readFile(plain)));
    const streaming = new FeedImportService(createRepositories(db.db), clock, { limits: { streamAboveBytes: 1024 } });
    // Detected from the first bytes, then parsed from the decompression stream.
    const r = await streaming.importPaths([gz]);
    expect(ok(r, 'redhat-oval')).toMatchObject({ advisories: whole.advisories, affected: whole.affected, changed: false, changedKeys: 0 });
  });

  it('importFiles refuses unknown sources and empty inputs, and reports files of another source', async () => {
    await expect(svc.importFiles('osv:Nope', [tmp])).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
    const empty = join(tmp, 'empty');
    await mkdir(empty, { recursive: true });
    const err = await svc.importFiles('kev', [empty]).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('ERR_FEED_INVALID');
    // An EPSS file handed to the NVD source is reported and left out; the NVD page imports.
    const s = await svc.importFiles('nvd', [join(SHARED_DATA, 'epss/epss_scores-claircore-sample.csv'), join(SHARED_DATA, 'nvd/cve-records/CVE-2024-3094.json')]);
    expect(s).toMatchObject({ enrichments: 1, problems: [{ message: matching(/is EPSS CSV of source epss, not nvd/) }] });
  });

  it('keeps the newest copy of a record with only its rows, on a first import and on a re-import', async () => {
    const dir = join(tmp, 'suse');
    await mkdir(dir, { recursive: true });
    const record = (modified: string, pkg: string) => ({
      id: 'SUSE-SU-2026:0001-1',
      modified,
      affected: [{ package: { ecosystem: 'SUSE:Linux Enterprise Server 15 SP6', name: pkg }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0-1' }] }] }],
    });
    // File order: the newer copy is read first, then an older one, then the same newer one again.
    await writeFile(join(dir, 'a.json'), JSON.stringify(record('2026-02-01T00:00:00Z', 'newpkg')));
    await writeFile(join(dir, 'b.json'), JSON.stringify(record('2026-01-01T00:00:00Z', 'oldpkg')));
    await writeFile(join(dir, 'c.json'), JSON.stringify(record('2026-03-01T00:00:00Z', 'newestpkg')));
    for (const pass of [1, 2]) {
      const s = (await svc.importFiles('osv:SUSE', [dir])) as FeedImportSummary;
      expect({ pass, advisories: s.advisories, affected: s.affected, changed: s.changed }).toEqual({ pass, advisories: 1, affected: 1, changed: pass === 1 });
      expect(s.problems).toMatchObject([{ record: 'SUSE-SU-2026:0001-1', message: expect.stringMatching(/older copy/) as unknown }]);
      const rows = await db.db.selectFrom('affected_packages').select(['package_name', 'release']).where('source', '=', 'osv:SUSE').execute();
      expect(rows).toEqual([{ package_name: 'newestpkg', release: '15.6' }]);
    }
  });

  it('counts every problem and stores the first ones', async () => {
    const rows = Array.from({ length: 1500 }, (_, i) => `CVE-2026-${String(10000 + i)},not-a-number,0.5`).join('\n');
    const file = join(tmp, 'bad-epss.csv');
    await writeFile(file, `cve,epss,percentile\n${rows}\nCVE-2026-0001,0.1,0.2\n`);
    const s = (await svc.importFiles('epss', [file])) as FeedImportSummary;
    expect(s.problemCount).toBe(1500);
    expect(s.problems).toHaveLength(FEED_PROBLEMS_STORED);
    const [last] = await svc.listImports({ sourceId: 'epss', limit: 1 });
    expect(last).toMatchObject({ problemCount: 1500 });
    expect(last?.problems).toHaveLength(FEED_PROBLEMS_STORED);
  });

  it('an import of a subset replaces the whole source, and the removed keys are changes', async () => {
    const s = (await svc.importFiles('osv:AlmaLinux', [join(SHARED_DATA, 'osv/almalinux/almalinux10')])) as FeedImportSummary;
    expect(s).toMatchObject({ advisories: 438, changed: true });
    const changes = await keyChanges(s.importId);
    expect(changes.length).toBe(s.changedKeys);
    expect(new Set(changes.map((c) => c.release))).toEqual(new Set(['8', '9']));
    expect(await count('advisories', 'osv:AlmaLinux')).toBe(438);
    // The stored key hashes are exactly the keys the source now has.
    const diff = await sql<{ n: string }>`
      select count(*) as n from (
        (select distro, release, package_name from feed_key_hashes where source_id = 'osv:AlmaLinux'
         except select distro, release, package_name from affected_packages where source = 'osv:AlmaLinux')
        union all
        (select distro, release, package_name from affected_packages where source = 'osv:AlmaLinux'
         except select distro, release, package_name from feed_key_hashes where source_id = 'osv:AlmaLinux')) d`.execute(db.db);
    expect(diff.rows[0]?.n).toBe('0');
  });

  it('claims a source for one sync at a time, with a lease that outlives a crashed holder', async () => {
    const other = new FeedImportService(createRepositories(db.db), clock, { claimLeaseMs: 2 * 3600_000 });
    const now = new Date('2026-11-25T10:00:00Z');
    expect(await svc.state.claim('nvd', now)).toBe(true);
    expect(await other.state.claim('nvd', now)).toBe(false);
    expect(await other.state.claim('kev', now)).toBe(true);
    // The first holder crashed: after its lease another process may take the source.
    expect(await other.state.claim('nvd', new Date(now.getTime() + 59 * 60_000))).toBe(false);
    expect(await other.state.claim('nvd', new Date(now.getTime() + 61 * 60_000))).toBe(true);
    // The crashed holder's late finish records its outcome but does not release the new claim.
    await svc.state.finish('nvd', { ok: false, at: new Date(now.getTime() + 62 * 60_000), error: 'HTTP 503' });
    expect(await svc.state.claim('nvd', new Date(now.getTime() + 62 * 60_000))).toBe(false);
    const validators = { 'https://x.example/a': { etag: '"abc"', lastModified: 'Tue, 24 Nov 2026 10:00:00 GMT' } };
    await other.state.finish('nvd', { ok: true, at: new Date(now.getTime() + 63 * 60_000), validators, notModified: false });
    expect(await svc.state.get('nvd')).toEqual({ validators, lastSuccessAt: new Date(now.getTime() + 63 * 60_000) });
    expect(await svc.state.claim('nvd', new Date(now.getTime() + 64 * 60_000))).toBe(true);
    expect(await svc.state.get('never-synced')).toEqual({ validators: {}, lastSuccessAt: null });
  });
});

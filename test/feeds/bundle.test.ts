/**
 * Feed bundles: shared feed samples imported into one database, exported, imported into
 * a fresh database → identical rows and sync state; a tampered, incomplete or unknown
 * bundle is refused before anything is written.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import type { Database } from '../../src/db/client.js';
import { createRepositories } from '../../src/db/repositories/index.js';
import { isAppError } from '../../src/errors.js';
import { FeedBundleService } from '../../src/feeds/bundle/bundle.service.js';
import { FeedImportService } from '../../src/feeds/import/feed-import.service.js';
import { readMembers } from '../../src/feeds/import/archive.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { HAS_SHARED_DATA, SHARED_DATA } from '../helpers/shared-data.js';

const SAMPLES = [
  'osv/ubuntu',
  'osv/rocky',
  'osv/debian',
  'osv/redhat',
  'alpine/secdb-json',
  'alpine/secdb-yaml/v3.11',
  'debian/tracker-json/debian-tracker-excerpt.json',
  'nvd/cve-records',
  'kev/known_exploited_vulnerabilities.json',
  'epss',
].map((p) => join(SHARED_DATA, p));

function services(db: Database, at: string): { imports: FeedImportService; bundles: FeedBundleService } {
  const clock = fixedClock(at);
  const repos = createRepositories(db.db);
  const imports = new FeedImportService(repos, clock);
  return { imports, bundles: new FeedBundleService(repos, imports, clock) };
}

/** Everything an import writes that must survive the trip, in a stable order. */
async function snapshot(db: Database): Promise<{ advisories: unknown[]; affected: unknown[]; enrichments: unknown[]; sources: unknown[]; keys: unknown[] }> {
  const q = async (text: string) => (await sql.raw<Record<string, unknown>>(text).execute(db.db)).rows;
  return {
    advisories: await q('select * from advisories order by source, id'),
    affected: await q('select * from affected_packages order by source, advisory_id, row_hash'),
    enrichments: await q('select * from cve_enrichments order by kind, cve'),
    sources: await q(
      'select source_id, last_success_at, validators, advisories, affected, enrichments, newest_record_at from feed_sources order by source_id',
    ),
    keys: await q('select * from feed_key_hashes order by source_id, distro, release, package_name'),
  };
}

async function repack(bundle: string, out: string, edit: (entries: { name: string; data: Buffer }[]) => { name: string; data: Buffer }[]): Promise<void> {
  const entries: { name: string; data: Buffer }[] = [];
  for await (const m of readMembers(bundle)) if (m.kind === 'member' && m.entry !== null) entries.push({ name: m.entry, data: m.data });
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', resolve);
  });
  for (const e of edit(entries)) pack.entry({ name: e.name, size: e.data.length }, e.data);
  pack.finalize();
  await done;
  await writeFile(out, gzipSync(Buffer.concat(chunks)));
}

async function code(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  return isAppError(e) ? `${e.code}: ${e.message}` : `not an AppError: ${String(e)}`;
}

describe.skipIf(!HAS_SHARED_DATA)('feed bundles', () => {
  let a: TestDatabase;
  let b: TestDatabase;
  let tmp: string;
  let bundle: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    tmp = await mkdtemp(join(tmpdir(), 'mamori-bundle-test-'));
    bundle = join(tmp, 'feeds.tar.gz');
  });

  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await rm(tmp, { recursive: true, force: true });
  });

  it('round-trips: import samples → export → import into a fresh database gives identical rows and states', async () => {
    const src = services(a, '2026-11-20T00:00:00Z');
    const imported = await src.imports.importPaths(SAMPLES);
    expect(imported.sources.every((s) => s.ok)).toBe(true);
    // A sync's validators travel with the bundle.
    await src.imports.state.finish('kev', {
      ok: true,
      at: new Date('2026-11-20T01:00:00Z'),
      validators: { 'https://www.cisa.gov/kev.json': { etag: '"v1"', lastModified: null } },
      notModified: false,
    });

    const exported = await src.bundles.exportBundle(bundle);
    expect(exported.sources.map((s) => s.sourceId)).toEqual(imported.sources.map((s) => s.sourceId));
    expect(await code(src.bundles.exportBundle(bundle))).toMatch(/^ERR_CONFLICT: .*exists/);

    const dst = services(b, '2026-11-25T09:00:00Z');
    const r = await dst.bundles.importBundle(bundle);
    expect(r.sources.filter((s) => !s.ok)).toEqual([]);
    const before = await snapshot(a);
    const after = await snapshot(b);
    expect(after.advisories.length).toBeGreaterThan(100);
    expect(after.affected.length).toBeGreaterThan(1000);
    expect(after).toEqual(before);
    // The import recorded its key changes like any other.
    for (const s of r.sources) if (s.ok && s.summary.affected > 0) expect(s.summary.changedKeys).toBeGreaterThan(0);

    // Exporting the copy gives the same members, byte for byte.
    const again = join(tmp, 'again.tar.gz');
    await dst.bundles.exportBundle(again);
    const manifest = async (path: string) => {
      for await (const m of readMembers(path)) if (m.kind === 'member' && m.entry === 'manifest.json') return JSON.parse(m.data.toString('utf8')) as { members: unknown };
      throw new Error('no manifest');
    };
    expect((await manifest(again)).members).toEqual((await manifest(bundle)).members);

    // Importing the same bundle again changes nothing.
    const twice = await dst.bundles.importBundle(bundle);
    expect(twice.sources.every((s) => s.ok && !s.summary.changed && s.summary.changedKeys === 0)).toBe(true);
  });

  it('refuses a tampered, incomplete or unknown bundle before writing anything', async () => {
    const dst = services(b, '2026-11-26T09:00:00Z');
    const before = await snapshot(b);
    const imports = await sql<{ n: string }>`select count(*) as n from feed_imports`.execute(b.db);

    const tampered = join(tmp, 'tampered.tar.gz');
    await repack(bundle, tampered, (entries) =>
      entries.map((e) => (e.name.endsWith('affected-0001.jsonl') && e.data.includes('"fixed"') ? { name: e.name, data: Buffer.from(e.data.toString('utf8').replace('"fixed":"', '"fixed":"9')) } : e)),
    );
    expect(await code(dst.bundles.importBundle(tampered))).toMatch(/^ERR_BUNDLE_INVALID: .*affected-0001\.jsonl does not match its checksum/);

    const missing = join(tmp, 'missing.tar.gz');
    await repack(bundle, missing, (entries) => entries.filter((e) => !e.name.endsWith('advisories-0001.jsonl') || !e.name.includes('osv-ubuntu')));
    expect(await code(dst.bundles.importBundle(missing))).toMatch(/^ERR_BUNDLE_INVALID: .*listed in the manifest is missing/);

    const extra = join(tmp, 'extra.tar.gz');
    await repack(bundle, extra, (entries) => [...entries, { name: 'sources/99-x/advisories-0001.jsonl', data: Buffer.from('{}\n') }]);
    expect(await code(dst.bundles.importBundle(extra))).toMatch(/^ERR_BUNDLE_INVALID: .*is not in the manifest/);

    const future = join(tmp, 'future.tar.gz');
    await repack(bundle, future, (entries) =>
      entries.map((e) => (e.name === 'manifest.json' ? { name: e.name, data: Buffer.from(e.data.toString('utf8').replace('"version": 1', '"version": 2')) } : e)),
    );
    expect(await code(dst.bundles.importBundle(future))).toMatch(/^ERR_BUNDLE_INVALID: .*version 2 is not supported/);

    const notBundle = join(tmp, 'kev.json');
    await writeFile(notBundle, await readFile(join(SHARED_DATA, 'kev/known_exploited_vulnerabilities.json')));
    expect(await code(dst.bundles.importBundle(notBundle))).toMatch(/^ERR_BUNDLE_INVALID: .*not a bundle archive/);

    expect(await snapshot(b)).toEqual(before);
    expect((await sql<{ n: string }>`select count(*) as n from feed_imports`.execute(b.db)).rows[0]?.n).toBe(imports.rows[0]?.n);
  });
});

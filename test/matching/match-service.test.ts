/**
 * Matching on the stored data, end to end through the real services: feeds
 * imported from the real AlmaLinux 8 OSV files, a real AlmaLinux 8 host
 * inventory ingested, durable match jobs drained by the worker. Checks that
 * findings resolve and reopen themselves across reports, that feed updates
 * re-match only what changed, and that a full reconciliation after random
 * sequences of inventory and feed changes finds exactly what incremental
 * matching left.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { createContext, type Context } from '../../src/context.js';
import type { FeedImportService } from '../../src/feeds/import/feed-import.service.js';
import { MatchWorker } from '../../src/jobs/match.worker.js';
import { matchHost } from '../../src/matching/match.js';
import { resolveTarget } from '../../src/matching/release.js';
import { indexRowsByName } from '../../src/matching/rows.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { findingId } from '../helpers/findings.js';
import { HAS_SHARED_DATA, SHARED_DATA } from '../helpers/shared-data.js';

type VulsPackage = { name: string; version: string; release: string; arch: string };
type VulsDoc = { serverName: string; packages: Record<string, VulsPackage> } & Record<string, unknown>;

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe.skipIf(!HAS_SHARED_DATA)('matching stored hosts', () => {
  let db: TestDatabase;
  let ctx: Context;
  let feeds: FeedImportService;
  let worker: MatchWorker;
  let feedDir: string;
  const clock = fixedClock('2026-11-25T09:00:00Z');
  const base = JSON.parse(readFileSync(join(SHARED_DATA, 'inventories/vuls-scan-results/alma_8.json'), 'utf8')) as VulsDoc;

  beforeAll(async () => {
    db = await createTestDatabase();
    ctx = createContext(db, { clock });
    feeds = ctx.deps.feeds;
    worker = new MatchWorker(ctx.repos.matchJobs, ctx.deps.matching, silent);
    feedDir = mkdtempSync(join(tmpdir(), 'mamori-alsa-'));
    cpSync(join(SHARED_DATA, 'osv/almalinux/almalinux8'), feedDir, { recursive: true });
    const r = await feeds.importPaths([feedDir]);
    expect(r.sources.map((s) => s.ok)).toEqual([true]);
  });
  afterAll(async () => {
    await db.close();
    rmSync(feedDir, { recursive: true, force: true });
  });

  async function report(doc: VulsDoc, name = doc.serverName): Promise<string> {
    clock.advance(3600_000);
    const s = await ctx.deps.ingest.ingestUpload(structuredClone({ ...doc, serverName: name }), 'test');
    await worker.drain();
    return s.hostId;
  }

  async function snapshot(hostId?: string): Promise<unknown[]> {
    let q = db.db
      .selectFrom('findings')
      .select(['host_id', 'vulnerability', 'package_name', 'arch', 'state', 'installed_version', 'fixed_version', 'fix_state', 'severity', 'advisories', 'sources', 'resolution'])
      .orderBy('host_id')
      .orderBy('vulnerability')
      .orderBy('package_name')
      .orderBy('arch');
    if (hostId !== undefined) q = q.where('host_id', '=', hostId);
    return q.execute();
  }

  /** The finding's history as the API shows it: its opening (kept in the finding row), then its events. */
  async function events(hostId: string, vulnerability: string, pkg: string): Promise<{ kind: string; from_version: string | null; to_version: string | null; resolution: string | null }[]> {
    return (await ctx.repos.findings.events(await findingId(db.db, hostId, vulnerability, pkg))).map((e) => ({ kind: e.kind, from_version: e.fromVersion, to_version: e.toVersion, resolution: e.resolution }));
  }

  const withPackage = (doc: VulsDoc, name: string, evr: string | null): VulsDoc => {
    const next = structuredClone(doc);
    if (evr === null) {
      next.packages = Object.fromEntries(Object.entries(next.packages).filter(([k]) => k !== name));
      return next;
    }
    const m = /^(?:(\d+):)?(.+)-([^-]+)$/.exec(evr)!;
    const old = next.packages[name] ?? { name, arch: 'x86_64', version: '', release: '' };
    next.packages[name] = { ...old, version: m[1] === undefined ? m[2]! : `${m[1]}:${m[2]!}`, release: m[3]! };
    return next;
  };

  it('stores what the matching core finds for the host', async () => {
    const hostId = await report(base, 'alma8-a');
    const stored = (await snapshot(hostId)) as { vulnerability: string; package_name: string; state: string }[];
    expect(stored.length).toBeGreaterThan(100);
    expect(stored.every((f) => f.state === 'open')).toBe(true);
    // the same as the pure core on the same rows
    const t = resolveTarget({ id: 'almalinux', idLike: [], versionId: '8.9', codename: null, name: '', prettyName: '' });
    if (!t.supported) throw new Error('unsupported');
    const rows = await ctx.repos.matching.rows('almalinux', '8', null);
    const packages = (await ctx.repos.matching.packagesOf([hostId], null)).get(hostId) ?? [];
    const pure = matchHost({ target: t.target, kernelRelease: null, packages }, indexRowsByName(rows)).findings;
    expect(stored.map((f) => `${f.vulnerability} ${f.package_name}`).sort()).toEqual(pure.map((f) => `${f.vulnerability} ${f.package}`).sort());
    // every field as the core made it (written as one JSON document per statement, read back by jsonb_to_recordset)
    const rowsStored = await db.db.selectFrom('findings').selectAll().where('host_id', '=', hostId).execute();
    const asStored = (f: (typeof pure)[number]) => ({
      vulnerability: f.vulnerability, package_name: f.package, arch: f.arch, source_package: f.sourcePackage, installed_version: f.installedVersion,
      fixed_version: f.fixedVersion, fix_state: f.fixState, severity: f.severity, severity_label: f.severityLabel, advisories: f.advisories,
      sources: f.sources, explanation: f.explanation, remediation: f.remediation, state: 'open', opened_cause: expect.stringMatching(/^inventory /) as unknown as string,
    });
    const key = (f: { vulnerability: string; package_name: string; arch: string }): string => `${f.vulnerability} ${f.package_name} ${f.arch}`;
    const storedByKey = new Map(rowsStored.map((r) => [key(r), r]));
    expect(pure.some((f) => f.advisories.length > 0 && f.severityLabel !== null && f.explanation.length > 0)).toBe(true);
    for (const f of pure) expect(storedByKey.get(key({ vulnerability: f.vulnerability, package_name: f.package, arch: f.arch }))).toMatchObject(asStored(f));
    const host = await db.db.selectFrom('hosts').select(['match_status', 'match_distro', 'match_release', 'finding_counts', 'last_matched_at']).where('id', '=', hostId).executeTakeFirstOrThrow();
    expect(host).toMatchObject({ match_status: 'ok', match_distro: 'almalinux', match_release: '8' });
    expect(Object.values(host.finding_counts).reduce((a, b) => a + b, 0)).toBe(stored.length);
  });

  it('resolves a finding when the package reaches the fixed version, reopens on downgrade, resolves on removal', async () => {
    const hostId = await report(base, 'alma8-b');
    const target = (await db.db.selectFrom('findings').selectAll().where('host_id', '=', hostId).where('package_name', '=', 'bzip2').executeTakeFirstOrThrow());
    const fixed = target.fixed_version!;
    await report(withPackage(base, 'bzip2', fixed), 'alma8-b');
    const after = await db.db.selectFrom('findings').selectAll().where('id', '=', target.id).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ state: 'resolved', resolution: 'fixed' });
    await report(base, 'alma8-b');
    expect((await db.db.selectFrom('findings').select('state').where('id', '=', target.id).executeTakeFirstOrThrow()).state).toBe('open');
    await report(withPackage(base, 'bzip2', null), 'alma8-b');
    expect(await events(hostId, target.vulnerability, 'bzip2')).toEqual([
      { kind: 'opened', from_version: null, to_version: target.installed_version, resolution: null },
      { kind: 'resolved', from_version: target.installed_version, to_version: fixed, resolution: 'fixed' },
      { kind: 'reopened', from_version: target.installed_version, to_version: target.installed_version, resolution: null },
      { kind: 'resolved', from_version: target.installed_version, to_version: null, resolution: 'removed' },
    ]);
  });

  it('re-matches only the changed keys after a feed update, and a full reconciliation agrees', async () => {
    const hostId = await report(base, 'alma8-c');
    const before = (await snapshot(hostId)) as { vulnerability: string; package_name: string; state: string }[];
    const victim = before.find((f) => f.package_name === 'bzip2')!;
    // Rewrite every record's bzip2 fix to a version older than the installed one: no longer vulnerable.
    let touched = 0;
    for (const f of readdirSync(feedDir)) {
      const text = readFileSync(join(feedDir, f), 'utf8');
      if (!text.includes('"bzip2"')) continue;
      const rec = JSON.parse(text) as { affected: { package: { name: string }; ranges: { events: Record<string, string>[] }[] }[] };
      for (const a of rec.affected) if (a.package.name === 'bzip2') for (const r of a.ranges) for (const e of r.events) if (e.fixed !== undefined) e.fixed = '0:1.0.6-1.el8';
      writeFileSync(join(feedDir, f), JSON.stringify(rec));
      touched++;
    }
    expect(touched).toBeGreaterThan(0);
    const imported = await feeds.importPaths([feedDir]);
    expect(imported.sources[0]).toMatchObject({ ok: true });
    const keyChanges = await db.db.selectFrom('feed_key_changes').select('package_name').where('import_id', '=', (imported.sources[0] as { summary: { importId: string } }).summary.importId).execute();
    expect(keyChanges.map((k) => k.package_name)).toEqual(['bzip2']);
    await worker.drain();
    const after = (await snapshot(hostId)) as typeof before;
    const changed = after.filter((a, i) => JSON.stringify(a) !== JSON.stringify(before[i]));
    expect(changed.map((f) => [f.vulnerability, f.package_name, f.state])).toEqual([[victim.vulnerability, 'bzip2', 'resolved']]);

    const all = await snapshot();
    const summaries = await ctx.deps.matching.reconcileAll();
    expect(summaries.reduce((n, s) => n + s.opened + s.resolved + s.reopened + s.updated, 0)).toBe(0);
    expect(await snapshot()).toEqual(all);
  });

  it('equals a full reconciliation after random sequences of inventory and feed changes', async () => {
    const seed = Number(process.env.MAMORI_MATCH_SEED ?? Date.now() % 100000);
    console.log(`match equality seed: ${seed} (replay with MAMORI_MATCH_SEED=${seed})`);
    let x = seed;
    const rand = (n: number): number => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x % n;
    };
    const docs = new Map<string, VulsDoc>([['alma8-r1', base], ['alma8-r2', base]]);
    for (const name of docs.keys()) await report(base, name);
    const open = await db.db.selectFrom('findings').select(['package_name', 'fixed_version']).where('state', '=', 'open').where('fixed_version', 'is not', null).execute();
    expect(open.length).toBeGreaterThan(0);
    const files = readdirSync(feedDir).sort();
    for (let step = 0; step < 12; step++) {
      if (rand(3) === 0) {
        // a feed change: one record's fixed versions move, or the record disappears
        const f = files[rand(files.length)]!;
        const path = join(feedDir, f);
        const text = readFileSync(path, 'utf8');
        const remove = rand(2) === 0;
        if (remove) rmSync(path, { force: true });
        else writeFileSync(path, text.replace(/"fixed": ?"([^"]+)"/g, (_m, v: string) => `"fixed":"${v}.1"`));
        const imp = await feeds.importPaths([feedDir]);
        if (process.env.DEBUG_MATCH) console.log('feed', remove ? 'remove' : 'bump', f, JSON.stringify(imp.sources.map((s) => (s.ok ? s.summary.changedKeys : s.error))));
        const jobs = await worker.drain();
        if (process.env.DEBUG_MATCH) console.log('drained', jobs);
      } else {
        const name = rand(2) === 0 ? 'alma8-r1' : 'alma8-r2';
        const pick = open[rand(open.length)]!;
        const doc = docs.get(name)!;
        const op = rand(3);
        const next = op === 0 ? withPackage(doc, pick.package_name, pick.fixed_version) : op === 1 ? withPackage(doc, pick.package_name, null) : withPackage(doc, pick.package_name, base.packages[pick.package_name] === undefined ? null : `${base.packages[pick.package_name]!.version}-${base.packages[pick.package_name]!.release}`);
        docs.set(name, next);
        await report(next, name);
      }
    }
    const incremental = await snapshot();
    // The hosts' counts by severity (kept up to date from each change) equal a recount.
    const recount = await db.db.selectFrom('findings').select(['host_id', 'severity', (eb) => eb.fn.countAll<string>().as('n')]).where('state', '=', 'open').groupBy(['host_id', 'severity']).execute();
    for (const h of await db.db.selectFrom('hosts').select(['id', 'finding_counts']).execute()) {
      const want = Object.fromEntries(recount.filter((r) => r.host_id === h.id).map((r) => [r.severity, Number(r.n)]));
      expect(h.finding_counts).toEqual(want);
    }
    const summaries = await ctx.deps.matching.reconcileAll();
    expect(summaries.filter((s) => s.opened + s.resolved + s.reopened + s.updated > 0)).toEqual([]);
    expect(await snapshot()).toEqual(incremental);
  });
});

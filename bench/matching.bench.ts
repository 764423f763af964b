/**
 * Matching speed (issue: matching every host against its own distribution's advisories).
 *
 * Against PostgreSQL (a scratch database on MAMORI_BENCH_DATABASE_URL, default
 * the local server), with the real AlmaLinux 8 OSV feed imported:
 *   1. one 1,500-package host matched by the pure core with a warm row index (ms per host);
 *   2. a fleet of BENCH_MATCH_HOSTS (default 10,000) simulated hosts: real EL8
 *      package lists in 40 mixes (three packages in four at the newest fixed
 *      version, the rest as the scanned hosts had them); a steady-state full
 *      reconciliation of every host, and a feed update touching 5% of the
 *      (release, package) keys re-matched incrementally with findings written;
 *   3. peak RSS of this process, which runs the match service as the server does.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { systemClock } from '../src/clock.js';
import { openDatabase } from '../src/db/client.js';
import type { DB } from '../src/db/schema.js';
import { FeedsRepository } from '../src/db/repositories/feeds.repository.js';
import { createRepositories } from '../src/db/repositories/index.js';
import { FeedImportService } from '../src/feeds/import/feed-import.service.js';
import { MatchService } from '../src/matching/match.service.js';
import { matchHost } from '../src/matching/match.js';
import { resolveTarget } from '../src/matching/release.js';
import { indexRowsByName } from '../src/matching/rows.js';
import type { MatchPackage, MatchableRow } from '../src/matching/types.js';
import { compareVersions } from '../src/versioning/index.js';
import { SHARED_DATA } from '../test/helpers/shared-data.js';
import { createScratchDatabase } from './scratch-database.js';

const HOSTS = Number(process.env.BENCH_MATCH_HOSTS ?? 10_000);
const PROFILES = Math.min(40, HOSTS);

function statusMb(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'));
  return m?.[1] === undefined ? NaN : Number(m[1]) / 1024;
}

/** Per package, the distinct non-module fixed versions in the feed, oldest first. */
function fixedVersions(rows: readonly MatchableRow[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of rows) {
    if (r.moduleStream !== null) continue;
    for (const range of r.ranges) {
      if (range.fixed === undefined) continue;
      const list = out.get(r.packageName) ?? [];
      if (!list.includes(range.fixed)) list.push(range.fixed);
      out.set(r.packageName, list);
    }
  }
  for (const list of out.values()) list.sort((x, y) => compareVersions('rpm', x, y));
  return out;
}

/** A package of the bench host: its version when left behind (`old`) and when up to date (`evr`). */
type BenchPackage = MatchPackage & { old: string };

/**
 * A 1,500-package EL8 host: every package of the scanned EL8 hosts (AlmaLinux 8, Rocky 8,
 * RHEL 8.0 Vuls results), left behind at their scanned versions; then, to reach the size of
 * a large server, packages the AlmaLinux 8 feed names (in name order), left behind one
 * update (at the previous fixed version). Up to date, each is at its newest fixed version.
 */
function el8Packages(fixed: Map<string, string[]>): { packages: BenchPackage[]; scanned: number } {
  const byName = new Map<string, BenchPackage>();
  for (const f of ['alma_8', 'rocky_8', 'rhel_80']) {
    const d = JSON.parse(readFileSync(join(SHARED_DATA, 'inventories/vuls-scan-results', `${f}.json`), 'utf8')) as {
      packages: Record<string, { name: string; version: string; release: string; arch: string; modularitylabel?: string }>;
    };
    for (const p of Object.values(d.packages)) {
      if (byName.has(p.name)) continue;
      const old = `${p.version}-${p.release}`;
      byName.set(p.name, { name: p.name, arch: p.arch || 'x86_64', evr: fixed.get(p.name)?.at(-1) ?? old, old, sourceName: null, sourceVersion: null, modularityLabel: p.modularitylabel || null, unparsedReason: null });
    }
  }
  const scanned = byName.size;
  for (const [name, versions] of [...fixed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (byName.size >= 1500) break;
    if (byName.has(name)) continue;
    byName.set(name, { name, arch: 'x86_64', evr: versions.at(-1)!, old: versions.at(-2) ?? versions.at(-1)!, sourceName: null, sourceVersion: null, modularityLabel: null, unparsedReason: null });
  }
  return { packages: [...byName.values()], scanned };
}

/**
 * Bulk seeding: drops a table's secondary indexes and unique constraints, runs `load`, then
 * rebuilds them from their own definitions (pg_indexes / pg_get_constraintdef), so the table
 * ends exactly as the migrations made it. Building an index once after a load is far quicker
 * than maintaining random-uuid-keyed indexes row by row through a 128 MB buffer cache.
 */
async function withIndexesRebuilt(db: Kysely<DB>, table: string, load: () => Promise<void>): Promise<string> {
  const constraints = (await sql<{ name: string; def: string }>`select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
    where conrelid = ${table}::regclass and contype = 'u'`.execute(db)).rows;
  const indexes = (await sql<{ name: string; def: string }>`select indexname as name, indexdef as def from pg_indexes
    where schemaname = 'public' and tablename = ${table} and indexname not in (select conname from pg_constraint where conrelid = ${table}::regclass)`.execute(db)).rows;
  for (const c of constraints) await sql`alter table ${sql.table(table)} drop constraint ${sql.ref(c.name)}`.execute(db);
  for (const i of indexes) await sql`drop index ${sql.ref(i.name)}`.execute(db);
  let t0 = performance.now();
  await load();
  const loaded = (performance.now() - t0) / 1000;
  t0 = performance.now();
  await db.transaction().execute(async (tx) => {
    await sql`set local maintenance_work_mem = '1GB'`.execute(tx);
    for (const c of constraints) await sql`alter table ${sql.table(table)} add constraint ${sql.ref(c.name)} ${sql.raw(c.def)}`.execute(tx);
    for (const i of indexes) await sql.raw(i.def).execute(tx);
  });
  t0 = performance.now() - t0;
  const size = (await sql<{ size: string }>`select pg_size_pretty(pg_total_relation_size(${table}::regclass)) as size`.execute(db)).rows[0]?.size ?? '?';
  return `${table}: load ${loaded.toFixed(1)} s, ${constraints.length + indexes.length} indexes rebuilt ${(t0 / 1000).toFixed(1)} s, ${size}`;
}

/** Resets the RSS high-water mark (Linux); elsewhere the figures include what ran before. */
function resetPeak(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    /* not Linux */
  }
}

/** CPU time of this process since `since`, per item, in ms. */
function cpuMs(since: NodeJS.CpuUsage, items: number): string {
  const d = process.cpuUsage(since);
  return ((d.user + d.system) / 1000 / Math.max(1, items)).toFixed(1);
}

/** The machine's CPU time (all cores, from /proc/stat) by kind, in jiffies. */
function machineCpu(): { busy: number; iowait: number; idle: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    return { busy: user + nice + system + irq + softirq + steal, iowait, idle };
  } catch {
    return { busy: NaN, iowait: NaN, idle: NaN };
  }
}

/** How the machine's cores were spent since `since`: busy (this process and PostgreSQL), waiting for the disk, idle. */
function machineShare(since: ReturnType<typeof machineCpu>): string {
  const now = machineCpu();
  const d = { busy: now.busy - since.busy, iowait: now.iowait - since.iowait, idle: now.idle - since.idle };
  const all = d.busy + d.iowait + d.idle;
  const pct = (x: number): string => `${((100 * x) / all).toFixed(0)}%`;
  return `machine CPU ${pct(d.busy)} busy, ${pct(d.iowait)} waiting for the disk, ${pct(d.idle)} idle`;
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase();
  const database = await openDatabase({ url: scratch.url });
  const feedDir = mkdtempSync(join(tmpdir(), 'mamori-bench-alsa-'));
  try {
    const db = database.db;
    const feeds = new FeedImportService({ feeds: new FeedsRepository(db), transaction: (fn) => db.transaction().execute((tx) => fn({ feeds: new FeedsRepository(tx) })) }, systemClock);
    cpSync(join(SHARED_DATA, 'osv/almalinux/almalinux8'), feedDir, { recursive: true });
    await feeds.importPaths([feedDir]);
    const repos = createRepositories(db);
    // as `mamori serve` on PostgreSQL (src/context.ts)
    const service = new MatchService(repos, systemClock, { batchConcurrency: Number(process.env.BENCH_MATCH_CONCURRENCY ?? 2) });

    // 1. One host, pure core, warm index.
    const t = resolveTarget({ id: 'almalinux', idLike: [], versionId: '8.9', codename: null, name: '', prettyName: '' });
    if (!t.supported) throw new Error('unsupported');
    const rows = await repos.matching.rows('almalinux', '8', null);
    const index = indexRowsByName(rows);
    const { packages: template, scanned: realNames } = el8Packages(fixedVersions(rows));
    // the single host: like the fleet's, three packages in four up to date, the rest left behind
    const packages: MatchPackage[] = template.map(({ old, ...p }, i) => (i % 4 === 0 ? { ...p, evr: old } : p));
    console.log(`   host: ${packages.length} packages (${realNames} as scanned EL8 hosts have them, ${packages.length - realNames} more named by the feed)`);
    const input = { target: t.target, kernelRelease: null, packages };
    for (let i = 0; i < 20; i++) matchHost(input, index);
    const runs = 200;
    const [one, total] = time(() => {
      let r = matchHost(input, index);
      for (let i = 1; i < runs; i++) r = matchHost(input, index);
      return r;
    });
    console.log(`1. one ${packages.length}-package host against ${rows.length} AlmaLinux 8 rows (warm index): ${(total / runs).toFixed(2)} ms per host, ${one.findings.length} findings`);

    // 2. The fleet. Per package the newest fixed version in the feed; each host takes it for a different quarter of its packages.
    await sql`create temporary table bench_template (idx int, name text, arch text, old_evr text, new_evr text, modularity_label text)`.execute(db);
    await sql`insert into bench_template select * from unnest(${packages.map((_, i) => i)}::int[], ${packages.map((p) => p.name)}::text[], ${packages.map((p) => p.arch)}::text[],
      ${template.map((p) => p.old)}::text[], ${template.map((p) => p.evr)}::text[], ${packages.map((p) => p.modularityLabel)}::text[])`.execute(db);
    // Hosts come in PROFILES package mixes (a profile = which quarter of the packages stayed old):
    // the first host of each profile is matched for real, the others get copies of its findings,
    // and the full reconciliation below then re-matches every host and must change nothing.
    let t0 = performance.now();
    await sql`insert into hosts (hostname, machine_id, os_id, os_version_id, os_name, os_pretty_name, kernel_release, last_report_at)
      select 'bench-' || g, 'bench' || g, 'almalinux', '8.9', 'AlmaLinux', 'AlmaLinux 8.9', null, now() from generate_series(1, ${HOSTS}) g`.execute(db);
    await sql`create temporary table bench_profile as select id as host_id, (substring(hostname from 7)::int % ${PROFILES}) as profile,
      substring(hostname from 7)::int <= ${PROFILES} as template from hosts`.execute(db);
    const pkgSeed = await withIndexesRebuilt(db, 'host_packages', async () => {
      await sql`insert into host_packages (host_id, manager, name, arch, evr, epoch, version, release, source_name, source_version, vendor, modularity_label, unparsed_reason, first_seen_at)
        select p.host_id, 'rpm', t.name, t.arch, case when (p.profile + t.idx) % 4 = 0 then t.old_evr else t.new_evr end,
               null, '', null, null, null, null, t.modularity_label, null, now()
        from bench_profile p cross join bench_template t`.execute(db);
    });
    await sql`vacuum analyze host_packages`.execute(db);
    await sql`analyze`.execute(db);
    console.log(`   seeded ${HOSTS} hosts × ${packages.length} packages in ${((performance.now() - t0) / 1000).toFixed(1)} s (${pkgSeed})`);

    t0 = performance.now();
    const templates = (await sql<{ host_id: string }>`select host_id from bench_profile where template order by host_id`.execute(db)).rows.map((r) => r.host_id);
    const first = await service.matchStoredHosts(templates.map((hostId) => ({ hostId, scope: 'all' as const })), 'bench', new Map());
    const firstSecs = (performance.now() - t0) / 1000;
    const opened = first.reduce((n, s) => n + s.opened, 0);
    console.log(`2a. first match of ${templates.length} hosts (one per profile): ${((firstSecs * 1000) / templates.length).toFixed(1)} ms/host, ${opened} findings opened`);
    t0 = performance.now();
    const findingSeed = await withIndexesRebuilt(db, 'findings', async () => {
      await sql`insert into findings (host_id, vulnerability, package_name, arch, state, source_package, installed_version, fixed_version, fix_state,
                                      severity, severity_label, advisories, sources, explanation, remediation, first_seen_at, opened_cause, last_changed_at)
        select c.host_id, f.vulnerability, f.package_name, f.arch, f.state, f.source_package, f.installed_version, f.fixed_version, f.fix_state,
               f.severity, f.severity_label, f.advisories, f.sources, f.explanation, f.remediation, f.first_seen_at, f.opened_cause, f.last_changed_at
        from bench_profile c join bench_profile t on t.profile = c.profile and t.template
        join findings f on f.host_id = t.host_id
        where not c.template`.execute(db);
    });
    await sql`vacuum analyze findings`.execute(db);
    await sql`update hosts h set match_distro = t.match_distro, match_release = t.match_release, match_status = t.match_status,
                 end_of_life = t.end_of_life, last_matched_at = t.last_matched_at, finding_counts = t.finding_counts
      from bench_profile c join bench_profile tp on tp.profile = c.profile and tp.template join hosts t on t.id = tp.host_id
      where h.id = c.host_id and not c.template`.execute(db);
    await sql`analyze`.execute(db);
    const findingTotal = await db.selectFrom('findings').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    console.log(`   copied findings to the other hosts: ${findingTotal.n} findings in all, ${((performance.now() - t0) / 1000).toFixed(1)} s (${findingSeed})`);
    const peakBefore = statusMb('VmHWM');
    resetPeak(); // measure matching, not the first import and the seeding
    console.log(`   peak RSS so far (feed import, seeding) ${peakBefore.toFixed(0)} MB; RSS now ${statusMb('VmRSS').toFixed(0)} MB`);

    t0 = performance.now();
    let cpu = process.cpuUsage();
    let machine = machineCpu();
    const steady = await service.reconcileAll();
    const steadySecs = (performance.now() - t0) / 1000;
    console.log(
      `2b. full reconciliation, nothing changed: ${steadySecs.toFixed(1)} s (${((steadySecs * 1000) / HOSTS).toFixed(1)} ms/host, ${cpuMs(cpu, HOSTS)} ms/host of it in this process; ` +
        `${machineShare(machine)}), ${steady.reduce((n, s) => n + s.opened + s.resolved + s.updated + s.reopened, 0)} changes (target ≤ 600 s)`,
    );

    // A feed update touching 5% of the keys: their fixed versions move up one release.
    const keys = [...new Set(rows.map((r) => r.packageName))].sort();
    const touched = new Set(keys.filter((_, i) => i % 20 === 0));
    for (const f of readdirSync(feedDir)) {
      const path = join(feedDir, f);
      const rec = JSON.parse(readFileSync(path, 'utf8')) as { affected?: { package: { name: string }; ranges?: { events: Record<string, string>[] }[] }[] };
      let changed = false;
      for (const a of rec.affected ?? []) {
        if (!touched.has(a.package.name)) continue;
        for (const r of a.ranges ?? []) for (const e of r.events) if (e.fixed !== undefined) {
          e.fixed = `${e.fixed}.1`;
          changed = true;
        }
      }
      if (changed) writeFileSync(path, JSON.stringify(rec));
    }
    const reconcilePeak = statusMb('VmHWM');
    resetPeak();
    t0 = performance.now();
    const imp = await feeds.importPaths([feedDir]);
    const importSecs = (performance.now() - t0) / 1000;
    const changedKeys = imp.sources.reduce((n, s) => n + (s.ok ? s.summary.changedKeys : 0), 0);
    // the key changes this import recorded (the worker would pick them up the same way)
    const importIds = imp.sources.flatMap((s) => (s.ok ? [s.summary.importId] : []));
    const range = await db
      .selectFrom('feed_key_changes')
      .select((eb) => [eb.fn.min('id').as('lo'), eb.fn.max('id').as('hi')])
      .where('import_id', 'in', importIds)
      .executeTakeFirstOrThrow();
    const importPeak = statusMb('VmHWM');
    resetPeak();
    t0 = performance.now();
    cpu = process.cpuUsage();
    machine = machineCpu();
    const inc = await service.matchFeedChanges(range.lo, range.hi);
    const incSecs = (performance.now() - t0) / 1000;
    const incCpu = cpuMs(cpu, inc.length);
    const incMachine = machineShare(machine);
    console.log(
      `2c. feed update touching ${touched.size} of ${keys.length} keys (${changedKeys} key changes recorded, import ${importSecs.toFixed(1)} s): ` +
        `${inc.length} hosts re-matched, ${inc.reduce((n, s) => n + s.opened + s.resolved + s.updated + s.reopened, 0)} finding changes written in ${incSecs.toFixed(1)} s (${incCpu} ms/host in this process; ${incMachine}) (target ≤ 60 s)`,
    );
    console.log(
      `3. peak RSS of the matching process: ${reconcilePeak.toFixed(0)} MB during the full reconciliation, ${importPeak.toFixed(0)} MB during the feed re-import, ` +
        `${statusMb('VmHWM').toFixed(0)} MB during the feed update's matching (target ≤ 512 MB)`,
    );
  } finally {
    await database.close();
    rmSync(feedDir, { recursive: true, force: true });
    await scratch.drop();
  }
}

await main();

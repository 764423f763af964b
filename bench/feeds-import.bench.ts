/**
 * Feed import throughput and memory against PostgreSQL (issue: the vulnerability
 * knowledge base).
 *
 * The real AlmaLinux OSV records of ../shared/data/osv/almalinux/ (2,617 files) are
 * replicated under new ids (`ALSA-2023:0202` → `ALSA-2023:0202-b7`) until there are at
 * least BENCH_FEED_RECORDS (default 100,000) one-record files in a temp directory, as an
 * OSV `all.zip` unpacks. A child process then imports that directory as `osv:AlmaLinux`
 * into a scratch database on MAMORI_BENCH_DATABASE_URL (default the local server) with
 * `FeedImportService.importFiles` — one transaction, records streamed in batches — and
 * imports it a second time unchanged. Prints records/s per phase and the importing
 * process's peak RSS (targets: ≥ 2,000 records/s, ≤ 512 MB).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../src/clock.js';
import { openDatabase } from '../src/db/client.js';
import { createRepositories } from '../src/db/repositories/index.js';
import { FeedImportService } from '../src/feeds/import/feed-import.service.js';
import { SHARED_DATA } from '../test/helpers/shared-data.js';
import { createScratchDatabase } from './scratch-database.js';

const RECORDS = Number(process.env.BENCH_FEED_RECORDS ?? 100_000);

/** Peak resident set size of this process, in MB (VmHWM; maxRSS where /proc is missing). */
async function peakRssMb(): Promise<number> {
  try {
    const status = await readFile('/proc/self/status', 'utf8');
    const kb = /VmHWM:\s+(\d+)/.exec(status)?.[1];
    if (kb !== undefined) return Number(kb) / 1024;
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS / 1024;
}

async function child(dir: string, url: string): Promise<void> {
  const database = await openDatabase({ url });
  try {
    const service = new FeedImportService(createRepositories(database.db), systemClock);
    for (const phase of ['first import (every record new)', 'second import (nothing changed)']) {
      const t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      const s = await service.importSource('osv:AlmaLinux', [{ path: dir }]);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = process.cpuUsage(cpu0);
      console.log(
        `${phase}: ${s.records} records (${s.files} files) in ${seconds.toFixed(1)} s = ${Math.round(s.records / seconds)} records/s ` +
          `(importer CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores); ` +
          `stored ${s.advisories} advisories, ${s.affected} affected rows; ${s.changedKeys} keys changed; peak RSS so far ${(await peakRssMb()).toFixed(0)} MB`,
      );
    }
    console.log(`importing process peak RSS ${(await peakRssMb()).toFixed(0)} MB (process.resourceUsage().maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB)`);
  } finally {
    await database.close();
  }
}

/** Writes ≥ RECORDS one-record files; returns how many. */
async function replicate(dir: string): Promise<number> {
  const root = join(SHARED_DATA, 'osv/almalinux');
  const originals: { name: string; doc: Record<string, unknown> }[] = [];
  for (const release of await readdir(root)) {
    for (const f of await readdir(join(root, release))) {
      originals.push({ name: `${release}-${f}`, doc: JSON.parse(await readFile(join(root, release, f), 'utf8')) as Record<string, unknown> });
    }
  }
  let n = 0;
  for (let copy = 0; n < RECORDS; copy++) {
    const sub = join(dir, `copy-${String(copy).padStart(3, '0')}`);
    await mkdir(sub);
    for (const o of originals) {
      const doc = copy === 0 ? o.doc : { ...o.doc, id: `${String(o.doc.id)}-b${copy}` };
      await writeFile(join(sub, o.name), JSON.stringify(doc));
      n++;
    }
  }
  return n;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mamori-feed-bench-'));
  const scratch = await createScratchDatabase();
  try {
    const t0 = Date.now();
    const files = await replicate(dir);
    console.log(`${files} OSV files (AlmaLinux records replicated under new ids) written in ${((Date.now() - t0) / 1000).toFixed(1)} s to ${dir}`);
    // The import runs in its own process, so its peak RSS is the importer's alone.
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', dir, scratch.url], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`import process exited with ${r.status ?? r.signal ?? 'unknown'}`);
  } finally {
    await scratch.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!);
else await main();

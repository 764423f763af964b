/**
 * Large package databases for the agent's speed and memory checks
 * (test/agent/perf.test.ts and bench/agent.bench.ts): real rpm and dpkg
 * databases made by the real tools, and an apk database grown from the shared
 * real one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA, put } from './helpers.js';

/** An rpm database with `count` packages (one spec, `count - 1` subpackages). */
export function buildRpmDb(dir: string, count: number): string {
  const lines = [
    'Name: mamori-bench',
    'Version: 1.0.0',
    'Release: 1.el9',
    'Summary: bench package',
    'License: MIT',
    'Vendor: Mamori Bench',
    'BuildArch: noarch',
    '%description',
    'Bench package.',
    '%files',
  ];
  for (let i = 1; i < count; i++) {
    lines.push(
      `%package -n mamori-bench-sub${i}`,
      `Summary: bench subpackage ${i}`,
      ...(i % 3 === 0 ? [`Epoch: ${i % 7}`] : []),
      `%description -n mamori-bench-sub${i}`,
      `Bench subpackage ${i}.`,
      `%files -n mamori-bench-sub${i}`,
    );
  }
  const spec = join(dir, 'bench.spec');
  put(spec, `${lines.join('\n')}\n`);
  const defines = ['--define', `_topdir ${dir}/top`, '--define', `_dbpath ${dir}/builddb`];
  execFileSync('rpmbuild', ['-bb', '--quiet', '--nodeps', ...defines, spec], { stdio: 'pipe' });
  const rpmDir = join(dir, 'top/RPMS/noarch');
  const rpms = readdirSync(rpmDir).map((f) => join(rpmDir, f));
  const db = join(dir, 'db');
  execFileSync('rpm', ['--dbpath', db, '-i', '--nodeps', '--justdb', '--ignorearch', ...rpms], { stdio: 'pipe' });
  return db;
}

function stanzas(text: string): string[] {
  return text.split(/\n\n+/).filter((s) => s.trim() !== '');
}

/** A root whose /var/lib/dpkg/status has `count` packages, copied from this machine's (renamed). */
export function buildDpkgRoot(root: string, count: number): string {
  const source = existsSync('/var/lib/dpkg/status')
    ? readFileSync('/var/lib/dpkg/status', 'utf8')
    : readFileSync(join(DATA, 'inventories/dpkg-status/osv-scalibr-valid.status'), 'utf8');
  const base = stanzas(source);
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const s = base[i % base.length]!;
    const copy = Math.floor(i / base.length);
    out.push(copy === 0 ? s : s.replace(/^Package: (.*)$/m, `Package: $1-copy${copy}`));
  }
  put(join(root, 'var/lib/dpkg/status'), `${out.join('\n\n')}\n`);
  put(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
  return root;
}

/** A root whose /lib/apk/db/installed has `count` packages, grown from the shared real one. */
export function buildApkRoot(root: string, count: number): string {
  const base = stanzas(readFileSync(join(DATA, 'inventories/apk-installed/osv-scalibr-installed'), 'utf8'));
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const s = base[i % base.length]!;
    const copy = Math.floor(i / base.length);
    out.push(copy === 0 ? s : s.replace(/^P:(.*)$/m, `P:$1-copy${copy}`));
  }
  put(join(root, 'lib/apk/db/installed'), `${out.join('\n\n')}\n\n`);
  put(join(root, 'etc/os-release'), 'ID=alpine\nVERSION_ID=3.19.1\n');
  return root;
}

export interface Measurement {
  wallMs: number;
  /** peak RSS of the largest single process of the run (GNU time %M), in KiB */
  maxRssKb: number | undefined;
  stdout: string;
  status: number | null;
}

export const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Run argv once; wall time from here, peak RSS from GNU time when installed. */
export function measure(argv: readonly string[], env: NodeJS.ProcessEnv): Measurement {
  const wrapped = GNU_TIME ? [GNU_TIME, '-f', 'MAXRSS=%M', ...argv] : [...argv];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(wrapped[0]!, wrapped.slice(1), { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /MAXRSS=(\d+)/.exec(r.stderr);
  return { wallMs, maxRssKb: m ? Number(m[1]) : undefined, stdout: r.stdout, status: r.status };
}

/**
 * Ingest throughput against PostgreSQL (issue: hosts report their packages).
 *
 * A real `mamori serve` process on loopback with --database-url (a scratch
 * database on MAMORI_BENCH_DATABASE_URL, default the local server), N hosts
 * registered through the API, each reporting a 1,500-package rpm inventory
 * built from real package lists (the EL hosts of ../shared/data's Vuls scan
 * results), varied per host. Three phases, each at fixed concurrency:
 *   A. first reports (every package is new),
 *   B. re-reports with 20 changed packages (only the diff is written),
 *   C. unchanged re-reports,
 *   D. a steady day: every host re-reports, one in ten with 20 changed packages.
 * Prints inventories/s and latency percentiles per phase, and server peak RSS.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { SHARED_DATA } from '../test/helpers/shared-data.js';
import { startServe } from '../test/helpers/cli.js';
import { createScratchDatabase } from './scratch-database.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const PACKAGES = 1500;

interface Pkg {
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch: string;
}

function realPackages(): Pkg[] {
  const files = ['alma_8', 'alma_10', 'rocky_8', 'rocky_10', 'rhel_80', 'rhel_10', 'oracle_7', 'oracle_9', 'oracle_10', 'centos_7', 'rhel_73', 'amazon_2', 'fedora_38', 'amazon_1'];
  const byName = new Map<string, Pkg>();
  for (const f of files) {
    const d = JSON.parse(readFileSync(`${SHARED_DATA}/inventories/vuls-scan-results/${f}.json`, 'utf8')) as {
      packages: Record<string, { name: string; version: string; release: string; arch: string }>;
    };
    for (const p of Object.values(d.packages)) {
      const m = /^(\d+):(.*)$/.exec(p.version);
      const pkg = { name: p.name, epoch: m?.[1] ?? '(none)', version: m?.[2] ?? p.version, release: p.release, arch: p.arch || 'x86_64' };
      if (!byName.has(pkg.name)) byName.set(pkg.name, pkg);
    }
  }
  const list = [...byName.values()];
  // Fill up to 1,500 with the same real entries under a second arch (multilib hosts have that).
  for (let i = 0; list.length < PACKAGES; i++) list.push({ ...list[i]!, arch: 'i686' });
  return list.slice(0, PACKAGES);
}

function line(p: Pkg): string {
  return `${p.name}\t${p.epoch}\t${p.version}\t${p.release}\t${p.arch}\t${p.name}-${p.version}-${p.release}.src.rpm\tAlmaLinux\t(none)`;
}

function document(host: number, pkgs: Pkg[]): Buffer {
  const doc = {
    schemaVersion: 1,
    collectedAt: new Date().toISOString(),
    host: { hostname: `bench-${host}`, machineId: `bench${host.toString(16).padStart(28, '0')}`, arch: 'x86_64', kernelRelease: '4.18.0-513.5.1.el8_9.x86_64' },
    files: { '/etc/os-release': 'NAME="AlmaLinux"\nVERSION_ID="8.9"\nID="almalinux"\nID_LIKE="rhel centos fedora"\nPRETTY_NAME="AlmaLinux 8.9 (Midnight Oncilla)"\n' },
    packages: [{ format: 'rpm-qf-v1', data: `${pkgs.map(line).join('\n')}\n` }],
  };
  return gzipSync(JSON.stringify(doc));
}

/** Per host: a real list with ~5% of releases bumped, so hosts differ like a real fleet. */
function variant(base: Pkg[], host: number, salt: number, changes: number): Pkg[] {
  const out = base.map((p) => ({ ...p }));
  let x = (host + 1) * 2654435761 + salt;
  for (let i = 0; i < changes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const p = out[x % out.length]!;
    p.release = `${p.release}.${salt}`;
  }
  return out;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

/** CPU seconds (user+system) used so far by one process, or by all processes of a user (PostgreSQL backends). */
function cpuSeconds(filter: { pid: number } | { uid: number }): number {
  const tick = 100; // USER_HZ
  const pids = 'pid' in filter ? [String(filter.pid)] : readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  let total = 0;
  for (const pid of pids) {
    try {
      if ('uid' in filter && statSync(`/proc/${pid}`).uid !== filter.uid) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      /* exited meanwhile */
    }
  }
  return total;
}

let serverPid = 0;
let postgresUid = -1;

async function phase(name: string, url: string, bodies: Buffer[], credentials: string[]): Promise<void> {
  const latencies: number[] = [];
  const cpu0 = { server: cpuSeconds({ pid: serverPid }), pg: cpuSeconds({ uid: postgresUid }) };
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < bodies.length; i = next++) {
        const s = performance.now();
        const r = await fetch(`${url}/api/v1/agent/inventory`, {
          method: 'POST',
          headers: { authorization: `Bearer ${credentials[i]!}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: bodies[i]!,
        });
        await r.arrayBuffer();
        if (r.status !== 202) throw new Error(`report ${i} got ${r.status}`);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(38)} ${bodies.length} inventories in ${secs.toFixed(2)} s = ${(bodies.length / secs).toFixed(1)}/s; ` +
      `latency p50 ${pct(latencies, 50).toFixed(1)} ms, p95 ${pct(latencies, 95).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms; ` +
      `CPU per inventory: server ${(((cpuSeconds({ pid: serverPid }) - cpu0.server) * 1000) / bodies.length).toFixed(1)} ms, ` +
      `PostgreSQL ${(((cpuSeconds({ uid: postgresUid }) - cpu0.pg) * 1000) / bodies.length).toFixed(1)} ms`,
  );
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase();
  // BENCH_PROFILE=DIR writes a CPU profile of the server there.
  const profile = process.env.BENCH_PROFILE;
  const server = await startServe(
    ['--database-url', scratch.url],
    { MAMORI_ADMIN_PASSWORD: 'bench-password-123456' },
    profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`],
  );
  try {
    serverPid = server.child.pid!;
    postgresUid = statSync('/proc/' + String((await scratch.admin.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid)).uid;
    const login = (await (
      await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'bench-password-123456' }),
      })
    ).json()) as { token: string };
    const key = (await (
      await fetch(`${server.url}/api/v1/registration-keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${login.token}` },
        body: JSON.stringify({ name: 'bench' }),
      })
    ).json()) as { key: string };
    const credentials: string[] = [];
    for (let h = 0; h < HOSTS; h++) {
      const r = (await (
        await fetch(`${server.url}/api/v1/agent/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ key: key.key, hostname: `bench-${h}`, machineId: `bench${h.toString(16).padStart(28, '0')}` }),
        })
      ).json()) as { credential: string };
      credentials.push(r.credential);
    }
    const base = realPackages();
    const first = Array.from({ length: HOSTS }, (_, h) => variant(base, h, 1, 75));
    const second = first.map((pkgs, h) => variant(pkgs, h, 2, 20));
    console.log(`${HOSTS} hosts × ${PACKAGES} packages (real EL package lists), concurrency ${CONCURRENCY}, PostgreSQL`);
    await phase('A. first report (all packages new)', server.url, first.map((p, h) => document(h, p)), credentials);
    await phase('B. re-report, 20 packages changed', server.url, second.map((p, h) => document(h, p)), credentials);
    await phase('C. re-report, nothing changed', server.url, second.map((p, h) => document(h, p)), credentials);
    const third = second.map((pkgs, h) => (h % 10 === 0 ? variant(pkgs, h, 3, 20) : pkgs));
    await phase('D. steady state: 10% with 20 changes', server.url, third.map((p, h) => document(h, p)), credentials);
    const status = readFileSync(`/proc/${server.child.pid!}/status`, 'utf8');
    console.log(`server peak RSS ${/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? '?'} kB`);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    await scratch.drop();
  }
}

await main();

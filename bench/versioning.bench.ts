/**
 * Version comparison speed.
 *
 * 1. In-process comparisons per second per scheme on typical distro versions
 *    (target: >= 3,000,000/s per core, e.g. `2:8.0.1763-16.el7_9.2` vs
 *    `2:8.0.1763-19.el7_9`).
 * 2. `mamori vercmp rpm --batch` on 1,000,000 pairs through a pipe, in a
 *    child process, start-up included (target: < 3 s). Uses the compiled CLI
 *    in dist/ when `npm run build` has produced it, else tsx.
 *
 * `npm run bench -- versioning`
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareApk, compareDpkg, compareRpmEvr, compareVersions, rpmvercmp, type VersionScheme } from '../src/versioning/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

type Pair = readonly [string, string];

const RPM: Pair[] = [
  ['2:8.0.1763-16.el7_9.2', '2:8.0.1763-19.el7_9'],
  ['1:1.0.2k-19.el7', '1:1.0.2k-21.el7_9'],
  ['0:2.7.0-10.module+el8.4.0+570+c2eaf144', '0:2.7.0-11.module+el8.5.0+700+a1b2c3d4'],
  ['5.1.8-6.el9_1', '5.1.8-9.el9'],
  ['3.10.0-1160.el7', '3.10.0-1160.2.1.el7'],
  ['4.18.0-305.el8', '4.18.0-240.22.1.el8_3'],
  ['2.9.1-9.el8_10', '2.9.1-9.el8_10'],
  ['1.1.1k-12.el8_9', '1:1.1.1k-14.el8_6'],
];

const DPKG: Pair[] = [
  ['2.36-9+deb12u4', '2.36-9+deb12u7'],
  ['1:2.3.2-2+lenny2', '1:2.3.2-2'],
  ['7.88.1-10+deb12u5', '7.88.1-10+deb12u8'],
  ['2.7.4+reloaded2-13ubuntu1', '2.7.4+reloaded2-13+deb9u1'],
  ['1.2.3-1~deb11u1', '1.2.3-1'],
  ['3.0.11-1~deb12u2', '3.0.13-1~deb12u1'],
  ['1:9.18.24-1', '1:9.18.19-1~deb12u1'],
  ['252.22-1~deb12u1', '252.22-1~deb12u1'],
];

const APK: Pair[] = [
  ['3.0.15-r0', '3.0.15-r1'],
  ['1.36.1-r15', '1.36.1-r29'],
  ['9.6_p1-r0', '9.7_p1-r0'],
  ['2.39.2-r0', '2.40.0_rc1-r0'],
  ['1.2.3_git20240101-r0', '1.2.3-r5'],
  ['8.5.0-r0', '8.5.0-r0'],
  ['1.1.1w-r1', '3.1.4-r5'],
  ['6.4_p20231125-r0', '6.4_p20240210-r0'],
];

/**
 * Runs `cmp` over the pairs for about `ms` milliseconds. Returns comparisons
 * per second of wall-clock time and per second of this process's CPU time
 * (the fairer figure when other work shares the cores).
 */
function measure(pairs: readonly Pair[], cmp: (a: string, b: string) => number, ms = 1000): { wall: number; cpu: number } {
  let sink = 0;
  // Warm-up so the JIT has optimised the comparator.
  for (let i = 0; i < 300_000; i++) {
    const p = pairs[i % pairs.length]!;
    sink += cmp(p[0], p[1]);
  }
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 100_000; i++) {
      const p = pairs[i % pairs.length]!;
      sink += cmp(p[0], p[1]);
    }
    n += 100_000;
    now = process.hrtime.bigint();
  }
  const cpu = process.cpuUsage(cpu0);
  if (sink === Number.MIN_SAFE_INTEGER) console.log(sink); // keep the results alive
  return { wall: n / (Number(now - start) / 1e9), cpu: n / ((cpu.user + cpu.system) / 1e6) };
}

function fmt(perSecond: number): string {
  return `${(perSecond / 1e6).toFixed(2)} M/s`.padStart(10);
}

const TARGET = 3_000_000;
console.log('In-process comparisons per second, one core (target >= 3.00 M/s):');
console.log('      wall    per CPU-s');
const rows: [string, { wall: number; cpu: number }][] = [
  ['rpm   compareRpmEvr, 2:8.0.1763-16.el7_9.2 vs 2:8.0.1763-19.el7_9', measure([RPM[0]!], compareRpmEvr)],
  ['rpm   compareRpmEvr, 8 typical RHEL EVR pairs', measure(RPM, compareRpmEvr)],
  ['rpm   rpmvercmp (bare version strings)', measure(RPM.map(([a, b]) => [a.replace(/^\d+:/u, ''), b.replace(/^\d+:/u, '')] as const), rpmvercmp)],
  ['dpkg  compareDpkg, 8 typical Debian/Ubuntu pairs', measure(DPKG, compareDpkg)],
  ['apk   compareApk (validating), 8 typical Alpine pairs', measure(APK, compareApk)],
];
for (const scheme of ['rpm', 'dpkg', 'apk'] as const satisfies readonly VersionScheme[]) {
  const pairs = scheme === 'rpm' ? RPM : scheme === 'dpkg' ? DPKG : APK;
  rows.push([`${scheme.padEnd(5)} compareVersions('${scheme}', …) facade`, measure(pairs, (a, b) => compareVersions(scheme, a, b))]);
}
for (const [label, rate] of rows) {
  console.log(`${fmt(rate.wall)} ${fmt(rate.cpu)}  ${label}${Math.max(rate.wall, rate.cpu) < TARGET ? '   (below target)' : ''}`);
}
const [load1] = loadavg();
if (load1 !== undefined && load1 > availableParallelism()) {
  console.log(`  (load average ${load1.toFixed(1)} on ${availableParallelism()} cores: wall-clock figures are depressed; see per CPU-s)`);
}

// ---------------------------------------------------------------- --batch

/** The `mamori` command: the compiled build when there is one (as users run it), else tsx on the sources. */
function cliCommand(): { argv: string[]; how: string } {
  if (existsSync(join(root, 'dist/cli/bin.js'))) return { argv: [process.execPath, join(root, 'bin/mamori.js')], how: 'compiled dist/' };
  return { argv: [process.execPath, '--import', 'tsx', join(root, 'src/cli/bin.ts')], how: 'tsx, sources' };
}

async function batch(pairsFile: string, dir: string, n: number): Promise<void> {
  const { argv, how } = cliCommand();
  const input = openSync(pairsFile, 'r');
  const start = process.hrtime.bigint();
  const { code, lines } = await new Promise<{ code: number | null; lines: number }>((resolve, reject) => {
    const child = spawn(argv[0]!, [...argv.slice(1), 'vercmp', 'rpm', '--batch'], { stdio: [input, 'pipe', 'inherit'] });
    let count = 0;
    child.stdout!.on('data', (c: Buffer) => {
      for (const byte of c) if (byte === 0x0a) count++;
    });
    child.on('error', reject);
    child.on('close', (exit) => {
      resolve({ code: exit, lines: count });
    });
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  closeSync(input);
  if (code !== 0 || lines !== n) throw new Error(`vercmp --batch exited ${String(code)} after ${lines} of ${n} lines`);
  console.log(
    `  ${seconds.toFixed(2).padStart(6)} s  mamori vercmp rpm --batch, ${n.toLocaleString('en')} pairs through a pipe (${how}, start-up included; target < 3 s)${seconds >= 3 ? '   (above target)' : ''}`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'mamori-vercmp-bench-'));
try {
  const n = 1_000_000;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = RPM[i % RPM.length]!;
    const b = RPM[(i * 5 + 3) % RPM.length]!;
    lines.push(`${a[0]} ${b[1]}`);
  }
  const pairsFile = join(dir, 'pairs.txt');
  writeFileSync(pairsFile, `${lines.join('\n')}\n`);
  console.log('\nBatch CLI:');
  await batch(pairsFile, dir, n);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Test support: the real package managers as oracles, and seeded generators
 * of nasty version pairs for differential tests.
 *
 * - rpm: one `rpm --eval '%{lua: dofile(...)}'` process runs `rpm.vercmp` on
 *   every pair (a Lua table of pairs, results written to a file).
 * - dpkg: one `sh` script with one `dpkg --compare-versions` line (two when
 *   the first says "not less") per pair.
 *
 * Results are `<`, `=`, `>` or `E` (the package manager rejected a version).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Outcome = '<' | '=' | '>' | 'E';
export type Pair = readonly [string, string];

// ---------------------------------------------------------------- oracles

function commandWorks(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

export const HAVE_RPM = commandWorks('rpm', ['--version']);
export const HAVE_DPKG = commandWorks('dpkg', ['--version']);

export function rpmVersionString(): string {
  return spawnSync('rpm', ['--version'], { encoding: 'utf8' }).stdout.trim();
}

export function dpkgVersionString(): string {
  return (spawnSync('dpkg', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '').trim();
}

/** A Lua string literal for any string: every byte outside [A-Za-z0-9] as a 3-digit decimal escape. */
function luaString(s: string): string {
  let out = '"';
  for (const byte of new TextEncoder().encode(s)) {
    const alnum = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
    out += alnum ? String.fromCharCode(byte) : `\\${byte.toString().padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** rpm's own `rpm.vercmp(a, b)` (rpmverCmp on EVR strings) for every pair, in one rpm process. */
export function rpmVercmpBatch(pairs: readonly Pair[]): Outcome[] {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-rpm-'));
  try {
    const script = join(dir, 'pairs.lua');
    const outFile = join(dir, 'out.txt');
    const lines = [`local out = assert(io.open(${luaString(outFile)}, "w"))`, 'local pairs_ = {'];
    for (const [a, b] of pairs) lines.push(`{${luaString(a)},${luaString(b)}},`);
    lines.push('}');
    lines.push('for _, p in ipairs(pairs_) do');
    lines.push('  local ok, r = pcall(rpm.vercmp, p[1], p[2])');
    lines.push('  if not ok then out:write("E\\n") elseif r < 0 then out:write("<\\n") elseif r > 0 then out:write(">\\n") else out:write("=\\n") end');
    lines.push('end');
    lines.push('out:close()');
    writeFileSync(script, lines.join('\n'));
    const r = spawnSync('rpm', ['--eval', `%{lua: dofile(${luaString(script)})}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`rpm --eval failed (${String(r.status)}): ${r.stderr}`);
    return parseOutcomes(readFileSync(outFile, 'utf8'), pairs.length, 'rpm');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function shQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/** `dpkg --compare-versions` for every pair, in one sh script. Exit status 2 (bad syntax) is `E`. */
export function dpkgCompareBatch(pairs: readonly Pair[]): Outcome[] {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-dpkg-'));
  try {
    const script = join(dir, 'pairs.sh');
    const lines = [
      'c() {',
      '  dpkg --compare-versions -- "$1" lt "$2" 2>/dev/null; r=$?',
      "  if [ $r -eq 0 ]; then echo '<'; return; fi",
      '  if [ $r -ne 1 ]; then echo E; return; fi',
      "  if dpkg --compare-versions -- \"$1\" eq \"$2\" 2>/dev/null; then echo '='; else echo '>'; fi",
      '}',
    ];
    for (const [a, b] of pairs) lines.push(`c ${shQuote(a)} ${shQuote(b)}`);
    writeFileSync(script, `${lines.join('\n')}\n`);
    const r = spawnSync('sh', [script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`dpkg script failed (${String(r.status)}): ${r.stderr}`);
    return parseOutcomes(r.stdout, pairs.length, 'dpkg');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseOutcomes(text: string, n: number, who: string): Outcome[] {
  const out = text.split('\n').filter((l) => l !== '');
  if (out.length !== n) throw new Error(`${who} answered ${out.length} of ${n} pairs`);
  return out.map((l) => {
    if (l === '<' || l === '=' || l === '>' || l === 'E') return l;
    throw new Error(`${who} printed ${JSON.stringify(l)}`);
  });
}

// ---------------------------------------------------------------- seeded generators

/** The seed for this run: `MAMORI_VERSION_SEED` when set (to replay a failure), else a fresh one. */
export function seedFromEnv(): number {
  const env = process.env.MAMORI_VERSION_SEED;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n)) throw new Error(`MAMORI_VERSION_SEED must be an integer, got ${env}`);
    return n >>> 0;
  }
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}

/** mulberry32: a small, fast, seedable PRNG (deterministic across platforms). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    const x = xs[this.int(xs.length)];
    if (x === undefined) throw new Error('pick from an empty list');
    return x;
  }
}

const DIGITS40 = '1234567890123456789012345678901234567890';

const NUMBERS = ['0', '1', '2', '3', '9', '10', '11', '00', '01', '001', '010', '99', '100', '2024', '20160101', DIGITS40, `0${DIGITS40}`];
const WORDS = ['a', 'b', 'z', 'A', 'Z', 'aa', 'rc', 'alpha', 'beta', 'pre', 'git', 'svn', 'el', 'fc', 'p', 'dfsg', 'deb', 'ubuntu', 'module'];
const NON_ASCII = ['é', 'α', 'ß', '日'];

/** Token lists are mutated to make the pair differ in one place only, so comparisons go deep. */
function mutate(rng: Rng, tokens: string[], atoms: readonly string[], seps: readonly string[]): string[] {
  const t = tokens.slice();
  const k = t.length === 0 ? 0 : rng.int(t.length);
  switch (rng.int(8)) {
    case 0:
      t[k] = rng.pick(atoms);
      break;
    case 1:
      t[k] = rng.pick(seps);
      break;
    case 2:
      t.splice(k, 0, rng.pick(seps), rng.pick(atoms));
      break;
    case 3:
      t.push(rng.pick(seps), rng.pick(atoms));
      break;
    case 4:
      t.length = k;
      break;
    case 5:
      t[k] = `0${t[k] ?? ''}`;
      break;
    case 6:
      t.splice(k, 0, rng.pick(['~', '^', '~~', '^~', '~^']));
      break;
    default:
      t[k] = (t[k] ?? '').toUpperCase();
  }
  return t;
}

function tokens(rng: Rng, atoms: readonly string[], seps: readonly string[], maxSegments: number): string[] {
  const n = 1 + rng.int(maxSegments);
  const t: string[] = [];
  for (let i = 0; i < n; i++) {
    t.push(rng.pick(atoms));
    if (i < n - 1 || rng.chance(0.15)) t.push(rng.pick(seps));
  }
  return t;
}

function pairOf(rng: Rng, make: () => string[], atoms: readonly string[], seps: readonly string[]): [string[], string[]] {
  const a = make();
  const b = rng.chance(0.8) ? mutate(rng, a, atoms, seps) : make();
  return rng.chance(0.5) ? [a, b] : [b, a];
}

const RPM_ATOMS = [...NUMBERS, ...NUMBERS, ...WORDS, ...NON_ASCII];
const RPM_SEPS = ['.', '.', '.', '.', '_', '+', '~', '^', '..', '~~', '^^', '%', '{', '}', '', '', ' ', 'é', '/'];

/** A pair of bare version strings (no '-' or ':'), compared by rpmvercmp() alone. */
export function rpmVersionPair(rng: Rng): Pair {
  const [a, b] = pairOf(rng, () => tokens(rng, RPM_ATOMS, RPM_SEPS, 6), RPM_ATOMS, RPM_SEPS);
  const fix = (t: string[]): string => {
    const s = t.join('');
    return s === '' ? '0' : s;
  };
  return [fix(a), fix(b)];
}

const RPM_EPOCHS = ['0', '1', '2', '01', '00', '10', '', DIGITS40, 'a', '1a'];

function rpmEvr(rng: Rng, version: string): string {
  let s = version;
  if (rng.chance(0.4)) s = `${rng.pick(RPM_EPOCHS)}:${s}`;
  const r = rng.next();
  if (r < 0.55) s = `${s}-${tokens(rng, RPM_ATOMS, RPM_SEPS, 4).join('')}`;
  else if (r < 0.6) s = `${s}-`;
  else if (r < 0.65) s = `${s}-${tokens(rng, RPM_ATOMS, RPM_SEPS, 2).join('')}-${tokens(rng, RPM_ATOMS, RPM_SEPS, 2).join('')}`;
  else if (r < 0.67) s = `-${s}`;
  else if (r < 0.69) s = `${s}:`;
  return s;
}

/** A pair of `[epoch:]version[-release]` strings, mostly sharing a prefix. */
export function rpmEvrPair(rng: Rng): Pair {
  const [va, vb] = rpmVersionPair(rng);
  if (rng.chance(0.5)) {
    // Same version, differing epoch/release decoration.
    return [rpmEvr(rng, va), rpmEvr(rng, va)];
  }
  return [rpmEvr(rng, va), rpmEvr(rng, vb)];
}

const DPKG_ATOMS = [...NUMBERS, ...NUMBERS, ...WORDS];
const DPKG_SEPS = ['.', '.', '.', '+', '~', '~~', '-', '', ''];
const DPKG_BAD = ['_', '!', '^', '%', 'é', '日', ',', '='];
const DPKG_EPOCHS = ['0', '1', '2', '01', '00', '10', '2147483647', '2147483648', '99999999999', '-1', '-0', '+1', 'a', ''];

function dpkgFragment(rng: Rng, seps: readonly string[], segments: number): string[] {
  const t = tokens(rng, DPKG_ATOMS, seps, segments);
  if (rng.chance(0.1)) t.splice(rng.int(t.length + 1), 0, rng.pick(DPKG_BAD));
  return t;
}

function dpkgVersion(rng: Rng, up: string[]): string {
  let s = up.join('');
  if (rng.chance(0.3)) {
    // A ':' in the upstream version is only allowed after an epoch.
    if (rng.chance(0.3)) s = `${s}:${rng.pick(DPKG_ATOMS)}`;
    s = `${rng.chance(0.8) ? rng.pick(DPKG_EPOCHS.slice(0, 7)) : rng.pick(DPKG_EPOCHS)}:${s}`;
  }
  if (rng.chance(0.55)) s = `${s}-${dpkgFragment(rng, ['.', '+', '~', ''], 3).join('')}`;
  else if (rng.chance(0.03)) s = `${s}-`;
  if (rng.chance(0.02)) s = ` ${s}\t`;
  if (rng.chance(0.01)) s = `${s} 1`;
  return s === '' ? '0' : s;
}

/** A pair of Debian versions including epochs, revisions and some that dpkg rejects or warns about. */
export function dpkgPair(rng: Rng): Pair {
  const [ua, ub] = pairOf(rng, () => dpkgFragment(rng, DPKG_SEPS, 6), DPKG_ATOMS, DPKG_SEPS);
  return [dpkgVersion(rng, ua), dpkgVersion(rng, rng.chance(0.3) ? ua : ub)];
}

/** Hand-picked inputs every scheme must answer (or reject) without crashing or hanging. */
export const NASTY_VERSIONS: readonly string[] = [
  '',
  ' ',
  '.',
  '...',
  '-',
  ':',
  '~',
  '^',
  '_',
  '1:',
  ':1',
  '1-',
  '-1',
  '0:',
  'a:1',
  '1:a',
  DIGITS40,
  `${DIGITS40}.1`,
  `1.${DIGITS40}`,
  `${DIGITS40}:1`,
  `1:${DIGITS40}-${DIGITS40}`,
  `0000${DIGITS40}`,
  '1.0α',
  '1.0-é',
  '日本',
  '1.0\u{1F600}',
  '1'.repeat(10_000),
  `1.${'a.'.repeat(5_000)}`,
  '1~'.repeat(5_000),
  `${'1.'.repeat(5_000)}1`,
  '1.0~rc1',
  '1.0^git1',
  '1.0_p1-r1',
  '2:8.0.1763-16.el7_9.2',
];

/**
 * Differential tests: our comparators against the real package managers on
 * this machine, on thousands of seeded random pairs per run plus the nasty
 * inputs and the hand-written cases. The seed is printed; replay a failure
 * with `MAMORI_VERSION_SEED=<seed> npx vitest run src/versioning`.
 *
 * rpm: `rpm.vercmp(a, b)` in rpm's Lua. Since rpm 4.16 it parses both sides
 * as EVRs (rpmverParse + rpmverCmp), so it is the oracle for compareRpmEvr;
 * on strings without '-' and ':' it is plain rpmvercmp(), the oracle for
 * `rpmvercmp`. It raises "invalid version" for the empty string only.
 * dpkg: `dpkg --compare-versions -- a lt|eq b`; exit status 2 means dpkg
 * rejected a version. (An empty argument means "no version" to dpkg's CLI,
 * so the empty string is left out here; see dpkg.ts.)
 *
 * There is no apk on this machine; apk is covered by apk-tools' own vectors.
 */
import { describe, expect, it } from 'vitest';
import { compareDpkg } from './dpkg.js';
import {
  dpkgCompareBatch,
  dpkgPair,
  dpkgVersionString,
  HAVE_DPKG,
  HAVE_RPM,
  NASTY_VERSIONS,
  Rng,
  rpmEvrPair,
  rpmVercmpBatch,
  rpmVersionPair,
  rpmVersionString,
  seedFromEnv,
  type Outcome,
  type Pair,
} from './testdata/oracles.js';
import { compareRpmEvr, rpmvercmp } from './rpm.js';
import { readVectors } from './testdata/vectors.js';

const SEED = seedFromEnv();
console.log(`versioning differential tests: seed ${SEED} (replay with MAMORI_VERSION_SEED=${SEED})`);

function ours(cmp: (a: string, b: string) => number, [a, b]: Pair): Outcome {
  try {
    const r = cmp(a, b);
    return r < 0 ? '<' : r > 0 ? '>' : '=';
  } catch {
    return 'E';
  }
}

/** Compares and reports: every disagreement, the agreement rate, the outcome mix. */
function agree(name: string, pairs: readonly Pair[], oracle: readonly Outcome[], cmp: (a: string, b: string) => number): void {
  const mismatches: string[] = [];
  const mix: Record<Outcome, number> = { '<': 0, '=': 0, '>': 0, E: 0 };
  pairs.forEach((pair, i) => {
    const want = oracle[i]!;
    mix[want]++;
    const got = ours(cmp, pair);
    if (got !== want) mismatches.push(`${JSON.stringify(pair[0])} ${JSON.stringify(pair[1])}: package manager ${want}, ours ${got}`);
  });
  const pct = (100 * (pairs.length - mismatches.length)) / pairs.length;
  console.log(`${name}: ${pairs.length} pairs, ${pct.toFixed(2)}% agreement (oracle < ${mix['<']}, = ${mix['=']}, > ${mix['>']}, rejected ${mix.E})`);
  expect(mismatches.slice(0, 20), `${name}, seed ${SEED}: ${mismatches.length} disagreements`).toEqual([]);
}

function crossPairs(versions: readonly string[]): Pair[] {
  return versions.flatMap((a) => versions.map((b): Pair => [a, b]));
}

function vectorPairs(file: string): Pair[] {
  return readVectors(file).flatMap((v): Pair[] => [
    [v.a, v.b],
    [v.b, v.a],
  ]);
}

describe.skipIf(!HAVE_RPM)(HAVE_RPM ? 'rpm differential' : 'rpm differential: SKIPPED, rpm is not installed (apt-get install -y rpm)', () => {
  it('rpm.vercmp on this machine compares EVRs (rpm >= 4.16) and sorts a missing release first', () => {
    const version = rpmVersionString();
    console.log(`oracle: ${version}`);
    const [major, minor] = (/(\d+)\.(\d+)/u.exec(version) ?? []).slice(1).map(Number);
    expect(major! * 100 + minor!).toBeGreaterThanOrEqual(416);
    const pairs: Pair[] = [
      ['1:1.0', '2.0'], // plain rpmvercmp would say '<'
      ['1.0', '1.0-1'],
      ['1.0', '1.0-'],
      ['a:1', 'b:1'],
      ['', '1'],
    ];
    expect(rpmVercmpBatch(pairs)).toEqual(['>', '<', '<', '<', 'E']);
  });

  it('rpmvercmp agrees with rpm on random version strings', () => {
    const rng = new Rng(SEED);
    const pairs = Array.from({ length: 3000 }, () => rpmVersionPair(rng));
    agree('rpmvercmp, random', pairs, rpmVercmpBatch(pairs), rpmvercmp);
  });

  it('compareRpmEvr agrees with rpm on random EVRs, nasty inputs and the hand-written cases', () => {
    const rng = new Rng(SEED ^ 0x5bd1e995);
    const random = Array.from({ length: 3000 }, () => rpmEvrPair(rng));
    agree('compareRpmEvr, random', random, rpmVercmpBatch(random), compareRpmEvr);
    const nasty = crossPairs(NASTY_VERSIONS);
    agree('compareRpmEvr, nasty inputs', nasty, rpmVercmpBatch(nasty), compareRpmEvr);
    const vectors = [...vectorPairs('rpm-versions.txt'), ...vectorPairs('osv-scalibr-redhat-versions.txt')];
    agree('compareRpmEvr, fixture vectors', vectors, rpmVercmpBatch(vectors), compareRpmEvr);
  });
});

describe.skipIf(!HAVE_DPKG)(HAVE_DPKG ? 'dpkg differential' : 'dpkg differential: SKIPPED, dpkg is not installed', () => {
  it('compareDpkg agrees with dpkg --compare-versions on random versions, nasty inputs and the hand-written cases', () => {
    console.log(`oracle: ${dpkgVersionString()}`);
    const rng = new Rng(SEED);
    const random = Array.from({ length: 2000 }, () => dpkgPair(rng));
    const nasty = crossPairs(NASTY_VERSIONS.filter((v) => v !== ''));
    const vectors = [...vectorPairs('dpkg-versions.txt'), ...vectorPairs('dpkg-Dpkg_Version.txt')];
    // One dpkg script for all three sets.
    const all = [...random, ...nasty, ...vectors];
    const oracle = dpkgCompareBatch(all);
    agree('compareDpkg, random', random, oracle.slice(0, random.length), compareDpkg);
    agree('compareDpkg, nasty inputs', nasty, oracle.slice(random.length, random.length + nasty.length), compareDpkg);
    agree('compareDpkg, fixture vectors', vectors, oracle.slice(random.length + nasty.length), compareDpkg);
  });
});

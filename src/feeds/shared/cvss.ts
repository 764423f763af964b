/**
 * CVSS vector validation and base scoring, delegated to the maintained
 * ae-cvss-calculator library (FIRST's CVSS 2.0, 3.0, 3.1 and 4.0 specifications).
 * Pure; results are memoized per vector string because feeds repeat vectors a lot.
 */
import cvssLibrary from 'ae-cvss-calculator';
import type { CvssVersion } from '../../domain/advisory.js';

export type CvssCheck =
  | { ok: true; version: CvssVersion; baseScore: number }
  | { ok: false; reason: string };

/** The vector's CVSS version from its prefix; unprefixed vectors are CVSS v2. */
export function cvssVersionOf(vector: string): CvssVersion | null {
  if (vector.startsWith('CVSS:')) {
    const v = vector.slice(5, vector.indexOf('/') === -1 ? undefined : vector.indexOf('/'));
    return v === '3.0' || v === '3.1' || v === '4.0' || v === '2.0' ? v : null;
  }
  return vector.startsWith('AV:') ? '2.0' : null;
}

/** The narrow part of the library's API we rely on (its typings declare `fromVector` as returning `any`). */
interface ParsedVector {
  getVectorName(): string;
  isBaseFullyDefined(): boolean;
  calculateScores(normalize?: boolean): { base?: number | undefined; overall: number };
}

interface CvssLibrary {
  fromVector(vector: string): ParsedVector | null | undefined;
}

const lib = cvssLibrary as unknown as CvssLibrary;

const METRIC = /^[A-Za-z]+:[A-Za-z0-9.]+$/;

export type CvssMajor = '2' | '3' | '4';

function check(vector: string, expectedMajor: CvssMajor | null): CvssCheck {
  const version = cvssVersionOf(vector);
  if (version === null) return { ok: false, reason: 'not a CVSS vector (unknown version prefix)' };
  if (expectedMajor !== null && version.charAt(0) !== expectedMajor) {
    return { ok: false, reason: `declared as CVSS v${expectedMajor} but the vector is CVSS ${version}` };
  }
  // The library lets a repeated metric silently override the first one; the
  // specifications forbid repeats, and a vector that has them is not trustworthy.
  const parts = (version === '2.0' ? vector : vector.slice(vector.indexOf('/') + 1)).split('/');
  const seen = new Set<string>();
  for (const p of parts) {
    if (!METRIC.test(p)) return { ok: false, reason: `malformed metric "${p}"` };
    const key = p.slice(0, p.indexOf(':'));
    if (seen.has(key)) return { ok: false, reason: `metric ${key} appears twice` };
    seen.add(key);
  }
  let parsed: ParsedVector | null | undefined;
  try {
    parsed = lib.fromVector(vector);
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  if (parsed === null || parsed === undefined) return { ok: false, reason: 'unknown metric or metric value' };
  if (parsed.getVectorName() !== `CVSS:${version}`) {
    return { ok: false, reason: `parsed as ${parsed.getVectorName()}, expected CVSS:${version}` };
  }
  if (!parsed.isBaseFullyDefined()) return { ok: false, reason: 'base metrics incomplete' };
  const scores = parsed.calculateScores(false);
  const base = scores.base ?? scores.overall;
  if (!Number.isFinite(base)) return { ok: false, reason: 'no base score could be computed' };
  return { ok: true, version, baseScore: base };
}

const cache = new Map<string, CvssCheck>();
const CACHE_LIMIT = 50_000;

/**
 * Validates a vector and computes its base score. `expectedMajor` is the major
 * version the publisher declared (OSV `CVSS_V3` covers 3.0 and 3.1), null for any.
 */
export function scoreCvssVector(vector: string, expectedMajor: CvssMajor | null = null): CvssCheck {
  const key = `${expectedMajor ?? ''}|${vector}`;
  let r = cache.get(key);
  if (r === undefined) {
    r = check(vector, expectedMajor);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, r);
  }
  return r;
}

/** Scores differ when they round differently to one decimal. */
export function sameScore(a: number, b: number): boolean {
  return Math.abs(a - b) < 0.05;
}

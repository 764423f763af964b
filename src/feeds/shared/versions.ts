/**
 * Checks the version strings of affected packages with `versioning/` (the package
 * managers' own grammars). Versions are stored raw either way; one that its scheme
 * rejects is reported in `problems`, because matching will refuse to compare it.
 * Pure; memoized per (scheme, version), since feeds repeat versions a lot.
 */
import type { AffectedPackage, FeedParseResult } from '../../domain/advisory.js';
import { validateVersion } from '../../versioning/index.js';
import { addProblem } from './result.js';

const cache = new Map<string, string | null>();
const CACHE_LIMIT = 100_000;

/** Why `v` is not a valid version of `scheme`, or null when it is (dpkg warnings are accepted). */
export function versionProblem(scheme: AffectedPackage['scheme'], v: string): string | null {
  const key = `${scheme}\u0000${v}`;
  let r = cache.get(key);
  if (r === undefined) {
    const res = validateVersion(scheme, v);
    r = res.ok ? null : res.reason;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, r);
  }
  return r;
}

/** Reports every version of `p` its scheme rejects, under `record`. */
export function reportInvalidVersions(out: FeedParseResult, record: string, p: AffectedPackage): void {
  const check = (what: string, v: string | undefined): void => {
    if (v === undefined || v === '0') return;
    const reason = versionProblem(p.scheme, v);
    if (reason !== null) {
      addProblem(out, record, `${p.packageName} (${p.distro} ${p.release}): ${what} "${v}" is not a valid ${p.scheme} version: ${reason}`);
    }
  };
  for (const r of p.ranges) {
    check('introduced', r.introduced);
    check('fixed', r.fixed);
    check('last_affected', r.lastAffected);
  }
  for (const v of p.versions) check('listed version', v);
}

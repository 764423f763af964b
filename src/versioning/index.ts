/**
 * Version comparison per package manager: is the installed version older
 * than the fixed one? Each scheme answers exactly as its package manager does
 * (rpm.ts: rpm's rpmvercmp/rpmverCmp, dpkg.ts: dpkg's parseversion/verrevcmp,
 * apk.ts: apk-tools' version.c). An invalid version is an `ERR_VERSION_INVALID`
 * error, never a fallback to string order.
 */
import { AppError } from '../errors.js';
import { compareApk, validateApk } from './apk.js';
import { compareDpkg, validateDpkgVersion } from './dpkg.js';
import { compareRpmEvr, validateRpmVersion } from './rpm.js';
import type { Comparison, VersionValidation } from './types.js';

export type VersionScheme = 'rpm' | 'dpkg' | 'apk';

export const VERSION_SCHEMES: readonly VersionScheme[] = ['rpm', 'dpkg', 'apk'];

export type { Comparison, VersionValidation } from './types.js';
export {
  compareRpmEvr,
  compareRpmEvrParts,
  formatRpmEvr,
  parseEvr,
  parseNevra,
  rpmvercmp,
  validateRpmVersion,
  type RpmEvr,
  type RpmNevra,
} from './rpm.js';
export { compareDpkg, compareDpkgParts, parseDpkgVersion, validateDpkgVersion, verrevcmp, type DpkgVersion } from './dpkg.js';
export { compareApk, compareApkLax, matchApkVersion, validateApk } from './apk.js';

export function isVersionScheme(s: unknown): s is VersionScheme {
  return s === 'rpm' || s === 'dpkg' || s === 'apk';
}

function unknownScheme(scheme: unknown): AppError {
  return new AppError('ERR_VERSION_INVALID', `unknown version scheme ${JSON.stringify(String(scheme))} (expected rpm, dpkg or apk)`, {
    details: { scheme: String(scheme) },
  });
}

function notAString(scheme: VersionScheme, v: unknown): AppError {
  return new AppError('ERR_VERSION_INVALID', `invalid ${scheme} version: expected a string, got ${typeof v}`, {
    details: { scheme, reason: 'not a string' },
  });
}

/**
 * Compares two versions of one scheme: -1 if a is older than b, 0 if they
 * are the same version, 1 if a is newer. Throws `ERR_VERSION_INVALID` for a
 * version the package manager rejects (rpm: the empty string; dpkg:
 * parseversion() errors, while its warnings are compared as dpkg does; apk:
 * anything outside apk's grammar).
 */
export function compareVersions(scheme: VersionScheme, a: string, b: string): Comparison {
  // Guards for untyped callers (JSON bodies, CLI): a clear error, not a TypeError.
  if (typeof a !== 'string') throw notAString(scheme, a);
  if (typeof b !== 'string') throw notAString(scheme, b);
  switch (scheme) {
    case 'rpm':
      return compareRpmEvr(a, b);
    case 'dpkg':
      return compareDpkg(a, b);
    case 'apk':
      return compareApk(a, b);
    default:
      throw unknownScheme(scheme satisfies never);
  }
}

/**
 * Is `v` a version `compareVersions(scheme, …)` accepts? `ok: true` exactly
 * when comparing it does not throw. dpkg's warning-level problems come back
 * as `{ ok: true, warning }`; `strict: true` applies the package manager's
 * build-time rules instead (rpmbuild's character rules, dpkg's non-lax
 * parser; apk has only one level).
 */
export function validateVersion(scheme: VersionScheme, v: string, options: { strict?: boolean } = {}): VersionValidation {
  if (typeof v !== 'string') return { ok: false, reason: 'not a string' };
  switch (scheme) {
    case 'rpm':
      return validateRpmVersion(v, options);
    case 'dpkg':
      return validateDpkgVersion(v, options);
    case 'apk':
      return validateApk(v);
    default:
      throw unknownScheme(scheme satisfies never);
  }
}

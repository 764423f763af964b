/**
 * Types shared by the per-scheme comparators (rpm.ts, dpkg.ts, apk.ts) and
 * the scheme-dispatching facade (index.ts). Pure: no I/O.
 */
import { AppError } from '../errors.js';

/** The result of a comparison, as `strcmp`-style sign: a < b, a = b, a > b. */
export type Comparison = -1 | 0 | 1;

/**
 * Outcome of validating one version string. `warning` is set when the
 * package manager accepts the version but complains about it (dpkg's
 * warning-level syntax problems, see dpkg.ts).
 */
export type VersionValidation = { ok: true; warning?: string } | { ok: false; reason: string };

/** The `ERR_VERSION_INVALID` error every comparator throws for a version its package manager rejects. */
export function invalidVersion(scheme: string, version: string, reason: string): AppError {
  return new AppError('ERR_VERSION_INVALID', `invalid ${scheme} version ${JSON.stringify(clip(version))}: ${reason}`, {
    details: { scheme, version: clip(version), reason },
  });
}

/** Keeps error messages readable when someone feeds us a 10,000-character "version". */
function clip(s: string): string {
  return s.length <= 200 ? s : `${s.slice(0, 200)}…(${s.length} characters)`;
}

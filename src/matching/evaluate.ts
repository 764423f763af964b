/**
 * Is an installed version affected by one advisory row? OSV evaluation
 * (ossf/osv-schema docs/schema.md, "Evaluation"): affected when listed in
 * `versions`, or inside any range `introduced <= v < fixed` (`<= lastAffected`);
 * `introduced: "0"` is the very first version. Pure.
 */
import type { AffectedPackage } from '../domain/advisory.js';
import { compareVersions } from '../versioning/index.js';

export interface Evaluation {
  affected: boolean;
  /** The `fixed` bound of the range that contains the version, null when open-ended or not affected. */
  fixedVersion: string | null;
  /** How it was decided, for the finding's explanation ('' when not asked for). */
  comparison: string;
}

const rel = (c: number): string => (c < 0 ? '<' : c > 0 ? '>' : '=');

/**
 * Throws ERR_VERSION_INVALID when a version of the row does not parse in its scheme.
 * `explain: false` leaves `comparison` empty: matching asks for the text only of the
 * rows that end up explaining a finding (most rows of a patched host never do).
 */
export function evaluateRanges(installed: string, row: Pick<AffectedPackage, 'scheme' | 'ranges' | 'versions'>, explain = true): Evaluation {
  const { scheme } = row;
  for (const v of row.versions) {
    if (compareVersions(scheme, installed, v) === 0) return { affected: true, fixedVersion: null, comparison: explain ? `${installed} is listed as affected (${scheme})` : '' };
  }
  const notes: string[] = [];
  for (const r of row.ranges) {
    if (r.introduced !== undefined && r.introduced !== '0') {
      const c = compareVersions(scheme, installed, r.introduced);
      if (c < 0) {
        if (explain) notes.push(`${installed} < introduced ${r.introduced}`);
        continue;
      }
    }
    if (r.fixed !== undefined) {
      const c = compareVersions(scheme, installed, r.fixed);
      if (c < 0) return { affected: true, fixedVersion: r.fixed, comparison: explain ? `${installed} < ${r.fixed} (${scheme})` : '' };
      if (explain) notes.push(`${installed} ${rel(c)} ${r.fixed} (${scheme})`);
      continue;
    }
    if (r.lastAffected !== undefined) {
      const c = compareVersions(scheme, installed, r.lastAffected);
      if (c <= 0) return { affected: true, fixedVersion: null, comparison: explain ? `${installed} ${rel(c)} last affected ${r.lastAffected} (${scheme})` : '' };
      if (explain) notes.push(`${installed} > last affected ${r.lastAffected} (${scheme})`);
      continue;
    }
    return {
      affected: true,
      fixedVersion: null,
      comparison: r.introduced === undefined || r.introduced === '0' ? 'every version is affected (no fix)' : `${installed} >= introduced ${r.introduced}, no fix`,
    };
  }
  return { affected: false, fixedVersion: null, comparison: explain ? notes.join('; ') || 'no range applies' : '' };
}

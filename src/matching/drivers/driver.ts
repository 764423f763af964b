/** One driver per distribution family: how its advisories key packages, and which feed wins. */
import type { MatchPackage, MatchableRow, MatchTarget } from '../types.js';

export interface PackageKey {
  /** The name advisories of this family use for the installed package. */
  name: string;
  /** The version compared against the advisory's ranges. */
  version: string;
  /** Which rows found under `name` this lookup takes (e.g. only source-package rows); all when absent. */
  accepts?: (row: MatchableRow) => boolean;
}

export interface Driver {
  readonly family: MatchTarget['family'];
  /** Where this family's advisories key the installed package: usually one name, sometimes also its source. */
  keys(p: MatchPackage): PackageKey[];
  /** Beyond the name: does this row apply to this installed package (module stream, arch, channel)? */
  applies(row: MatchableRow, p: MatchPackage): boolean;
  /**
   * Documented preference among feeds covering the same distribution: lower wins.
   * The winning source decides the fix state; the others still add their advisory ids.
   */
  sourceRank(source: string): number;
  /** The command that applies the fixes for these installed packages. */
  remediation(target: MatchTarget, packages: string[], advisories: string[]): string;
}

/** Rows of another update stream (Ubuntu Pro/ESM, RHEL EUS/AUS…) need an entitlement we cannot see (SUSE: see `suse.ts`). */
export function isOrdinaryChannel(row: MatchableRow): boolean {
  return row.channel === null;
}

export function archApplies(row: MatchableRow, p: MatchPackage): boolean {
  return row.arch === null || row.arch === p.arch || p.arch === 'noarch' || p.arch === 'all';
}

/** Joins affected-package rows with their advisories into what matching reads. Pure. */
import type { Advisory, AffectedPackage } from '../domain/advisory.js';
import type { MatchableRow } from './types.js';

export function toMatchableRows(advisories: readonly Advisory[], affected: readonly AffectedPackage[]): MatchableRow[] {
  const byKey = new Map<string, Advisory>();
  for (const a of advisories) byKey.set(`${a.source}\u0000${a.id}`, a);
  return affected.map((row) => {
    const a = byKey.get(`${row.source}\u0000${row.advisoryId}`);
    return {
      ...row,
      cves: a?.cves ?? [],
      advisorySeverity: a?.severity.normalized ?? 'unknown',
      advisorySeverityLabel: a?.severity.vendor ?? null,
      withdrawn: a !== undefined && a.withdrawn !== null,
    };
  });
}

/** Rows by the package name their distribution keys them on. */
export function indexRowsByName(rows: readonly MatchableRow[]): Map<string, MatchableRow[]> {
  const m = new Map<string, MatchableRow[]>();
  for (const r of rows) {
    const list = m.get(r.packageName);
    if (list === undefined) m.set(r.packageName, [r]);
    else list.push(r);
  }
  return m;
}

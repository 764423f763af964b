/**
 * Collects affected-package rows of one document and merges the repeats that per-product
 * feeds (CSAF, OpenVEX, OVAL) produce: one row per architecture and per product variant
 * of the same stream. Pure.
 *
 * - Rows that differ only in `arch` and agree on everything else collapse into one row
 *   with `arch: null` (all architectures). When the architectures disagree (different fixed
 *   builds), one row per architecture is kept.
 * - Two `fixed` rows for the same key and architecture with different fixed versions keep
 *   one and are listed in `conflicts` for the caller to report. `'highest'` (the default)
 *   keeps the higher: a host below it is affected under either row, so nothing is missed
 *   when one stream's key covers builds of several minor streams (CSAF products of
 *   different minors that share a CPE). `'lowest'` keeps the first fix, for feeds that list
 *   successive errata of one linear stream (the Security Data API): a host with the first
 *   fix has the fix.
 */
import type { AffectedPackage } from '../../domain/advisory.js';
import { compareVersions } from '../../versioning/index.js';

function groupKey(p: AffectedPackage): string {
  return [p.source, p.advisoryId, p.distro, p.release, p.channel ?? '', p.packageName, p.moduleStream ?? '', p.status].join('\u0000');
}

function bodyKey(p: AffectedPackage): string {
  return JSON.stringify([p.ranges, p.versions, p.note, p.severity, p.binaryNames, p.scheme]);
}

function fixedOf(p: AffectedPackage): string | null {
  return p.ranges.length === 1 && p.ranges[0]!.fixed !== undefined ? p.ranges[0]!.fixed : null;
}

export type FixedMerge = 'highest' | 'lowest';

export class RowSet {
  constructor(private readonly merge: FixedMerge = 'highest') {}

  private readonly groups = new Map<string, Map<string, AffectedPackage>>();
  /** `package (distro release[ channel]): a vs b` for each pair of fixed versions merged. */
  readonly conflicts: string[] = [];

  add(p: AffectedPackage): void {
    const gk = groupKey(p);
    let g = this.groups.get(gk);
    if (g === undefined) {
      g = new Map();
      this.groups.set(gk, g);
    }
    const ak = p.arch ?? '';
    const prev = g.get(ak);
    if (prev === undefined) {
      g.set(ak, p);
      return;
    }
    if (bodyKey(prev) === bodyKey(p)) return;
    const a = fixedOf(prev);
    const b = fixedOf(p);
    if (a !== null && b !== null) {
      if (a === b) return;
      let cmp: number;
      try {
        cmp = compareVersions(p.scheme, a, b);
      } catch {
        cmp = a < b ? -1 : 1;
      }
      const where = `${p.packageName} (${p.distro} ${p.release}${p.channel === null ? '' : ` ${p.channel}`}${p.arch === null ? '' : ` ${p.arch}`})`;
      const c = `${where}: ${a} and ${b}`;
      if (!this.conflicts.includes(c)) this.conflicts.push(c);
      if (this.merge === 'highest' ? cmp < 0 : cmp > 0) g.set(ak, p);
      return;
    }
    // Different bodies that are not two fixed versions: keep both under distinct keys.
    g.set(`${ak}\u0000${bodyKey(p)}`, p);
  }

  /** The merged rows, in insertion order of their groups. */
  rows(): AffectedPackage[] {
    const out: AffectedPackage[] = [];
    for (const g of this.groups.values()) {
      const rows = [...g.values()];
      const first = rows[0]!;
      const body = bodyKey(first);
      if (rows.length > 1 && rows.every((r) => bodyKey(r) === body)) {
        out.push({ ...first, arch: null });
      } else if (rows.length === 1) {
        out.push(first.arch === null ? first : { ...first, arch: null });
      } else {
        out.push(...rows);
      }
    }
    return out;
  }
}

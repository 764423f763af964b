/**
 * What changed between a host's stored packages and a new inventory. Pure.
 *
 * Packages are identified by (manager, name, arch, evr): rpm may have several
 * versions of one name.arch installed (kernels). A name.arch with exactly one
 * version before and after that differ is a version change; anything else is
 * added or removed per version.
 */
import type { PackageChange, StoredPackage } from '../db/repositories/hosts.repository.js';

export interface InventoryDiff {
  /** Rows to insert (new package versions, or same key with other attributes). */
  upserts: StoredPackage[];
  /** Rows to delete. */
  deletes: StoredPackage[];
  /** The change log: added / removed / changed, one per package name.arch affected. */
  changes: PackageChange[];
}

const key = (p: Pick<StoredPackage, 'manager' | 'name' | 'arch' | 'evr'>): string => `${p.manager}\0${p.name}\0${p.arch}\0${p.evr}`;
const groupKey = (p: Pick<StoredPackage, 'manager' | 'name' | 'arch'>): string => `${p.manager}\0${p.name}\0${p.arch}`;

function sameAttributes(a: StoredPackage, b: StoredPackage): boolean {
  return (
    a.epoch === b.epoch &&
    a.version === b.version &&
    a.release === b.release &&
    a.sourceName === b.sourceName &&
    a.sourceVersion === b.sourceVersion &&
    a.vendor === b.vendor &&
    a.modularityLabel === b.modularityLabel &&
    a.unparsedReason === b.unparsedReason
  );
}

export function diffInventories(previous: readonly StoredPackage[], next: readonly StoredPackage[]): InventoryDiff {
  const before = new Map<string, StoredPackage>();
  for (const p of previous) before.set(key(p), p);
  const after = new Map<string, StoredPackage>();
  for (const p of next) after.set(key(p), p);

  const upserts: StoredPackage[] = [];
  const deletes: StoredPackage[] = [];
  const addedByGroup = new Map<string, StoredPackage[]>();
  const removedByGroup = new Map<string, StoredPackage[]>();
  const push = (m: Map<string, StoredPackage[]>, p: StoredPackage): void => {
    const g = groupKey(p);
    const list = m.get(g);
    if (list === undefined) m.set(g, [p]);
    else list.push(p);
  };

  for (const [k, p] of after) {
    const old = before.get(k);
    if (old === undefined) {
      upserts.push(p);
      push(addedByGroup, p);
    } else if (!sameAttributes(old, p)) {
      upserts.push(p);
    }
  }
  for (const [k, p] of before) {
    if (!after.has(k)) {
      deletes.push(p);
      push(removedByGroup, p);
    }
  }

  const versionsAfter = new Map<string, number>();
  for (const p of after.values()) versionsAfter.set(groupKey(p), (versionsAfter.get(groupKey(p)) ?? 0) + 1);

  const changes: PackageChange[] = [];
  for (const [g, added] of addedByGroup) {
    const removed = removedByGroup.get(g);
    const a = added[0]!;
    // One version before (the removed one) and one after (the added one).
    if (removed !== undefined && removed.length === 1 && added.length === 1 && versionsAfter.get(g) === 1) {
      changes.push({ kind: 'changed', manager: a.manager, name: a.name, arch: a.arch, oldEvr: removed[0]!.evr, newEvr: a.evr, sourceName: a.sourceName });
      removedByGroup.delete(g);
      continue;
    }
    for (const p of added) {
      changes.push({ kind: 'added', manager: p.manager, name: p.name, arch: p.arch, oldEvr: null, newEvr: p.evr, sourceName: p.sourceName });
    }
  }
  for (const removed of removedByGroup.values()) {
    for (const p of removed) {
      changes.push({ kind: 'removed', manager: p.manager, name: p.name, arch: p.arch, oldEvr: p.evr, newEvr: null, sourceName: p.sourceName });
    }
  }
  changes.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x.arch < y.arch ? -1 : x.arch > y.arch ? 1 : 0));
  return { upserts, deletes, changes };
}

/**
 * Scan-to-scan reconciliation, made explicit (vuls' diff between scans): the
 * findings stored for a scope (some package names of a host, or the whole
 * host) against what matching finds now. Pure: (stored, current, scope) →
 * changes. History is never overwritten: every transition is an event.
 */
import type { Finding } from './types.js';

export type FindingState = 'open' | 'resolved';

/** Why an open finding closed. */
export type Resolution = 'fixed' | 'removed' | 'not_affected';

export interface StoredFinding {
  id: string;
  vulnerability: string;
  package: string;
  arch: string;
  state: FindingState;
  installedVersion: string;
  fixedVersion: string | null;
  fixState: Finding['fixState'];
  advisories: string[];
  sources: string[];
  severity: Finding['severity'];
}

export type FindingChange =
  | { kind: 'open'; finding: Finding }
  | { kind: 'reopen'; id: string; finding: Finding; fromVersion: string }
  | { kind: 'update'; id: string; finding: Finding; fromVersion: string }
  | { kind: 'resolve'; id: string; resolution: Resolution; fromVersion: string; toVersion: string | null };

export const findingKey = (f: { vulnerability: string; package: string; arch: string }): string => `${f.vulnerability}\u0000${f.package}\u0000${f.arch}`;

function materiallyDifferent(s: StoredFinding, f: Finding): boolean {
  return (
    s.installedVersion !== f.installedVersion ||
    s.fixedVersion !== f.fixedVersion ||
    s.fixState !== f.fixState ||
    s.severity !== f.severity ||
    s.advisories.join(',') !== f.advisories.join(',') ||
    s.sources.join(',') !== f.sources.join(',')
  );
}

/**
 * @param stored   findings already stored for the packages in scope (open and resolved)
 * @param current  what matching finds now for the same packages
 * @param installed the versions installed now, by `package\0arch` (absent = removed)
 */
export function reconcileFindings(stored: readonly StoredFinding[], current: readonly Finding[], installed: ReadonlyMap<string, string>): FindingChange[] {
  const byKey = new Map<string, StoredFinding>();
  for (const s of stored) byKey.set(findingKey(s), s);
  const changes: FindingChange[] = [];
  const seen = new Set<string>();
  for (const f of current) {
    const k = findingKey(f);
    seen.add(k);
    const s = byKey.get(k);
    if (s === undefined) changes.push({ kind: 'open', finding: f });
    else if (s.state === 'resolved') changes.push({ kind: 'reopen', id: s.id, finding: f, fromVersion: s.installedVersion });
    else if (materiallyDifferent(s, f)) changes.push({ kind: 'update', id: s.id, finding: f, fromVersion: s.installedVersion });
  }
  for (const s of stored) {
    if (s.state !== 'open' || seen.has(findingKey(s))) continue;
    const now = installed.get(`${s.package}\u0000${s.arch}`);
    changes.push({
      kind: 'resolve',
      id: s.id,
      resolution: now === undefined ? 'removed' : now === s.installedVersion ? 'not_affected' : 'fixed',
      fromVersion: s.installedVersion,
      toVersion: now ?? null,
    });
  }
  return changes;
}

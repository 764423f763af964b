import { describe, expect, it } from 'vitest';
import { reconcileFindings, type StoredFinding } from './reconcile.js';
import type { Finding } from './types.js';

const finding = (over: Partial<Finding> = {}): Finding => ({
  vulnerability: 'CVE-2024-1',
  advisories: ['ALSA-1'],
  package: 'bash',
  arch: 'x86_64',
  sourcePackage: 'bash',
  installedVersion: '1.0-1',
  fixedVersion: '1.0-2',
  fixState: 'fixed',
  severity: 'high',
  severityLabel: 'Important',
  remediation: 'dnf upgrade --advisory=ALSA-1',
  sources: ['osv:AlmaLinux'],
  explanation: [],
  ...over,
});

const stored = (over: Partial<StoredFinding> = {}): StoredFinding => ({
  id: 'f1',
  vulnerability: 'CVE-2024-1',
  package: 'bash',
  arch: 'x86_64',
  state: 'open',
  installedVersion: '1.0-1',
  fixedVersion: '1.0-2',
  fixState: 'fixed',
  advisories: ['ALSA-1'],
  sources: ['osv:AlmaLinux'],
  severity: 'high',
  ...over,
});

describe('reconcileFindings', () => {
  it('opens a new finding', () => {
    expect(reconcileFindings([], [finding()], new Map())).toEqual([{ kind: 'open', finding: finding() }]);
  });

  it('leaves an unchanged open finding alone', () => {
    expect(reconcileFindings([stored()], [finding()], new Map([['bash\u0000x86_64', '1.0-1']]))).toEqual([]);
  });

  it('resolves as fixed when the package moved on, as removed when it is gone', () => {
    expect(reconcileFindings([stored()], [], new Map([['bash\u0000x86_64', '1.0-2']]))).toEqual([
      { kind: 'resolve', id: 'f1', resolution: 'fixed', fromVersion: '1.0-1', toVersion: '1.0-2' },
    ]);
    expect(reconcileFindings([stored()], [], new Map())).toEqual([{ kind: 'resolve', id: 'f1', resolution: 'removed', fromVersion: '1.0-1', toVersion: null }]);
  });

  it('resolves as not affected when the same version no longer matches (feed changed)', () => {
    expect(reconcileFindings([stored()], [], new Map([['bash\u0000x86_64', '1.0-1']]))).toEqual([
      { kind: 'resolve', id: 'f1', resolution: 'not_affected', fromVersion: '1.0-1', toVersion: '1.0-1' },
    ]);
  });

  it('reopens a resolved finding on a downgrade, and updates one whose facts changed', () => {
    expect(reconcileFindings([stored({ state: 'resolved', installedVersion: '1.0-2' })], [finding()], new Map())).toEqual([
      { kind: 'reopen', id: 'f1', finding: finding(), fromVersion: '1.0-2' },
    ]);
    const newer = finding({ installedVersion: '1.0-1.1', fixedVersion: '1.0-3' });
    expect(reconcileFindings([stored()], [newer], new Map())).toEqual([{ kind: 'update', id: 'f1', finding: newer, fromVersion: '1.0-1' }]);
  });
});

import { describe, expect, it } from 'vitest';
import type { StoredPackage } from '../db/repositories/hosts.repository.js';
import { diffInventories } from './diff.js';

const pkg = (name: string, evr: string, over: Partial<StoredPackage> = {}): StoredPackage => ({
  manager: 'rpm',
  name,
  arch: 'x86_64',
  evr,
  epoch: null,
  version: evr.split('-')[0] ?? evr,
  release: evr.split('-')[1] ?? null,
  sourceName: name,
  sourceVersion: null,
  vendor: null,
  modularityLabel: null,
  unparsedReason: null,
  ...over,
});

describe('diffInventories', () => {
  it('finds nothing between equal sets', () => {
    const a = [pkg('bash', '5.1.8-6.el9'), pkg('vim', '8.2-1.el9')];
    expect(diffInventories(a, [...a].reverse())).toEqual({ upserts: [], deletes: [], changes: [] });
  });

  it('pairs a single version change of one name.arch', () => {
    const d = diffInventories([pkg('bash', '5.1.8-6.el9')], [pkg('bash', '5.1.8-9.el9')]);
    expect(d.changes).toEqual([{ kind: 'changed', manager: 'rpm', name: 'bash', arch: 'x86_64', oldEvr: '5.1.8-6.el9', newEvr: '5.1.8-9.el9', sourceName: 'bash' }]);
    expect(d.upserts.map((p) => p.evr)).toEqual(['5.1.8-9.el9']);
    expect(d.deletes.map((p) => p.evr)).toEqual(['5.1.8-6.el9']);
  });

  it('keeps several installed kernels apart: one added, one removed', () => {
    const before = [pkg('kernel', '5.14.0-1.el9'), pkg('kernel', '5.14.0-2.el9')];
    const after = [pkg('kernel', '5.14.0-2.el9'), pkg('kernel', '5.14.0-3.el9')];
    expect(diffInventories(before, after).changes.map((c) => [c.kind, c.oldEvr, c.newEvr])).toEqual([
      ['added', null, '5.14.0-3.el9'],
      ['removed', '5.14.0-1.el9', null],
    ]);
  });

  it('treats another arch as another package (multilib)', () => {
    const d = diffInventories([pkg('glibc', '2.34-1')], [pkg('glibc', '2.34-1'), pkg('glibc', '2.34-1', { arch: 'i686' })]);
    expect(d.changes).toEqual([expect.objectContaining({ kind: 'added', arch: 'i686' })]);
  });

  it('updates attributes of the same version without logging a change', () => {
    const d = diffInventories([pkg('bash', '5.1-1')], [pkg('bash', '5.1-1', { vendor: 'AlmaLinux' })]);
    expect(d.changes).toEqual([]);
    expect(d.upserts).toHaveLength(1);
    expect(d.deletes).toHaveLength(0);
  });
});

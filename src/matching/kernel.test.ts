import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toStoredPackages } from '../inventory/ingest.service.js';
import { parseVulsScanResult } from '../inventory/parsers/vuls.js';
import { isKernelPackage, isTargetKernelPackage, selectRunningKernelOf, selectRunningSuseKernel } from './kernel.js';
import type { MatchPackage } from './types.js';

const pkg = (name: string, evr: string, arch = 'x86_64'): MatchPackage => ({ name, arch, evr, sourceName: null, sourceVersion: null, modularityLabel: null, unparsedReason: null });
const names = (ps: readonly MatchPackage[]): string[] => ps.map((p) => `${p.name} ${p.evr}`);

describe('SUSE kernels', () => {
  // SLES for SAP 15: kernel-default/-devel of SUSE-SU-2021:0438-1 (4.12.14-150.66.1) running, those of
  // SUSE-SU-2021:1573-1 (150.72.1) installed beside them; kernel-azure and kernel-firmware versions are illustrative.
  const packages = [
    pkg('kernel-default', '4.12.14-150.66.1'),
    pkg('kernel-default', '4.12.14-150.72.1'),
    pkg('kernel-default-devel', '4.12.14-150.66.1'),
    pkg('kernel-devel', '4.12.14-150.66.1', 'noarch'),
    pkg('kernel-devel', '4.12.14-150.72.1', 'noarch'),
    pkg('kernel-azure', '4.12.14-5.8.1'),
    pkg('kernel-firmware', '20190618-5.14.1', 'noarch'),
    pkg('reiserfs-kmp-default', '4.12.14-150.66.1'),
    pkg('krb5', '1.15.2-6.6.2'),
  ];

  it('keeps only the running build of the running flavour (uname -r drops the last release number)', () => {
    const r = selectRunningSuseKernel(packages, '4.12.14-150.66-default');
    expect(names(r.packages)).toEqual([
      'kernel-default 4.12.14-150.66.1',
      'kernel-default-devel 4.12.14-150.66.1',
      'kernel-devel 4.12.14-150.66.1',
      'kernel-firmware 20190618-5.14.1',
      'reiserfs-kmp-default 4.12.14-150.66.1',
      'krb5 1.15.2-6.6.2',
    ]);
    expect(r.rebootRequired).toBe(true);
    const newest = selectRunningSuseKernel(packages, '4.12.14-150.72-default');
    expect(names(newest.packages).filter((n) => n.startsWith('kernel-de'))).toEqual(['kernel-default 4.12.14-150.72.1', 'kernel-devel 4.12.14-150.72.1']);
    expect(newest.rebootRequired).toBe(false);
  });

  it('does not take 150.6 for 150.66 (the prefix ends at a dot)', () => {
    const r = selectRunningSuseKernel([pkg('kernel-default', '4.12.14-150.66.1')], '4.12.14-150.6-default');
    // No installed package is the running kernel: keep every kernel rather than hide it.
    expect(names(r.packages)).toEqual(['kernel-default 4.12.14-150.66.1']);
    expect(r.rebootRequired).toBe(false);
  });

  it('knows kernel-default-base, whose release repeats the kernel release (openSUSE Leap 16)', () => {
    const r = selectRunningSuseKernel([pkg('kernel-default-base', '6.12.0-160000.2.1.160000.2.1'), pkg('kernel-default-base', '6.12.0-160000.5.1.160000.5.1')], '6.12.0-160000.2-default');
    expect(names(r.packages)).toEqual(['kernel-default-base 6.12.0-160000.2.1.160000.2.1']);
    expect(r.rebootRequired).toBe(true);
  });

  it('is chosen by family; other rpm families keep their rule and their kernel names', () => {
    expect(isTargetKernelPackage({ family: 'suse', scheme: 'rpm' }, 'kernel-default')).toBe(true);
    expect(isTargetKernelPackage({ family: 'suse', scheme: 'rpm' }, 'kernel-firmware-all')).toBe(false);
    expect(isTargetKernelPackage({ family: 'suse', scheme: 'rpm' }, 'reiserfs-kmp-default')).toBe(false);
    expect(isTargetKernelPackage({ family: 'redhat', scheme: 'rpm' }, 'kernel-default')).toBe(false);
    expect(isTargetKernelPackage({ family: 'redhat', scheme: 'rpm' }, 'kernel-core')).toBe(isKernelPackage('rpm', 'kernel-core'));
    const rhel = [pkg('kernel-core', '5.14.0-284.el9'), pkg('kernel-core', '5.14.0-300.el9')];
    expect(names(selectRunningKernelOf({ family: 'redhat', scheme: 'rpm' }, rhel, '5.14.0-284.el9.x86_64').packages)).toEqual(['kernel-core 5.14.0-284.el9']);
  });
});

const INVENTORIES = join(process.env.MAMORI_SHARED_DATA ?? '/work/shared/data', 'inventories');

describe.skipIf(!existsSync(INVENTORIES))('SUSE kernels of the shared Vuls inventories', () => {
  it.each([
    ['sles12', '4.12.14-122.103-default', ['kernel-default 4.12.14-122.103.1']],
    ['opensuse_leap_15', '5.3.18-150300.59.49-default', ['kernel-default 5.3.18-150300.59.49.1', 'kernel-default-extra 5.3.18-150300.59.49.1', 'kernel-default-optional 5.3.18-150300.59.49.1']],
    ['opensuse_tumbleweed', '6.6.7-1-default', ['kernel-default 6.6.7-1.1']],
    ['opensuse_leap_16_kernel-default-base', '6.12.0-160000.2-default', ['kernel-default-base 6.12.0-160000.2.1.160000.2.1']],
  ])('%s runs %s', (name, running, kernels) => {
    const inv = parseVulsScanResult(JSON.parse(readFileSync(join(INVENTORIES, 'vuls-scan-results', `${name}.json`), 'utf8')));
    expect(inv.host.kernelRelease).toBe(running);
    const all = toStoredPackages(inv);
    const r = selectRunningSuseKernel(all, inv.host.kernelRelease);
    // The running kernel's packages are all installed kernels here: nothing is left out, no reboot pending.
    expect(names(r.packages.filter((p) => isTargetKernelPackage({ family: 'suse', scheme: 'rpm' }, p.name))).sort()).toEqual(kernels);
    expect(r.packages.length).toBe(all.length);
    expect(r.rebootRequired).toBe(false);
  });
});

/**
 * Kernels: several versions are installed side by side, only the running one
 * matters. Installed-but-not-running kernels are not findings; a newer
 * installed kernel than the running one means a reboot is required.
 */
import { compareVersions } from '../versioning/index.js';
import type { MatchPackage } from './types.js';

/** rpm packages installed once per kernel version (dnf's installonlypkgs, kernel part). */
const RPM_KERNEL = /^kernel(-(core|modules|modules-core|modules-extra|modules-internal|devel|devel-matched|uek|uek-core|uek-modules|uek-modules-extra|uek-devel|rt|rt-core|rt-modules|rt-modules-extra|rt-devel|debug|debug-core|debug-modules|debug-modules-extra|debug-devel|64k|64k-core|64k-modules|64k-modules-extra))?$/;

/** dpkg binaries that carry a kernel release in their name (linux-image-6.1.0-18-amd64). */
const DPKG_KERNEL = /^linux-(image|image-unsigned|modules|modules-extra|headers|buildinfo|tools|cloud-tools)-(\d[^\s]*)$/;

/** Whether which kernel runs decides if this package is matched (so it must be matched with all its kin). */
export function isKernelPackage(scheme: 'rpm' | 'dpkg' | 'apk', name: string): boolean {
  return scheme === 'rpm' ? RPM_KERNEL.test(name) : scheme === 'dpkg' ? DPKG_KERNEL.test(name) : false;
}

function rpmKernelRelease(p: MatchPackage): string {
  const vr = p.evr.replace(/^\d+:/, '');
  return p.arch === '' ? vr : `${vr}.${p.arch}`;
}

export interface KernelSelection {
  /** The packages to match: everything but kernels other than the running one. */
  packages: MatchPackage[];
  rebootRequired: boolean;
}

export function selectRunningKernel(scheme: 'rpm' | 'dpkg' | 'apk', packages: readonly MatchPackage[], running: string | null): KernelSelection {
  if (running === null || running === '' || scheme === 'apk') return { packages: [...packages], rebootRequired: false };
  if (scheme === 'rpm') {
    const kernels = packages.filter((p) => RPM_KERNEL.test(p.name));
    const runningPkgs = kernels.filter((p) => rpmKernelRelease(p) === running || running.startsWith(`${p.evr.replace(/^\d+:/, '')}.`));
    // The running kernel's package was removed: keep every kernel rather than hide it.
    if (runningPkgs.length === 0) return { packages: [...packages], rebootRequired: false };
    const runningEvr = runningPkgs[0]!.evr;
    const rebootRequired = kernels.some((p) => (p.name === 'kernel' || p.name === 'kernel-core' || p.name === 'kernel-uek') && safeNewer('rpm', p.evr, runningEvr));
    return { packages: packages.filter((p) => !RPM_KERNEL.test(p.name) || runningPkgs.includes(p)), rebootRequired };
  }
  let runningImage: MatchPackage | undefined;
  const others: MatchPackage[] = [];
  for (const p of packages) {
    const m = DPKG_KERNEL.exec(p.name);
    if (m === null) continue;
    if (m[2] === running) {
      if (m[1] === 'image' || m[1] === 'image-unsigned') runningImage = p;
    } else {
      others.push(p);
    }
  }
  const rebootRequired =
    runningImage !== undefined &&
    others.some((p) => /^linux-image(-unsigned)?-/.test(p.name) && safeNewer('dpkg', p.sourceVersion ?? p.evr, runningImage.sourceVersion ?? runningImage.evr));
  const skip = new Set(others);
  return { packages: packages.filter((p) => !skip.has(p)), rebootRequired };
}

function safeNewer(scheme: 'rpm' | 'dpkg', a: string, b: string): boolean {
  try {
    return compareVersions(scheme, a, b) > 0;
  } catch {
    return false;
  }
}

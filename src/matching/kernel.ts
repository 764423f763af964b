/**
 * Kernels: several versions are installed side by side, only the running one
 * matters. Installed-but-not-running kernels are not findings; a newer
 * installed kernel than the running one means a reboot is required.
 */
import { compareVersions } from '../versioning/index.js';
import type { MatchPackage, MatchTarget } from './types.js';

/** rpm packages installed once per kernel version (dnf's installonlypkgs, kernel part). */
const RPM_KERNEL = /^kernel(-(core|modules|modules-core|modules-extra|modules-internal|devel|devel-matched|uek|uek-core|uek-modules|uek-modules-extra|uek-devel|rt|rt-core|rt-modules|rt-modules-extra|rt-devel|debug|debug-core|debug-modules|debug-modules-extra|debug-devel|64k|64k-core|64k-modules|64k-modules-extra))?$/;

/** dpkg binaries that carry a kernel release in their name (linux-image-6.1.0-18-amd64). */
const DPKG_KERNEL = /^linux-(image|image-unsigned|modules|modules-extra|headers|buildinfo|tools|cloud-tools)-(\d[^\s]*)$/;

/**
 * SUSE: the packages zypp installs once per kernel build (they provide `multiversion(kernel)`):
 * one per flavour (`kernel-default`, `kernel-azure`…, with `-base`, `-devel`, `-extra`,
 * `-optional`), plus the flavourless `kernel-devel`, `kernel-source` and `kernel-syms`. Their
 * version-release is the kernel's: `kernel-default` 4.12.14-150.66.1 runs as `uname -r`
 * 4.12.14-150.66-default (the last release number, the rebuild counter, is not in it), and
 * `kernel-default-base` 6.12.0-160000.2.1.160000.2.1 as 6.12.0-160000.2-default.
 * Kernel module packages (`*-kmp-default`) are matched like any package: those built outside
 * the kernel (drbd, virtualbox) are not tied to one kernel build.
 */
const SUSE_KERNEL =
  /^kernel-(?:(?:default|azure|preempt|rt|64kb|kvmsmall|vanilla|debug|zfcpdump|pae|xen|ec2|trace|lpae|bigsmp|desktop)(?:-(?:base|devel|extra|optional))?|devel|source|syms)$/;
/** Built once per kernel version for every flavour. */
const SUSE_FLAVOURLESS = /^kernel-(?:devel|source|syms)$/;

/** Whether which kernel runs decides if this package is matched (so it must be matched with all its kin). */
export function isKernelPackage(scheme: 'rpm' | 'dpkg' | 'apk', name: string): boolean {
  return scheme === 'rpm' ? RPM_KERNEL.test(name) : scheme === 'dpkg' ? DPKG_KERNEL.test(name) : false;
}

/** `isKernelPackage` for a host: SUSE names its kernels its own way. */
export function isTargetKernelPackage(target: Pick<MatchTarget, 'family' | 'scheme'>, name: string): boolean {
  return target.family === 'suse' ? SUSE_KERNEL.test(name) : isKernelPackage(target.scheme, name);
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

/** `selectRunningKernel` for a host: SUSE hosts by their own kernel names and `uname -r` form. */
export function selectRunningKernelOf(target: Pick<MatchTarget, 'family' | 'scheme'>, packages: readonly MatchPackage[], running: string | null): KernelSelection {
  return target.family === 'suse' ? selectRunningSuseKernel(packages, running) : selectRunningKernel(target.scheme, packages, running);
}

/**
 * SUSE (as vuls' `isRunningKernel` for SUSE): `uname -r` is `<version>-<release without its
 * last number>-<flavour>`; a kernel package runs when its version-release continues that
 * prefix with a dot. Kernels of other flavours and other builds are left out; when no package
 * of the running build is installed, every kernel is kept rather than hidden.
 */
export function selectRunningSuseKernel(packages: readonly MatchPackage[], running: string | null): KernelSelection {
  const m = running === null ? null : /^(.+)-([a-z0-9]+)$/.exec(running.trim());
  if (m === null) return { packages: [...packages], rebootRequired: false };
  const build = m[1]!;
  const flavour = m[2]!;
  const ofFlavour = (name: string): boolean => name === `kernel-${flavour}` || name.startsWith(`kernel-${flavour}-`);
  const isImage = (name: string): boolean => name === `kernel-${flavour}` || name === `kernel-${flavour}-base`;
  const kernels = packages.filter((p) => SUSE_KERNEL.test(p.name));
  const runningPkgs = kernels.filter((p) => {
    const vr = p.evr.replace(/^\d+:/, '');
    return (vr === build || vr.startsWith(`${build}.`)) && (ofFlavour(p.name) || SUSE_FLAVOURLESS.test(p.name));
  });
  const images = runningPkgs.filter((p) => isImage(p.name));
  // The running kernel's package was removed: keep every kernel rather than hide it.
  if (images.length === 0) return { packages: [...packages], rebootRequired: false };
  const rebootRequired = kernels.some((p) => {
    if (!isImage(p.name) || runningPkgs.includes(p)) return false;
    const same = images.find((r) => r.name === p.name) ?? images[0]!;
    return safeNewer('rpm', p.evr, same.evr);
  });
  return { packages: packages.filter((p) => !SUSE_KERNEL.test(p.name) || runningPkgs.includes(p)), rebootRequired };
}

function safeNewer(scheme: 'rpm' | 'dpkg', a: string, b: string): boolean {
  try {
    return compareVersions(scheme, a, b) > 0;
  } catch {
    return false;
  }
}

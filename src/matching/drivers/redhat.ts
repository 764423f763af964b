/**
 * RHEL, CentOS (with RHEL data), AlmaLinux, Rocky Linux: advisories key the
 * binary RPM name; a module build (MODULARITYLABEL name:stream:version:context)
 * is fixed only by a fix in the same module stream, and a non-module package
 * only by a non-module fix.
 */
import type { MatchPackage, MatchableRow, MatchTarget } from '../types.js';
import { isSourcePackageRow } from '../../feeds/shared/redhat.js';
import { archApplies, isOrdinaryChannel, type Driver } from './driver.js';

/** `nodejs:18:8090020231025135511:a75119d5` → `nodejs:18`. */
export function moduleStreamOf(label: string | null): string | null {
  if (label === null || label === '') return null;
  const [name, stream] = label.split(':');
  return name !== undefined && stream !== undefined && name !== '' && stream !== '' ? `${name}:${stream}` : null;
}

const PREFERENCE = [
  'redhat-csaf',
  'redhat-vex',
  'redhat-securitydata',
  'redhat-oval',
  'osv:Red Hat',
  'osv:AlmaLinux',
  'rocky-csaf',
  'rocky-vex',
  'osv:Rocky Linux',
];

const isBinaryPackageRow = (row: MatchableRow): boolean => !isSourcePackageRow(row);

export const redhatDriver: Driver = {
  family: 'redhat',
  // Most RHEL-family data names binary RPMs; Red Hat's per-CVE data names source RPMs
  // (vim, not vim-minimal): those rows are found through the binary's SOURCERPM.
  keys: (p) => [
    { name: p.name, version: p.evr, accepts: isBinaryPackageRow },
    // Without a known SOURCERPM the binary name is the best guess of the source name (sudo, polkit).
    { name: p.sourceName ?? p.name, version: p.evr, accepts: isSourcePackageRow },
  ],
  applies(row: MatchableRow, p: MatchPackage): boolean {
    return isOrdinaryChannel(row) && archApplies(row, p) && (row.moduleStream ?? null) === moduleStreamOf(p.modularityLabel);
  },
  sourceRank: (source) => {
    const i = PREFERENCE.indexOf(source);
    return i < 0 ? PREFERENCE.length : i;
  },
  remediation(target: MatchTarget, packages: string[], advisories: string[]): string {
    const el = Number(target.release);
    if (el >= 8 && advisories.length > 0) return `dnf upgrade ${advisories.map((a) => `--advisory=${a}`).join(' ')}`;
    return `${el >= 8 ? 'dnf upgrade' : 'yum update'} ${packages.join(' ')}`;
  },
};

/**
 * From a host's os-release to the advisory data it is matched against, with
 * each release's end of security support. A distribution we hold no data for
 * is an explicit "unsupported" result, never a silent zero.
 */
import type { OsInfo } from '../domain/inventory.js';
import type { MatchTarget, TargetResult } from './types.js';

/**
 * End of security support per (data distro, release), ISO dates, from the
 * distributions' published lifecycles (RHEL maintenance support 2 ends / Debian LTS /
 * Ubuntu standard support / Alpine main repository support).
 */
const END_OF_LIFE: Readonly<Record<string, string>> = {
  'rhel:6': '2020-11-30',
  'rhel:7': '2024-06-30',
  'rhel:8': '2029-05-31',
  'rhel:9': '2032-05-31',
  'rhel:10': '2035-05-31',
  'almalinux:8': '2029-03-01',
  'almalinux:9': '2032-05-31',
  'almalinux:10': '2035-05-31',
  'rocky:8': '2029-05-31',
  'rocky:9': '2032-05-31',
  'rocky:10': '2035-05-31',
  'debian:9': '2022-06-30',
  'debian:10': '2024-06-30',
  'debian:11': '2026-08-31',
  'debian:12': '2028-06-30',
  'debian:13': '2030-06-30',
  'ubuntu:14.04': '2019-04-30',
  'ubuntu:16.04': '2021-04-30',
  'ubuntu:18.04': '2023-05-31',
  'ubuntu:20.04': '2025-05-31',
  'ubuntu:22.04': '2027-06-30',
  'ubuntu:24.04': '2029-06-30',
  'alpine:3.16': '2024-05-23',
  'alpine:3.17': '2024-11-22',
  'alpine:3.18': '2025-05-09',
  'alpine:3.19': '2025-11-01',
  'alpine:3.20': '2026-04-01',
  'alpine:3.21': '2026-11-01',
  'alpine:3.22': '2027-05-01',
};

function major(v: string): string {
  return v.split('.')[0] ?? v;
}

function target(t: Omit<MatchTarget, 'endOfLife'>): TargetResult {
  return { supported: true, target: { ...t, endOfLife: END_OF_LIFE[`${t.distro}:${t.release}`] ?? null } };
}

export function resolveTarget(os: OsInfo): TargetResult {
  const v = os.versionId;
  switch (os.id) {
    case 'rhel':
    case 'almalinux':
    case 'rocky':
      if (v === '') return { supported: false, reason: `${os.prettyName || os.id}: no VERSION_ID` };
      return target({ family: 'redhat', hostDistro: os.id, distro: os.id, release: major(v), scheme: 'rpm' });
    case 'centos':
      // CentOS Linux is matched with the RHEL data of its major release (CentOS Stream is not RHEL).
      if (/stream/i.test(os.prettyName) || v === '' || Number(major(v)) >= 9) {
        return { supported: false, reason: `${os.prettyName || 'CentOS'}: CentOS Stream has no advisory data` };
      }
      return target({ family: 'redhat', hostDistro: 'centos', distro: 'rhel', release: major(v), scheme: 'rpm' });
    case 'debian': {
      const release = v === '' ? (os.codename === 'sid' ? 'sid' : '') : major(v);
      if (release === '') return { supported: false, reason: `${os.prettyName || 'Debian'}: testing has no fixed release key` };
      return target({ family: 'debian', hostDistro: 'debian', distro: 'debian', release, scheme: 'dpkg' });
    }
    case 'ubuntu':
      if (!/^\d+\.\d+$/.test(v)) return { supported: false, reason: `${os.prettyName || 'Ubuntu'}: unrecognised VERSION_ID "${v}"` };
      return target({ family: 'debian', hostDistro: 'ubuntu', distro: 'ubuntu', release: v, scheme: 'dpkg' });
    case 'alpine': {
      const m = /^(\d+\.\d+)/.exec(v);
      if (m?.[1] === undefined) return { supported: false, reason: `${os.prettyName || 'Alpine'}: unrecognised version "${v}"` };
      return target({ family: 'alpine', hostDistro: 'alpine', distro: 'alpine', release: m[1], scheme: 'apk' });
    }
    default:
      return { supported: false, reason: `${os.prettyName || os.id}: no advisory data for this distribution` };
  }
}


/**
 * From a host's os-release to the advisory data it is matched against, with
 * each release's end of security support. A distribution we hold no data for
 * is an explicit "unsupported" result, never a silent zero.
 */
import type { DistroId } from '../domain/advisory.js';
import type { OsInfo } from '../domain/inventory.js';
import type { MatchTarget, MatchableRow, ReleaseKey, TargetResult } from './types.js';

/**
 * End of general support of each SUSE Linux Enterprise service pack, by release key
 * (`15.5` = 15 SP5, `15` = 15 GA), from SUSE's lifecycle table (https://www.suse.com/lifecycle,
 * "General Support Ends"; as listed by endoflife.date `products/sles.md`), and for 15 SP6 and
 * SP7 from SUSE's announcements (SP6 general support ended December 2025, SP7 ends with the
 * SLE 15 codestream's general support, 2031-07-31). LTSS, which extends a service pack by
 * three years, is a separate subscription (its rows are not matched: see `drivers/suse.ts`),
 * so it does not extend these dates. The same dates are used for SLED and SLES for SAP
 * Applications of the service pack.
 */
const SLE_GENERAL_SUPPORT: Readonly<Record<string, string>> = {
  '11.4': '2019-03-31',
  '12': '2016-06-30',
  '12.1': '2017-05-31',
  '12.2': '2018-03-31',
  '12.3': '2019-06-30',
  '12.4': '2020-06-30',
  '12.5': '2024-10-31',
  '15': '2019-12-31',
  '15.1': '2021-01-31',
  '15.2': '2021-12-31',
  '15.3': '2022-12-31',
  '15.4': '2023-12-31',
  '15.5': '2024-12-31',
  '15.6': '2025-12-31',
  '15.7': '2031-07-31',
};

/** SUSE Linux Enterprise products whose os-release `ID` we match (`sle_hpc`, `sle-micro` not yet). */
const SLE_IDS: readonly DistroId[] = ['sles', 'sled', 'sles_sap'];

/**
 * End of security support per (data distro, release), ISO dates, from the
 * distributions' published lifecycles (RHEL maintenance support 2 ends / Debian LTS /
 * Ubuntu standard support / Alpine main repository support / SUSE general support of
 * the service pack, above / openSUSE Leap end of life, https://en.opensuse.org/Lifetime as
 * listed by endoflife.date `products/opensuse.md`). openSUSE Tumbleweed is rolling: no date.
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
  ...Object.fromEntries(SLE_IDS.flatMap((id) => Object.entries(SLE_GENERAL_SUPPORT).map(([release, date]) => [`${id}:${release}`, date]))),
  'opensuse-leap:42.1': '2017-05-17',
  'opensuse-leap:42.2': '2018-01-26',
  'opensuse-leap:42.3': '2019-07-01',
  'opensuse-leap:15.0': '2019-12-03',
  'opensuse-leap:15.1': '2021-02-02',
  'opensuse-leap:15.2': '2022-01-04',
  'opensuse-leap:15.3': '2022-12-31',
  'opensuse-leap:15.4': '2023-12-07',
  'opensuse-leap:15.5': '2024-12-31',
  'opensuse-leap:15.6': '2026-04-30',
  'opensuse-leap:16.0': '2027-10-31',
};

function major(v: string): string {
  return v.split('.')[0] ?? v;
}

function target(t: Omit<MatchTarget, 'endOfLife' | 'keys'>, more: readonly ReleaseKey[] = []): TargetResult {
  const keys: ReleaseKey[] = [{ distro: t.distro, release: t.release, rows: 'all' }, ...more];
  return { supported: true, target: { ...t, keys, endOfLife: END_OF_LIFE[`${t.distro}:${t.release}`] ?? null } };
}

/** Does this row lie under one of the target's release keys (and within what that key admits)? */
export function isTargetRow(target: Pick<MatchTarget, 'keys'>, row: Pick<MatchableRow, 'distro' | 'release' | 'channel'>): boolean {
  for (const k of target.keys) {
    if (k.distro !== row.distro || k.release !== row.release) continue;
    if (k.rows === 'all') return true;
    if (row.channel !== null && (k.rows === 'addons' || row.channel.startsWith('module-'))) return true;
  }
  return false;
}

/** SLE 12 service packs: their modules are released once for all of SLE 12 (`Module for Web Scripting 12`). */
const SLE12_SERVICE_PACKS = ['12.1', '12.2', '12.3', '12.4', '12.5'];

/**
 * The host keys (`distro`, `release` a host is matched as) whose targets see rows stored
 * under this key: the inverse of `keys`, for re-matching hosts after a feed update.
 */
export function hostKeysSeeing(distro: string, release: string): { distro: string; release: string }[] {
  if (distro !== 'sles') return [{ distro, release }];
  const releases = release === '12' ? ['12', ...SLE12_SERVICE_PACKS] : [release];
  return SLE_IDS.flatMap((id) => releases.map((r) => ({ distro: id, release: r })));
}

/**
 * SUSE Linux Enterprise: `VERSION_ID` "15.5" is 15 SP5 → release key `15.5`; "15" (GA, also
 * written "15.0") → `15`, as SUSE's product names ("… Server 15") and OSV (`SUSE:Linux
 * Enterprise Server 15`) key the GA release. The product's own rows apply; SLED and SLES for
 * SAP also install the SLES modules and add-ons of their service pack, stored under `sles`;
 * SLE 12 SPn hosts also see the SLE 12 modules, which SUSE releases without a service pack.
 */
function sle(os: OsInfo, id: DistroId, label: string): TargetResult {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(os.versionId);
  if (m === null) return { supported: false, reason: `${label}: unrecognised VERSION_ID "${os.versionId}"` };
  const sp = Number(m[2] ?? '0');
  const release = sp === 0 ? m[1]! : `${m[1]!}.${sp}`;
  const more: ReleaseKey[] = [];
  if (id !== 'sles') more.push({ distro: 'sles', release, rows: 'addons' });
  if (m[1] === '12' && sp > 0) more.push({ distro: 'sles', release: '12', rows: 'modules' });
  return target({ family: 'suse', hostDistro: os.id, distro: id, release, scheme: 'rpm' }, more);
}

/** openSUSE Leap: `VERSION_ID` "15.5" → `15.5` (also "15.0", "42.3"); a pre-release "15.2.1" → `15.2`. */
function leap(os: OsInfo, label: string): TargetResult {
  const m = /^(\d+\.\d+)(?:\.\d+)?$/.exec(os.versionId);
  if (m === null) return { supported: false, reason: `${label}: unrecognised VERSION_ID "${os.versionId}"` };
  return target({ family: 'suse', hostDistro: os.id, distro: 'opensuse-leap', release: m[1]!, scheme: 'rpm' });
}

/** openSUSE Tumbleweed is one rolling release (its `VERSION_ID` is a snapshot date). */
function tumbleweed(os: OsInfo): TargetResult {
  return target({ family: 'suse', hostDistro: os.id, distro: 'opensuse-tumbleweed', release: 'rolling', scheme: 'rpm' });
}

/**
 * `ID=opensuse` (openSUSE 13.x, Leap 42.x, early Tumbleweed) and a bare `ID=suse`: the product
 * is told by the name, or by the version (42.x was only ever Leap, a date only Tumbleweed).
 */
function suseByName(os: OsInfo): TargetResult {
  const label = os.prettyName || os.name || os.id;
  const text = `${os.name} ${os.prettyName}`;
  if (/tumbleweed/i.test(text) || /^\d{8}$/.test(os.versionId)) return tumbleweed(os);
  if (/leap/i.test(text) || /^42\.\d+$/.test(os.versionId)) return leap(os, label);
  if (/Enterprise Server for SAP|SLES_SAP/i.test(text)) return sle(os, 'sles_sap', label);
  if (/Enterprise Server|\bSLES\b/i.test(text)) return sle(os, 'sles', label);
  if (/Enterprise Desktop|\bSLED\b/i.test(text)) return sle(os, 'sled', label);
  return { supported: false, reason: `${label}: no advisory data for this SUSE release (SUSE data cover SUSE Linux Enterprise, openSUSE Leap and Tumbleweed)` };
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
    case 'sles':
    case 'sled':
    case 'sles_sap':
      return sle(os, os.id, os.prettyName || os.id);
    case 'opensuse-leap':
      return leap(os, os.prettyName || 'openSUSE Leap');
    case 'opensuse-tumbleweed':
      return tumbleweed(os);
    case 'opensuse':
    case 'suse':
      return suseByName(os);
    default:
      return { supported: false, reason: `${os.prettyName || os.id}: no advisory data for this distribution` };
  }
}


/**
 * Red Hat family conventions shared by the Red Hat OVAL, CSAF/VEX and Security Data
 * parsers: product CPEs → (distro, release key, channel), Red Hat's fix states →
 * `AffectedStatus`, and RPM name/version strings. Pure.
 *
 * ## CPE → (distro, release, channel)
 *
 * Release keys and channels follow `domain/advisory.ts`.
 *
 * | CPE (product:version[:update[:edition]])                       | distro  | release | channel            |
 * |-----------------------------------------------------------------|---------|---------|--------------------|
 * | `cpe:/o:redhat:enterprise_linux:7[::server]`, `cpe:/a:redhat:enterprise_linux:8::appstream`, `…:9::crb`, `…:7::hypervisor` | rhel | `7` | null |
 * | `cpe:/o:redhat:rhel_eus:8.6[::baseos]`                          | rhel    | `8`     | `eus:8.6`          |
 * | `cpe:/a:redhat:rhel_aus:8.6::appstream`                         | rhel    | `8`     | `aus:8.6`          |
 * | `cpe:/o:redhat:rhel_e4s:7.6::server`                            | rhel    | `7`     | `e4s:7.6`          |
 * | `cpe:/o:redhat:rhel_tus:7.6::server`                            | rhel    | `7`     | `tus:7.6`          |
 * | `cpe:/a:redhat:rhel_eus_long_life:8.4`                          | rhel    | `8`     | `eus-long-life:8.4`|
 * | `cpe:/o:redhat:rhel_els:6`                                      | rhel    | `6`     | `els`              |
 * | `cpe:/a:redhat:rhel_extras:7`, `rhel_extras_oracle_java:7`, `rhel_extras_sap:7`, … (Extras, Supplementary) | rhel | `7` | null |
 * | `cpe:2.3:o:ciq:rocky_linux_from_ciq:9:…`                        | rocky   | `9`     | `ciq`              |
 * | `cpe:2.3:o:ciq:rocky_linux_from_ciq:8.6:…`                      | rocky   | `8`     | `ciq:8.6`          |
 * | `cpe:2.3:o:ciq:rocky_linux_from_ciq_lts:9.2:…`                  | rocky   | `9`     | `ciq-lts:9.2`      |
 * | anything else (OpenShift, Satellite, JBoss, Software Collections, CentOS Bridge…) | – | – | not mapped (rows skipped and reported) |
 *
 * Extras and Supplementary ship package names found nowhere else (`java-1.8.0-ibm`,
 * `java-1.8.0-oracle`), so they stay in the ordinary stream. CIQ's "Rocky Linux from CIQ"
 * products are CIQ's own subscription builds (`…el9_2_ciq`, `…ciqlts`), not the community
 * Rocky Linux update stream, so they carry a `ciq…` channel: a driver opts in to them.
 * CentOS 7 hosts use the `rhel` `7` rows.
 */
import type { AffectedStatus, DistroId } from '../../domain/advisory.js';

export interface RhelFamilyTarget {
  distro: DistroId;
  release: string;
  channel: string | null;
}

const cache = new Map<string, RhelFamilyTarget | null>();

/** Maps a Red Hat (CPE 2.2 URI) or CIQ (CPE 2.3) product CPE; null when it is not a release we key. */
export function mapRhelFamilyCpe(cpe: string): RhelFamilyTarget | null {
  let t = cache.get(cpe);
  if (t === undefined) {
    t = cpe.startsWith('cpe:2.3:') ? mapCpe23(cpe) : mapCpe22(cpe);
    if (cache.size < 10_000) cache.set(cpe, t);
  }
  return t;
}

const VERSION = /^(\d+)(?:\.(\d+))?$/;

function mapCpe22(cpe: string): RhelFamilyTarget | null {
  const m = /^cpe:\/[aoh]:redhat:([a-z0-9_]+):([^:]*)/.exec(cpe);
  if (!m) return null;
  const product = m[1]!;
  const version = VERSION.exec(m[2]!);
  if (!version) return null;
  const major = version[1]!;
  const minor = version[2];
  if (product === 'enterprise_linux' || product === 'rhel_extras' || product.startsWith('rhel_extras_')) {
    return { distro: 'rhel', release: major, channel: null };
  }
  const stream = /^rhel_(eus|aus|e4s|tus|els|eus_long_life)$/.exec(product);
  if (!stream) return null;
  const name = stream[1]!.replace(/_/g, '-');
  return { distro: 'rhel', release: major, channel: minor === undefined ? name : `${name}:${major}.${minor}` };
}

function mapCpe23(cpe: string): RhelFamilyTarget | null {
  const parts = cpe.split(':');
  if (parts[3] !== 'ciq') return null;
  const product = parts[4];
  const version = VERSION.exec(parts[5] ?? '');
  if (!version) return null;
  const major = version[1]!;
  const minor = version[2];
  if (product === 'rocky_linux_from_ciq') {
    return { distro: 'rocky', release: major, channel: minor === undefined ? 'ciq' : `ciq:${major}.${minor}` };
  }
  if (product === 'rocky_linux_from_ciq_lts') {
    return { distro: 'rocky', release: major, channel: minor === undefined ? 'ciq-lts' : `ciq-lts:${major}.${minor}` };
  }
  return null;
}

/**
 * Red Hat's fix states (Security Data API `fix_state`, OVAL `<resolution state>`, CSAF
 * remediation details) → status; null for an unknown state.
 *
 * | Red Hat                         | status                |
 * |---------------------------------|-----------------------|
 * | Affected                        | `affected`            |
 * | Fix deferred, Deferred          | `fix_deferred`        |
 * | Will not fix                    | `will_not_fix`        |
 * | Out of support scope            | `end_of_life`         |
 * | Not affected                    | `not_affected`        |
 * | Under investigation, New        | `under_investigation` |
 */
export function redHatFixState(state: string): AffectedStatus | null {
  switch (state.trim().toLowerCase()) {
    case 'affected':
      return 'affected';
    case 'fix deferred':
    case 'deferred':
      return 'fix_deferred';
    case 'will not fix':
    case "won't fix":
      return 'will_not_fix';
    case 'out of support scope':
      return 'end_of_life';
    case 'not affected':
      return 'not_affected';
    case 'under investigation':
    case 'new':
      return 'under_investigation';
    default:
      return null;
  }
}

/** RHEL-family module build marker in an RPM release: `.module+el8.4.0+570+…`, `.module_el8.7.0+3493+…`. */
export const MODULE_BUILD = /\.module[+_]el\d/;

/** `name-[epoch:]version-release` (an NEVR without arch, as the Security Data API writes fixed packages). */
export interface RpmNevr {
  name: string;
  /** `[epoch:]version-release` as written (`2:7.4.160-6.el7_6`). */
  evr: string;
}

/**
 * Splits `vim-2:7.4.160-6.el7_6` into `vim` and `2:7.4.160-6.el7_6`: the release is after
 * the last '-', the version (with its optional `epoch:` prefix) after the one before.
 * Null when there are not two dashes with something on each side.
 */
export function splitNevr(s: string): RpmNevr | null {
  const relDash = s.lastIndexOf('-');
  if (relDash <= 0 || relDash === s.length - 1) return null;
  const verDash = s.lastIndexOf('-', relDash - 1);
  if (verDash <= 0 || verDash === relDash - 1) return null;
  return { name: s.slice(0, verDash), evr: s.slice(verDash + 1) };
}

/**
 * Marks RHEL-family rows keyed by the *source* RPM name (the Security Data API names
 * `vim`, not `vim-minimal`): `note` is `source package` or starts with `source package; `
 * (then the erratum or fix state). The model has no field for this yet; matching must map
 * installed binaries to their source RPM for these rows. See `isSourcePackageRow`.
 */
export const SOURCE_PACKAGE_NOTE = 'source package';

export function sourcePackageNote(detail: string | null): string {
  return detail === null || detail === '' ? SOURCE_PACKAGE_NOTE : `${SOURCE_PACKAGE_NOTE}; ${detail}`;
}

export function isSourcePackageRow(p: { note: string | null }): boolean {
  return p.note === SOURCE_PACKAGE_NOTE || (p.note?.startsWith(`${SOURCE_PACKAGE_NOTE}; `) ?? false);
}
